"""``sanctions-model share [SWEEP]``: one zip file to send someone, the site as they would open it.

A plain ``zip -r outputs/default`` follows the ``latest`` and ``latest-ok`` links and stores every
report two or three times (25 MB for the default sweep). The bundle holds the site's pages
(``index.html``, ``runs.html``, ``methods.html``, ``index.csv``, ``figures.csv``, ``figures/``) and,
of the one sweep they show, each run's ``report.html``, ``results.json`` and ``run.json``: no
link is followed, no file is stored twice, and every link of the pages resolves inside the zip.
The zip is written to a temporary name and renamed, so a half-written bundle is never left.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from sanctions_model._io import atomic_path
from sanctions_model.errors import ParameterError

__all__ = ["RUN_FILES", "SITE_FILES", "bundle", "shown_sweep"]

SITE_FILES = ("index.html", "runs.html", "methods.html", "index.csv", "figures.csv")
RUN_FILES = ("report.html", "results.json", "run.json")


def shown_sweep(folder: Path) -> tuple[Path, str]:
    """The sweep folder whose runs the pages of ``folder`` link to, and the prefix of those links:
    a sweep root shows ``latest-ok`` (else ``latest``); a timestamp folder shows itself."""
    for link in ("latest-ok", "latest"):
        target = folder / link
        if target.is_symlink() and target.resolve().is_dir():
            stamp = target.resolve()
            return stamp, f"{stamp.name}/"
    if (folder / "sweep.json").is_file() or any(folder.glob("*/run.json")):
        return folder, ""
    raise ParameterError(
        f"{folder}: not a sweep folder (no latest/latest-ok link, no sweep.json, no run folders); "
        "run `sanctions-model sweep ...` first"
    )


def bundle(sweep: str | Path = "outputs/default", output: str | Path | None = None) -> Path:
    """Write the zip of ``sweep``'s site (see the module docstring); return its path."""
    folder = Path(sweep)
    if not folder.is_dir():
        raise ParameterError(f"{sweep}: no such sweep folder (run `make report` first)")
    if not (folder / "index.html").is_file():
        raise ParameterError(f"{sweep}: no index.html (the sweep has not published its pages)")
    stamp, prefix = shown_sweep(folder)
    folder = folder.resolve()
    name = folder.name if not prefix else f"{folder.name}-{stamp.name}"
    target = Path(output) if output else folder.parent / f"{name}.zip"
    members: list[tuple[Path, str]] = []
    for page in SITE_FILES:
        if (folder / page).is_file():
            members.append((folder / page, page))
    figures = folder / "figures"
    if figures.is_dir() and not figures.is_symlink():
        members += [(f, f"figures/{f.name}") for f in sorted(figures.glob("*.csv")) if f.is_file()]
    for run in sorted(p for p in stamp.iterdir() if p.is_dir() and not p.is_symlink()):
        for file in RUN_FILES:
            path = run / file
            if path.is_file() and not path.is_symlink():
                members.append((path, f"{prefix}{run.name}/{file}"))
    with atomic_path(target) as tmp:  # a half-written bundle never replaces a good one
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            for path, arcname in members:
                zf.write(path, arcname)
    return target


def cmd_share(args) -> int:
    """The ``share`` subcommand: write the bundle and print its path and size."""
    path = bundle(args.sweep, args.output)
    size = path.stat().st_size
    with zipfile.ZipFile(path) as zf:
        count = len(zf.namelist())
    print(f"{path}: {size / 1e6:.1f} MB, {count} files; unzip and open index.html")
    return 0

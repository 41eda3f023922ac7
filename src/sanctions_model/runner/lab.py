"""``make lab`` / ``make lab-stop``: a pid file that names one process, never whoever reuses its pid.

``python -m sanctions_model.runner.lab start PIDFILE -- COMMAND...`` writes PIDFILE (its own pid,
the process's start time in clock ticks since boot, the boot id and COMMAND) and then replaces
itself with COMMAND (``exec``: same pid, same start time). ``... stop PIDFILE`` opens a handle on
that pid (``pidfd_open``, so the pid cannot be recycled between the check and the signal), checks
that the process has the recorded boot id and start time and that its command line is COMMAND,
and only then sends SIGTERM (SIGKILL after :data:`STOP_GRACE` seconds). A pid file left behind by
Ctrl-C, SIGTERM or a crash therefore never kills an unrelated process that got the same pid: it is
reported as stale and removed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

STOP_GRACE = 20.0


def _proc(pid: int, name: str) -> bytes | None:
    try:
        return Path(f"/proc/{pid}/{name}").read_bytes()
    except OSError:
        return None


def start_ticks(pid: int) -> int | None:
    """Field 22 of ``/proc/PID/stat``: when the process started, in clock ticks since boot."""
    stat = _proc(pid, "stat")
    if stat is None:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after its last ')'
    fields = stat[stat.rfind(b")") + 2 :].split()
    return int(fields[19])


def boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def cmdline(pid: int) -> list[str] | None:
    raw = _proc(pid, "cmdline")
    if raw is None:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def record(pid: int, command: Sequence[str]) -> dict[str, Any]:
    return {
        "pid": pid,
        "start_ticks": start_ticks(pid),
        "boot_id": boot_id(),
        "command": list(command),
    }


def start(pid_file: Path, command: Sequence[str]) -> None:
    """Write ``pid_file`` for this process, then ``exec`` ``command`` (does not return)."""
    if not command:
        raise SystemExit("lab start: give the command after --")
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = pid_file.with_name(f".{pid_file.name}.{os.getpid()}")
    tmp.write_text(json.dumps(record(os.getpid(), command)) + "\n", encoding="utf-8")
    os.replace(tmp, pid_file)
    os.execvp(command[0], list(command))


def _same_command(actual: list[str], recorded: list[str]) -> bool:
    """``actual`` is still ``recorded``: a program of that name (``jupyter`` may exec
    ``jupyter-lab``, and a script shows its interpreter first) with every ``--option`` given."""
    if not recorded:
        return False
    program = Path(recorded[0]).name
    options = [a for a in recorded[1:] if a.startswith("--")]
    return any(Path(a).name.startswith(program) for a in actual) and all(
        o in actual for o in options
    )


def identify(info: dict[str, Any]) -> str | None:
    """None if the process ``info`` describes is running, else why not (for the message)."""
    pid = info.get("pid")
    if not isinstance(pid, int) or pid <= 1:
        return "the pid file names no valid pid"
    if info.get("boot_id") != boot_id():
        return f"pid {pid} is from before the last reboot"
    ticks = start_ticks(pid)
    if ticks is None:
        return f"no process has pid {pid} any more"
    if ticks != info.get("start_ticks"):
        return f"pid {pid} now belongs to another process (started at another time)"
    actual = cmdline(pid) or []
    if not _same_command(actual, list(info.get("command") or [])):
        shown = " ".join(actual)[:120]
        return f"pid {pid} now runs something else ({shown!r})"
    return None


def stop(pid_file: Path, out=sys.stdout) -> int:
    """Stop the process ``pid_file`` names if it is still that process; remove the file. Exit 0."""
    try:
        text = pid_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        print("no JupyterLab started by make lab is running (no pid file)", file=out)
        return 0
    try:
        info = json.loads(text)
        if not isinstance(info, dict):
            raise ValueError
    except ValueError:
        pid_file.unlink(missing_ok=True)
        print(
            f"{pid_file} is not a pid file written by `make lab` (an older format?); nothing "
            "was killed, the file was removed. Stop a JupyterLab still running by hand.",
            file=out,
        )
        return 0
    pid = info.get("pid")
    try:
        handle = os.pidfd_open(pid) if isinstance(pid, int) and pid > 1 else None
    except OSError:
        handle = None
    try:
        problem = identify(info) if handle is not None else f"no process has pid {pid} any more"
        if problem is not None:
            print(
                f"no JupyterLab started by make lab is running: {problem}; nothing was killed, "
                f"the stale {pid_file} was removed",
                file=out,
            )
            return 0
        signal.pidfd_send_signal(handle, signal.SIGTERM)  # the handle, not the pid: no reuse
        if not _wait(handle, STOP_GRACE):
            signal.pidfd_send_signal(handle, signal.SIGKILL)
            _wait(handle, 5.0)
        print(f"stopped JupyterLab (pid {pid})", file=out)
        return 0
    finally:
        if handle is not None:
            os.close(handle)
        pid_file.unlink(missing_ok=True)


def _wait(handle: int, seconds: float) -> bool:
    """True once the process behind ``handle`` has exited (its pidfd becomes readable)."""
    deadline = time.monotonic() + seconds
    poller = select.poll()
    poller.register(handle, select.POLLIN)
    while time.monotonic() < deadline:
        if poller.poll(200):
            return True
    with contextlib.suppress(OSError):
        signal.pidfd_send_signal(handle, 0)
        return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sanctions_model.runner.lab")
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("start", help="write PIDFILE, then exec the command after --")
    p.add_argument("pid_file", type=Path)
    p.add_argument("command", nargs=argparse.REMAINDER)
    p = sub.add_parser("stop", help="stop the process PIDFILE names, if it is still that one")
    p.add_argument("pid_file", type=Path)
    args = parser.parse_args(argv)
    if args.action == "start":
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        start(args.pid_file, command)
    return stop(args.pid_file)


if __name__ == "__main__":
    sys.exit(main())

"""What a kernel may see of the runner's environment: an allow-list, minus credentials.

Kept apart from :mod:`~sanctions_model.runner.kernel` (which imports jupyter_client) so that
computing a cache key or planning a sweep does not import the kernel machinery.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

RUN_DIR_ENV = "SANCTIONS_MODEL_RUN_DIR"

#: Variables a notebook's kernel may see (names or ``PREFIX*``); everything else is dropped. The
#: connectors read API keys in the parent process, so the notebooks (whose outputs are shared)
#: need none, and a cell printing ``os.environ`` cannot leak one into a report. More names can be
#: let through with ``SANCTIONS_MODEL_KERNEL_ENV="NAME1,NAME2"`` (still filtered by shape below).
KERNEL_ENV_ALLOW = (
    "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "LC_*", "TZ", "TERM", "NO_COLOR",
    "TMPDIR", "TEMP", "TMP", "PYTHON*", "VIRTUAL_ENV", "CONDA_PREFIX", "CONDA_DEFAULT_ENV",
    "LD_LIBRARY_PATH", "MPLBACKEND", "MPLCONFIGDIR", "OPENBLAS_*", "OMP_*", "MKL_*", "NUMEXPR_*",
    "SANCTIONS_MODEL_*", "JUPYTER_*", "IPYTHONDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME",
    "XDG_DATA_HOME", "XDG_RUNTIME_DIR", "SSL_CERT_FILE", "SSL_CERT_DIR", "PYDEVD_DISABLE_FILE_VALIDATION",
)  # fmt: skip
EXTRA_ENV_VAR = "SANCTIONS_MODEL_KERNEL_ENV"

#: Names that look like credentials: dropped even when allowed above (``SANCTIONS_MODEL_API_KEY``).
SECRET_ENV = re.compile(
    r"(API_?KEY|ACCESS_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|_PWD$|_PAT$|_DSN$|CREDENTIAL"
    r"|PRIVATE_KEY|AUTH|SESSION|COOKIE)",
    re.IGNORECASE,
)
#: Values that look like credentials, whatever the variable's name: a URL with a user (and maybe
#: a password: ``postgres://u:PASS@host``, Sentry DSNs), known token formats (GitHub, GitLab,
#: Slack, AWS key ids, Stripe, OpenAI, JWTs) and PEM private keys.
SECRET_VALUE = re.compile(
    r"[a-z][a-z0-9+.-]*://[^/\s@]+@"
    r"|\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{8,}|\bgithub_pat_[A-Za-z0-9_]{8,}|\bglpat-[\w-]{8,}"
    r"|\bxox[abposr]-[\w-]{8,}|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|\b[rs]k_(?:live|test)_\w{8,}"
    r"|\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}|\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\."
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----",
    re.IGNORECASE,
)


def _allowed_name(name: str, extra: frozenset[str]) -> bool:
    if name in extra:
        return True
    return any(name.startswith(a[:-1]) if a.endswith("*") else name == a for a in KERNEL_ENV_ALLOW)


def kernel_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables of ``environ`` a kernel may see.

    An allow-list of names (:data:`KERNEL_ENV_ALLOW`, plus the names listed in
    ``SANCTIONS_MODEL_KERNEL_ENV``), minus names that look like credentials
    (:data:`SECRET_ENV`) and values that look like credentials (:data:`SECRET_VALUE`).
    """
    extra = frozenset(n.strip() for n in environ.get(EXTRA_ENV_VAR, "").split(",") if n.strip())
    return {
        k: v
        for k, v in environ.items()
        if _allowed_name(k, extra) and not SECRET_ENV.search(k) and not SECRET_VALUE.search(v)
    }


__all__ = [
    "EXTRA_ENV_VAR",
    "KERNEL_ENV_ALLOW",
    "RUN_DIR_ENV",
    "SECRET_ENV",
    "SECRET_VALUE",
    "kernel_environment",
]

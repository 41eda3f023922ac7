"""Bounds on what one run may produce: output per cell, output per run, kernel memory.

Outputs are capped as they arrive, in the runner's notebook client, so a cell that prints 300 MB
never makes a 300 MB notebook, report or runner process: once a cell has produced
``max_cell_output`` bytes (or the run ``max_run_output``), the rest of that cell's output is
dropped and one stderr line says so, which the report lists under "Notes on this run". A stream
that crosses the cap keeps its first part. Sizes count text and the encoded data of every output
(a PNG figure counts its base64 length).

The kernel's memory limit is an address-space limit (``RLIMIT_AS``, see
:func:`~sanctions_model.runner.kernel.limited_command`); a cell that needs more gets
``MemoryError``, and the run's error says which limit it hit.

Defaults come from the environment of the process that builds the run:
``SANCTIONS_MODEL_MAX_CELL_OUTPUT`` (5 MB), ``SANCTIONS_MODEL_MAX_RUN_OUTPUT`` (20 MB) and
``SANCTIONS_MODEL_KERNEL_MEMORY`` (none); sizes such as ``512K``, ``20MB``, ``1.5G`` or bytes, ``0``
for no limit. The largest report of the default sweep is under 1 MB; a report is about twice the
size of the outputs it shows.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
from dataclasses import dataclass
from typing import Any

from sanctions_model.errors import ParameterError

MAX_CELL_OUTPUT_ENV = "SANCTIONS_MODEL_MAX_CELL_OUTPUT"
MAX_RUN_OUTPUT_ENV = "SANCTIONS_MODEL_MAX_RUN_OUTPUT"
KERNEL_MEMORY_ENV = "SANCTIONS_MODEL_KERNEL_MEMORY"
DEFAULT_MAX_CELL_OUTPUT = 5 * 2**20
DEFAULT_MAX_RUN_OUTPUT = 20 * 2**20
#: A kernel that has imported this project's stack (numpy, pandas, statsmodels, matplotlib,
#: pyfixest) maps about 1.4 GB of address space (BLAS buffers, numba's LLVM); 1 GB cannot import it.
MIN_KERNEL_MEMORY = 2 * 2**30
ENGINE_NAME = "sanctions-model"

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def parse_size(value: Any, where: str) -> int:
    """A size in bytes from ``512K``, ``20MB``, ``1.5G``, ``1GiB`` or a whole number of bytes."""
    from sanctions_model.runner.yamlsafe import short_repr

    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and (match := _SIZE.match(value)):
        number = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if number is None or not math.isfinite(number) or number < 1 or number > 2**50:
        raise ParameterError(
            f"{where} must be a size such as 512K, 20MB or 2G (at most 1 PB), "
            f"got {short_repr(value, 40)}"
        )
    return int(number)


def format_size(size: int) -> str:
    """``10 MB``, ``512 KB``, ``1.5 GB``: how a limit is named in notes and errors."""
    for unit, factor in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


def check_memory_limit(value: Any, where: str = "memory limit") -> int:
    size = parse_size(value, where)
    if size < MIN_KERNEL_MEMORY:
        raise ParameterError(
            f"{where} must be at least {format_size(MIN_KERNEL_MEMORY)} (a kernel with this "
            f"project's imports needs about that much address space), got {value!r}"
        )
    return size


def env_size(name: str, default: int | None) -> int | None:
    """The size in environment variable ``name``, else ``default``; ``0``/``none``: no limit."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if text.lower() in ("0", "none", "off"):
        return None
    if name == KERNEL_MEMORY_ENV:
        return check_memory_limit(text, name)
    return parse_size(text, name)


@dataclass(frozen=True)
class OutputCaps:
    """Byte limits on a run's outputs (None: no limit)."""

    per_cell: int | None = DEFAULT_MAX_CELL_OUTPUT
    per_run: int | None = DEFAULT_MAX_RUN_OUTPUT


def output_size(content: dict[str, Any]) -> int:
    """Bytes a stream or display output adds to the notebook (its text or data)."""
    if "text" in content:
        return len(str(content["text"]).encode("utf-8", "replace"))
    size = 0
    for value in (content.get("data") or {}).values():
        size += len(
            value.encode("utf-8", "replace") if isinstance(value, str) else json.dumps(value)
        )
    return size


def truncation_note(cell_index: int, caps: OutputCaps, *, run_cap: bool) -> str:
    if run_cap:
        return (
            f"Output truncated: the run's outputs reached {format_size(caps.per_run or 0)} in "
            f"cell {cell_index}; the rest was dropped (limit {MAX_RUN_OUTPUT_ENV})."
        )
    return (
        f"Output truncated: cell {cell_index} produced more than {format_size(caps.per_cell or 0)}"
        f" of output; the rest was dropped (limit {MAX_CELL_OUTPUT_ENV})."
    )


@functools.cache
def _client_class() -> type:
    from papermill.clientwrap import PapermillNotebookClient

    class CappedNotebookClient(PapermillNotebookClient):
        """papermill's client with output caps (set ``caps`` after construction)."""

        caps = OutputCaps()
        truncated: list[str]

        def _capped_state(self) -> dict[str, Any]:
            state = self.__dict__.get("_sm_caps")
            if state is None:
                state = self.__dict__["_sm_caps"] = {"run": 0, "cells": {}, "noted": set()}
                self.truncated = []
            return state

        def output(self, outs, msg, display_id, cell_index):  # noqa: ANN001, ANN201
            state = self._capped_state()
            # an error always goes through: papermill finds a failed cell by its error output
            if msg["msg_type"] not in ("stream", "display_data", "execute_result"):
                return super().output(outs, msg, display_id, cell_index)
            if cell_index in state["noted"]:
                return None
            size = output_size(msg["content"])
            used = state["cells"].get(cell_index, 0)
            room_cell = math.inf if self.caps.per_cell is None else self.caps.per_cell - used
            room_run = math.inf if self.caps.per_run is None else self.caps.per_run - state["run"]
            room = min(room_cell, room_run)
            if size <= room:
                state["cells"][cell_index] = used + size
                state["run"] += size
                return super().output(outs, msg, display_id, cell_index)
            kept = None
            if msg["msg_type"] == "stream" and room > 0:  # keep the first part of the text
                text = str(msg["content"]["text"]).encode("utf-8", "replace")[: int(room)]
                part = dict(msg, content=dict(msg["content"], text=text.decode("utf-8", "ignore")))
                kept = super().output(outs, part, display_id, cell_index)
                state["cells"][cell_index] = used + int(room)
                state["run"] += int(room)
            state["noted"].add(cell_index)
            run_cap = room_run <= room_cell
            if run_cap and state.get("run_noted"):
                return kept  # the run's cap was noted once, where it was reached
            state["run_noted"] = state.get("run_noted") or run_cap
            note = truncation_note(cell_index, self.caps, run_cap=run_cap)
            self.truncated.append(note)
            import nbformat

            outs.append(nbformat.v4.new_output("stream", name="stderr", text=note + "\n"))
            return kept

    return CappedNotebookClient


@functools.cache
def _engine_class() -> type:
    from papermill.engines import NBClientEngine, remove_args

    class CappedEngine(NBClientEngine):
        """papermill's nbclient engine, executing with :class:`CappedNotebookClient`."""

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man,  # noqa: ANN001
            kernel_name,  # noqa: ANN001
            log_output=False,  # noqa: ANN001
            stdout_file=None,  # noqa: ANN001
            stderr_file=None,  # noqa: ANN001
            start_timeout=60,  # noqa: ANN001
            execution_timeout=None,  # noqa: ANN001
            output_caps: OutputCaps | None = None,
            on_client: Any = None,
            **kwargs: Any,
        ):  # noqa: ANN206
            from papermill.engines import logger

            from sanctions_model.runner.saves import throttle_saves

            throttle_saves(nb_man)  # written at start and end, not after every cell (saves.py)
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            client = _client_class()(
                nb_man,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
                **kwargs,
            )
            client.caps = output_caps or OutputCaps()
            if on_client is not None:
                on_client(client)
            return client.execute()

    return CappedEngine


_registered = False


def capped_engine() -> str:
    """Register the capped engine with papermill (once); its name for ``engine_name=``."""
    global _registered
    if not _registered:
        from papermill.engines import papermill_engines

        papermill_engines.register(ENGINE_NAME, _engine_class())
        _registered = True
    return ENGINE_NAME


def memory_error_text(evalue: str, memory_limit: int) -> str:
    """The error of a cell that hit the kernel's memory limit, naming the limit."""
    detail = f" ({evalue})" if evalue else ""
    return (
        f"the kernel reached its memory limit of {format_size(memory_limit)}{detail}; "
        f"raise it with {KERNEL_MEMORY_ENV}=SIZE (e.g. 8G) or 0 for no limit"
    )


__all__ = [
    "DEFAULT_MAX_CELL_OUTPUT",
    "DEFAULT_MAX_RUN_OUTPUT",
    "OutputCaps",
    "capped_engine",
    "check_memory_limit",
    "env_size",
    "format_size",
    "memory_error_text",
    "parse_size",
]

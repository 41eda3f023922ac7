"""Exceptions raised by sanctions-model.

Every error a user can cause derives from :class:`SanctionsModelError`, so the command line can turn
it into a one-line message and a non-zero exit status instead of a traceback.
"""

from __future__ import annotations


class SanctionsModelError(Exception):
    """Base class for errors caused by input (data files, parameters, sweep files)."""

    exit_code = 1


class DataFormatError(SanctionsModelError, ValueError):
    """A data file is not in the format its reader expects.

    The message names the file and, where known, the row (1-based, counting the header as row 1)
    and the column, and says what was expected.
    """

    def __init__(
        self,
        path: object,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.path = str(path)
        self.row = row
        self.column = column
        where = self.path
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")


class ChecksumError(SanctionsModelError):
    """A shipped or cached file does not match the sha256 recorded for it."""

    def __init__(self, path: object, expected: str, actual: str) -> None:
        self.path = str(path)
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{self.path}: checksum mismatch: manifest says sha256 {expected}, file has {actual}. "
            "The file was changed or corrupted; restore it (git checkout -- FILE) or re-fetch it."
        )


class ParameterError(SanctionsModelError, ValueError):
    """A notebook or sweep parameter is unknown, of the wrong type, or outside its allowed values."""

    exit_code = 2

"""Strict reading of publisher text files: every failure names the file, row and column.

Shared by all CSV readers. Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sanctions_model.errors import DataFormatError

ROW = "_row"
#: Plausible years for any period or date in the publishers' files. Earlier or later years are a
#: typo or a placeholder (``0001-01-01``, ``9999-12-31``), never data: the readers reject them.
MIN_YEAR, MAX_YEAR = 1900, 2100


def read_text(path: str | os.PathLike[str], *, encoding: str = "utf-8") -> str:
    """Read a publisher's text file, rejecting empty files, HTML pages and wrong encodings."""
    raw = Path(path).read_bytes()
    if not raw.strip():
        raise DataFormatError(path, "file is empty; expected a CSV header and data rows")
    try:
        text = raw.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as exc:
        raise DataFormatError(
            path,
            f"not {encoding} text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "the publisher's file is UTF-8 (re-export it, or convert it with iconv)",
        ) from None
    if not text.strip():  # only a byte-order mark, or BOM and blank lines
        raise DataFormatError(path, "file is empty; expected a CSV header and data rows")
    head = text.lstrip()[:512].lower()
    if head.startswith("<") or "<html" in head or "<!doctype" in head:
        raise DataFormatError(
            path, "looks like an HTML or XML page, not a CSV (an error page saved by a download?)"
        )
    return text


def read_csv_strict(
    path: str | os.PathLike[str],
    required: Sequence[str],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> pd.DataFrame:
    """Parse a CSV into a frame of strings with a ``_row`` column; check shape and header.

    Raises
    ------
    DataFormatError
        Empty file, header only, missing columns (and which were found instead), a row with the
        wrong number of fields (a truncated line), or unterminated quoting.
    """
    text = read_text(path, encoding=encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, [])
        if len(header) == 1 and delimiter not in header[0] and len(required) > 1:
            other = next((d for d in ";\t|," if d != delimiter and d in header[0]), None)
            hint = f" (the file seems to use {other!r})" if other else ""
            raise DataFormatError(path, f"expected {delimiter!r}-separated columns{hint}", row=1)
        header = [h.strip() for h in header]
        twice = sorted({h for h in header if header.count(h) > 1})
        if twice or ROW in header:
            raise DataFormatError(path, f"column(s) {twice or [ROW]} appear twice", row=1)
        missing = [c for c in required if c not in header]
        if missing:
            raise DataFormatError(
                path,
                f"missing column(s) {missing}; found {header}",
                row=1,
            )
        rows = []
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise DataFormatError(
                    path,
                    f"expected {len(header)} fields, found {len(row)} (truncated or malformed line)",
                    row=reader.line_num,
                )
            rows.append([*row, reader.line_num])
    except csv.Error as exc:
        hint = ""
        if reader.line_num <= 1:
            first = text.split("\n", 1)[0]
            other = next((d for d in ";\t|" if d != delimiter and d in first), None)
            if other:
                hint = (
                    f"; expected {delimiter!r}-separated columns (the file seems to use {other!r})"
                )
        raise DataFormatError(path, f"malformed CSV: {exc}{hint}", row=reader.line_num) from None
    if not rows:
        raise DataFormatError(path, "has a header but no data rows")
    frame = pd.DataFrame(rows, columns=[*header, ROW], dtype=object)
    frame[ROW] = frame[ROW].astype(int)
    return frame


def to_number(
    frame: pd.DataFrame,
    column: str,
    path: object,
    *,
    missing: Sequence[str] = (),
    allow_missing: bool = False,
    minimum: float | None = 0.0,
    maximum: float | None = 1e15,
) -> pd.Series:
    """Convert a string column to float; the first bad cell raises, naming its row.

    ``missing`` lists the publisher's markers for 'not available' (``""``, ``":"``), which become
    NaN when ``allow_missing`` and are an error otherwise. Values outside [minimum, maximum] are
    rejected as absurd.
    """
    raw = frame[column].astype(str).str.strip()
    is_missing = raw.isin(list(missing))
    values = pd.to_numeric(raw.where(~is_missing), errors="coerce").astype(float)
    bad = values.isna() & ~is_missing
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataFormatError(
            path,
            f"expected a number, found {raw.iloc[i]!r}",
            row=_row_of(frame, i),
            column=column,
        )
    if is_missing.any() and not allow_missing:
        i = int(np.flatnonzero(is_missing.to_numpy())[0])
        raise DataFormatError(
            path, f"value missing ({raw.iloc[i]!r})", row=_row_of(frame, i), column=column
        )
    for bound, test, word in (
        (minimum, values < (minimum if minimum is not None else 0), "below"),
        (maximum, values > (maximum if maximum is not None else 0), "above"),
    ):
        if bound is not None and test.any():
            i = int(np.flatnonzero(test.to_numpy())[0])
            raise DataFormatError(
                path,
                f"value {float(values.iloc[i])!r} is {word} the plausible bound {bound:g}",
                row=_row_of(frame, i),
                column=column,
            )
    return values


def check_years(
    years: pd.Series, frame: pd.DataFrame, column: str, path: object, raw: pd.Series | None = None
) -> None:
    """Reject a year outside [MIN_YEAR, MAX_YEAR], naming the first such row (NaN is ignored)."""
    years = pd.Series(np.asarray(years, dtype=float))
    out = (years < MIN_YEAR) | (years > MAX_YEAR)
    if out.any():
        i = int(np.flatnonzero(out.to_numpy())[0])
        shown = raw.iloc[i] if raw is not None else int(years.iloc[i])
        raise DataFormatError(
            path,
            f"{shown!r} is outside the plausible years {MIN_YEAR}-{MAX_YEAR}",
            row=_row_of(frame, i),
            column=column,
        )


def reject_rows(
    mask: pd.Series | np.ndarray,
    frame: pd.DataFrame,
    path: object,
    message: str,
    *,
    column: str | None = None,
    shown: pd.Series | None = None,
) -> None:
    """Raise :class:`DataFormatError` at the first row where ``mask`` holds, naming row and column.

    ``message`` is formatted with ``value``: the cell of ``shown`` (default ``frame[column]``) at
    that row, e.g. ``"unknown flow {value!r}; expected EXPORT or IMPORT"``.
    """
    hits = np.flatnonzero(np.asarray(mask, dtype=bool))
    if not len(hits):
        return
    i = int(hits[0])
    if shown is None and column is not None and column in frame:
        shown = frame[column]
    value = shown.iloc[i] if shown is not None else None
    raise DataFormatError(path, message.format(value=value), row=_row_of(frame, i), column=column)


def _row_of(frame: pd.DataFrame, i: int) -> int | None:
    return int(frame[ROW].iloc[i]) if ROW in frame else None


def resolve_codes(frame: pd.DataFrame, column: str, path: object, lang: str = "en") -> pd.Series:
    """Map a column of country labels to codes; an unknown label raises naming its row."""
    from sanctions_model.data.countries import to_code

    labels = frame[column].astype(str)
    mapping = {label: to_code(label, lang) for label in labels.unique()}
    unknown = [label for label, code in mapping.items() if code is None]
    if unknown:
        i = int(np.flatnonzero(labels.isin(unknown).to_numpy())[0])
        raise DataFormatError(
            path,
            f"unknown country {labels.iloc[i]!r}; expected an ISO 3166 country, a publisher's "
            "country name, or a Eurostat aggregate",
            row=_row_of(frame, i),
            column=column,
        )
    return labels.map(mapping).astype(str)

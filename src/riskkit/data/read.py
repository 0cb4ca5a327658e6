"""Reading an analyst's file: format, encoding, delimiter, header, and first typing of values.

``riskkit fit --data FILE --target COL`` must either work on a real warehouse extract
(Chinese column names, GBK/GB18030 bytes, ``;`` or tab delimiters, ``NULL`` and ``-999``
for missing, a target coded ``Y``/``N`` or ``违约``/``正常``) or say exactly what is wrong,
all problems at once, so an analyst fixes the file in one go.

Reading (:func:`read_table`)
----------------------------
format
    Sniffed from the first bytes, then the extension: ``PAR1`` (or ``.parquet``/``.pq``)
    is Parquet; gzip (``1f 8b``) is decompressed in memory, with a note, and sniffed again;
    an Excel workbook (``.xlsx``: a ZIP holding ``xl/``; ``.xls``: the OLE2 marker), another
    ZIP archive, or JSON (text starting with ``{`` or ``[``, or a ``.json``/``.jsonl`` name)
    is refused with a message saying what the file is and how to make a CSV of it. Anything
    else is delimited text.
encoding
    ``encoding`` when given (``utf-8`` also strips a BOM). Otherwise: a byte-order mark
    decides (UTF-8/16/32); else strict UTF-8; else strict GB18030 (a superset of GBK and
    GB2312) when at least 80 % of the non-ASCII characters it yields are GB2312 characters,
    which Chinese text is and Latin-1 text mis-read as GBK is not; else charset-normalizer's
    best guess (among equally good guesses GB18030, Big5, then Windows-1252), with a note. Undecodable bytes are reported with the encoding, byte offset
    and line.
delimiter
    ``delimiter`` when given (``"tab"`` or ``"\\t"`` mean a tab). Otherwise the candidate
    among ``,`` ``;`` tab ``|`` that splits the header into more than one field and gives
    the most rows with the header's field count (ties: more fields, then that order). The
    standard library's ``csv.Sniffer`` is not used: it guesses from character frequencies
    and picks letters or spaces on short files; this rule is deterministic and quote-aware.
values
    Everything is read as text first; cells are stripped; :data:`~riskkit.data.schema.MISSING_TOKENS`
    become missing; a column whose every value is a plain number becomes ``int64`` (all
    integers, none missing) or ``float64``. Digit strings with leading zeros or more than 15
    digits (codes, ID-card numbers) stay text. Column names are stripped; empty names
    become ``column_<position>`` with a note.
header
    The first row is the header unless ``header=False`` (``riskkit fit --no-header``): then
    columns are called ``column_1`` ... and every row is data. A header at least half of
    whose fields are numbers looks like data: the note, and a "target not found" message, say so and
    suggest ``--no-header``.

Notes about how a file was read are in ``frame.attrs["notes"]``; the encoding, delimiter
and format in ``frame.attrs["riskkit_read"]``.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import gzip
import io
import zlib
from collections import Counter
from pathlib import Path

import charset_normalizer
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from riskkit.core.errors import ConfigError, DataError
from riskkit.data.values import MISSING_TOKENS, as_text, looks_like_code

__all__ = ["DELIMITERS", "HEADER_HINT", "PARQUET_SUFFIXES", "read_raw", "read_table"]

DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
#: Said wherever a first row that looks like data may have been taken for a header.
HEADER_HINT = ("the first row looks like data, not a header (most fields are numbers); if the "
               "file has no header row, pass --no-header (columns are then column_1, column_2 ...)")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_SNIFF_CHARS = 65_536
_PREFERRED = ("gb18030", "big5", "cp1252")


def read_table(
    path: str | Path, encoding: str | None = None, delimiter: str | None = None,
    header: bool = True,
) -> pd.DataFrame:
    """Read a CSV/TSV/TXT or Parquet file (rules in the module docstring).

    Raises :class:`DataError` naming the file for: a missing file, an empty file, a header
    without rows, an unreadable Parquet file, undecodable bytes, rows with more fields than
    the header, and duplicate column names; ``ConfigError`` for an unknown ``encoding`` or a
    ``delimiter`` that is not one character.
    """
    frame, problems = read_raw(Path(path), encoding, delimiter, header)
    if problems:
        raise DataError(str(path), problems)
    return frame


def read_raw(path: Path, encoding: str | None = None, delimiter: str | None = None,
             header: bool = True) -> tuple[pd.DataFrame, list[str]]:
    """Read a table; fatal problems raise, duplicate column names are returned as problems
    (those columns are dropped) so that the caller can report everything else too."""
    if not path.exists():
        near = difflib.get_close_matches(path.name, [p.name for p in path.parent.glob("*")], n=3)
        hint = f"; similar files there: {', '.join(near)}" if near else ""
        raise DataError(str(path), [f"file not found{hint}"])
    if path.is_dir():
        raise DataError(str(path), ["is a folder, not a data file"])
    if path.stat().st_size == 0:
        raise DataError(str(path), ["file is empty (0 bytes)"])
    raw = path.read_bytes()
    notes: list[str] = []
    if raw.startswith(b"\x1f\x8b"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(str(path), [f"is gzip-compressed but cannot be decompressed ({exc}); "
                                        "decompress it yourself (gunzip) and check the result"]) from None
        notes.append("file is gzip-compressed; decompressed in memory")
        if not raw:
            raise DataError(str(path), ["is gzip-compressed and holds an empty file"])
    _refuse_non_tables(path, raw)
    if raw.startswith(b"PAR1") or path.suffix.lower() in PARQUET_SUFFIXES:
        frame, problems = _read_parquet(path, raw)
    else:
        frame, problems = _read_text(path, raw, encoding, delimiter, header)
    frame.attrs["notes"] = notes + list(frame.attrs.get("notes", []))
    return frame, problems


def _refuse_non_tables(path: Path, raw: bytes) -> None:
    """Excel, ZIP and JSON files: say what the file is and how to make a table of it."""
    if raw.startswith(b"PK\x03\x04"):
        if b"xl/" in raw[:65536] or path.suffix.lower() in (".xlsx", ".xlsm"):
            raise DataError(str(path), ["is an Excel workbook (.xlsx), not a CSV: in Excel use "
                                        "Save As > CSV UTF-8, or pandas.read_excel(...).to_csv(...)"])
        raise DataError(str(path), ["is a ZIP archive, not a CSV (a zipped CSV, or an Excel .xlsx "
                                    "workbook?): extract the CSV inside it, or in Excel use Save As "
                                    "> CSV UTF-8"])
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(str(path), ["is an Excel 97-2003 workbook (.xls), not a CSV: in Excel use "
                                    "Save As > CSV UTF-8, or pandas.read_excel(...).to_csv(...)"])
    head = raw[:4096].lstrip(codecs.BOM_UTF8).lstrip()
    if head[:1] in (b"{", b"[") or path.suffix.lower() in JSON_SUFFIXES:
        raise DataError(str(path), ["is JSON, not a table: riskkit reads CSV/TSV text or Parquet; "
                                    "convert it, e.g. pandas.read_json(path, lines=...).to_csv(out, "
                                    "index=False)"])


def _read_parquet(path: Path, raw: bytes) -> tuple[pd.DataFrame, list[str]]:
    try:
        table = pq.read_table(pa.BufferReader(raw))
    except (pa.ArrowException, OSError, ValueError) as exc:
        hint = "" if raw.startswith(b"PAR1") else "; it does not start with the Parquet marker 'PAR1'"
        if not raw.startswith(b"PAR1") and _printable(raw[:1024]):
            hint += " and looks like text: rename it to .csv"
        raise DataError(str(path), [f"cannot read as Parquet ({exc}){hint}"]) from None
    names = [str(n) for n in table.column_names]
    dups = _duplicates(names)
    if dups:
        raise DataError(str(path), [dups])
    if table.num_rows == 0:
        raise DataError(str(path), [f"no data rows (columns: {', '.join(names[:10])})"])
    frame = table.rename_columns(names).to_pandas()
    frame.attrs["riskkit_read"] = {"format": "parquet"}
    frame.attrs["notes"] = [f"read {len(frame)} rows and {len(names)} columns from Parquet"]
    return frame, []


def _printable(head: bytes) -> bool:
    text = head.decode("utf-8", errors="replace")
    return sum(ch.isprintable() or ch in "\r\n\t" for ch in text) >= 0.95 * max(len(text), 1)


def _read_text(
    path: Path, raw: bytes, encoding: str | None, delimiter: str | None, header_row: bool = True
) -> tuple[pd.DataFrame, list[str]]:
    text, used, notes = _decode(path, raw, encoding)
    sep = _delimiter(delimiter) if delimiter is not None else _sniff_delimiter(text)
    records = csv.reader(io.StringIO(text, newline=""), delimiter=sep or "\x1f")
    header: list[str] | None = None
    longer: list[str] = []
    shorter: list[int] = []
    n_rows = 0
    try:
        for row in records:
            if not row:
                continue
            if header is None:
                header = row if header_row else [""] * len(row)
                if header_row:
                    continue
            n_rows += 1
            if len(row) > len(header):
                longer.append(f"line {records.line_num}: {len(row)} fields")
            elif len(row) < len(header):
                shorter.append(records.line_num)
    except csv.Error as exc:
        raise DataError(str(path), [f"cannot parse as delimited text near line {records.line_num}: {exc}"]) from None
    if header is None:
        raise DataError(str(path), ["file has no header and no rows (only blank lines)"])
    names = [h.strip() for h in header]
    shown = "tab" if sep == "\t" else repr(sep or "(none)")
    looks_like_data = header_row and _all_numbers(names)
    if n_rows == 0:
        said = f"no data rows: the file has a header only ({', '.join(names[:10])})"
        raise DataError(str(path), [said + (f"; {HEADER_HINT}" if looks_like_data else "")])
    if longer:
        more = f" and {len(longer) - 5} more" if len(longer) > 5 else ""
        raise DataError(str(path), [
            f"rows with more fields than the header's {len(header)} (delimiter {shown}): "
            f"{'; '.join(longer[:5])}{more}; a value probably contains the delimiter without quotes"
        ])
    frame = pd.read_csv(
        io.StringIO(text), sep=sep or "\x1f", dtype=str, keep_default_na=False, na_filter=False,
        skip_blank_lines=True, index_col=False, engine="c", header=0 if header_row else None,
    )
    if not header_row:
        notes.append(f"no header row (--no-header): columns are column_1 ... column_{len(names)}")
    elif looks_like_data:
        notes.append(HEADER_HINT)
    for i, name in enumerate(names):
        if not name:
            names[i] = f"column_{i + 1}"
            if header_row:
                notes.append(f"column {i + 1} has no name; called it {names[i]!r}")
    frame.columns = names
    problems = []
    dups = _duplicates([h.strip() for h in header])
    if dups:
        problems.append(dups)
        counts = Counter(names)
        frame = frame.loc[:, [counts[n] == 1 for n in names]]
    if shorter:
        lines = ", ".join(map(str, shorter[:5])) + (f" and {len(shorter) - 5} more" if len(shorter) > 5 else "")
        notes.append(f"{len(shorter)} rows have fewer fields than the header (lines {lines}); the rest read as missing")
    frame = pd.DataFrame({name: _type_column(frame[name]) for name in frame.columns})
    notes.insert(0, f"read {len(frame)} rows and {len(names)} columns as text ({used}, delimiter {shown})")
    frame.attrs["riskkit_read"] = {"format": "text", "encoding": used, "delimiter": sep,
                                   "header": header_row, "header_looks_like_data": looks_like_data}
    frame.attrs["notes"] = notes
    return frame, problems


def _duplicates(names: list[str]) -> str:
    """Duplicate column names with their positions, detected before pandas renames them."""
    seen: dict[str, list[int]] = {}
    for i, name in enumerate(names, start=1):
        if name:
            seen.setdefault(name, []).append(i)
    dups = {n: p for n, p in seen.items() if len(p) > 1}
    if not dups:
        return ""
    said = "; ".join(f"{n!r} (columns {', '.join(map(str, p))})" for n, p in dups.items())
    return f"duplicate column names: {said}; rename them so each column is unambiguous"


def _type_column(column: pd.Series) -> pd.Series:
    """Strip cells, set missing tokens missing, and make all-number columns numeric.

    Arrow's string-to-number cast decides (all values or nothing); it is ten times faster
    than ``pd.to_numeric`` and accepts the same plain spellings (``1e5``, ``-0.5``, ``inf``).
    """
    text = as_text(column, MISSING_TOKENS)
    if text.isna().all():
        return pd.Series(np.nan, index=column.index, dtype="float64")
    if looks_like_code(text):
        return text
    arrow = pa.array(text, type=pa.string(), from_pandas=True)
    for kind in ("int64", "float64"):
        if kind == "int64" and arrow.null_count:
            continue
        try:
            values = pc.cast(arrow, getattr(pa, kind)())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        return pd.Series(values.to_numpy(zero_copy_only=False), index=column.index, dtype=kind)
    return text


def _decode(path: Path, raw: bytes, encoding: str | None) -> tuple[str, str, list[str]]:
    """Bytes to text: (text, encoding used, notes); raises ``DataError`` when impossible."""
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise ConfigError(f"unknown encoding {encoding!r}; try utf-8, gb18030 or gbk") from None
        try:  # utf-8-sig reads plain UTF-8 too and drops a BOM that would stick to a name
            return raw.decode("utf-8-sig" if codec == "utf-8" else codec), codec, []
        except UnicodeDecodeError as exc:
            guess = (_guess(raw) or ("", ""))[0]
            hint = f"; the file looks like {guess}: pass --encoding {guess}" if guess and guess != codec else ""
            raise DataError(str(path), [_decode_problem(raw, codec, exc) + hint]) from None
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec), codec, []
            except UnicodeDecodeError as exc:
                raise DataError(str(path), [_decode_problem(raw, codec, exc)]) from None
    guessed = _guess(raw)
    if guessed is None:
        failures = []
        for codec in ("utf-8", "gb18030"):
            try:
                raw.decode(codec)
            except UnicodeDecodeError as exc:
                failures.append(_decode_problem(raw, codec, exc))
        raise DataError(str(path), [*failures, "no other encoding fits either; pass --encoding"])
    guess, text = guessed
    notes = [] if guess in ("utf-8", "gb18030") else [f"encoding guessed as {guess}; pass --encoding if text looks wrong"]
    return text, guess, notes


def _guess(raw: bytes) -> tuple[str, str] | None:
    """(encoding, text) as auto-detection decides (see module docstring), or None."""
    if b"\x00" not in raw[:4096]:  # NUL bytes: UTF-16/32 without BOM, which UTF-8 would accept
        try:
            return "utf-8", raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        try:
            text = raw.decode("gb18030")
            if _mostly_gb2312(text):
                return "gb18030", text
        except UnicodeDecodeError:
            pass
    matches = list(charset_normalizer.from_bytes(raw))
    if not matches:
        return None
    # Equally plausible guesses are common on short files (cp1250 vs cp1252 read "Crème"
    # identically chaos-wise); prefer the encodings Chinese and Western Excel exports use.
    best = matches[0]
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    for preferred in _PREFERRED:
        hit = next((m for m in tied if preferred in (m.encoding, *m.could_be_from_charset)), None)
        if hit is not None:
            return preferred, raw.decode(preferred)
    return codecs.lookup(best.encoding).name, str(best)


def _mostly_gb2312(text: str, sample: int = 1_000_000) -> bool:
    """True when >= 80 % of the non-ASCII characters are in GB2312 (common Chinese)."""
    counts = {ch: n for ch, n in Counter(text[:sample]).items() if ord(ch) > 127}
    total = sum(counts.values())
    if total == 0:
        return True
    common = sum(n for ch, n in counts.items() if _in_gb2312(ch))
    return common >= 0.8 * total


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def _decode_problem(raw: bytes, codec: str, exc: UnicodeDecodeError) -> str:
    line = raw.count(b"\n", 0, exc.start) + 1
    return (
        f"cannot decode as {codec}: byte 0x{raw[exc.start]:02x} at offset {exc.start} "
        f"(line {line}) is not valid {codec}"
    )


def _delimiter(delimiter: str) -> str:
    sep = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}.get(delimiter.lower(), delimiter)
    if len(sep) != 1 or sep in "\"\r\n":
        raise ConfigError(f"delimiter must be one character such as , ; | or tab, not {delimiter!r}")
    return sep


def _sniff_delimiter(text: str) -> str | None:
    """The delimiter (rule in the module docstring); None for a one-column file."""
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best, best_score = None, (0.0, 1)
    for sep in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=sep) if r]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        body = rows[1:] or rows
        score = (sum(len(r) == len(rows[0]) for r in body) / len(body), len(rows[0]))
        if score > best_score:
            best, best_score = sep, score
    return best



def _all_numbers(names: list[str]) -> bool:
    """At least half the header's fields are numbers (``0``, ``1.5``, ``-3``): column names
    almost never are, so the "header" is probably the first data row."""
    values = [n for n in names if n]

    def number(text: str) -> bool:
        try:
            float(text.replace(",", ""))
        except ValueError:
            return False
        return True

    return bool(values) and sum(map(number, values)) >= max(1, len(values) / 2)

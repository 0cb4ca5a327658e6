"""Bring-your-own-data: read an analyst's extract and turn it into a model-ready dataset.

``riskkit fit --data FILE --target COL`` must either work on a real warehouse extract
(Chinese column names, GBK/GB18030 bytes, ``;`` or tab delimiters, ``NULL`` and ``-999``
for missing, a target coded ``Y``/``N`` or ``违约``/``正常``) or say exactly what is wrong,
all problems at once, so an analyst fixes the file in one go.

Reading (:func:`read_table`)
----------------------------
format
    By extension: ``.parquet``/``.pq`` is Parquet, anything else is delimited text; the
    content wins when it is unambiguous (a file starting with ``PAR1`` is Parquet; Excel
    workbooks and gzip files are refused with a message saying what to do).
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

Notes about how a file was read are in ``frame.attrs["notes"]``; the encoding, delimiter
and format in ``frame.attrs["riskkit_read"]``.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import charset_normalizer
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from scipy.stats import rankdata

from riskkit.core.errors import ConfigError, DataError
from riskkit.core.features import Direction, Feature
from riskkit.data.schema import (
    MISSING_TOKENS,
    ColumnInfo,
    InferredSchema,
    SchemaOptions,
    as_text,
    infer,
    infer_schema,
    looks_like_code,
    row_list,
    safe_name,
    safe_names,
)

__all__ = [
    "Dataset",
    "InferredSchema",
    "infer_schema",
    "load_dataset",
    "map_target",
    "read_table",
    "registry_for",
    "safe_name",
    "safe_names",
]

DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
#: Label pairs recognised without ``bad_label`` (lower-case; the first of each pair is bad).
KNOWN_LABELS: tuple[tuple[str, str], ...] = (
    ("1", "0"), ("true", "false"), ("t", "f"), ("yes", "no"), ("y", "n"), ("是", "否"),
    ("bad", "good"), ("违约", "正常"), ("违约", "未违约"), ("逾期", "正常"), ("逾期", "未逾期"),
    ("坏", "好"), ("坏客户", "好客户"), ("default", "non-default"), ("default", "no default"),
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_SNIFF_CHARS = 65_536
_PREFERRED = ("gb18030", "big5", "cp1252")
KINDS: tuple[str, ...] = ("actionable", "time_decaying", "immutable")
DIRECTIONS: tuple[str, ...] = ("increasing", "decreasing", "none")
_P_DIRECTION = 0.01
_MIN_ROWS_DIRECTION = 30
_REASON_EN = "{feature} is {value}; among approved applicants the median is {reference}"
_REASON_ZH = "{feature}为{value}；获批申请人的中位数为{reference}"
_REASON_CAT_EN = "{feature} is {value}"
_REASON_CAT_ZH = "{feature}为{value}"


# --------------------------------------------------------------------------- reading


def read_table(
    path: str | Path, encoding: str | None = None, delimiter: str | None = None
) -> pd.DataFrame:
    """Read a CSV/TSV/TXT or Parquet file (rules in the module docstring).

    Raises :class:`DataError` naming the file for: a missing file, an empty file, a header
    without rows, an unreadable Parquet file, undecodable bytes, rows with more fields than
    the header, and duplicate column names; ``ConfigError`` for an unknown ``encoding`` or a
    ``delimiter`` that is not one character.
    """
    frame, problems = _read(Path(path), encoding, delimiter)
    if problems:
        raise DataError(str(path), problems)
    return frame


def _read(path: Path, encoding: str | None, delimiter: str | None) -> tuple[pd.DataFrame, list[str]]:
    """Read a table; fatal problems raise, duplicate column names are returned as problems
    (those columns are dropped) so that :func:`load_dataset` can report everything else too."""
    if not path.exists():
        near = difflib.get_close_matches(path.name, [p.name for p in path.parent.glob("*")], n=3)
        hint = f"; similar files there: {', '.join(near)}" if near else ""
        raise DataError(str(path), [f"file not found{hint}"])
    if path.is_dir():
        raise DataError(str(path), ["is a folder, not a data file"])
    if path.stat().st_size == 0:
        raise DataError(str(path), ["file is empty (0 bytes)"])
    raw = path.read_bytes()
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(str(path), ["looks like an Excel workbook; save it as CSV (UTF-8) or Parquet"])
    if raw.startswith(b"\x1f\x8b"):
        raise DataError(str(path), ["is gzip-compressed; decompress it first"])
    if raw.startswith(b"PAR1") or path.suffix.lower() in PARQUET_SUFFIXES:
        return _read_parquet(path, raw)
    return _read_text(path, raw, encoding, delimiter)


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
    path: Path, raw: bytes, encoding: str | None, delimiter: str | None
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
                header = row
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
    if n_rows == 0:
        raise DataError(str(path), [f"no data rows: the file has a header only ({', '.join(names[:10])})"])
    if longer:
        more = f" and {len(longer) - 5} more" if len(longer) > 5 else ""
        raise DataError(str(path), [
            f"rows with more fields than the header's {len(header)} (delimiter {shown}): "
            f"{'; '.join(longer[:5])}{more}; a value probably contains the delimiter without quotes"
        ])
    frame = pd.read_csv(
        io.StringIO(text), sep=sep or "\x1f", dtype=str, keep_default_na=False, na_filter=False,
        skip_blank_lines=True, index_col=False, engine="c",
    )
    for i, name in enumerate(names):
        if not name:
            names[i] = f"column_{i + 1}"
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
    frame.attrs["riskkit_read"] = {"format": "text", "encoding": used, "delimiter": sep}
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


# --------------------------------------------------------------------------- target


def map_target(
    series: pd.Series, bad_label: object = None, *, source: str = "data"
) -> tuple[np.ndarray, dict[str, int]]:
    """Map a target column to 0/1 (1 = bad): ``(y as int8, {label: 0 or 1})``.

    Recognised without help (case-insensitive, first is bad): 1/0, true/false, yes/no, Y/N,
    是/否, bad/good, 违约/正常 and the other pairs in :data:`KNOWN_LABELS`. Any other two
    labels need ``bad_label``. Missing values, one class, or more than two classes are
    errors that list what was seen.
    """
    y, mapping, problems = _map_target(series, bad_label)
    if problems or y is None:
        raise DataError(source, problems)
    return y, mapping


def _map_target(series: pd.Series, bad_label: object) -> tuple[np.ndarray | None, dict[str, int], list[str]]:
    name = str(series.name)
    text = as_text(series)
    problems: list[str] = []
    miss = text.isna()
    if miss.any():
        problems.append(f"target column {name!r} has {int(miss.sum())} missing values at {row_list(miss)}")
    counts = text.value_counts()
    seen = ", ".join(f"{v!r} ({n} rows)" for v, n in counts.head(10).items())
    seen += f" and {len(counts) - 10} more" if len(counts) > 10 else ""
    lowered = {str(v).lower() for v in counts.index}
    merged = len(counts) > 2 and bad_label is None and _known_bad(lowered) is not None
    if merged:
        text = text.str.lower()  # "Y"/"y"/"N"/"n": spellings of one known pair
    labels = sorted({str(v) for v in text.dropna().unique()})
    if not labels:
        return None, {}, [f"target column {name!r} has no values (all {len(text)} rows missing)"]
    if len(labels) == 1:
        problems.append(f"target column {name!r} has one class only: {seen}; a model needs both good and bad")
    elif len(labels) > 2:
        problems.append(f"target column {name!r} has {len(labels)} classes, expected two: {seen}")
    if problems:
        return None, {}, problems
    bad = _bad_label(labels, bad_label)
    if bad is None:
        options = " or ".join(f"--bad-label {v!r}" for v in counts.index.astype(str))
        why = f"{bad_label!r} is not one of them" if bad_label is not None else "cannot tell which is bad"
        return None, {}, [f"target column {name!r} has labels {seen}; {why}: pass {options}"]
    y = (text == bad).to_numpy(dtype=np.int8)
    mapping = {str(v): int((str(v).lower() if merged else str(v)) == bad) for v in counts.index}
    return y, mapping, []


def _known_bad(lowered: set[str]) -> str | None:
    for bad, good in KNOWN_LABELS:
        if lowered == {bad, good}:
            return bad
    return None


def _bad_label(labels: list[str], bad_label: object) -> str | None:
    if bad_label is None:
        lower = {v.lower(): v for v in labels}
        known = _known_bad(set(lower))
        return lower[known] if known is not None else None
    wanted = as_text(pd.Series([bad_label])).iloc[0]
    if isinstance(wanted, str):
        try:
            number = float(wanted)
            if number.is_integer():
                wanted = str(int(number))
        except ValueError:
            pass
    for candidate in (wanted, str(wanted).lower()):
        hits = [v for v in labels if v == candidate or v.lower() == candidate]
        if hits:
            return hits[0]
    return None


# --------------------------------------------------------------------------- registry


def registry_for(
    frame: pd.DataFrame,
    target: str | np.ndarray | pd.Series,
    schema: InferredSchema,
    kinds: Mapping[str, str] | None = None,
    directions: Mapping[str, str] | None = None,
) -> dict[str, Feature]:
    """Registry entries for the features of an unknown extract, keyed by model feature name.

    ``frame`` is the cleaned model frame (``schema.frame``); ``target`` the name of a 0/1
    column in it or the outcomes themselves. Direction is learned: the sign of the
    Spearman correlation with the target when a normal approximation (z = rho * sqrt(n - 1))
    gives p < 0.01 and at least 30 rows have a value, else ``"none"``; categoricals are
    always ``"none"``. Kind is ``"actionable"`` and group ``"data"``. ``kinds`` and
    ``directions`` override by feature or original column name.
    """
    y = np.asarray(frame[target] if isinstance(target, str) else target, dtype="float64")
    kind_of, p1 = _overrides(kinds, schema, "kinds", KINDS)
    direction_of, p2 = _overrides(directions, schema, "directions", DIRECTIONS)
    if p1 or p2:
        raise ConfigError("; ".join(p1 + p2))
    out: dict[str, Feature] = {}
    for info in schema.kept:
        out[info.feature] = _feature(info, frame[info.feature], y, kind_of, direction_of)
    return out


def _feature(
    info: ColumnInfo, values: pd.Series, y: np.ndarray, kind_of: dict[str, str], direction_of: dict[str, str]
) -> Feature:
    display = info.name.replace("{", "{{").replace("}", "}}")
    extra = {"source_column": info.name, "role": info.role}
    if info.role == "categorical":
        direction = "none"
        reason_en, reason_zh = _REASON_CAT_EN, _REASON_CAT_ZH
        fmt = "{}"
    else:
        x = values.to_numpy(dtype="float64")
        direction, rho, p = spearman_direction(x, y)
        extra |= {"spearman_rho": f"{rho:.4f}", "p_value": f"{p:.3g}"}
        reason_en, reason_zh = _REASON_EN, _REASON_ZH
        typical = np.nanmedian(np.abs(x)) if np.isfinite(x).any() else 0.0
        fmt = "{:,.0f}" if info.dtype == "int" or typical >= 100 else "{:,.2f}"
    direction = direction_of.get(info.feature, direction)
    label_en = label_zh = info.name
    if info.role == "date":
        label_en = f"{info.name} (days before {info.reference})"
        label_zh = f"{info.name}（距{info.reference}天数）"
        extra["reference_date"] = str(info.reference)
    return Feature(
        name=info.feature,
        dtype=info.dtype or "float",
        unit="days" if info.role == "date" else "",
        description_en=info.name,
        description_zh=info.name,
        direction=direction,  # type: ignore[arg-type]
        kind=kind_of.get(info.feature, "actionable"),  # type: ignore[arg-type]
        group="data",
        reason_en=reason_en.replace("{feature}", display),
        reason_zh=reason_zh.replace("{feature}", display),
        fmt=fmt,
        categories=info.levels if info.role == "categorical" else None,
        step=1.0 if info.dtype == "int" else 0.0,
        label_en=label_en,
        label_zh=label_zh,
        extra=extra,
    )


def spearman_direction(x: np.ndarray, y: np.ndarray, alpha: float = _P_DIRECTION) -> tuple[Direction, float, float]:
    """``(direction, rho, two-sided p)`` of Spearman's rho between a feature and 0/1 outcomes.

    Hand-written rather than ``scipy.stats.spearmanr`` so that missing values are dropped
    pairwise and constant inputs give "none" instead of a warning and NaN; the normal
    approximation is accurate for the row counts (>= 30) where it is used.
    """
    ok = np.isfinite(x) & np.isfinite(y)
    n = int(ok.sum())
    if n < _MIN_ROWS_DIRECTION or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
        return "none", 0.0, 1.0
    rx, ry = rankdata(x[ok]), rankdata(y[ok])
    rho = float(np.corrcoef(rx, ry)[0, 1])
    p = math.erfc(abs(rho) * math.sqrt(n - 1) / math.sqrt(2))
    if p >= alpha:
        return "none", rho, p
    return ("increasing" if rho > 0 else "decreasing"), rho, p


def _overrides(
    given: Mapping[str, str] | None, schema: InferredSchema, what: str, allowed: tuple[str, ...]
) -> tuple[dict[str, str], list[str]]:
    """Resolve ``{feature or column name: value}`` to feature names, collecting problems."""
    out: dict[str, str] = {}
    problems: list[str] = []
    by_name = {c.name: c.feature for c in schema.kept} | {c.feature: c.feature for c in schema.kept}
    for key, value in (given or {}).items():
        if key not in by_name:
            close = difflib.get_close_matches(str(key), list(by_name), n=3, cutoff=0.5)
            hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
            problems.append(f"{what} names {key!r}, which is not a model feature{hint}")
        elif value not in allowed:
            problems.append(f"{what}[{key!r}] is {value!r}; expected one of {', '.join(allowed)}")
        else:
            out[by_name[key]] = value
    return out, problems


# --------------------------------------------------------------------------- dataset


@dataclass
class Dataset:
    """A bring-your-own-data extract, ready to model.

    ``frame`` holds the cleaned features named by :func:`safe_name`; ``y`` the 0/1 target
    (1 = bad); ``registry`` a :class:`~riskkit.core.features.Feature` per column of ``frame``;
    ``schema`` how every input column was treated (``schema.transform`` repeats it on data
    to score).
    """

    frame: pd.DataFrame
    y: np.ndarray
    registry: dict[str, Feature]
    notes: list[str]
    source: Path
    target: str
    target_mapping: dict[str, int]
    schema: InferredSchema
    read: dict[str, object] = field(default_factory=dict)

    @property
    def display_names(self) -> dict[str, str]:
        """Model feature name -> column name as written in the file."""
        return self.schema.display_names


def load_dataset(
    path: str | Path,
    target: str,
    encoding: str | None = None,
    delimiter: str | None = None,
    bad_label: object = None,
    **options: object,
) -> Dataset:
    """Read, check and clean a data file in one pass, reporting every problem at once.

    ``options`` are :class:`~riskkit.data.schema.SchemaOptions` fields (``id_columns``,
    ``exclude``, ``categorical``, ``as_of``, ``sentinels``, ``missing_values``, ...) plus
    ``kinds`` and ``directions`` for :func:`registry_for`. File-level problems (missing,
    empty, undecodable, malformed) stop at once; everything else (duplicate columns,
    target, text in numeric columns, bad dates, infinities under ``infinity="error"``,
    unknown names in options, nothing left to model) is collected into one ``DataError``.
    """
    source, target = Path(path), target.strip()
    kinds = cast("Mapping[str, str] | None", options.pop("kinds", None))
    directions = cast("Mapping[str, str] | None", options.pop("directions", None))
    opts = SchemaOptions.build(**options)
    raw, problems = _read(source, encoding, delimiter)
    notes = list(raw.attrs.get("notes", []))
    schema, schema_problems = infer(raw, target, opts)
    problems += schema_problems
    y, mapping = None, {}
    if target in raw.columns:
        y, mapping, target_problems = _map_target(raw[target], bad_label)
        problems += target_problems
    _, p1 = _overrides(kinds, schema, "kinds", KINDS)
    _, p2 = _overrides(directions, schema, "directions", DIRECTIONS)
    problems += p1 + p2
    if not schema.features and not schema_problems:
        why = "; ".join(c.note for c in schema.columns.values() if c.note) or "the file has only the target"
        problems.append(f"no usable feature columns: {why}")
    if problems or y is None:
        raise DataError(str(source), problems)
    registry = registry_for(schema.frame, y, schema, kinds, directions)
    bad = next(k for k, v in mapping.items() if v == 1)
    notes += schema.notes
    notes.append(f"target {target!r}: {bad!r} is bad (1); {int(y.sum())} bad of {len(y)} rows")
    return Dataset(
        frame=schema.frame, y=y, registry=registry, notes=notes, source=source, target=target,
        target_mapping=mapping, schema=schema, read=dict(raw.attrs.get("riskkit_read", {})),
    )


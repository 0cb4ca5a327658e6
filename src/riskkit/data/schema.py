"""Column schemas: what each column of a frame is, and checks before fitting or scoring.

Three jobs live here because they share one vocabulary of "what a clean column looks like":

* :func:`infer_schema` decides, for a bring-your-own-data extract, what every column is
  (numeric, categorical, date, or excluded and why) and returns the cleaned model frame.
  The rules, each of which leaves a human-readable note, are in ``docs`` form below.
* :func:`validate_population` checks a synthetic population against the feature registry.
* :func:`check_scoring_frame` checks a frame just before scoring so that a model is never
  fed columns it was not trained on, in an order or encoding it did not see.

Cleaning rules of :func:`infer_schema` (all configurable through keyword arguments)
-----------------------------------------------------------------------------------
missing values
    ``NaN``/``None`` and the text tokens in :data:`MISSING_TOKENS` (case-insensitive, after
    stripping spaces: ``""``, ``NA``, ``N/A``, ``NULL``, ``\\N``, ``-`` ...), plus
    any ``missing_values`` given.
numbers written as text
    Full-width digits are normalised (NFKC), thousands separators (``1,234.5``) removed and
    percentages (``12.5%``) divided by 100, with a note. If at least 90 % of a text column's
    values are numbers, the rest is an error that quotes a few values and their rows:
    a silently dropped ``"12元"`` would bias the model.
infinities
    ``inf``/``-inf`` (and Excel's ``#DIV/0!``) usually come from a ratio divided by zero in
    the warehouse. Default ``infinity="missing"``: they become missing with a note listing
    the rows; ``infinity="error"`` rejects them.
sentinels
    The values in :data:`DEFAULT_SENTINELS` (-999, -9999, ...) mean "not available" in
    warehouse extracts and become missing wherever they occur in a numeric column.
    ``-1`` (:data:`DEFAULT_CONDITIONAL_SENTINELS`) becomes missing only when it is the only
    negative value of a column that has at least three other distinct values, so a
    ``-1/0/1`` code keeps its ``-1``. Both lists are arguments.
dates
    A text column whose values (>= 90 %) parse as dates (ISO ``2024-03-31``, ``2024/03/31``,
    ``2024年03月31日``, ``2024.03.31``, with or without a time), a datetime column, or an
    8-digit ``yyyymmdd`` integer column whose name says date/日期/时间, becomes the whole
    number of days *before* a reference date: ``as_of`` when given, else the latest date in
    that column. Later dates give negative numbers.
excluded columns (each with a note)
    all missing; constant; identifiers (``id_columns``, text unique on every row, or a name
    such as ``id``/``编号``/``客户号`` with >= 95 % unique values, or a run of consecutive
    unique integers, i.e. a row counter); columns named in ``exclude``.
high-cardinality categoricals
    More than ``max_levels`` (50) levels, or more than 10 levels and more than
    ``max_level_share`` (5 %) of rows distinct. Default ``high_cardinality="group"`` keeps up
    to ``max_levels - 1`` most frequent levels with at least ``min_level_count`` rows and
    groups the rest as ``"other"``; if fewer than two levels qualify, or with
    ``high_cardinality="exclude"``, the column is excluded.
feature names
    Kept columns are renamed with :func:`safe_name` (LightGBM rejects ``" , : [ ] { }`` in
    feature names and rewrites spaces); ``InferredSchema.display_names`` maps back.

Row numbers in messages count data rows from 1, header excluded (frame position + 1).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Literal, cast

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from riskkit.core.errors import ConfigError, DataError, RiskkitError
from riskkit.core.features import ID_COLUMN, MODEL_FEATURES, REGISTRY, TARGET, Dtype

#: Text read as missing (compared lower-case after stripping spaces).
MISSING_TOKENS: tuple[str, ...] = (
    "", "na", "n/a", "nan", "nat", "null", "(null)", "nil", "\\n", "#n/a", "-", "--",
)
# "none" is deliberately not a missing token: in credit data it is a real level ("no
# guarantor", "no other instalment plans" in German Credit). Pass missing_values=["none"]
# where a file does use it for missing.
#: Numbers that mean "not available" wherever they occur in a numeric column.
DEFAULT_SENTINELS: tuple[float, ...] = (-999.0, -9999.0, -99999.0, -999999.0, -9999999.0)
#: Numbers that mean "not available" only when they are a column's only negative value.
DEFAULT_CONDITIONAL_SENTINELS: tuple[float, ...] = (-1.0,)
OTHER_LEVEL = "other"
#: Share of a text column's values that must be numbers (dates) to call it numeric (date).
NUMERIC_SHARE = 0.9
_MIN_ROWS_FOR_UNIQUE_ID = 20

Role = Literal["numeric", "categorical", "date", "excluded", "target"]

_LGBM_FORBIDDEN = frozenset('",:[]{}')
_ID_NAME = re.compile(
    r"(^|[_\s.-])(id|no|num|key|uuid|code)$|^id([_\s.-]|$)|[a-z](Id|ID)$"
    r"|编号|号码|身份证|手机|电话|流水|序号|订单号|客户号|账号|卡号",
    re.IGNORECASE,
)
_DATE_NAME = re.compile(r"date|time|(^|_)dt($|_)|日期|时间|年月", re.IGNORECASE)
_DATE_FORMATS = ("ISO8601", "%Y/%m/%d", "%Y/%m/%d %H:%M:%S", "%Y年%m月%d日", "%Y.%m.%d")
_THOUSANDS = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?"


class ScoringWarning(UserWarning):
    """A scoring frame was changed to fit the model (e.g. unseen categories set missing)."""


@dataclass(frozen=True)
class SchemaOptions:
    """Knobs of :func:`infer_schema`; the module docstring says what each one does."""

    id_columns: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    as_of: pd.Timestamp | None = None
    sentinels: tuple[float, ...] = DEFAULT_SENTINELS
    conditional_sentinels: tuple[float, ...] = DEFAULT_CONDITIONAL_SENTINELS
    missing_values: tuple[str, ...] = ()
    max_levels: int = 50
    max_level_share: float = 0.05
    min_level_count: int = 10
    high_cardinality: Literal["group", "exclude"] = "group"
    infinity: Literal["missing", "error"] = "missing"

    @classmethod
    def build(cls, **options: object) -> SchemaOptions:
        """Validate keyword options (unknown names and bad values are a ``ConfigError``)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ConfigError(f"unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        values: dict[str, object] = {}
        for name, value in options.items():
            if value is None:
                continue
            if name in ("id_columns", "exclude", "categorical", "missing_values"):
                value = (value,) if isinstance(value, str) else tuple(str(v) for v in value)  # type: ignore[attr-defined]
            elif name in ("sentinels", "conditional_sentinels"):
                items = [value] if isinstance(value, str | int | float) else list(value)  # type: ignore[call-overload]
                try:
                    value = tuple(float(v) for v in items)
                except (TypeError, ValueError):
                    raise ConfigError(f"{name} must be numbers, not {value!r}") from None
            elif name == "as_of":
                try:
                    value = pd.Timestamp(value).tz_localize(None).normalize()  # type: ignore[arg-type]
                except (ValueError, TypeError) as exc:
                    raise ConfigError(f"as_of {value!r} is not a date: {exc}") from None
            values[name] = value
        opts = cls(**values)  # type: ignore[arg-type]
        if opts.high_cardinality not in ("group", "exclude"):
            raise ConfigError(f"high_cardinality must be 'group' or 'exclude', not {opts.high_cardinality!r}")
        if opts.infinity not in ("missing", "error"):
            raise ConfigError(f"infinity must be 'missing' or 'error', not {opts.infinity!r}")
        if opts.max_levels < 2:
            raise ConfigError(f"max_levels must be at least 2, not {opts.max_levels}")
        return opts

    @property
    def missing_tokens(self) -> frozenset[str]:
        return frozenset(MISSING_TOKENS) | {v.strip().lower() for v in self.missing_values}


@dataclass
class ColumnInfo:
    """What one input column became; enough to repeat the cleaning on new data."""

    name: str
    role: Role
    feature: str = ""
    dtype: Dtype | None = None
    n_missing: int = 0
    n_unique: int = 0
    note: str = ""
    levels: tuple[str, ...] = ()
    other_level: str | None = None
    missing_codes: tuple[float, ...] = ()
    date_format: str | None = None
    reference: str | None = None


@dataclass
class InferredSchema:
    """The cleaned model frame (columns named by :func:`safe_name`) and how it was made."""

    frame: pd.DataFrame
    columns: dict[str, ColumnInfo]
    notes: list[str]
    target: str | None
    options: SchemaOptions = field(default_factory=SchemaOptions)

    @property
    def features(self) -> list[str]:
        return [c.feature for c in self.kept]

    @property
    def kept(self) -> list[ColumnInfo]:
        return [c for c in self.columns.values() if c.feature]

    @property
    def numeric(self) -> list[str]:
        return [c.feature for c in self.kept if c.role != "categorical"]

    @property
    def categorical_levels(self) -> dict[str, list[str]]:
        return {c.feature: list(c.levels) for c in self.kept if c.role == "categorical"}

    @property
    def display_names(self) -> dict[str, str]:
        """Model feature name -> column name as in the file (Chinese names kept)."""
        return {c.feature: c.name for c in self.kept}

    def info(self, feature: str) -> ColumnInfo:
        for c in self.kept:
            if c.feature == feature:
                return c
        raise KeyError(f"no model feature {feature!r}; features: {', '.join(self.features)}")

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready record of the schema (no pickle), for :meth:`from_dict`."""
        options = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self.options).items()}
        options["as_of"] = None if self.options.as_of is None else f"{self.options.as_of:%Y-%m-%d}"
        columns = [asdict(c) | {"levels": list(c.levels), "missing_codes": list(c.missing_codes)}
                   for c in self.columns.values()]
        return {"target": self.target, "options": options, "columns": columns, "notes": list(self.notes)}

    @classmethod
    def from_dict(cls, record: Mapping[str, object]) -> InferredSchema:
        """Rebuild a schema saved with :meth:`to_dict`; its ``frame`` has no rows."""
        raw_columns = cast("list[dict[str, object]]", record["columns"])
        columns = {}
        for c in raw_columns:
            fields_ = dict(c) | {"levels": tuple(c["levels"]), "missing_codes": tuple(c["missing_codes"])}  # type: ignore[call-overload]
            columns[str(c["name"])] = ColumnInfo(**fields_)  # type: ignore[arg-type]
        options = SchemaOptions.build(**cast("dict[str, object]", record["options"]))
        kept = [c for c in columns.values() if c.feature]
        frame = pd.DataFrame({c.feature: pd.Series(dtype="float64") for c in kept})
        for c in kept:
            if c.role == "categorical":
                frame[c.feature] = pd.Categorical([], categories=list(c.levels))
        notes = [str(n) for n in cast("list[object]", record.get("notes", []))]
        return cls(frame, columns, notes, cast("str | None", record.get("target")), options)

    def transform(self, raw: pd.DataFrame, source: str = "frame") -> pd.DataFrame:
        """Clean new data (to score) exactly as the training data was cleaned.

        Dates count days before the *training* reference date; rare levels grouped in
        training go to ``"other"``; anything else unseen is handled by
        :func:`check_scoring_frame` (missing, with a warning).
        """
        opts, tokens = self.options, self.options.missing_tokens
        out: dict[str, pd.Series] = {}
        problems: list[str] = []
        missing = [c.name for c in self.kept if c.name not in raw.columns]
        if missing:
            problems.append(_missing_columns_problem(missing, raw.columns))
        notes: list[str] = []
        for info in self.kept:
            if info.name not in raw.columns:
                continue
            s = raw[info.name].reset_index(drop=True)
            if info.role == "categorical":
                text = as_text(s, tokens)
                if info.other_level:
                    rare = text.notna() & ~text.isin(info.levels)
                    text = text.mask(rare, info.other_level)
                out[info.feature] = text
            elif info.role == "date":
                dates, bad = _parse_dates(s, info.date_format, tokens)
                if bad.any():
                    problems.append(f"column {info.name!r}: expected dates, found {_examples(as_text(s, tokens), bad)}")
                ref = pd.Timestamp(info.reference)
                out[info.feature] = (ref - dates.dt.normalize()).dt.days.astype("float64")
            else:
                values, bad, _ = _numbers(s, tokens)
                if bad.any():
                    problems.append(_text_in_numeric_problem(info.name, as_text(s, tokens), bad))
                values, note, problem = _handle_infinity(info.name, values, opts.infinity)
                notes += [note] if note else []
                problems += [problem] if problem else []
                out[info.feature] = values.mask(values.isin(info.missing_codes))
        if problems:
            raise DataError(source, problems)
        extra = [str(c) for c in raw.columns if c not in self.columns or self.columns[c].feature == ""]
        extra = [c for c in extra if c != self.target]
        if extra:
            notes.append(f"ignored {len(extra)} column(s) the model does not use: {_names(extra)}")
        frame = pd.DataFrame(out, index=pd.RangeIndex(len(raw)))
        frame.index = raw.index
        checked = check_scoring_frame(frame, self.features, self.categorical_levels, self.numeric, source)
        checked.attrs["notes"] = notes + checked.attrs.get("notes", [])
        return checked


# --------------------------------------------------------------------------- helpers


def safe_name(column: object) -> str:
    """A LightGBM-safe feature name, deterministic and readable (Chinese is kept).

    LightGBM 4 refuses feature names containing ``" , : [ ] { }`` ("special JSON
    characters"), rewrites spaces to ``_`` and cuts a name at a newline, so those and other
    whitespace or control characters become ``_``.
    """
    text = "".join(
        "_" if ch in _LGBM_FORBIDDEN or ch.isspace() or unicodedata.category(ch).startswith("C") else ch
        for ch in str(column)
    )
    return text or "column"


def safe_names(columns: Iterable[object]) -> dict[str, str]:
    """Map each column to a unique safe name (``_2``, ``_3`` ... on collisions)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        base = safe_name(col)
        name, k = base, 1
        while name in used:
            k += 1
            name = f"{base}_{k}"
        used.add(name)
        out[str(col)] = name
    return out


def as_text(series: pd.Series, tokens: Iterable[str] = MISSING_TOKENS) -> pd.Series:
    """Values as stripped text with missing tokens set to missing (str dtype).

    Integral floats print without ``.0`` so that ``1.0`` read from Parquet and ``"1"`` read
    from CSV are the same category.
    """
    s = series.reset_index(drop=True)
    if ptypes.is_bool_dtype(s.dtype):
        text = s.astype("str").str.lower()
    elif ptypes.is_numeric_dtype(s.dtype):
        num = pd.to_numeric(s, errors="coerce").astype("float64")
        integral = np.isfinite(num) & (num == np.round(num)) & (num.abs() < 2**53)
        text = num.astype("str")
        as_int = num.where(integral).astype("Int64").astype("str")
        text = text.where(~integral, as_int)
    elif s.dtype == object:  # mixed cells, e.g. "1" and 2.0 in one column
        text = s.map(_scalar_text, na_action="ignore").astype("str")
    else:
        text = s.astype("str")
    text = text.str.strip()
    lowered = set(tokens)
    return text.mask(text.isna() | text.str.lower().isin(lowered)).astype("str")


def _scalar_text(value: object) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value)


def looks_like_code(text: pd.Series) -> bool:
    """Digits that must stay text: leading zeros (``007``) or more than 15 digits (ID numbers)."""
    return bool(text.str.fullmatch(r"0\d+|\d{16,}\w?", na=False).any())


def _numbers(series: pd.Series, tokens: Iterable[str]) -> tuple[pd.Series, pd.Series, list[str]]:
    """Parse a column as numbers: (values, mask of unparseable text, conversions done)."""
    s = series.reset_index(drop=True)
    if ptypes.is_bool_dtype(s.dtype):
        return s.astype("float64"), pd.Series(False, index=s.index), []
    if ptypes.is_numeric_dtype(s.dtype):
        return pd.to_numeric(s, errors="coerce").astype("float64"), pd.Series(False, index=s.index), []
    text = as_text(s, tokens)
    t = text.str.normalize("NFKC").str.strip()
    done: list[str] = []
    thousands = t.str.fullmatch(_THOUSANDS, na=False)
    if thousands.any():
        t = t.where(~thousands, t.str.replace(",", "", regex=False))
        done.append(f"thousands separators removed ({int(thousands.sum())} values)")
    percent = t.str.endswith("%", na=False)
    if percent.any():
        t = t.where(~percent, t.str[:-1].str.strip())
        done.append(f"percent signs removed and values divided by 100 ({int(percent.sum())} values)")
    values = pd.to_numeric(t, errors="coerce").astype("float64")
    values = values.where(~percent, values / 100.0)
    values = values.mask(t.str.upper().eq("#DIV/0!").fillna(False), np.inf)
    bad = text.notna() & values.isna()
    return values, bad, done


def _parse_dates(series: pd.Series, fmt: str | None, tokens: Iterable[str]) -> tuple[pd.Series, pd.Series]:
    """Parse dates with one format; returns (naive datetimes, mask of unparseable values)."""
    s = series.reset_index(drop=True)
    if ptypes.is_datetime64_any_dtype(s.dtype):
        dates = pd.to_datetime(s, utc=True).dt.tz_localize(None)
        return dates, pd.Series(False, index=s.index)
    text = as_text(s, tokens)
    dates = pd.to_datetime(text, format=fmt, errors="coerce", utc=True).dt.tz_localize(None)
    return dates, text.notna() & dates.isna()


def _guess_date_format(text: pd.Series) -> str | None:
    """The first format that parses >= 90 % of a sample of distinct values, if any."""
    sample = text.dropna().drop_duplicates().head(200)
    if sample.empty or not sample.str.contains(r"\d{4}\s*[-/.年]", regex=True).mean() >= NUMERIC_SHARE:
        return None
    for fmt in _DATE_FORMATS:
        parsed = pd.to_datetime(sample, format=fmt, errors="coerce", utc=True)
        if parsed.notna().mean() >= NUMERIC_SHARE:
            return fmt
    return None


def row_list(mask: pd.Series | np.ndarray, limit: int = 5) -> str:
    idx = np.flatnonzero(np.asarray(mask)) + 1
    shown = ", ".join(str(i) for i in idx[:limit])
    more = f" and {len(idx) - limit} more" if len(idx) > limit else ""
    return f"row{'s' if len(idx) > 1 else ''} {shown}{more}"


def _examples(text: pd.Series, mask: pd.Series, limit: int = 5) -> str:
    idx = np.flatnonzero(np.asarray(mask))
    shown = ", ".join(f"{_show(text.iloc[i])} (row {i + 1})" for i in idx[:limit])
    more = f" and {len(idx) - limit} more" if len(idx) > limit else ""
    return f"{shown}{more}"


def _show(value: object) -> str:
    """A value as a message quotes it: text in quotes, numbers plain (no ``np.float64(...)``)."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _names(names: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _missing_columns_problem(missing: Sequence[str], present: Iterable[object]) -> str:
    have = [str(c) for c in present]
    parts = []
    for name in missing:
        close = difflib.get_close_matches(name, have, n=3, cutoff=0.5)
        parts.append(f"{name!r}" + (f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""))
    return f"missing column(s): {', '.join(parts)}"


def _text_in_numeric_problem(name: str, text: pd.Series, bad: pd.Series) -> str:
    n_bad, n = int(bad.sum()), int(text.notna().sum())
    return (
        f"column {name!r}: expected numbers, found text in {n_bad} of {n} values: "
        f"{_examples(text, bad)}; fix them or declare them missing (missing_values)"
    )


def _handle_infinity(name: str, values: pd.Series, policy: str) -> tuple[pd.Series, str, str]:
    """Apply the infinity policy: (values, note, problem); at most one of note/problem set."""
    inf = np.isinf(values.to_numpy())
    if not inf.any():
        return values, "", ""
    where = f"{int(inf.sum())} infinite value(s) at {row_list(inf)}"
    if policy == "error":
        return values, "", f"column {name!r}: {where} (infinity='error')"
    return values.mask(inf), f"{name!r}: {where} treated as missing", ""


# --------------------------------------------------------------------------- inference


def infer_schema(
    frame: pd.DataFrame,
    target: str | None = None,
    id_columns: Iterable[str] | None = None,
    *,
    source: str = "frame",
    **options: object,
) -> InferredSchema:
    """Decide what every column is and build the cleaned model frame (rules: module doc).

    ``options`` are the fields of :class:`SchemaOptions`. Every problem found (text in a
    numeric column, unparseable dates, unknown column names in options ...) is collected
    and raised as one :class:`DataError` naming ``source``.
    """
    opts = SchemaOptions.build(id_columns=id_columns, **options)
    schema, problems = infer(frame, target, opts)
    if problems:
        raise DataError(source, problems)
    return schema


def infer(frame: pd.DataFrame, target: str | None, opts: SchemaOptions) -> tuple[InferredSchema, list[str]]:
    """:func:`infer_schema` without raising: returns the schema and the problems found."""
    problems: list[str] = []
    cols = [str(c) for c in frame.columns]
    for option in ("id_columns", "exclude", "categorical"):
        unknown = [n for n in getattr(opts, option) if n not in cols]
        if unknown:
            problems.append(f"{option} names {_missing_columns_problem(unknown, cols)}")
    if target is not None and target not in cols:
        problems.append(target_not_found(target, cols))
    dups = sorted({c for c in cols if cols.count(c) > 1})
    if dups:
        problems.append(f"duplicate column names: {_names(dups)}")
    columns: dict[str, ColumnInfo] = {}
    values: dict[str, pd.Series] = {}
    notes: list[str] = []
    n_rows = len(frame)
    for name, (_, raw) in zip(cols, frame.items(), strict=True):
        if name in dups:
            continue
        if name == target:
            columns[name] = ColumnInfo(name, "target", n_missing=int(raw.isna().sum()))
            continue
        info, clean, col_problems = _infer_column(name, raw.reset_index(drop=True), opts, n_rows)
        columns[name] = info
        problems += col_problems
        if info.note:
            notes.append(info.note)
        if clean is not None:
            values[name] = clean
    renamed = safe_names(values)
    for name, feature in renamed.items():
        columns[name].feature = feature
        if feature != name:
            notes.append(f"{name!r} is called {feature!r} in models (LightGBM rejects some characters in names)")
    model = pd.DataFrame({renamed[n]: v for n, v in values.items()})
    if not values:
        model = pd.DataFrame(index=range(n_rows))
    model.index = frame.index
    return InferredSchema(model, columns, notes, target, opts), problems


def target_not_found(target: str, columns: Sequence[str]) -> str:
    """Message for a missing target column, with close matches and a delimiter hint."""
    close = difflib.get_close_matches(target, columns, n=3, cutoff=0.5)
    msg = f"target column {target!r} not found"
    if close:
        msg += f"; did you mean {' or '.join(map(repr, close))}?"
    if len(columns) == 1 and any(d in columns[0] for d in ",;\t|"):
        msg += f"; the file has one column {columns[0]!r}: wrong delimiter?"
    elif not close:
        msg += f"; columns are {_names(list(columns))}"
    return msg


def _infer_column(
    name: str, raw: pd.Series, opts: SchemaOptions, n_rows: int
) -> tuple[ColumnInfo, pd.Series | None, list[str]]:
    """One column: (what it is, its cleaned values or None when excluded, problems)."""
    tokens = opts.missing_tokens
    if name in opts.id_columns:
        return _excluded(name, raw, f"{name!r} excluded: identifier (id_columns)"), None, []
    if name in opts.exclude:
        return _excluded(name, raw, f"{name!r} excluded on request"), None, []
    numeric_dtype = ptypes.is_numeric_dtype(raw.dtype) and name not in opts.categorical
    # numbers need no text form; turning a float column into strings is the slow part
    text = raw if numeric_dtype else as_text(raw, tokens)
    n_present = int(text.notna().sum())
    if n_present == 0:
        return _excluded(name, raw, f"{name!r} excluded: all {n_rows} values missing"), None, []
    if name in opts.categorical:
        return _categorical(name, text, opts, n_rows)
    if ptypes.is_datetime64_any_dtype(raw.dtype):
        return _date(name, raw, None, opts)
    if numeric_dtype or not looks_like_code(text):
        values, bad, done = _numbers(raw, tokens)
        if not bad.any():
            if _DATE_NAME.search(name) and _is_yyyymmdd(values):
                return _date(name, values.astype("Int64").astype("str"), "%Y%m%d", opts)
            return _numeric(name, values, done, opts, n_rows)
        if _numbers_with_stray_text(values, text, bad, n_present):
            info = ColumnInfo(name, "excluded", n_missing=n_rows - n_present, note="")
            return info, None, [_text_in_numeric_problem(name, text, bad)]
        fmt = _guess_date_format(text)
        if fmt is not None:
            return _date(name, raw, fmt, opts)
    return _categorical(name, text, opts, n_rows)


def _numbers_with_stray_text(values: pd.Series, text: pd.Series, bad: pd.Series, n_present: int) -> bool:
    """A numeric column polluted by text, rather than a categorical with some numeric codes.

    Either >= 90 % of values are numbers, or >= 50 % are, taking more than 10 distinct
    values, while the text is at most 5 distinct spellings (``"未知"``, ``"unknown"``):
    grouping such a column as categories would silently destroy its numbers.
    """
    share = 1 - bad.sum() / n_present
    if share >= NUMERIC_SHARE:
        return True
    return share >= 0.5 and values.nunique() > 10 and text[bad].nunique() <= 5


def _excluded(name: str, raw: pd.Series, note: str) -> ColumnInfo:
    return ColumnInfo(name, "excluded", n_missing=int(raw.isna().sum()), note=note)


def _is_yyyymmdd(values: pd.Series) -> bool:
    v = values.dropna()
    if v.empty or not ((v == np.round(v)) & v.between(19000101, 21001231)).all():
        return False
    parsed = pd.to_datetime(v.astype("int64").astype("str"), format="%Y%m%d", errors="coerce")
    return bool(parsed.notna().all())


def _numeric(
    name: str, values: pd.Series, done: list[str], opts: SchemaOptions, n_rows: int
) -> tuple[ColumnInfo, pd.Series | None, list[str]]:
    notes = [f"{name!r}: {d}" for d in done]
    values, inf_note, problem = _handle_infinity(name, values, opts.infinity)
    if problem:
        return ColumnInfo(name, "excluded"), None, [problem]
    notes += [inf_note] if inf_note else []
    codes = list(opts.sentinels)
    present = values.dropna()
    others = present[~present.isin(codes)]
    for code in opts.conditional_sentinels:
        rest = others[others != code]
        if (others == code).any() and (rest >= 0).all() and rest.nunique() >= 3:
            codes.append(code)
    hit = values.isin(codes)
    if hit.any():
        counts = values[hit].value_counts().sort_index()
        said = ", ".join(f"{v:g} ({c} rows)" for v, c in counts.items())
        notes.append(f"{name!r}: special values treated as missing: {said}")
        values = values.mask(hit)
    n_missing = int(values.isna().sum())
    uniq = values.dropna().unique()
    info = ColumnInfo(name, "numeric", n_missing=n_missing, n_unique=len(uniq), missing_codes=tuple(codes))
    if len(uniq) == 0:
        info.role, info.note = "excluded", f"{name!r} excluded: all values missing or special values"
        return info, None, []
    if len(uniq) == 1:
        info.role, info.note = "excluded", f"{name!r} excluded: constant {uniq[0]:g} ({n_missing} missing)"
        return info, None, []
    integral = bool(np.all(uniq == np.round(uniq)))
    if integral and _id_like_numbers(name, values, uniq, n_rows):
        info.role, info.note = "excluded", f"{name!r} excluded: looks like an identifier ({len(uniq)} distinct integers)"
        return info, None, []
    info.dtype = "int" if integral else "float"
    info.note = "; ".join(notes)
    return info, values.astype("float64"), []


def _id_like_numbers(name: str, values: pd.Series, uniq: np.ndarray, n_rows: int) -> bool:
    if _ID_NAME.search(name) and len(uniq) >= 0.95 * values.notna().sum() and len(uniq) > 2:
        return True
    return (
        n_rows >= _MIN_ROWS_FOR_UNIQUE_ID and len(uniq) == n_rows and uniq.max() - uniq.min() == n_rows - 1
    )


def _date(
    name: str, raw: pd.Series, fmt: str | None, opts: SchemaOptions
) -> tuple[ColumnInfo, pd.Series | None, list[str]]:
    dates, bad = _parse_dates(raw, fmt, opts.missing_tokens)
    info = ColumnInfo(name, "date", dtype="int", date_format=fmt)
    if bad.any():
        text = as_text(raw, opts.missing_tokens)
        info.role = "excluded"
        return info, None, [f"column {name!r}: expected dates ({fmt}), found {_examples(text, bad)}"]
    info.n_missing, info.n_unique = int(dates.isna().sum()), int(dates.nunique())
    if info.n_unique == 1:
        info.role, info.note = "excluded", f"{name!r} excluded: constant date {dates.dropna().iloc[0]:%Y-%m-%d}"
        return info, None, []
    latest = dates.max().normalize()
    ref = opts.as_of if opts.as_of is not None else latest
    info.reference = f"{ref:%Y-%m-%d}"
    days = (ref - dates.dt.normalize()).dt.days.astype("float64")
    why = "as_of" if opts.as_of is not None else "the latest date in the column"
    info.note = f"{name!r}: dates converted to days before {info.reference} ({why})"
    if (days < 0).any():
        info.note += f"; {int((days < 0).sum())} dates are later and count negative"
    return info, days, []


def _categorical(
    name: str, text: pd.Series, opts: SchemaOptions, n_rows: int
) -> tuple[ColumnInfo, pd.Series | None, list[str]]:
    counts = text.value_counts()
    n_present = int(counts.sum())
    info = ColumnInfo(name, "categorical", dtype="category", n_missing=n_rows - n_present, n_unique=len(counts))
    if len(counts) == 1:
        info.role = "excluded"
        info.note = f"{name!r} excluded: constant {counts.index[0]!r} ({info.n_missing} missing)"
        return info, None, []
    unique_rows = len(counts) == n_rows and n_rows >= _MIN_ROWS_FOR_UNIQUE_ID
    if unique_rows or (_ID_NAME.search(name) and len(counts) >= 0.95 * n_present and len(counts) > 2):
        info.role = "excluded"
        info.note = f"{name!r} excluded: looks like an identifier ({len(counts)} distinct values in {n_rows} rows)"
        return info, None, []
    many = len(counts) > opts.max_levels or (len(counts) > 10 and len(counts) > opts.max_level_share * n_present)
    levels = sorted(str(v) for v in counts.index)
    if many:
        keep = counts[counts >= opts.min_level_count].head(opts.max_levels - 1)
        if opts.high_cardinality == "exclude" or len(keep) < 2:
            info.role = "excluded"
            info.note = f"{name!r} excluded: {len(counts)} levels, too many for a categorical feature"
            return info, None, []
        other = OTHER_LEVEL if OTHER_LEVEL not in counts.index else f"{OTHER_LEVEL}_grouped"
        covered = keep.sum() / n_present
        text = text.mask(text.notna() & ~text.isin(keep.index), other)
        levels = [*sorted(str(v) for v in keep.index), other]
        info.other_level = other
        info.note = (
            f"{name!r}: {len(counts)} levels; kept the {len(keep)} most frequent "
            f"({covered:.0%} of values), the other {len(counts) - len(keep)} grouped as {other!r}"
        )
    info.levels = tuple(levels)
    return info, pd.Series(pd.Categorical(text, categories=levels), index=text.index), []


# --------------------------------------------------------------------------- checks


def validate_population(
    frame: pd.DataFrame, required: Sequence[str] | None = None, source: str = "population"
) -> None:
    """Check a synthetic population against the feature registry; raise every problem at once.

    ``required`` defaults to what models need: the model features and the target. Every
    registry feature that is present is checked (dtype, integral counts, no missing counts
    or categories, ``Feature.lower``/``upper``, ``Feature.categories``); the target must be
    0/1 without gaps; the applicant id, when present, must be unique.
    """
    need = list(required) if required is not None else [*MODEL_FEATURES, TARGET]
    problems: list[str] = []
    absent = [c for c in need if c not in frame.columns]
    if absent:
        problems.append(_missing_columns_problem(absent, frame.columns))
    for name, feature in REGISTRY.items():
        if name not in frame.columns:
            continue
        s = frame[name].reset_index(drop=True)
        if feature.is_categorical:
            text = as_text(s, ())
            problems += _check_missing(name, text)
            allowed = set(feature.categories or ())
            bad = text.notna() & ~text.isin(allowed)
            if bad.any():
                problems.append(
                    f"column {name!r}: unknown categories {_examples(text, bad)}; "
                    f"allowed: {', '.join(sorted(allowed))}"
                )
            continue
        if ptypes.is_bool_dtype(s.dtype) or not ptypes.is_numeric_dtype(s.dtype):
            problems.append(f"column {name!r}: expected numbers, found dtype {s.dtype} ({_examples(as_text(s, ()), s.notna(), 3)})")
            continue
        v = s.astype("float64")
        inf = np.isinf(v)
        if inf.any():
            problems.append(f"column {name!r}: infinite values at {row_list(inf)}")
        if feature.dtype == "int":
            problems += _check_missing(name, v)
            frac = v.notna() & ~inf & (v != np.round(v))
            if frac.any():
                problems.append(f"column {name!r}: expected whole numbers, found {_examples(v, frac)}")
        finite = v.where(~inf)
        if feature.lower is not None and (finite < feature.lower).any():
            low = finite < feature.lower
            problems.append(f"column {name!r}: {int(low.sum())} values below {feature.lower:g}: {_examples(v, low)}")
        if feature.upper is not None and (finite > feature.upper).any():
            high = finite > feature.upper
            problems.append(f"column {name!r}: {int(high.sum())} values above {feature.upper:g}: {_examples(v, high)}")
    if TARGET in frame.columns:
        t = frame[TARGET].reset_index(drop=True)
        problems += _check_missing(TARGET, t)
        bad = t.notna() & ~t.isin([0, 1])
        if bad.any():
            problems.append(f"column {TARGET!r}: expected 0 or 1, found {_examples(t, bad)}")
    if ID_COLUMN in frame.columns:
        dup = frame[ID_COLUMN].reset_index(drop=True).duplicated(keep=False)
        if dup.any():
            problems.append(f"column {ID_COLUMN!r}: duplicate ids at {row_list(dup)}")
    if problems:
        raise DataError(source, problems)


def _check_missing(name: str, s: pd.Series) -> list[str]:
    miss = s.isna()
    return [f"column {name!r}: {int(miss.sum())} missing values at {row_list(miss)}"] if miss.any() else []


def check_scoring_frame(
    frame: pd.DataFrame,
    feature_names: Sequence[str],
    categorical_levels: Mapping[str, Sequence[str]],
    numeric: Sequence[str],
    source: str = "frame",
) -> pd.DataFrame:
    """Make a frame exactly what a trained model expects, or say why it cannot be.

    * missing feature columns: error naming them (with close matches);
    * extra columns: ignored, with a note (a scoring file often carries ids and dates);
    * numeric columns: ints and booleans become float; numbers written as text are parsed
      as in training (missing tokens, thousands separators, percentages); other text is an
      error that shows the values; infinities become missing with a note;
    * categorical columns: the result is a ``pd.Categorical`` with exactly the training
      levels; a category unseen in training becomes missing, with a note and a
      :class:`ScoringWarning`, because guessing a level would mis-score silently.

    Returns the columns in ``feature_names`` order, index kept; notes are in
    ``result.attrs["notes"]``.
    """
    unspecified = [f for f in feature_names if f not in categorical_levels and f not in numeric]
    if unspecified:
        raise RiskkitError(f"model spec: feature(s) {_names(unspecified)} neither numeric nor categorical")
    problems: list[str] = []
    notes: list[str] = []
    absent = [f for f in feature_names if f not in frame.columns]
    if absent:
        problems.append(_missing_columns_problem(absent, frame.columns))
    extra = [str(c) for c in frame.columns if c not in set(feature_names)]
    if extra:
        notes.append(f"ignored {len(extra)} column(s) the model does not use: {_names(extra)}")
    out: dict[str, pd.Series] = {}
    for name in feature_names:
        if name not in frame.columns:
            continue
        s = frame[name].reset_index(drop=True)
        if name in categorical_levels:
            # compare as text ("1" from a CSV matches level 1), return the training objects:
            # LightGBM re-applies its stored categories and a 1 vs "1" mismatch would be NaN
            levels = list(categorical_levels[name])
            lookup = dict(zip(as_text(pd.Series(levels, dtype=object)), levels, strict=True))
            text = as_text(s)
            unseen = text.notna() & ~text.isin(list(lookup))
            if unseen.any():
                counts = text[unseen].value_counts()
                said = ", ".join(f"{v!r} ({c} rows)" for v, c in counts.head(5).items())
                note = f"{name!r}: {int(unseen.sum())} values of categories unseen in training set to missing: {said}"
                notes.append(note)
                warnings.warn(f"{source}: {note}", ScoringWarning, stacklevel=2)
            codes = text.mask(unseen).map(lookup).astype(object)
            out[name] = pd.Series(pd.Categorical(codes, categories=levels))
            continue
        if ptypes.is_datetime64_any_dtype(s.dtype):
            problems.append(f"column {name!r}: expected numbers, found dates (dtype {s.dtype})")
            continue
        values, bad, _ = _numbers(s, MISSING_TOKENS)
        if bad.any():
            problems.append(_text_in_numeric_problem(name, as_text(s), bad))
            continue
        values, note, _ = _handle_infinity(name, values, "missing")
        notes += [note] if note else []
        out[name] = values
    if problems:
        raise DataError(source, problems)
    result = pd.DataFrame(out, columns=list(feature_names), index=pd.RangeIndex(len(frame)))
    result.index = frame.index
    result.attrs["notes"] = notes
    return result

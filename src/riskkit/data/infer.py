"""Deciding what each column of a bring-your-own-data extract is, and cleaning it.

:func:`infer_schema` decides, for every column, numeric / categorical / date / excluded (and
why), and returns the cleaned model frame in an :class:`~riskkit.data.schema.InferredSchema`.
Every rule leaves a human-readable note.

Learning only from training rows
--------------------------------
Deciding a column's *type* reads the whole file (a column is numbers or dates whatever the
split). Everything *fitted* from the values, the category levels and the grouping of rare
ones, the date reference, the conditional ``-1`` sentinel, whether a column is constant, is
re-learned by :func:`fit_on_rows` from the training rows only, and the other rows are then
cleaned the way new data to score would be (:meth:`InferredSchema.transform`): a level seen
only in the test rows becomes missing, as it would in production.

Cleaning rules (all configurable through keyword arguments)
-----------------------------------------------------------
missing values
    ``NaN``/``None`` and the text tokens in :data:`MISSING_TOKENS` (case-insensitive, after
    stripping spaces: ``""``, ``NA``, ``N/A``, ``NULL``, ``\\N``, ``-`` ...), plus
    any ``missing_values`` given.
numbers written as text
    Full-width digits, currency signs, thousands separators, decimal commas and percentages
    are read as :mod:`riskkit.data.values` says, with a note. If at least 90 % of a text column's
    values are numbers, the rest is an error that quotes a few values and their rows:
    a silently dropped ``"未知"`` would bias the model.
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

numbers that cannot be read safely, ambiguous dates
    Numbers mixing a decimal comma and a decimal point, and day/month dates that fit both
    orders (``03/04/2024``), are excluded with a warning saying why and what to write
    instead (rather than becoming a categorical of a thousand levels).

Row numbers in messages count data rows from 1, header excluded (frame position + 1).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from riskkit.core.errors import DataError
from riskkit.data.schema import OTHER_LEVEL, ColumnInfo, InferredSchema, SchemaOptions
from riskkit.data.values import (
    AMBIGUOUS_DATES,
    NUMERIC_SHARE,
    as_text,
    examples,
    guess_date_format,
    handle_infinity,
    looks_like_code,
    missing_columns_problem,
    name_list,
    parse_dates,
    parse_numbers,
    safe_names,
    text_in_numeric_problem,
    too_large_problem,
)

__all__ = ["fit_on_rows", "infer", "infer_schema", "target_not_found"]

_MIN_ROWS_FOR_UNIQUE_ID = 20
_ID_NAME = re.compile(
    r"(^|[_\s.-])(id|no|num|key|uuid|code)$|^id([_\s.-]|$)|[a-z](Id|ID)$"
    r"|编号|号码|身份证|手机|电话|流水|序号|订单号|客户号|账号|卡号",
    re.IGNORECASE,
)
_DATE_NAME = re.compile(r"date|time|(^|_)dt($|_)|日期|时间|年月", re.IGNORECASE)
#: A cell that is a number in some spelling (currency, separators, percent).
_NUMBER_LIKE = r"[+-]?(?:[¥$€£]\s*)?\d[\d.,]*\s*(?:%|元)?"


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
            problems.append(f"{option} names {missing_columns_problem(unknown, cols)}")
    if target is not None and target not in cols:
        problems.append(target_not_found(target, cols))
    dups = sorted({c for c in cols if cols.count(c) > 1})
    if dups:
        problems.append(f"duplicate column names: {name_list(dups)}")
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
        msg += f"; columns are {name_list(list(columns))}"
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
        values, bad, done = parse_numbers(raw, tokens)
        if not bad.any():
            if _DATE_NAME.search(name) and _is_yyyymmdd(values):
                return _date(name, values.astype("Int64").astype("str"), "%Y%m%d", opts)
            return _numeric(name, values, done, opts, n_rows)
        if _numbers_with_stray_text(values, text, bad, n_present):
            info = ColumnInfo(name, "excluded", n_missing=n_rows - n_present, note="")
            return info, None, [text_in_numeric_problem(name, text, bad)]
        fmt = guess_date_format(text)
        if fmt == AMBIGUOUS_DATES:
            return _dropped(name, raw, f"{name!r} excluded: dates such as {text.dropna().iloc[0]!r} "
                            "fit both day/month and month/day order; write them as YYYY-MM-DD"), None, []
        if fmt is not None:
            return _date(name, raw, fmt, opts)
        if text.dropna().str.fullmatch(_NUMBER_LIKE).mean() >= NUMERIC_SHARE:
            return _dropped(name, raw, f"{name!r} excluded: numbers written with both decimal "
                            f"commas and decimal points ({examples(text, bad, 3)}); write "
                            "them with one decimal mark"), None, []
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


def _dropped(name: str, raw: pd.Series, note: str) -> ColumnInfo:
    """An exclusion the analyst did not ask for and would not expect: said as a warning."""
    info = _excluded(name, raw, note)
    info.warning = True
    return info


def _is_yyyymmdd(values: pd.Series) -> bool:
    v = values.dropna()
    if v.empty or not ((v == np.round(v)) & v.between(19000101, 21001231)).all():
        return False
    parsed = pd.to_datetime(v.astype("int64").astype("str"), format="%Y%m%d", errors="coerce")
    return bool(parsed.notna().all())


def _numeric(
    name: str, values: pd.Series, done: list[str], opts: SchemaOptions, n_rows: int,
    check_id: bool = True,
) -> tuple[ColumnInfo, pd.Series | None, list[str]]:
    notes = [f"{name!r}: {d}" for d in done]
    values, inf_note, problem = handle_infinity(name, values, opts.infinity)
    problem = problem or too_large_problem(name, values)
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
    if check_id and integral and _id_like_numbers(name, values, uniq, n_rows):
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
    dates, bad = parse_dates(raw, fmt, opts.missing_tokens)
    info = ColumnInfo(name, "date", dtype="int", date_format=fmt)
    if bad.any():
        text = as_text(raw, opts.missing_tokens)
        info.role = "excluded"
        return info, None, [f"column {name!r}: expected dates ({fmt}), found {examples(text, bad)}"]
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
    name: str, text: pd.Series, opts: SchemaOptions, n_rows: int, check_id: bool = True,
) -> tuple[ColumnInfo, pd.Series | None, list[str]]:
    counts = text.value_counts()
    n_present = int(counts.sum())
    info = ColumnInfo(name, "categorical", dtype="category", n_missing=n_rows - n_present, n_unique=len(counts))
    if len(counts) == 1:
        info.role = "excluded"
        info.note = f"{name!r} excluded: constant {counts.index[0]!r} ({info.n_missing} missing)"
        return info, None, []
    unique_rows = len(counts) == n_rows and n_rows >= _MIN_ROWS_FOR_UNIQUE_ID
    named_id = _ID_NAME.search(name) and len(counts) >= 0.95 * n_present and len(counts) > 2
    if check_id and (unique_rows or named_id):
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



def fit_on_rows(structure: InferredSchema, raw: pd.DataFrame, rows: np.ndarray) -> InferredSchema:
    """Re-learn every fitted part of ``structure`` from ``raw``'s rows ``rows`` only.

    ``structure`` is :func:`infer` on the whole file (what each column *is*); levels, rare-level
    grouping, date references, conditional sentinels and constancy are learned again from the
    training rows, and the returned schema's ``frame`` is every row of ``raw`` cleaned by those
    rules (:meth:`InferredSchema.transform`). A column constant in the training rows is
    excluded, with a note. Unseen levels in the other rows become missing with a
    :class:`~riskkit.data.validate.ScoringWarning`.
    """
    opts, tokens = structure.options, structure.options.missing_tokens
    part = raw.iloc[np.asarray(rows)].reset_index(drop=True)
    n = len(part)
    columns: dict[str, ColumnInfo] = {}
    for name, info in structure.columns.items():
        if not info.feature:
            columns[name] = info
            continue
        s = part[name]
        if info.role == "categorical":
            new, _, _ = _categorical(name, as_text(s, tokens), opts, n, check_id=False)
        elif info.role == "date":
            new, _, _ = _date(name, s, info.date_format, opts)
        else:
            values, _, done = parse_numbers(s, tokens)
            new, _, _ = _numeric(name, values, done, opts, n, check_id=False)
        if new.role == "excluded":
            new.note = f"{new.note} in the training rows"
        else:
            new.feature = info.feature
            if info.role == "numeric":  # row-level cleaning (infinities, separators): every row
                new.note = info.note
        columns[name] = new
    notes = [c.note for c in columns.values() if c.note]
    notes += [n for n in structure.notes if "is called" in n and "in models" in n]
    empty = pd.DataFrame(index=pd.RangeIndex(0))
    schema = InferredSchema(empty, columns, notes, structure.target, opts)
    cleaned = schema.transform(raw)
    cleaned.attrs.pop("notes", None)
    schema.frame = cleaned
    return schema

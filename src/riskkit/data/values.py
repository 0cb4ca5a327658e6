"""Reading values out of text cells: missing tokens, numbers, dates, and how messages quote them.

Shared by :mod:`riskkit.data.read` (typing a CSV's columns), :mod:`riskkit.data.infer`
(deciding what a column is) and :mod:`riskkit.data.validate` (checking a frame to score), so a
value is read the same way wherever it is met.

Numbers written as text (:func:`parse_numbers`), per column
-----------------------------------------------------------
* full-width digits and signs are normalised (NFKC: ``１２３`` -> ``123``, ``￥`` -> ``¥``);
* currency signs and codes before or after the number (``¥ $ € £ 元 RMB CNY USD EUR``) are
  removed: ``"¥1,200"`` and ``"1200元"`` are 1200;
* thousands separators: ``1,234.5`` (comma groups, dot decimal) is read as 1234.5. A column
  whose values show a *decimal comma* unambiguously (``12,5``, ``0,25``, ``1.234,5``: not three
  digits after the comma, or dot groups before it) and no dot decimals is read with a decimal
  comma (``"12,5%"`` is 0.125); a column mixing both styles is left as text, since either
  reading could be wrong;
* ``12.5%`` is divided by 100.
Every conversion is returned as a sentence for the notes.

Dates (:func:`guess_date_format`)
---------------------------------
Year first (ISO ``2024-03-31``, ``2024/03/31``, ``2024年03月31日``, ``2024.03.31``), or day and
month first (``31/03/2024``, ``31.03.2024``) when some value's first field is above 12
(day first) or second field is (month first). When every value fits both readings the
order is ambiguous and :data:`AMBIGUOUS_DATES` is returned, so the caller can say so.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

MISSING_TOKENS: tuple[str, ...] = (
    "", "na", "n/a", "nan", "nat", "null", "(null)", "nil", "\\n", "#n/a", "-", "--",
)
# "none" is deliberately not a missing token: in credit data it is a real level ("no
# guarantor", "no other instalment plans" in German Credit). Pass missing_values=["none"]
# where a file does use it for missing.

_LGBM_FORBIDDEN = frozenset('",:[]{}')
_DATE_FORMATS = ("ISO8601", "%Y/%m/%d", "%Y/%m/%d %H:%M:%S", "%Y年%m月%d日", "%Y.%m.%d")
#: Day-first and month-first spellings, tried in pairs (same separator).
_DMY_FORMATS = (("%d/%m/%Y", "%m/%d/%Y"), ("%d.%m.%Y", "%m.%d.%Y"), ("%d-%m-%Y", "%m-%d-%Y"))
#: What :func:`guess_date_format` returns for day/month dates that fit both orders.
AMBIGUOUS_DATES = "ambiguous"
#: Share of a text column's values that must be numbers (dates) to call it numeric (date).
NUMERIC_SHARE = 0.9
_CURRENCY = r"(?:[¥$€£]|元|RMB|CNY|USD|EUR|GBP)"
_NUMBER_BODY = r"[+-]?[\d.,]*\d[\d.,]*"
_DECIMAL_COMMA = r"[+-]?(?:\d+,\d{1,2}|\d+,\d{4,}|\d{4,},\d+|\d{1,3}(?:\.\d{3})+,\d*|0,\d+)"
_DOT_DECIMAL = r"[+-]?(?:\d{1,3}(?:,\d{3})+\.\d*|\d+\.\d{1,2}|\d+\.\d{4,})"
_EURO_THOUSANDS = r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?"
_THOUSANDS = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?"




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


def parse_numbers(series: pd.Series, tokens: Iterable[str]) -> tuple[pd.Series, pd.Series, list[str]]:
    """Parse a column as numbers: (values, mask of unparseable text, conversions done).

    The rules (currency, thousands, decimal comma, percent) are in the module docstring.
    """
    s = series.reset_index(drop=True)
    if ptypes.is_bool_dtype(s.dtype):
        return s.astype("float64"), pd.Series(False, index=s.index), []
    if ptypes.is_numeric_dtype(s.dtype):
        return pd.to_numeric(s, errors="coerce").astype("float64"), pd.Series(False, index=s.index), []
    text = as_text(s, tokens)
    t = text.str.normalize("NFKC").str.strip()
    done: list[str] = []
    currency = t.str.fullmatch(rf"{_CURRENCY}\s*{_NUMBER_BODY}%?|{_NUMBER_BODY}%?\s*{_CURRENCY}", na=False)
    if currency.any():
        t = t.where(~currency, t.str.replace(_CURRENCY, "", regex=True).str.strip())
        done.append(f"currency signs removed ({int(currency.sum())} values)")
    percent = t.str.endswith("%", na=False)
    if percent.any():
        t = t.where(~percent, t.str[:-1].str.strip())
    comma_style = t.str.fullmatch(_DECIMAL_COMMA, na=False).any() and not t.str.fullmatch(_DOT_DECIMAL, na=False).any()
    if comma_style:
        euro = t.str.fullmatch(_EURO_THOUSANDS, na=False) | t.str.fullmatch(r"[+-]?\d+(?:,\d*)?", na=False)
        fixed = t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        t = t.where(~euro, fixed)
        done.append(f"decimal commas read as decimal points ({int(euro.sum())} values)")
    else:
        thousands = t.str.fullmatch(_THOUSANDS, na=False)
        if thousands.any():
            t = t.where(~thousands, t.str.replace(",", "", regex=False))
            done.append(f"thousands separators removed ({int(thousands.sum())} values)")
    if percent.any():
        done.append(f"percent signs removed and values divided by 100 ({int(percent.sum())} values)")
    values = pd.to_numeric(t, errors="coerce").astype("float64")
    values = values.where(~percent, values / 100.0)
    values = values.mask(t.str.upper().eq("#DIV/0!").fillna(False), np.inf)
    bad = text.notna() & values.isna()
    return values, bad, done


def parse_dates(series: pd.Series, fmt: str | None, tokens: Iterable[str]) -> tuple[pd.Series, pd.Series]:
    """Parse dates with one format; returns (naive datetimes, mask of unparseable values)."""
    s = series.reset_index(drop=True)
    if ptypes.is_datetime64_any_dtype(s.dtype):
        dates = pd.to_datetime(s, utc=True).dt.tz_localize(None)
        return dates, pd.Series(False, index=s.index)
    text = as_text(s, tokens)
    dates = pd.to_datetime(text, format=fmt, errors="coerce", utc=True).dt.tz_localize(None)
    return dates, text.notna() & dates.isna()


def guess_date_format(text: pd.Series) -> str | None:
    """The format that parses >= 90 % of a sample of distinct values, :data:`AMBIGUOUS_DATES`
    for day/month dates that fit both orders, or None (rules: module docstring)."""
    sample = text.dropna().drop_duplicates().head(200)
    if sample.empty:
        return None
    if sample.str.contains(r"\d{4}\s*[-/.年]", regex=True).mean() >= NUMERIC_SHARE:
        for fmt in _DATE_FORMATS:
            parsed = pd.to_datetime(sample, format=fmt, errors="coerce", utc=True)
            if parsed.notna().mean() >= NUMERIC_SHARE:
                return fmt
    if sample.str.fullmatch(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{4}", na=False).mean() >= NUMERIC_SHARE:
        for day_first, month_first in _DMY_FORMATS:
            fits = [pd.to_datetime(sample, format=f, errors="coerce").notna().mean() >= NUMERIC_SHARE
                    for f in (day_first, month_first)]
            if all(fits):
                return AMBIGUOUS_DATES
            if any(fits):
                return day_first if fits[0] else month_first
    return None


def row_list(mask: pd.Series | np.ndarray, limit: int = 5) -> str:
    idx = np.flatnonzero(np.asarray(mask)) + 1
    shown = ", ".join(str(i) for i in idx[:limit])
    more = f" and {len(idx) - limit} more" if len(idx) > limit else ""
    return f"row{'s' if len(idx) > 1 else ''} {shown}{more}"


def examples(text: pd.Series, mask: pd.Series, limit: int = 5) -> str:
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


def name_list(names: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def missing_columns_problem(missing: Sequence[str], present: Iterable[object]) -> str:
    have = [str(c) for c in present]
    parts = []
    for name in missing:
        close = difflib.get_close_matches(name, have, n=3, cutoff=0.5)
        parts.append(f"{name!r}" + (f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""))
    return f"missing column(s): {', '.join(parts)}"


def text_in_numeric_problem(name: str, text: pd.Series, bad: pd.Series) -> str:
    n_bad, n = int(bad.sum()), int(text.notna().sum())
    return (
        f"column {name!r}: expected numbers, found text in {n_bad} of {n} values: "
        f"{examples(text, bad)}; fix them or declare them missing (missing_values)"
    )


def handle_infinity(name: str, values: pd.Series, policy: str) -> tuple[pd.Series, str, str]:
    """Apply the infinity policy: (values, note, problem); at most one of note/problem set."""
    inf = np.isinf(values.to_numpy())
    if not inf.any():
        return values, "", ""
    where = f"{int(inf.sum())} infinite value(s) at {row_list(inf)}"
    if policy == "error":
        return values, "", f"column {name!r}: {where} (infinity='error')"
    return values.mask(inf), f"{name!r}: {where} treated as missing", ""


#: Largest magnitude models accept: LightGBM and scikit-learn cast to float32 on the way in.
FLOAT32_MAX = float(np.finfo(np.float32).max)


def too_large_problem(name: str, values: pd.Series) -> str:
    """One line naming the column and a value beyond float32's range, or ``""``.

    Scikit-learn and LightGBM convert features to float32 and fail with a traceback on
    ``1e39``; such a number in a credit file is a unit or export error to fix at the source.
    """
    v = values.to_numpy(dtype="float64", na_value=np.nan)
    big = np.isfinite(v) & (np.abs(v) > FLOAT32_MAX)
    if not big.any():
        return ""
    return (f"column {name!r}: {int(big.sum())} value(s) beyond the range models accept "
            f"(about ±{FLOAT32_MAX:.1e}): {examples(pd.Series(v), pd.Series(big))}; "
            "fix the unit or declare them missing (missing_values)")

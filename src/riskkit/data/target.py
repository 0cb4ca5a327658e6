"""The outcome column: which label is bad, checked before anything is fitted.

Recognised without help (case-insensitive, first is bad): 1/0, true/false, yes/no, Y/N,
是/否, bad/good, 违约/正常 and the other pairs in :data:`KNOWN_LABELS`; any other two labels
need ``bad_label`` (``riskkit fit --bad-label``). Mapping labels is not fitting: it reads no
distribution, so it is done on the whole file before the split.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskkit.core.errors import DataError
from riskkit.data.values import as_text, row_list

__all__ = ["KNOWN_LABELS", "map_target", "map_target_problems"]

#: Label pairs recognised without ``bad_label`` (lower-case; the first of each pair is bad).
KNOWN_LABELS: tuple[tuple[str, str], ...] = (
    ("1", "0"), ("true", "false"), ("t", "f"), ("yes", "no"), ("y", "n"), ("是", "否"),
    ("bad", "good"), ("违约", "正常"), ("违约", "未违约"), ("逾期", "正常"), ("逾期", "未逾期"),
    ("坏", "好"), ("坏客户", "好客户"), ("default", "non-default"), ("default", "no default"),
)


def map_target(
    series: pd.Series, bad_label: object = None, *, source: str = "data"
) -> tuple[np.ndarray, dict[str, int]]:
    """Map a target column to 0/1 (1 = bad): ``(y as int8, {label: 0 or 1})``.

    Recognised without help (case-insensitive, first is bad): 1/0, true/false, yes/no, Y/N,
    是/否, bad/good, 违约/正常 and the other pairs in :data:`KNOWN_LABELS`. Any other two
    labels need ``bad_label``. Missing values, one class, or more than two classes are
    errors that list what was seen.
    """
    y, mapping, problems = map_target_problems(series, bad_label)
    if problems or y is None:
        raise DataError(source, problems)
    return y, mapping


def map_target_problems(series: pd.Series, bad_label: object) -> tuple[np.ndarray | None, dict[str, int], list[str]]:
    """:func:`map_target` without raising: ``(y or None, mapping, problems)``."""
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

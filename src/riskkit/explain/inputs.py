"""Values an applicant can have, checked before anything is scored or explained.

A model scores any number it is given: ``applications_30d = -4`` or an income of
``-5,000 CNY`` get a PD, a decision and reasons that read like answers. The registry knows
each feature's range (``lower`` / ``upper``: counts and amounts from 0, a flag 0 or 1, an
age from 18 to 65) and whether it is a whole number; these checks hold an applicant to it,
so the what-if panel, :func:`riskkit.explain.explain_applicant` and
:func:`riskkit.explain.contributions` refuse such a row naming the feature, the value and
the range, instead of scoring it. A missing value stays allowed where the data has them
(no credit card, never overdue): missing is a value an applicant can have; infinity is not.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import ConfigError, DataError

__all__ = ["allowed_range", "check_applicants", "check_change", "check_columns", "value_problem"]


def feature_entry(name: str, registry: Mapping[str, Any] | Any | None = None) -> Any | None:
    """The registry entry of ``name``, None when unknown (the synthetic registry by default)."""
    reg = F.REGISTRY if registry is None else registry
    return reg.get(name) if name in reg else None


def allowed_range(feat: Any) -> str:
    """The feature's range in words: ``0 or more``, ``from 18 to 65``, ``0 or 1``."""
    low, high = feat.lower, feat.upper
    whole = feat.dtype == "int"
    show = (lambda v: f"{v:,.0f}") if whole else (lambda v: f"{v:,g}")
    if low is not None and high is not None:
        text = f"{show(low)} or {show(high)}" if whole and high - low == 1 else \
            f"from {show(low)} to {show(high)}"
    elif low is not None:
        text = f"{show(low)} or more"
    elif high is not None:
        text = f"at most {show(high)}"
    else:
        text = "any number"
    return f"{'a whole number ' if whole else ''}{text}".strip()


def value_problem(feat: Any, value: Any, *, missing_ok: bool = True) -> str | None:
    """Why ``value`` is not one an applicant can have for ``feat`` (None when it is)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None if missing_ok else "is missing"
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return f"is not a number ({value!r})"
    number = float(value)
    if not math.isfinite(number):
        return "is not a finite number"
    if feat.dtype == "int" and number != round(number):
        return f"{value!r} is not a whole number"
    if (feat.lower is not None and number < float(feat.lower)) or (
            feat.upper is not None and number > float(feat.upper)):
        return f"{value!r} is outside the range an applicant can have"
    return None


def check_applicants(frame: pd.DataFrame, registry: Any = None, what: str = "applicant",
                     features: Sequence[str] | None = None) -> None:
    """Every registry feature of ``frame`` within the values an applicant can have.

    Parameters
    ----------
    frame : pandas.DataFrame
        Applicants (one row or many).
    registry : Registry or mapping, optional
        Where the ranges are (default the synthetic world's).
    what : str
        The caller's name for ``frame`` (``"applicant"``, ``"background"``), in the message.
    features : sequence of str, optional
        Only these columns (default every column the registry knows).

    Raises
    ------
    DataError
        Naming, per offending feature, the first bad value, how many rows have one, and
        the range.
    """
    problems = []
    for name in features if features is not None else frame.columns:
        feat = feature_entry(name, registry)
        if feat is None or feat.is_categorical or name not in frame.columns:
            continue
        values = frame[name]
        numbers = pd.to_numeric(values, errors="coerce")
        bad = numbers.isna() & values.notna()
        finite = numbers.to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            bad |= np.isinf(finite)
            if feat.lower is not None:
                bad |= finite < float(feat.lower)
            if feat.upper is not None:
                bad |= finite > float(feat.upper)
            if feat.dtype == "int":
                bad |= ~np.isnan(finite) & (finite != np.round(finite))
        if bad.any():
            first = values[bad].iloc[0]
            first = first.item() if isinstance(first, np.generic) else first
            rows = f" (in {int(bad.sum()):,} rows)" if len(frame) > 1 else ""
            problems.append(f"{name} = {first!r}{rows}: an applicant has {allowed_range(feat)}")
    if problems:
        raise DataError(what, problems)


def check_columns(frame: Any, needed: Sequence[str], what: str) -> None:
    """``frame`` is a DataFrame with every column in ``needed``, or a DataError naming it."""
    if not isinstance(frame, pd.DataFrame):
        raise DataError(what, [f"expected a pandas DataFrame, got {type(frame).__name__}"])
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(what, [f"missing model feature columns {missing}"])


def check_change(name: str, value: Any, registry: Mapping[str, Any] | Any = None) -> None:
    """One what-if change: a value an applicant can have, or a ConfigError with the range."""
    feat = feature_entry(name, registry)
    if feat is None:
        return
    problem = value_problem(feat, value, missing_ok=False)
    if problem:
        raise ConfigError(f"what-if change of {name!r}: {problem}; an applicant has "
                          f"{allowed_range(feat)}")

"""What-if logic: one applicant, edited the way the world allows, re-decided.

A loan officer's first question is "what if this applicant had two fewer applications?".
This module answers it without any user interface, so the answer can be tested, shown as a
static table, or driven by the widgets of :mod:`riskkit.widgets`:

* :func:`controls` says, from the registry, what may move and how. **Immutable** features
  (occupation, city tier, age, ...) are shown and locked. **Overdue history**
  (time-decaying features of the ``overdue_history`` group: overdue count, worst delay,
  months since the last overdue, length of credit history) moves only by *months waited*.
  Other **counts** (applications, platforms, loans taken, the current-overdue flag) move by
  whole numbers; **amounts and ratios** (income, volatility, debt to income, savings,
  card use, requested amount) by the registry's step. A missing value stays missing: no
  slider can give an applicant a credit card.
* :func:`what_if_row` builds the edited row: first the history is aged by the months
  waited exactly as recourse ages it (:func:`riskkit.explain.levers.apply_levers` with the
  ``wait`` lever: windows empty, months since the last overdue and credit history grow,
  an overdue older than 24 months leaves the record), then the moved controls are applied.
  The truth columns the row came with are dropped, so the true PD is recomputed for the
  edited applicant, never quoted from the original one.
* :func:`assess` re-decides it: :func:`riskkit.explain.explain_applicant` (PD, decision,
  credit line, reasons in English and Chinese, verified recourse, true PD).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.explain.applicant import explain_applicant
from riskkit.explain.inputs import check_applicants, check_change
from riskkit.explain.levers import apply_levers, levers_for, row_values
from riskkit.explain.shap_objects import display_value, feature_entry

ControlKind = Literal["locked", "aged", "count", "number"]
#: Longest wait the panel offers (months): the overdue window, after which nothing more ages.
MAX_MONTHS = 24
#: Registry group whose time-decaying features move only by waiting.
HISTORY_GROUP = "overdue_history"
#: Quantiles of the reference data that bound a slider (widened to the applicant's value).
RANGE_QUANTILES = (0.01, 0.99)
#: A count's slider reaches at least this far above the applicant's own value.
COUNT_HEADROOM = 3


@dataclass(frozen=True)
class Control:
    """How one feature appears in a what-if panel.

    ``kind``: ``"locked"`` (shown, never moves), ``"aged"`` (moves only with the months
    waited), ``"count"`` (whole numbers from ``low`` to ``high``) or ``"number"`` (steps
    of ``step``). ``readout`` is the value's format for a slider (d3-format, as ipywidgets
    wants it, taken from the registry's ``fmt``).
    """

    name: str
    label: str
    kind: ControlKind
    value: Any
    low: float | None = None
    high: float | None = None
    step: float | None = None
    readout: str = ".4g"

    @property
    def movable(self) -> bool:
        return self.kind in ("count", "number")


def _kind(feat: Any, value: Any, model_features: set[str]) -> ControlKind:
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    if feat is None or feat.kind == "immutable" or feat.is_categorical:
        return "locked"
    if feat.kind == "time_decaying" and feat.group == HISTORY_GROUP:
        return "aged"
    if missing or feat.name not in model_features:
        return "locked"  # a missing value means something; a non-model column moves nothing
    if feat.dtype == "int":
        return "count"
    return "number"


def _readout(fmt: str) -> str:
    """Python's ``"{:,.0f}"`` as d3-format's ``",.0f"``; anything else ``".4g"``."""
    if fmt.startswith("{:") and fmt.endswith("}") and fmt.count("{") == 1:
        return fmt[2:-1]
    return ".4g"


def _nice_step(span: float) -> float:
    """About 200 steps over ``span``, rounded to a power of ten (100 CNY for an income)."""
    if not np.isfinite(span) or span <= 0:
        return 1.0
    return float(10.0 ** math.floor(math.log10(span / 200.0)))


def _bounds(feat: Any, value: float, data: pd.DataFrame | None) -> tuple[float, float]:
    """Registry bounds, narrowed to the data's 1st-99th percentiles, widened to the value."""
    low = None if feat.lower is None else float(feat.lower)
    high = None if feat.upper is None else float(feat.upper)
    column = pd.Series(dtype=float)
    if data is not None and feat.name in data.columns:
        column = pd.to_numeric(data[feat.name], errors="coerce").dropna()
    if len(column):
        q_low, q_high = (float(q) for q in column.quantile(list(RANGE_QUANTILES)))
        low = q_low if low is None else max(low, q_low)
        high = q_high if high is None else min(high, q_high)
    low = 0.0 if low is None else low
    high = max(2.0 * abs(value), 1.0) if high is None else high
    return min(low, value), max(high, value)


def controls(row: pd.DataFrame, model_features: tuple[str, ...] | list[str] | None = None, *,
             data: pd.DataFrame | None = None, lang: str = "en",
             registry: Any = None) -> list[Control]:
    """One :class:`Control` per registry feature of ``row``, in registry order.

    Parameters
    ----------
    row : pandas.DataFrame
        One applicant.
    model_features : sequence of str, optional
        The model's features (``model.features_``); other columns are shown locked.
        Default: the synthetic world's model features.
    data : pandas.DataFrame, optional
        Applicants whose 1st-99th percentiles bound the sliders (e.g. the validation split);
        without it the registry bounds, or twice the value, are used.
    lang : {"en", "zh"}
        Language of the labels.
    registry : Registry or mapping, optional
        Default the synthetic world's.

    Returns
    -------
    list of Control
    """
    one = _one(row)
    used = set(F.MODEL_FEATURES if model_features is None else model_features)
    values = row_values(one)
    out: list[Control] = []
    for name in one.columns:
        feat = feature_entry(name, registry)
        if feat is None:
            continue
        value = values[name]
        kind = _kind(feat, value, used)
        label = feat.label(lang)
        if kind in ("locked", "aged"):
            out.append(Control(name, label, kind, value))
            continue
        low, high = _bounds(feat, float(value), data)
        if kind == "count":  # room above the value too: "what if two more applications?"
            high = max(high, value + COUNT_HEADROOM) if feat.upper is None else high
            out.append(Control(name, label, kind, round(value), math.floor(low),
                               math.ceil(high), 1.0, "d"))
            continue
        step = float(feat.step) if feat.step else _nice_step(high - low)
        low, high = math.floor(low / step) * step, math.ceil(high / step) * step
        out.append(Control(name, label, kind, float(value), low, high, step,
                           _readout(feat.fmt)))
    return out


def _one(row: pd.DataFrame | pd.Series) -> pd.DataFrame:
    if isinstance(row, pd.Series):
        row = row.to_frame().T.infer_objects()
    if not isinstance(row, pd.DataFrame) or len(row) != 1:
        raise ConfigError("a what-if needs exactly one applicant (a one-row DataFrame)")
    return row.reset_index(drop=True)


def _without_truth(row: pd.DataFrame) -> pd.DataFrame:
    drop = [c for c in row.columns if c in F.TRUTH_COLUMNS or c.startswith(F.CONTRIB_PREFIX)]
    return row.drop(columns=drop)


def age(row: pd.DataFrame, months: int) -> pd.DataFrame:
    """The applicant ``months`` later, with no new credit activity, as recourse ages one."""
    if not isinstance(months, int | np.integer) or not 0 <= months <= MAX_MONTHS:
        raise ConfigError(f"months waited must be a whole number from 0 to {MAX_MONTHS}, "
                          f"got {months!r}")
    one = _without_truth(_one(row))
    if months == 0:
        return one
    values = row_values(one)
    wait = [lever for lever in levers_for(values, max_wait_months=MAX_MONTHS)
            if lever.name == "wait"]
    if not wait:
        return one
    return apply_levers(one, wait, np.array([[int(months)]]), values)


def what_if_row(row: pd.DataFrame, changes: Mapping[str, Any] | None = None,
                months: int = 0, *, registry: Any = None) -> pd.DataFrame:
    """``row`` aged by ``months``, then with ``changes`` (feature -> new value) applied.

    Only movable features may change (see :func:`controls`); a change to a locked or aged
    one is a :class:`ConfigError` naming it. Counts are stored as whole numbers, the 90-day
    application count is kept at least the 30-day one, and the truth columns are dropped.
    """
    check_applicants(_one(row), registry, "what-if applicant")
    aged = age(row, months)
    out = aged.copy()
    for name, value in (changes or {}).items():
        feat = feature_entry(name, registry)
        if name not in out.columns or feat is None:
            raise ConfigError(f"what-if change of {name!r}: the applicant has no such feature")
        if feat.kind == "immutable" or feat.is_categorical or (
                feat.kind == "time_decaying" and feat.group == HISTORY_GROUP):
            raise ConfigError(f"what-if change of {name!r}: it is {feat.kind} and cannot be "
                              "moved (overdue history moves only with the months waited)")
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if feat.dtype == "int" and number and float(value) != round(float(value)):
            raise ConfigError(f"what-if change of {name!r}: counts move by whole numbers, "
                              f"got {value!r}")
        check_change(name, value, registry)  # a value an applicant can have, or the range
        if feat.dtype == "int":
            out[name] = np.array([round(float(value))], dtype=np.int64)
        else:
            out[name] = np.array([float(value)], dtype=float)
    if {"applications_30d", "applications_90d"} <= set(out.columns):
        out["applications_90d"] = np.maximum(out["applications_90d"].to_numpy(),
                                             out["applications_30d"].to_numpy())
    return out


def assess(model: Any, policy: Any, row: pd.DataFrame, reference: Mapping[str, Any] | None,
           *, truth: Any) -> dict[str, Any]:
    """The edited applicant re-decided: :func:`explain_applicant`'s dict (PD, decision,
    credit line, reasons en/zh, recourse, true PD), nothing else recomputed. ``truth`` is
    the applicant's world's (None for data of one's own): required, never a default."""
    return explain_applicant(model, policy, row, reference, truth=truth)


def describe(control: Control, row: pd.DataFrame, lang: str = "en", registry: Any = None) -> str:
    """The control's current value in ``row`` as an applicant reads it (with its unit)."""
    value = row_values(_one(row)[[control.name]])[control.name]
    return display_value(control.name, value, lang, registry, sentence=True)

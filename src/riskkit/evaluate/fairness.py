"""Fairness of a lending decision by group: approval, bad rates, error rates, adverse impact.

For each protected attribute (the synthetic world's gender, age band, occupation and city
tier; a user's protected columns in a bring-your-own-data run) and each group of it, the
run reports what a fair-lending review asks first:

``n``
    applicants in the group;
``approval_rate``
    share approved (knock-outs count as declines);
``bad_rate_approved``
    observed bad rate among the approved (None when none is approved);
``tpr_decline`` / ``fpr_decline``
    the decline decision's true- and false-positive rates: the share of bads declined and
    the share of goods declined. A group with a higher ``fpr_decline`` loses more good
    applicants for the same risk, the "equal opportunity" view of the decision;
``mean_pd`` / ``mean_true_pd``
    the deployed model's mean PD against the mean true PD (synthetic data only; None
    otherwise). A model that over-predicts a group's PD declines it for risk it does not
    carry.

Per attribute, the **adverse impact ratio** (AIR) is the lowest group's approval rate over
the highest, and the **four-fifths flag** is raised when it is below 0.8 (the US EEOC's
rule of thumb, used by fair-lending reviews for credit too). Groups with fewer than
:data:`MIN_GROUP` applicants are reported but left out of the ratio: one group of five
applicants would otherwise decide the flag by chance. Per split, ``knockout_share`` is the
share of all declines caused by each knock-out rule (the first rule an applicant hits), so
an age limit that declines a fifth of applicants is seen as the age rule it is.

Groups of a numeric attribute
-----------------------------
An attribute whose kind is ``"age"`` is cut into the bands of :data:`AGE_BANDS`: under 25,
25-34, 35-44, 45-54, 55 and over (years at application; ten-year bands as in most
fair-lending reports, with the young and the old at the ends, where the synthetic product's
age limits of 20 and 55 fall). Another numeric attribute with more than :data:`MAX_LEVELS`
distinct values is cut into quintiles of the split's values; one with fewer is grouped by
value. Missing values form the group ``"missing"``.

The group tables are fairlearn's :class:`fairlearn.metrics.MetricFrame` (disaggregated
metrics and the between-groups ratio are what it is for); the metric functions are small
ones of our own because fairlearn's rates have no "undefined" for a group without bads.

Output schema (``metrics.json["fairness"]``, shared with the report)::

    {"model": NAME, "attributes": [ATTR, ...], "splits": {"test" | "oot": {
        "groups": {ATTR: {GROUP: {"n", "approval_rate", "bad_rate_approved",
                   "tpr_decline", "fpr_decline", "mean_pd", "mean_true_pd"}}},
        "adverse_impact_ratio": {ATTR: float | None},
        "four_fifths_flag": {ATTR: bool | None},   # None: could not be measured
        "four_fifths_status": {ATTR: "passes" | "fails" | "not measured"},
        "knockout_share": {RULE: share of declines}}}}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, count

__all__ = [
    "AGE_BANDS",
    "FOUR_FIFTHS",
    "GROUP_METRICS",
    "MAX_LEVELS",
    "MIN_GROUP",
    "SYNTHETIC_ATTRIBUTES",
    "adverse_impact_ratio",
    "fairness_section",
    "fairness_table",
    "group_labels",
    "group_metrics",
    "knockout_shares",
    "split_fairness",
]

FOUR_FIFTHS = 0.8
#: Groups smaller than this are reported but left out of the adverse impact ratio.
MIN_GROUP = 30
#: A numeric attribute with more distinct values than this is banded.
MAX_LEVELS = 12
#: Age bands: (label, lowest age in the band); the last band is open-ended.
AGE_BANDS: tuple[tuple[str, float], ...] = (
    ("under 25", -np.inf), ("25-34", 25), ("35-44", 35), ("45-54", 45), ("55 and over", 55))
#: The synthetic world's attributes analysed for fairness, in report order.
SYNTHETIC_ATTRIBUTES: tuple[str, ...] = ("gender", "age", "occupation", "city_tier")
GROUP_METRICS: tuple[str, ...] = ("n", "approval_rate", "bad_rate_approved", "tpr_decline",
                                  "fpr_decline", "mean_pd", "mean_true_pd")
_QUANTILES = 5
_ROUNDING = 1e-12
#: A flag's three outcomes, as metrics.json, the report and the CLI word them.
FLAG_STATUS = {True: "fails", False: "passes", None: "not measured"}
_MISSING = "missing"


# ----------------------------------------------------------------------------- groups
def group_labels(values: pd.Series, kind: str | None = None) -> pd.Series:
    """The group each applicant belongs to, as text (see "Groups of a numeric attribute").

    Parameters
    ----------
    values
        one attribute's values, one per applicant.
    kind
        ``"age"`` for the age bands; anything else groups by value or quintile.

    Returns
    -------
    pandas.Series
        categorical text labels, index as ``values``, categories in their natural order
        (bands from young to old, numbers ascending, "missing" last), observed ones only.
    """
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if not numeric:
        text = values.astype(object).where(values.notna(), _MISSING).astype(str)
        order = sorted(set(text) - {_MISSING}) + ([_MISSING] if _MISSING in set(text) else [])
        return pd.Series(pd.Categorical(text, categories=order), index=values.index)
    x = values.to_numpy(dtype=float, na_value=np.nan)
    present = ~np.isnan(x)
    if kind == "age":
        edges = [low for _, low in AGE_BANDS[1:]]
        labels = [label for label, _ in AGE_BANDS]
        codes = np.searchsorted(edges, x, side="right")
    elif len(np.unique(x[present])) > MAX_LEVELS:
        edges = np.unique(np.nanquantile(x, np.linspace(0, 1, _QUANTILES + 1)[1:-1]))
        bounds = [-np.inf, *edges, np.inf]
        labels = [_interval(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]
        codes = np.searchsorted(edges, x, side="right")
    else:
        levels = np.unique(x[present])
        labels = [f"{v:.0f}" if float(v).is_integer() else f"{v:g}" for v in levels]
        codes = np.searchsorted(levels, x)
    text = np.array([*labels, _MISSING], dtype=object)[np.where(present, codes, len(labels))]
    order = [label for i, label in enumerate(labels) if np.any(present & (codes == i))]
    if (~present).any():
        order.append(_MISSING)
    return pd.Series(pd.Categorical(text, categories=order), index=values.index)


def _interval(low: float, high: float) -> str:
    if np.isinf(low):
        return f"under {high:g}"
    if np.isinf(high):
        return f"{low:g} and over"
    return f"{low:g} to under {high:g}"


# ----------------------------------------------------------------------------- metrics
def _approval_rate(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(1.0 - np.mean(y_pred)) if len(y_pred) else np.nan


def _mean_where(values: np.ndarray, mask: np.ndarray) -> float:
    return float(np.mean(values[mask])) if mask.any() else np.nan


def _bad_rate_approved(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return _mean_where(np.asarray(y_true, dtype=float), np.asarray(y_pred) == 0)


def _tpr_decline(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return _mean_where(np.asarray(y_pred, dtype=float), np.asarray(y_true) == 1)


def _fpr_decline(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return _mean_where(np.asarray(y_pred, dtype=float), np.asarray(y_true) == 0)


def _mean_of(y_true: np.ndarray, y_pred: np.ndarray, values: np.ndarray) -> float:
    values = np.asarray(values, dtype=float)
    return float(np.nanmean(values)) if np.isfinite(values).any() else np.nan


def group_metrics(y: Any, approved: Any, pd_: Any, groups: Any,
                  true_pd: Any = None) -> pd.DataFrame:
    """The figures of the module docstring for every group, via fairlearn's ``MetricFrame``.

    Parameters
    ----------
    y
        observed outcomes, 1 = bad.
    approved
        True where the applicant was approved.
    pd_
        the deployed model's PD per applicant.
    groups
        each applicant's group (:func:`group_labels`; a categorical keeps its order).
    true_pd
        the true PD per applicant, or None when the data has no truth.

    Returns
    -------
    pandas.DataFrame
        one row per group (in category order, else sorted), the columns of :data:`GROUP_METRICS`; ``mean_true_pd``
        is NaN without a truth.
    """
    y = np.asarray(y, dtype=float)
    labels = pd.Series(groups)
    order = (list(labels.cat.categories) if isinstance(labels.dtype, pd.CategoricalDtype)
             else sorted(set(labels.astype(str))))
    declined = (~np.asarray(approved, dtype=bool)).astype(int)
    n = len(y)
    truth = np.full(n, np.nan) if true_pd is None else np.asarray(true_pd, dtype=float)
    frame = MetricFrame(
        metrics={"n": count, "approval_rate": _approval_rate,
                 "bad_rate_approved": _bad_rate_approved, "tpr_decline": _tpr_decline,
                 "fpr_decline": _fpr_decline, "mean_pd": _mean_of, "mean_true_pd": _mean_of},
        y_true=y, y_pred=declined,
        sensitive_features=pd.Series(labels.astype(str).to_numpy(dtype=object), name="group"),
        sample_params={"mean_pd": {"values": np.asarray(pd_, dtype=float)},
                       "mean_true_pd": {"values": truth}})
    table = frame.by_group.astype(float)
    table["n"] = table["n"].astype(int)
    return table.reindex([str(g) for g in order])[list(GROUP_METRICS)]


def adverse_impact_ratio(table: pd.DataFrame, min_group: int = MIN_GROUP) -> float | None:
    """Lowest group approval rate over the highest, among groups of at least ``min_group``.

    Parameters
    ----------
    table
        :func:`group_metrics` output (``n`` and ``approval_rate`` columns).
    min_group
        smallest group counted.

    Returns
    -------
    float or None
        the ratio in [0, 1]; None when fewer than two groups are large enough or no group
        is approved at all (no ratio to speak of).
    """
    rates = table.loc[table["n"] >= min_group, "approval_rate"].dropna()
    if len(rates) < 2 or rates.max() <= 0:
        return None
    return float(rates.min() / rates.max())


def knockout_shares(knockout: Any, approved: Any, rules: Sequence[str]) -> dict[str, float]:
    """Share of all declines caused by each knock-out rule (the first rule hit).

    Parameters
    ----------
    knockout
        the name of the first rule each applicant hits, ``""`` for none.
    approved
        True where the applicant was approved.
    rules
        the policy's rule names, in its order; every one gets a share (0 when unused).

    Returns
    -------
    dict
        rule name -> share of declines; empty when there are no rules. All 0 when nobody
        is declined.
    """
    names = np.asarray(knockout, dtype=object)
    declined = ~np.asarray(approved, dtype=bool)
    total = int(declined.sum())
    return {rule: (float(np.sum(declined & (names == rule)) / total) if total else 0.0)
            for rule in rules}


# ----------------------------------------------------------------------------- a run
def split_fairness(frame: pd.DataFrame, y: Any, approved: Any, pd_: Any, knockout: Any,
                   attributes: Sequence[str], rules: Sequence[str],
                   kinds: Mapping[str, str] | None = None,
                   min_group: int = MIN_GROUP) -> dict[str, Any]:
    """One split's entry of ``metrics.json["fairness"]["splits"]``.

    Parameters
    ----------
    frame
        the split's applicants (the attribute columns, and ``true_pd`` when there is a truth).
    y, approved, pd_, knockout
        outcome, decision, the deployed model's PD and the first knock-out rule hit, row by
        row with ``frame``.
    attributes
        attribute columns of ``frame`` to analyse.
    rules
        the policy's knock-out rule names.
    kinds
        attribute -> kind of protected attribute (``"age"`` gets the age bands); an
        attribute not in it is its own kind (the synthetic ``age`` is an age).
    min_group
        smallest group counted in the adverse impact ratio.

    Returns
    -------
    dict
        ``groups``, ``adverse_impact_ratio``, ``four_fifths_flag`` and ``knockout_share``.
    """
    kinds = dict(kinds or {})
    true_pd = frame["true_pd"].to_numpy() if "true_pd" in frame.columns else None
    groups: dict[str, Any] = {}
    air: dict[str, float | None] = {}
    flags: dict[str, bool | None] = {}
    for attr in attributes:
        labels = group_labels(frame[attr], kinds.get(attr, attr))
        table = group_metrics(y, approved, pd_, labels, true_pd)
        groups[attr] = {str(level): _json_row(row) for level, row in table.iterrows()}
        air[attr] = adverse_impact_ratio(table, min_group)
        # a ratio of exactly four fifths (64 % over 80 %) passes, whatever the rounding
        # None: not measured (no two groups of MIN_GROUP applicants), never "no flag"
        flags[attr] = None if air[attr] is None else bool(air[attr] < FOUR_FIFTHS - _ROUNDING)
    status = {a: FLAG_STATUS[f] for a, f in flags.items()}
    return {"groups": groups, "adverse_impact_ratio": air, "four_fifths_flag": flags,
            "four_fifths_status": status,
            "knockout_share": knockout_shares(knockout, approved, rules)}


def _json_row(row: pd.Series) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in GROUP_METRICS:
        value = row[key]
        out[key] = int(value) if key == "n" else (None if pd.isna(value) else float(value))
    return out


def fairness_section(model: str, attributes: Sequence[str],
                     splits: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """``metrics.json["fairness"]``: the deployed model's name and the per-split entries.

    Parameters
    ----------
    model
        the deployed model's name.
    attributes
        the attributes analysed.
    splits
        split name -> :func:`split_fairness` output.

    Returns
    -------
    dict
        the schema of the module docstring.
    """
    return {"model": model, "attributes": list(attributes), "splits": dict(splits)}


def fairness_table(section: Mapping[str, Any]) -> pd.DataFrame:
    """The section as one long table (``tables/fairness.csv``): a row per split, attribute
    and group, with the attribute's adverse impact ratio and flag repeated on its rows.

    Parameters
    ----------
    section
        :func:`fairness_section` output.

    Returns
    -------
    pandas.DataFrame
        columns ``split, attribute, group``, :data:`GROUP_METRICS`,
        ``adverse_impact_ratio, four_fifths_flag``.
    """
    rows = []
    for split, entry in section["splits"].items():
        for attr, levels in entry["groups"].items():
            for level, figures in levels.items():
                rows.append({"split": split, "attribute": attr, "group": level, **figures,
                             "adverse_impact_ratio": entry["adverse_impact_ratio"][attr],
                             "four_fifths_flag": entry["four_fifths_flag"][attr]})
    columns = ["split", "attribute", "group", *GROUP_METRICS, "adverse_impact_ratio",
               "four_fifths_flag"]
    return pd.DataFrame(rows, columns=columns)

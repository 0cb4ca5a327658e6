"""Fairness of a lending decision by group: approval, bad rates, error rates, lines, impact.

For each protected attribute (the synthetic world's gender, age band, occupation and city
tier; a user's protected columns in a bring-your-own-data run) and each group of it, the
run reports what a fair-lending review asks first:

``n`` / ``approval_rate``
    applicants in the group and the share approved (knock-outs count as declines): the
    **policy as a whole**;
``n_passers`` / ``approval_rate_passers``
    applicants who pass every knock-out rule and the share of them approved: the **model's
    part** (its cut-off), which an age limit written as a knock-out rule does not touch;
``bad_rate_approved``
    observed bad rate among the approved (None when none is approved);
``tpr_decline`` / ``fpr_decline``
    the decline decision's true- and false-positive rates: the share of bads declined and
    the share of goods declined (the "equal opportunity" view of the decision);
``mean_pd`` / ``mean_true_pd``
    the deployed model's mean PD against the mean true PD (synthetic data only; None
    otherwise). A model that over-predicts a group's PD declines it for risk it does not
    carry;
``n_approved`` / ``mean_line`` / ``line_per_income``
    among the approved: how many, their mean credit line, and the line per unit of monthly
    income (the group's total line over its total income, approved applicants with a known
    positive income): approval can be equal while the lines are not.

Per attribute, the **adverse impact ratio** (AIR) is the lowest group's approval rate over
the highest, for the policy and among knock-out passers, each with a seeded bootstrap
interval stratified by group and a four-fifths verdict (:mod:`riskkit.evaluate.impact`:
flagged only when the whole interval is below 0.8, "not measured" when it cannot be
measured). Groups with fewer than :data:`MIN_GROUP` applicants (passers) are reported but
left out of the ratio. ``line_ratio`` is the lowest group's line per unit of income over
the highest (groups of at least :data:`MIN_GROUP` approved). Per split, ``knockout_share``
is the share of all declines caused by each knock-out rule (the first rule hit).

Groups of a numeric attribute
-----------------------------
An attribute whose kind is ``"age"`` is cut into the bands of :data:`AGE_BANDS`: under 25,
25-34, 35-44, 45-54, 55 and over (years at application; ten-year bands as in most
fair-lending reports). Another numeric attribute with more than :data:`MAX_LEVELS` distinct
values is cut into quintiles of the split's values; one with fewer is grouped by value.
Missing values form the group ``"missing"``.

How it is computed
------------------
One pass per attribute: the group of every applicant as a small integer code, then every
figure of every group from ``np.bincount`` sums of those codes; the means of PDs from one
stable sort (the same floating-point sums, bit for bit, as a mean over each group's rows).
fairlearn's :class:`~fairlearn.metrics.MetricFrame` computed the same table before, calling
each metric once per group and attribute: 9.6 s of a 250,000-applicant run for figures that
need a few sums. It stays the reference the tests check these figures against.

Output schema (``metrics.json["fairness"]``, shared with the report)::

    {"model": NAME, "attributes": [ATTR, ...], "splits": {"test" | "oot": {
        "groups": {ATTR: {GROUP: {GROUP_METRICS ...}}},
        "adverse_impact_ratio": {ATTR: float | None},        # the policy's, as a number
        "four_fifths_flag": {ATTR: bool | None},             # None: not measured
        "four_fifths_status": {ATTR: "passes" | "fails" | "not measured"},
        "adverse_impact": {ATTR: {"policy" | "passers": {"ratio", "low", "high", "status",
                           "reason", "lowest", "highest", "left_out", "interval"}}},
        "line_ratio": {ATTR: float | None},
        "knockout_share": {RULE: share of declines},
        "interval": {"method", "level", "replicates", "stratified_by", "seed", "min_group",
                     "source"}}}}
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskkit.evaluate.impact import (
    FOUR_FIFTHS,
    LEVEL,
    MIN_GROUP,
    REPLICATES,
    Method,
    impact_ratio,
)

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
    "group_codes",
    "group_labels",
    "group_metrics",
    "knockout_shares",
    "split_fairness",
]

#: A numeric attribute with more distinct values than this is banded.
MAX_LEVELS = 12
#: Age bands: (label, lowest age in the band); the last band is open-ended.
AGE_BANDS: tuple[tuple[str, float], ...] = (
    ("under 25", -np.inf), ("25-34", 25), ("35-44", 35), ("45-54", 45), ("55 and over", 55))
#: The synthetic world's attributes analysed for fairness, in report order.
SYNTHETIC_ATTRIBUTES: tuple[str, ...] = ("gender", "age", "occupation", "city_tier")
GROUP_METRICS: tuple[str, ...] = ("n", "approval_rate", "bad_rate_approved", "tpr_decline",
                                  "fpr_decline", "mean_pd", "mean_true_pd", "n_passers",
                                  "approval_rate_passers", "n_approved", "mean_line",
                                  "line_per_income")
_COUNTS = ("n", "n_passers", "n_approved")
_QUANTILES = 5
#: A flag's three outcomes, as metrics.json, the report and the CLI word them.
FLAG_STATUS = {True: "fails", False: "passes", None: "not measured"}
_MISSING = "missing"
_SOURCE = ("Efron & Tibshirani (1993), An Introduction to the Bootstrap, ch. 13-14; "
           "four-fifths rule: 29 CFR 1607.4(D)")


# ----------------------------------------------------------------------------- groups
def group_codes(values: pd.Series, kind: str | None = None) -> tuple[np.ndarray, list[str]]:
    """Each applicant's group as a code into the group names (see "Groups of a numeric
    attribute"): what :func:`group_labels` shows, without building text per applicant.

    Parameters
    ----------
    values
        one attribute's values, one per applicant.
    kind
        ``"age"`` for the age bands; anything else groups by value or quintile.

    Returns
    -------
    tuple
        ``(codes, names)``: ``codes[i]`` indexes ``names``; names in their natural order
        (text sorted, bands from young to old, numbers ascending, "missing" last), observed
        ones only.
    """
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if not numeric:
        if isinstance(values.dtype, pd.CategoricalDtype):
            raw, uniques = values.cat.codes.to_numpy(), values.cat.categories
        else:
            raw, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
        text = [str(u) for u in uniques] + [_MISSING]
        raw = np.where(raw < 0, len(uniques), raw)
        seen = np.bincount(raw, minlength=len(text)) > 0
        observed = {text[i] for i in np.flatnonzero(seen)}
        order = sorted(observed - {_MISSING}) + ([_MISSING] if _MISSING in observed else [])
        position = {name: i for i, name in enumerate(order)}
        lut = np.array([position.get(name, -1) for name in text], dtype=np.int64)
        return lut[raw], order
    x = values.to_numpy(dtype=float, na_value=np.nan)
    present = ~np.isnan(x)
    if kind == "age":
        edges = np.array([low for _, low in AGE_BANDS[1:]], dtype=float)
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
    codes = np.where(present, codes, len(labels))
    seen = np.flatnonzero(np.bincount(codes, minlength=len(labels) + 1) > 0)
    lut = np.full(len(labels) + 1, -1, dtype=np.int64)
    lut[seen] = np.arange(len(seen))
    return lut[codes], [[*labels, _MISSING][i] for i in seen]


def group_labels(values: pd.Series, kind: str | None = None) -> pd.Series:
    """The group each applicant belongs to, as text (:func:`group_codes` as labels).

    Returns
    -------
    pandas.Series
        categorical text labels, index as ``values``, categories in their natural order,
        observed ones only.
    """
    codes, names = group_codes(values, kind)
    return pd.Series(pd.Categorical.from_codes(codes, categories=names), index=values.index)


def _interval(low: float, high: float) -> str:
    if np.isinf(low):
        return f"under {high:g}"
    if np.isinf(high):
        return f"{low:g} and over"
    return f"{low:g} to under {high:g}"


# ----------------------------------------------------------------------------- figures
def _group_means(values: np.ndarray | None, order: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Per group ``nanmean`` of ``values`` over its rows in their original order (NaN where
    the group has no finite value): the same sums, bit for bit, as a mean per group."""
    out = np.full(len(bounds) - 1, np.nan)
    if values is None:
        return out
    ordered = np.asarray(values, dtype=float)[order]
    for g in range(len(out)):
        part = ordered[bounds[g]:bounds[g + 1]]
        if np.isfinite(part).any():
            out[g] = float(np.nanmean(part))
    return out


def _figures(codes: np.ndarray, groups: int, y: np.ndarray, approved: np.ndarray,
             pd_: np.ndarray, true_pd: np.ndarray | None, passers: np.ndarray | None,
             line: np.ndarray | None, income: np.ndarray | None) -> dict[str, np.ndarray]:
    """Every figure of :data:`GROUP_METRICS` for every group, from bincounts of ``codes``."""
    def total(weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(codes, weights=weights, minlength=groups)

    n = total()
    declined = ~approved
    bad = y == 1
    n_dec = total(declined.astype(float))
    k = n - n_dec.astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {
            "n": n,
            "approval_rate": 1.0 - n_dec / n,
            "bad_rate_approved": total(np.where(approved, y, 0.0)) / k,
            "tpr_decline": total((declined & bad).astype(float)) / total(bad.astype(float)),
            "fpr_decline": total((declined & (y == 0)).astype(float)) / total((y == 0).astype(float)),
        }
        order = np.argsort(codes.astype(np.int16 if groups < 2 ** 15 else np.int64), kind="stable")
        bounds = np.concatenate([[0], np.cumsum(n)])
        out["mean_pd"] = _group_means(pd_, order, bounds)
        out["mean_true_pd"] = _group_means(true_pd, order, bounds)
        m, k_pass = n, k
        if passers is not None:  # approvals are passers' in a policy; counted apart all the same
            m = total(passers.astype(float)).astype(np.int64)
            k_pass = total((passers & approved).astype(float)).astype(np.int64)
        out["n_passers"], out["_approved_passers"] = m, k_pass
        out["approval_rate_passers"] = 1.0 - (m - k_pass) / m
        out["n_approved"] = k
        out["mean_line"] = out["line_per_income"] = np.full(groups, np.nan)
        if line is not None:
            line = np.asarray(line, dtype=float)
            out["mean_line"] = total(np.where(approved, line, 0.0)) / k
            if income is not None:
                inc = np.asarray(income, dtype=float)
                known = approved & np.isfinite(inc) & (inc > 0)
                out["line_per_income"] = (total(np.where(known, line, 0.0))
                                          / total(np.where(known, inc, 0.0)))
    return out


def _codes_of(groups: Any) -> tuple[np.ndarray, list[str]]:
    labels = pd.Series(groups)
    if isinstance(labels.dtype, pd.CategoricalDtype):
        return labels.cat.codes.to_numpy().astype(np.int64), [str(c) for c in labels.cat.categories]
    names, codes = np.unique(labels.astype(str).to_numpy(), return_inverse=True)
    return codes.astype(np.int64), [str(g) for g in names]


def group_metrics(y: Any, approved: Any, pd_: Any, groups: Any, true_pd: Any = None, *,
                  passers: Any = None, credit_line: Any = None,
                  income: Any = None) -> pd.DataFrame:
    """The figures of the module docstring for every group.

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
    passers
        True where the applicant passed every knock-out rule (None: everyone did).
    credit_line, income
        the line granted and the monthly income (None: lines of 0, incomes unknown).

    Returns
    -------
    pandas.DataFrame
        one row per group (in category order, else sorted), the columns of
        :data:`GROUP_METRICS`; NaN where a figure is undefined.
    """
    codes, names = _codes_of(groups)
    figures = _figures(codes, len(names), np.asarray(y, dtype=float),
                       np.asarray(approved, dtype=bool), np.asarray(pd_, dtype=float),
                       None if true_pd is None else np.asarray(true_pd, dtype=float),
                       None if passers is None else np.asarray(passers, dtype=bool),
                       credit_line, income)
    table = pd.DataFrame(figures, index=pd.Index(names))
    return table[list(GROUP_METRICS)]


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
    codes, names = pd.factorize(np.asarray(knockout, dtype=object))
    declined = ~np.asarray(approved, dtype=bool)
    total = int(declined.sum())
    counts = np.bincount(codes[declined & (codes >= 0)], minlength=len(names))
    where = {str(name): i for i, name in enumerate(names)}
    return {rule: (float(int(counts[where[rule]]) / total) if total and rule in where else 0.0)
            for rule in rules}


# ----------------------------------------------------------------------------- a run
def split_fairness(frame: pd.DataFrame, y: Any, approved: Any, pd_: Any, knockout: Any,
                   attributes: Sequence[str], rules: Sequence[str],
                   kinds: Mapping[str, str] | None = None, min_group: int = MIN_GROUP, *,
                   credit_line: Any = None, income: Any = None, seed: int | Sequence[int] = 0,
                   replicates: int = REPLICATES, level: float = LEVEL,
                   method: Method = "bca") -> dict[str, Any]:
    """One split's entry of ``metrics.json["fairness"]["splits"]``.

    Parameters
    ----------
    frame
        the split's applicants (the attribute columns, and ``true_pd`` when there is a truth).
    y, approved, pd_, knockout
        outcome, decision, the deployed model's PD and the first knock-out rule hit
        (``""`` for none), row by row with ``frame``.
    attributes
        attribute columns of ``frame`` to analyse.
    rules
        the policy's knock-out rule names.
    kinds
        attribute -> kind of protected attribute (``"age"`` gets the age bands); an
        attribute not in it is its own kind (the synthetic ``age`` is an age).
    min_group
        smallest group counted in the adverse impact ratio.
    credit_line, income
        the line granted and the monthly income, row by row (None: not analysed).
    seed
        the bootstrap's seed (one int or several: a run passes its seed and the split's).
    replicates, level, method
        the bootstrap (:func:`riskkit.evaluate.impact.impact_ratio`).

    Returns
    -------
    dict
        the split entry of the module docstring's schema.
    """
    kinds = dict(kinds or {})
    y = np.asarray(y, dtype=float)
    approved = np.asarray(approved, dtype=bool)
    pd_ = np.asarray(pd_, dtype=float)
    names = np.asarray(knockout, dtype=object)
    passers = names == ""
    true_pd = frame["true_pd"].to_numpy(dtype=float) if "true_pd" in frame.columns else None
    entropy = [int(seed)] if np.ndim(seed) == 0 else [int(s) for s in seed]  # type: ignore[arg-type]
    out: dict[str, Any] = {key: {} for key in ("groups", "adverse_impact_ratio",
                                               "four_fifths_flag", "adverse_impact", "line_ratio")}
    for attr in attributes:
        codes, labels = group_codes(frame[attr], kinds.get(attr, attr))
        fig = _figures(codes, len(labels), y, approved, pd_, true_pd, passers, credit_line, income)
        out["groups"][attr] = {label: _json_row(fig, g) for g, label in enumerate(labels)}
        impact = {}
        for base, (k, n) in enumerate(((fig["n_approved"], fig["n"]),
                                       (fig["_approved_passers"], fig["n_passers"]))):
            rng = np.random.default_rng([*entropy, zlib.crc32(attr.encode()), base])
            impact[("policy", "passers")[base]] = impact_ratio(
                k, n, labels, min_group=min_group, level=level, replicates=replicates,
                method=method, rng=rng)
        out["adverse_impact"][attr] = {k: v.to_dict() for k, v in impact.items()}
        out["adverse_impact_ratio"][attr] = impact["policy"].ratio
        out["four_fifths_flag"][attr] = impact["policy"].flag
        out["line_ratio"][attr] = _line_ratio(fig, min_group)
    out["four_fifths_status"] = {a: FLAG_STATUS[f] for a, f in out["four_fifths_flag"].items()}
    out["knockout_share"] = knockout_shares(names, approved, rules)
    out["interval"] = {"method": method, "level": level, "replicates": replicates,
                       "stratified_by": "group", "seed": entropy, "min_group": min_group,
                       "source": _SOURCE}
    return out


def _line_ratio(fig: Mapping[str, np.ndarray], min_group: int) -> float | None:
    rates = fig["line_per_income"][(fig["n_approved"] >= min_group)]
    rates = rates[np.isfinite(rates)]
    if len(rates) < 2 or rates.max() <= 0:
        return None
    return float(rates.min() / rates.max())


def _json_row(fig: Mapping[str, np.ndarray], g: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in GROUP_METRICS:
        value = fig[key][g]
        out[key] = int(value) if key in _COUNTS else (None if np.isnan(value) else float(value))
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


TABLE_IMPACT: tuple[str, ...] = ("adverse_impact_ratio", "air_low", "air_high", "four_fifths",
                                 "air_passers", "air_passers_low", "air_passers_high",
                                 "four_fifths_passers", "line_ratio", "four_fifths_flag")


def fairness_table(section: Mapping[str, Any]) -> pd.DataFrame:
    """The section as one long table (``tables/fairness.csv``): a row per split, attribute
    and group, with the attribute's ratios, intervals and verdicts repeated on its rows.

    Parameters
    ----------
    section
        :func:`fairness_section` output.

    Returns
    -------
    pandas.DataFrame
        columns ``split, attribute, group``, :data:`GROUP_METRICS`, then
        :data:`TABLE_IMPACT` (``four_fifths`` / ``four_fifths_passers`` are the verdicts
        "flagged", "not flagged" or "not measured").
    """
    rows = []
    for split, entry in section["splits"].items():
        for attr, levels in entry["groups"].items():
            impact = (entry.get("adverse_impact") or {}).get(attr) or {}
            pol, pas = impact.get("policy") or {}, impact.get("passers") or {}
            extra = {"adverse_impact_ratio": entry["adverse_impact_ratio"][attr],
                     "air_low": pol.get("low"), "air_high": pol.get("high"),
                     "four_fifths": pol.get("status"), "air_passers": pas.get("ratio"),
                     "air_passers_low": pas.get("low"), "air_passers_high": pas.get("high"),
                     "four_fifths_passers": pas.get("status"),
                     "line_ratio": (entry.get("line_ratio") or {}).get(attr),
                     "four_fifths_flag": entry["four_fifths_flag"][attr]}
            for level, figures in levels.items():
                rows.append({"split": split, "attribute": attr, "group": level, **figures,
                             **extra})
    columns = ["split", "attribute", "group", *GROUP_METRICS, *TABLE_IMPACT]
    return pd.DataFrame(rows, columns=columns)

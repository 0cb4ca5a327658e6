"""Reason codes for denied applicants: the knock-out rule first, then the scored reasons.

For every denied applicant the table lists

1. each knock-out rule the applicant hits, in the policy's order, with the policy's own
   sentence (a rule that declined a *missing* value says the information was missing) (a knock-out is the decisive reason: no score would have approved them). The
   product's age limits are such rules: they are stated as the eligibility rule they are,
   in the policy's words, rather than hidden -- but a protected attribute is never offered
   as a *scored* reason;
2. at most ``max_reasons`` scored reasons: the model features with the largest *positive*
   log-odds contributions (the ones that raised the risk), never a protected attribute nor
   a feature the registry marks not citable (``city_tier``: scored, never a reason),
   each quoting the applicant's own value and, where the template has one, the median among
   approved applicants (``approved_reference``) so the applicant can see the gap.

Which contributions: the model's own (:func:`riskkit.explain.contrib.contributions`). For
the scorecard that is "against the best bin" by default -- the adverse-action convention in
which every bin below the top one costs points -- and for LightGBM and the oracle it is
against the average applicant. LightGBM can instead be explained against a ``background``
population (:mod:`riskkit.explain.background`), e.g. the approved applicants: a reason is
then "what sets you apart from those we approve", which is what a denial letter claims, and
a run does this by default. The scorecard and the oracle have no background mode and keep
their own reference whatever ``background`` says. A feature that does not push towards denial is never listed,
so an applicant may get fewer than ``max_reasons`` scored reasons (or none, if only a
knock-out denied them).

Everything is vectorised over applicants: contributions for the denied rows in one call,
one ``argsort`` for all rankings, and sentence filling per feature over distinct values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import ConfigError, DataError
from riskkit.core.registry import Registry
from riskkit.explain.contrib import Reference, contributions, has_background_mode
from riskkit.explain.groups import check_unit, group_contributions, group_label, leading_features
from riskkit.explain.wording import check_langs, reason_texts, reference_value
from riskkit.policy import APPROVED, DENIED, REFERRED

REASON_COLUMNS: tuple[str, ...] = ("applicant_id", "rank", "kind", "feature", "value",
                                   "contribution", "text_en", "text_zh", "group")


def _decision_array(frame: pd.DataFrame, decisions: pd.DataFrame | pd.Series) -> np.ndarray:
    """The decision column as a plain array, row-aligned with ``frame`` by position.

    Positions, not index labels: decisions are often kept with a fresh index (a run's
    decisions table). When both carry ``applicant_id`` the ids must agree row by row, so
    decisions in another order are refused rather than attached to the wrong people.
    """
    column = decisions["decision"] if isinstance(decisions, pd.DataFrame) else decisions
    if len(column) != len(frame):
        raise DataError("decisions", [f"{len(column)} decisions for {len(frame)} applicants"])
    if (isinstance(decisions, pd.DataFrame) and F.ID_COLUMN in decisions.columns
            and F.ID_COLUMN in frame.columns
            and not np.array_equal(decisions[F.ID_COLUMN].to_numpy(),
                                   frame[F.ID_COLUMN].to_numpy())):
        raise DataError("decisions", ["applicant_id differs from the applicants' frame row by "
                                      "row; pass decisions in the frame's order"])
    values = np.asarray(column.astype(str))
    unknown = set(np.unique(values)) - {APPROVED, DENIED, REFERRED}
    if unknown:
        raise DataError("decisions", [f"unknown decisions {sorted(unknown)[:5]}"])
    return values


def approved_reference(frame: pd.DataFrame, decisions: pd.DataFrame | pd.Series,
                       registry: Registry | None = None) -> dict[str, Any]:
    """Median of every registry feature among approved applicants (mode for categoricals).

    ``registry`` is the run's (a bring-your-own-data run passes its own; default the
    synthetic world's).

    Protected attributes are left out: no explanation ever quotes them.

    The median is taken with ``inverted_cdf`` so it is always a value some approved
    applicant really has (2 applications, not 1.5). Missing values are left out
    ("no credit card" has no utilisation); a feature with no observed value maps to None.

    Parameters
    ----------
    frame : pandas.DataFrame
        The applicants.
    decisions : pandas.DataFrame or pandas.Series
        Their decisions, in the frame's order.
    registry : Registry, optional
        Where the features are described (default: the synthetic world's).

    Returns
    -------
    dict
        The median (mode) value by feature, None where no approved applicant has one.
    """
    approved = _decision_array(frame, decisions) == APPROVED
    if not approved.any():
        raise DataError("decisions", ["no approved applicant: there is nothing to compare with"])
    rows = frame.iloc[np.flatnonzero(approved)]
    out: dict[str, Any] = {}
    for feature in (registry or F.SYNTHETIC).values():
        if feature.name not in rows.columns or feature.protected:
            continue
        column = rows[feature.name]
        if feature.is_categorical:
            counts = column.astype(object).dropna().value_counts(sort=True)
            out[feature.name] = str(counts.index[0]) if len(counts) else None
            continue
        values = column.to_numpy(dtype=float, na_value=np.nan)
        values = values[~np.isnan(values)]
        if not len(values):
            out[feature.name] = None
            continue
        median = float(np.quantile(values, 0.5, method="inverted_cdf"))
        out[feature.name] = int(median) if feature.dtype == "int" else median
    return out


def _denied_contributions(model: Any, frame: pd.DataFrame, rows: np.ndarray,
                          given: pd.DataFrame | None, contrib_reference: Reference,
                          background: pd.DataFrame | None) -> pd.DataFrame:
    if given is None:
        usable = background if background is not None and has_background_mode(model) else None
        return contributions(model, frame.iloc[rows], reference=contrib_reference,
                             background=usable)[0]
    if len(given) == len(frame):
        return given.iloc[rows]
    if len(given) == len(rows):
        return given
    raise DataError("contributions", [f"{len(given)} rows; expected {len(frame)} (all "
                                      f"applicants) or {len(rows)} (the denied ones)"])


def _knockout_hits(policy: Any, denied: pd.DataFrame,
                   registry: Registry) -> list[tuple[Any, np.ndarray, dict[str, str]]]:
    """Each rule with the denied applicants it declines and its sentence by language: the
    rule's own where the value breaks it, "the information is missing" where the rule
    declined a missing value (:mod:`riskkit.policy.rules`, "Missing values")."""
    hits: list[tuple[Any, np.ndarray, dict[str, str]]] = []
    if policy is None:
        return hits
    for rule in policy.knockouts:
        if rule.feature not in denied.columns:
            continue
        hit = np.asarray(rule.hits(denied), dtype=bool)
        if hit.any():
            hits.append((rule, hit, {"en": rule.text_en, "zh": rule.text_zh}))
        if getattr(rule, "missing", "pass") == "decline":
            gap = np.asarray(rule.missing_mask(denied), dtype=bool)
            if gap.any():
                feat = registry.get(rule.feature)
                en = feat.description_en if feat is not None else rule.feature
                zh = feat.description_zh if feat is not None else rule.feature
                hits.append((rule, gap, {lg: rule.missing_text(en, zh, lg) for lg in ("en", "zh")}))
    return hits


def scored_features(columns: Sequence[str], registry: Registry = F.SYNTHETIC) -> list[str]:
    """Contribution columns that may be named as a reason: registry features, not protected,
    citable (:meth:`riskkit.core.registry.Registry.may_cite`; ``city_tier`` is scored, never
    cited).

    Parameters
    ----------
    columns:
        Contribution column names.
    registry:
        The model's registry.

    Returns
    -------
    list of str
    """
    return [c for c in columns if c in registry and not registry[c].protected
            and registry[c].citable]


def reason_codes(model: Any, policy: Any, frame: pd.DataFrame,
                 decisions: pd.DataFrame | pd.Series, reference: Mapping[str, Any] | None,
                 max_reasons: int = 4, lang: str | tuple[str, ...] = ("en", "zh"), *,
                 contributions: pd.DataFrame | None = None,
                 contrib_reference: Reference = "best",
                 background: pd.DataFrame | None = None, unit: str = "feature") -> pd.DataFrame:
    """One row per reason per denied applicant, knock-outs first, then scored reasons.

    Parameters
    ----------
    model:
        The fitted model whose contributions give the scored reasons.
    policy:
        The policy whose knock-out rules are checked; None lists scored reasons only.
    frame:
        The applicants.
    decisions:
        Their decisions, row-aligned by position (see :func:`approved_reference`).
    reference:
        Values quoted for comparison (:func:`approved_reference`), or None.
    max_reasons:
        Most scored reasons per applicant.
    lang:
        Languages of the sentences.
    contributions:
        Precomputed contributions, for all rows of ``frame`` or for the denied rows only
        (in frame order); when given, ``contrib_reference`` and ``background`` are unused.
    contrib_reference:
        The scorecard's reference: ``"best"`` bin (adverse-action view) or ``"mean"``.
    background:
        For a tree model, the population contributions are measured against (exact
        interventional TreeSHAP: "compared with these applicants"; see
        :mod:`riskkit.explain.background`). Models without a background mode (scorecard,
        oracle) ignore it, so one call serves whichever model a run deploys.
    unit:
        ``"feature"`` (default): each scored reason is one feature; ``"group"``: each is a
        driver group (:mod:`riskkit.explain.groups`), ranked by the group's total
        contribution, quoting its leading feature's value and sentence after the group's
        name ("Borrowing frequency: 5 credit applications in the last 30 days; ...").

    Returns
    -------
    pandas.DataFrame
        Columns ``applicant_id, rank, kind ("knockout"|"scored"), feature, value,
        contribution, text_<lang>..., group``; ``contribution`` is the log-odds contribution
        (NaN for a knock-out; the group's total for a group reason), ``feature`` the feature
        quoted. Rows are ordered by the applicant's position in ``frame``, then ``rank``
        (1 = first).
    """
    check_unit(unit)
    langs = check_langs(lang)
    registry: Registry = getattr(model, "registry_", F.SYNTHETIC)
    if not isinstance(max_reasons, int | np.integer) or max_reasons < 0:
        raise ConfigError(f"max_reasons must be a whole number >= 0, got {max_reasons!r}")
    rows = np.flatnonzero(_decision_array(frame, decisions) == DENIED)
    denied = frame.iloc[rows]
    ids = (denied[F.ID_COLUMN].to_numpy() if F.ID_COLUMN in denied.columns
           else denied.index.to_numpy())
    n = len(rows)

    # -- knock-outs: (applicant position, order among the rules they hit)
    ko_pos, ko_rank, ko_feature, ko_value = [], [], [], []
    ko_text: dict[str, list[np.ndarray]] = {lg: [] for lg in langs}
    n_knockouts = np.zeros(n, dtype=np.int64)
    for rule, hit, sentence in _knockout_hits(policy, denied, registry):
        where = np.flatnonzero(hit)
        n_knockouts[where] += 1
        ko_pos.append(where)
        ko_rank.append(n_knockouts[where].copy())
        ko_feature.append(np.full(len(where), rule.feature, dtype=object))
        ko_value.append(denied[rule.feature].to_numpy(dtype=object)[where])
        for lg in langs:
            ko_text[lg].append(np.full(len(where), sentence[lg], dtype=object))

    # -- scored reasons: the largest positive contributions, protected attributes never
    sc_pos = np.empty(0, dtype=np.int64)
    sc_rank = sc_contrib = np.empty(0)
    sc_feature = np.empty(0, dtype=object)
    sc_value = np.empty(0, dtype=object)
    sc_text = {lg: np.empty(0, dtype=object) for lg in langs}
    if n and max_reasons:
        contrib = _denied_contributions(model, frame, rows, contributions, contrib_reference,
                                        background)
        names = scored_features(list(contrib.columns), registry)
        units = group_contributions(contrib[names], registry) if unit == "group" \
            else contrib[names]
        values = units.to_numpy(dtype=float)
        ranked = np.where(np.isfinite(values) & (values > 0), values, -np.inf)
        k = min(max_reasons, values.shape[1])
        order = np.argsort(-ranked, axis=1, kind="stable")[:, :k]
        top = np.take_along_axis(ranked, order, axis=1)
        keep = np.isfinite(top)
        pos, slot = np.nonzero(keep)
        cols = order[pos, slot]
        sc_pos, sc_contrib = pos, top[pos, slot]
        sc_rank = n_knockouts[pos] + slot + 1
        if unit == "group":
            sc_feature = leading_features(contrib[names], registry).to_numpy()[pos, cols]
        else:
            sc_feature = np.asarray(names, dtype=object)[cols]
        sc_value = np.empty(len(pos), dtype=object)
        sc_text = {lg: np.empty(len(pos), dtype=object) for lg in langs}
        for name in dict.fromkeys(sc_feature):
            at = np.flatnonzero(sc_feature == name)
            raw = denied[name].to_numpy(dtype=object)[pos[at]]
            sc_value[at] = raw
            for lg in langs:
                text = reason_texts(name, raw, reference_value(reference, name), lg, registry)
                if unit == "group":
                    head = group_label(registry[name].group, lg)
                    head = head[:1].upper() + head[1:]
                    text = np.asarray([f"{head}{'：' if lg == 'zh' else ': '}{t}" for t in text],
                                      dtype=object)
                sc_text[lg][at] = text

    def cat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.empty(0, dtype=dtype)

    position = np.concatenate([cat(ko_pos, np.int64), sc_pos])
    table = {
        "applicant_id": ids[position] if n else np.empty(0, dtype=np.int64),
        "rank": np.concatenate([cat(ko_rank, np.int64), sc_rank]).astype(np.int64),
        "kind": np.concatenate([np.full(len(cat(ko_pos, np.int64)), "knockout", dtype=object),
                                np.full(len(sc_pos), "scored", dtype=object)]),
        "feature": np.concatenate([cat(ko_feature, object), sc_feature]),
        "value": np.concatenate([cat(ko_value, object), sc_value]),
        "contribution": np.concatenate([np.full(len(cat(ko_pos, np.int64)), np.nan),
                                        sc_contrib.astype(float)]),
    }
    for lg in langs:
        table[f"text_{lg}"] = np.concatenate([cat(ko_text[lg], object), sc_text[lg]])
    table["group"] = np.asarray([registry[f].group if f in registry else "" for f in
                                 table["feature"]], dtype=object)
    out = pd.DataFrame(table)
    out["value"] = out["value"].astype(object)
    sort = np.lexsort((table["rank"], position))
    return out.iloc[sort].reset_index(drop=True)

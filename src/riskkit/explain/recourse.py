"""Recourse: the smallest set of realistic changes that turns a denial into an approval.

Search (:func:`recourse`), for one denied applicant:

1. Refuse early, with a reason, when a knock-out rule the applicant hits is on a feature no
   lever can change (the age limits): no honest recourse exists.
2. Stage k = 1, 2, ... ``max_changes``: every combination of k levers
   (:mod:`riskkit.explain.levers`; waiting counts as one change however many history
   features it ages) on a coarse grid of each lever's levels -- all 24 waiting months and
   up to 48 levels per lever alone, 10 per lever in pairs, 6 in triples -- is scored in one
   batch through the model *and* the policy (knock-outs included). The first stage with
   an approved candidate wins: **fewest changes first**.
3. Within that stage, the cheapest approved candidates (a few combinations) are refined
   lever by lever: holding the others fixed, every finer level below the chosen one is
   scored in one batch and the cheapest approved one kept. On a monotone model this finds
   the same point as bisecting the grid ("the smallest sufficient amount") without
   assuming monotonicity. Then **least effort** wins, effort being the sum over changes of
   the share of each lever's realistic range used (the table in ``levers``): waiting 6
   months costs 0.25, paying off half the debt 0.5, settling an overdue 0.25.
4. The winner is **verified**: the changed row alone is re-scored by the model and
   ``policy.decide`` must say "approved". It is also scored before and after by the true
   risk function (``truth``: the applicant's world's, ``world.truth()``; no default):
   ``lowers_true_pd`` is False when the change fools the model but not the truth.

``found`` is False, with ``reason``, when nothing within ``max_changes`` changes and
``max_wait_months`` works.

Recourse never reads contributions: every candidate is judged by the model's PD and the
policy's decision. An explanation's background (:mod:`riskkit.explain.background`) therefore
changes the reasons a letter quotes but not the changes it proposes.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import ConfigError, DataError
from riskkit.core.mathx import sigmoid
from riskkit.core.registry import Registry
from riskkit.explain.levers import (
    DEFAULT_AMOUNT_FLOOR,
    Lever,
    action_text,
    apply_levers,
    base_debt,
    change_text,
    changeable_features,
    generic_levers,
    levers_for,
    row_values,
)
from riskkit.policy import APPROVED, DENIED

#: Coarse levels per lever by the number of levers combined (stage 1 uses every waiting month).
COARSE_LEVELS: dict[int, int] = {1: 48, 2: 10, 3: 6}
#: Combinations refined after the coarse pass.
REFINE_TOP = 4
#: Candidates scored per batch (bounds memory on many levers).
BATCH_ROWS = 40_000


@dataclass
class Recourse:
    """What one denied applicant could do to be approved, checked against model and truth."""

    applicant_id: Any
    found: bool
    changes: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    wait_months: int = 0
    n_changes: int = 0
    effort: float = 0.0
    verified: bool = False
    old_pd: float = float("nan")
    new_pd: float | None = None
    new_decision: str | None = None
    lowers_true_pd: bool | None = None
    true_pd_before: float | None = None
    true_pd_after: float | None = None
    reason: str = ""
    #: model features no lever could change, and why (said in the letter)
    not_searched: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    new_row: pd.DataFrame | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable fields (the changed row is left out)."""
        return {
            "applicant_id": _plain(self.applicant_id), "found": self.found,
            "changes": [{k: _plain(v) for k, v in c.items()} for c in self.changes],
            "actions": [{k: _plain(v) for k, v in a.items()} for a in self.actions],
            "wait_months": int(self.wait_months), "n_changes": int(self.n_changes),
            "effort": float(self.effort), "verified": bool(self.verified),
            "old_pd": _plain(self.old_pd), "new_pd": _plain(self.new_pd),
            "new_decision": self.new_decision, "lowers_true_pd": self.lowers_true_pd,
            "true_pd_before": _plain(self.true_pd_before),
            "true_pd_after": _plain(self.true_pd_after), "reason": self.reason,
            "not_searched": dict(self.not_searched),
        }


def _plain(value: Any) -> Any:
    """A JSON-friendly scalar: numpy numbers to Python, NaN to None."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer | int):
        return int(value)
    if isinstance(value, np.floating | float):
        return None if np.isnan(value) else float(value)
    return str(value) if pd.isna(value) is False else None


def _one_row(row: pd.DataFrame | pd.Series, registry: Registry = F.SYNTHETIC) -> pd.DataFrame:
    """The applicant as a one-row frame of registry features (+ id), a copy."""
    if isinstance(row, pd.Series):
        frame = row.to_frame().T
        for feature in registry.values():  # a Series loses dtypes; restore them from the registry
            if feature.name in frame.columns:
                if feature.is_categorical:
                    frame[feature.name] = pd.Categorical(
                        frame[feature.name].astype(object),
                        categories=list(feature.categories) if feature.categories else None)
                else:
                    frame[feature.name] = pd.to_numeric(frame[feature.name])
        if F.ID_COLUMN in frame.columns:
            with contextlib.suppress(TypeError, ValueError):  # a text id stays text
                frame[F.ID_COLUMN] = pd.to_numeric(frame[F.ID_COLUMN])
    elif isinstance(row, pd.DataFrame):
        frame = row
    else:
        raise DataError("row", [f"expected a one-row DataFrame or a Series, got {type(row).__name__}"])
    if len(frame) != 1:
        raise DataError("row", [f"expected exactly one applicant, got {len(frame)} rows"])
    keep = [c for c in frame.columns if c in registry or c == F.ID_COLUMN]
    return frame[keep].reset_index(drop=True)


def _score(model: Any, policy: Any, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(approved, pd) for candidate rows through the model and the policy."""
    approved = np.zeros(len(frame), dtype=bool)
    pds = np.zeros(len(frame))
    for start in range(0, len(frame), BATCH_ROWS):
        part = frame.iloc[start:start + BATCH_ROWS]
        p = np.asarray(model.predict_pd(part), dtype=float)
        approved[start:start + len(part)] = policy.decide(part, p)["decision"].to_numpy() == APPROVED
        pds[start:start + len(part)] = p
    return approved, pds


def _coarse(lever: Lever, per_lever: int, stage: int) -> np.ndarray:
    """Levels > 0 to try in the coarse pass (the largest always included)."""
    top = lever.size - 1
    if lever.name == "wait" and stage == 1:
        return np.arange(1, top + 1)
    if top <= per_lever:
        return np.arange(1, top + 1)
    return np.unique(np.round(np.linspace(0, top, per_lever + 1)[1:]).astype(np.intp))


def _candidates(levers: list[Lever], stage: int) -> np.ndarray:
    """Level index matrix for every ``stage``-lever combination on coarse grids."""
    blocks = []
    per = COARSE_LEVELS.get(stage, 4)
    for combo in itertools.combinations(range(len(levers)), stage):
        grids = [_coarse(levers[j], per, stage) for j in combo]
        mesh = np.stack(np.meshgrid(*grids, indexing="ij"), axis=-1).reshape(-1, stage)
        block = np.zeros((len(mesh), len(levers)), dtype=np.intp)
        block[:, list(combo)] = mesh
        blocks.append(block)
    return np.concatenate(blocks) if blocks else np.zeros((0, len(levers)), dtype=np.intp)


def _effort(levers: list[Lever], index: np.ndarray) -> np.ndarray:
    return sum((lever.effort[index[:, j]] for j, lever in enumerate(levers)),
               start=np.zeros(len(index)))


def _refine(model: Any, policy: Any, row: pd.DataFrame, levers: list[Lever],
            starts: list[np.ndarray], values: dict[str, Any]) -> np.ndarray:
    """Lower each used lever to its cheapest approved level, holding the others fixed.

    Coordinate descent (two passes), run for every starting candidate at once: one batch
    per lever slot and pass, so a model call's fixed cost is paid a handful of times, not
    once per candidate and lever.
    """
    best = np.asarray(starts, dtype=np.intp)
    slots = int((best > 0).sum(axis=1).max())
    for _ in range(2):
        before = best.copy()
        for slot in range(slots):
            blocks, owners = [], []
            for c, current in enumerate(best):
                used = np.flatnonzero(current > 0)
                if slot >= len(used):
                    continue
                j = int(used[slot])
                levels = np.arange(1, current[j] + 1)
                trial = np.repeat(current[None, :], len(levels), axis=0)
                trial[:, j] = levels
                blocks.append(trial)
                owners.append((c, j, levels))
            if not blocks:
                continue
            ok, _ = _score(model, policy, apply_levers(row, levers, np.concatenate(blocks), values))
            start = 0
            for c, j, levels in owners:
                hits = np.flatnonzero(ok[start:start + len(levels)])
                start += len(levels)
                if len(hits):
                    best[c, j] = levels[hits[0]]
        if np.array_equal(before, best):
            break
    costs = _effort(levers, best)
    return best[int(np.argmin(costs))]


def _search(model: Any, policy: Any, row: pd.DataFrame, levers: list[Lever],
            max_changes: int, values: dict[str, Any]) -> np.ndarray | None:
    for stage in range(1, min(max_changes, len(levers)) + 1):
        index = _candidates(levers, stage)
        ok, _ = _score(model, policy, apply_levers(row, levers, index, values))
        if not ok.any():
            continue
        good = index[ok]
        effort = _effort(levers, good)
        combos = (good > 0).astype(np.int8)
        picked, seen = [], set()
        for i in np.argsort(effort, kind="stable"):
            key = combos[i].tobytes()
            if key not in seen:
                seen.add(key)
                picked.append(good[i])
            if len(picked) >= REFINE_TOP:
                break
        return _refine(model, policy, row, levers, picked, values)
    return None


def _unfixable_knockouts(policy: Any, row: pd.DataFrame, levers: list[Lever]) -> list[str]:
    movable = changeable_features(levers)
    return [rule.name for rule in policy.knockouts
            if rule.feature in row.columns and rule.hits(row).any() and rule.feature not in movable]


def _true_pd(truth: Any, frame: pd.DataFrame) -> float | None:
    if truth is None or any(name not in frame.columns for name in F.MODEL_FEATURES):
        return None
    return float(sigmoid(np.asarray(truth.logit(frame), dtype=float)[0]))


def _same(a: Any, b: Any) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    if pd.isna(a) or pd.isna(b):
        return False
    return a == b


def _describe(row: pd.DataFrame, new_row: pd.DataFrame, levers: list[Lever],
              chosen: np.ndarray, registry: Registry = F.SYNTHETIC
              ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    before, after = row_values(row), row_values(new_row)
    before["_debt"] = base_debt(before)
    wait = int(next((lv.levels[chosen[j]] for j, lv in enumerate(levers) if lv.name == "wait"), 0))
    actions = []
    for j, lever in enumerate(levers):
        if chosen[j] > 0:
            level = lever.levels[chosen[j]]
            actions.append({"action": lever.name, "kind": lever.kind,
                            "effort": float(lever.effort[chosen[j]]),
                            "text_en": action_text(lever, level, before, after, "en"),
                            "text_zh": action_text(lever, level, before, after, "zh")})
    changes = []
    for feature in registry.values():
        name = feature.name
        if name not in row.columns or _same(before[name], after[name]):
            continue
        changes.append({"feature": name, "from": before[name], "to": after[name],
                        "kind": feature.kind,
                        "text_en": change_text(name, before[name], after[name], wait, "en",
                                               registry),
                        "text_zh": change_text(name, before[name], after[name], wait, "zh",
                                               registry)})
    return changes, actions, wait


def recourse(model: Any, policy: Any, row: pd.DataFrame | pd.Series, *, truth: Any,
             max_changes: int = 3, max_wait_months: int = 24,
             amount_floor: float | None = None) -> Recourse:
    """The fewest, then least-effort, realistic changes that get ``row`` approved.

    ``model`` needs ``predict_pd``; ``policy`` is a fitted :class:`riskkit.policy.Policy`;
    ``truth`` is the true risk function of the applicant's world (anything with
    ``logit(frame)``: ``run.world.truth()``), or None for data of one's own, where no truth
    is known and ``lowers_true_pd`` stays None. It has no default: a proposal checked
    against another world's truth would look verified and be wrong. The requested amount
    is never lowered below ``amount_floor`` (default: the policy's smallest credit line,
    500 CNY). The caller's row is never modified.

    Parameters
    ----------
    model : CreditModel
        The fitted model (``predict_pd``).
    policy : Policy
        The fitted policy.
    row : pandas.DataFrame or pandas.Series
        The applicant (one row).
    truth : TruthModel or None
        The applicant's world's truth (required; None for data of one's own).
    max_changes : int
        Most changes combined.
    max_wait_months : int
        Longest wait proposed.
    amount_floor : float, optional
        Lowest requested amount proposed.

    Returns
    -------
    Recourse
        What would change, whether the model and policy approve it, and the true PD before
        and after.
    """
    started = time.perf_counter()
    if not isinstance(max_changes, int | np.integer) or max_changes < 1:
        raise ConfigError(f"max_changes must be a whole number >= 1, got {max_changes!r}")
    if not isinstance(max_wait_months, int | np.integer) or max_wait_months < 0:
        raise ConfigError(f"max_wait_months must be a whole number >= 0, got {max_wait_months!r}")
    registry = getattr(model, "registry_", F.SYNTHETIC)
    one = _one_row(row, registry)
    applicant = one[F.ID_COLUMN].iloc[0] if F.ID_COLUMN in one.columns else None
    if amount_floor is None:
        amount_floor = float(getattr(getattr(policy, "line_rule", None), "min_line",
                                     DEFAULT_AMOUNT_FLOOR))
    ok, pd0 = _score(model, policy, one)
    result = Recourse(applicant_id=applicant, found=False, old_pd=float(pd0[0]),
                      true_pd_before=_true_pd(truth, one))
    if ok[0]:
        result.found = result.verified = True
        result.new_pd, result.new_decision, result.new_row = float(pd0[0]), APPROVED, one
        result.reason = "already approved: nothing to change"
        result.seconds = time.perf_counter() - started
        return result
    values = row_values(one)
    levers = levers_for(values, max_wait_months=int(max_wait_months), amount_floor=amount_floor)
    features = [str(f) for f in (getattr(model, "features_", None) or one.columns)]
    extra, result.not_searched = generic_levers(values, features, registry=registry,
                                                max_wait_months=int(max_wait_months))
    levers += extra
    unsearched = "; ".join(f"{registry[n].label('en')} ({why})"
                           for n, why in result.not_searched.items())
    blocked = _unfixable_knockouts(policy, one, levers)
    if blocked:
        result.reason = ("denied by knock-out rule(s) on features no change can fix: "
                         + ", ".join(blocked))
    elif not levers:
        result.reason = ("nothing was searched: no feature of this model can be changed"
                         + (f"; not searched: {unsearched}" if unsearched else ""))
    else:
        chosen = _search(model, policy, one, levers, int(max_changes), values)
        if chosen is None:
            searched = ", ".join(sorted({F.get(n).label("en") for lv in levers for n in lv.features
                                         if n in one.columns}))
            result.reason = (f"no combination of at most {max_changes} changes within "
                             f"{max_wait_months} months is approved (searched: {searched})"
                             + (f"; not searched: {unsearched}" if unsearched else ""))
        else:
            _finish(result, model, policy, one, levers, chosen, truth, values)
    result.seconds = time.perf_counter() - started
    return result


def _finish(result: Recourse, model: Any, policy: Any, one: pd.DataFrame, levers: list[Lever],
            chosen: np.ndarray, truth: Any, values: dict[str, Any]) -> None:
    new_row = apply_levers(one, levers, chosen[None, :], values)
    p = np.asarray(model.predict_pd(new_row), dtype=float)
    decision = policy.decide(new_row, p)["decision"].iloc[0]
    changes, actions, wait = _describe(one, new_row, levers, chosen,
                                       getattr(model, "registry_", F.SYNTHETIC))
    result.found = True
    result.changes, result.actions, result.wait_months = changes, actions, wait
    result.n_changes = int((chosen > 0).sum())
    result.effort = float(_effort(levers, chosen[None, :])[0])
    result.new_pd, result.new_decision = float(p[0]), str(decision)
    result.verified = decision == APPROVED
    result.true_pd_after = _true_pd(truth, new_row)
    if result.true_pd_before is not None and result.true_pd_after is not None:
        result.lowers_true_pd = bool(result.true_pd_after < result.true_pd_before)
    result.new_row = new_row
    if not result.verified:
        result.reason = "the proposal was not approved when re-scored on its own"


def recourse_many(model: Any, policy: Any, frame: pd.DataFrame,
                  decisions: pd.DataFrame | pd.Series | None = None, *, n: int = 200,
                  seed: int = 0, truth: Any, max_changes: int = 3,
                  max_wait_months: int = 24) -> list[Recourse]:
    """Recourse for a seeded sample of ``n`` denied applicants (all, if fewer).

    Without ``decisions`` the model and policy decide ``frame`` first; ``truth`` as for
    :func:`recourse` (required: the applicants' world's truth, or None for one's own data).

    Parameters
    ----------
    model : CreditModel
        The fitted model.
    policy : Policy
        The fitted policy.
    frame : pandas.DataFrame
        The applicants.
    decisions : pandas.DataFrame or pandas.Series, optional
        Their decisions, in the frame's order.
    n : int
        Denied applicants sampled.
    seed : int
        Seed of the sample.
    truth : TruthModel or None
        The applicants' world's truth.
    max_changes : int
        Most changes combined.
    max_wait_months : int
        Longest wait proposed.

    Returns
    -------
    list of Recourse
    """
    if decisions is None:
        p = np.asarray(model.predict_pd(frame), dtype=float)
        decisions = policy.decide(frame, p)
    column = decisions["decision"] if isinstance(decisions, pd.DataFrame) else decisions
    if len(column) != len(frame):
        raise DataError("decisions", [f"{len(column)} decisions for {len(frame)} applicants"])
    denied = np.flatnonzero(np.asarray(column.astype(str)) == DENIED)
    if len(denied) > n:
        denied = np.sort(np.random.default_rng(seed).choice(denied, n, replace=False))
    return [recourse(model, policy, frame.iloc[[i]], truth=truth, max_changes=max_changes,
                     max_wait_months=max_wait_months) for i in denied]


def recourse_summary(results: list[Recourse]) -> dict[str, Any]:
    """Shares found / verified / lowering the true PD, and time per applicant.

    Parameters
    ----------
    results : list of Recourse
        :func:`recourse_many`'s results.

    Returns
    -------
    dict
    """
    n = len(results)
    found = [r for r in results if r.found]
    flagged = [r for r in found if r.lowers_true_pd is not None]
    seconds = np.asarray([r.seconds for r in results]) if n else np.zeros(1)
    reasons: Mapping[str, int] = pd.Series([r.reason for r in results if not r.found],
                                           dtype=object).value_counts().to_dict()
    return {
        "n": n,
        "share_found": len(found) / n if n else float("nan"),
        "share_verified": sum(r.verified for r in results) / n if n else float("nan"),
        "share_found_verified": (sum(r.verified for r in found) / len(found)
                                 if found else float("nan")),
        "share_lowers_true_pd": (sum(bool(r.lowers_true_pd) for r in flagged) / len(flagged)
                                 if flagged else float("nan")),
        "mean_changes": float(np.mean([r.n_changes for r in found])) if found else float("nan"),
        "mean_wait_months": float(np.mean([r.wait_months for r in found])) if found else float("nan"),
        "seconds_mean": float(seconds.mean()),
        "seconds_max": float(seconds.max()),
        "not_found_reasons": dict(reasons),
    }

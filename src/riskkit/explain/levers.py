"""Recourse levers: what a denied applicant can really change, and what each change does.

A *lever* is one thing an applicant can do, with a grid of levels ordered by effort
(``levels[0]`` is "do nothing", effort 0). Each lever moves its features only in their
risk-lowering direction, within bounds, and only the way the world allows:

==================  ===============  =====================================================
lever               kind             levels (effort = share of the lever's range used)
==================  ===============  =====================================================
wait                time_decaying    W = 1..max_wait months; effort W / 24
settle_overdue      actionable       clear ``current_overdue``; effort 0.25 (pay what is due)
pay_down_debt       actionable       repay 1%..100% of ``outstanding_debt``; effort = share
lower_utilization   actionable       card use down in 1-point steps to 0; effort = share cut
lower_amount        actionable       ask for less, 50 CNY steps, down to the product's
                                     smallest line; effort = share of the way there
raise_assets        actionable       document more savings, up to 6 months of income;
                                     effort = added / (6 x income)
raise_income        actionable       documented income up by at most +30%, 1% steps;
                                     effort = rise / 30%
steady_income       actionable       income volatility down in 1-point steps to 10%;
                                     effort = share of the way there
==================  ===============  =====================================================

Immutable features (occupation, city, age, gender, housing fund, loan purpose) are never
touched. History changes only by waiting, all at once and consistently, assuming no new
credit activity while waiting and uniform timing inside each window:

* ``applications_30d`` -> 0 after 1 month; ``applications_90d`` -> ceil(v (1 - W/3)),
  0 from W = 3; ``active_platforms`` the same over 6 months, ``loans_12m`` over 12;
* ``months_since_last_overdue`` += W (only once nothing is overdue: an unsettled overdue
  keeps it at 0); once ``months_since_last_overdue + W >= 24`` the overdue has left the
  24-month window, so ``overdue_count_24m`` and ``max_dpd_24m`` drop to 0 and
  ``months_since_last_overdue`` becomes missing, exactly as the generator records an
  applicant with no overdue in 24 months (missing = none on record);
* ``credit_history_months`` += W.

Paying down debt and raising income both move ``debt_to_income``, which is recomputed
from the two (``debt_to_income x debt'/debt x income/income'``) so the row stays
consistent with ``outstanding_debt``.

Features of a user's own data (or any registry entry without a lever above) get a
*generic* lever from their registry entry (:func:`generic_levers`):

* actionable numeric with a risk direction: ``move:<feature>``, toward lower risk in steps
  of ``Feature.step`` (at most :data:`GENERIC_LEVELS` levels), down to ``Feature.lower``
  (or up to ``upper``), else to the smallest (largest) value seen in the training rows
  (``extra["train_min"]`` / ``["train_max"]``): nobody is told to reach a value no
  applicant has; effort = share of that range moved;
* time-decaying numeric with a known ``window_months``: aged by waiting ``wait_data``
  (counts of risk-raising events fall linearly to 0 over the window; a risk-lowering one
  such as months since an event grows by the months waited);
* anything else (immutable, categorical, no known direction or bound, time-decaying with
  no window) is not searched, and :func:`unsearched` says why, for the letter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.registry import Feature, Registry
from riskkit.explain.wording import value_text
from riskkit.texts import Words

WAIT_EFFORT_MONTHS = 24.0
SETTLE_EFFORT = 0.25
INCOME_RAISE_MAX = 0.30
VOLATILITY_FLOOR = 0.10
SAVINGS_MONTHS = 6.0
AMOUNT_STEP = 50.0
DEFAULT_AMOUNT_FLOOR = 500.0
OVERDUE_WINDOW = 24
#: Levels of a generic lever (current value included).
GENERIC_LEVELS = 49
_SYNTHETIC_LEVER_FEATURES = frozenset({
    "applications_30d", "applications_90d", "active_platforms", "loans_12m", "overdue_count_24m",
    "max_dpd_24m", "months_since_last_overdue", "credit_history_months", "current_overdue",
    "outstanding_debt", "debt_to_income", "credit_utilization", "requested_amount",
    "deposit_assets", "monthly_income", "income_volatility"})

#: Windows (months) after which a count has fully aged out under uniform timing.
DECAY_WINDOWS: dict[str, int] = {"applications_90d": 3, "active_platforms": 6, "loans_12m": 12}


@dataclass(frozen=True)
class Lever:
    """One change an applicant can make, as a grid of levels ordered by effort."""

    name: str
    kind: str
    levels: np.ndarray
    effort: np.ndarray
    features: tuple[str, ...]
    #: the registry entries of ``features`` for a lever built from a user's registry
    #: (the synthetic levers look theirs up in the synthetic registry)
    entries: tuple[Feature, ...] = ()

    def entry(self, name: str) -> Feature:
        """The registry entry of one of this lever's features."""
        for feat in self.entries:
            if feat.name == name:
                return feat
        return F.get(name)

    @property
    def size(self) -> int:
        return len(self.levels)


def row_values(row: pd.DataFrame) -> dict[str, Any]:
    """Scalars of a one-row frame: floats (NaN if missing) and strings for categoricals."""
    out: dict[str, Any] = {}
    for name in row.columns:
        value = row[name].iloc[0]
        if name in F.REGISTRY and F.REGISTRY[name].is_categorical:
            out[name] = None if pd.isna(value) else str(value)
        else:
            try:
                out[name] = float(value) if not pd.isna(value) else np.nan
            except (TypeError, ValueError):
                out[name] = value
    return out


def _get(values: dict[str, Any], name: str) -> float:
    value = values.get(name, np.nan)
    return float(value) if value is not None else np.nan


def base_debt(values: dict[str, Any]) -> float:
    """Outstanding debt, or (if not recorded) what debt_to_income implies."""
    debt, dti, income = (_get(values, "outstanding_debt"), _get(values, "debt_to_income"),
                         _get(values, "monthly_income"))
    if np.isfinite(debt) and debt > 0:
        return debt
    if np.isfinite(dti) and dti > 0 and np.isfinite(income) and income > 0:
        return dti * 12.0 * income
    return 0.0


def _descending(start: float, stop: float, step: float, decimals: int) -> np.ndarray:
    """start, then the grid multiples of ``step`` strictly below it, down to ``stop``."""
    first = np.floor(round(start / step, 9)) * step
    if first >= start - step * 1e-9:
        first -= step
    grid = np.round(np.arange(first, stop - step * 1e-9, -step), decimals)
    grid = grid[grid >= stop - step * 1e-9]
    if len(grid) == 0 or grid[-1] > stop:
        grid = np.append(grid, stop)
    return np.concatenate([[start], grid])


def levers_for(values: dict[str, Any], *, max_wait_months: int = 24,
               amount_floor: float = DEFAULT_AMOUNT_FLOOR) -> list[Lever]:
    """Every lever that can lower this applicant's risk, waiting first."""
    levers: list[Lever] = []
    time_features = ("applications_30d", "applications_90d", "active_platforms", "loans_12m",
                     "overdue_count_24m", "max_dpd_24m", "months_since_last_overdue",
                     "credit_history_months")
    if max_wait_months >= 1 and any(name in values for name in time_features):
        months = np.arange(0, int(max_wait_months) + 1, dtype=float)
        levers.append(Lever("wait", "time_decaying", months, months / WAIT_EFFORT_MONTHS,
                            time_features))
    if _get(values, "current_overdue") >= 1:
        levers.append(Lever("settle_overdue", "actionable", np.array([1.0, 0.0]),
                            np.array([0.0, SETTLE_EFFORT]), ("current_overdue",)))
    debt = base_debt(values)
    if debt > 0:
        share = np.round(np.arange(0, 101) / 100.0, 2)
        levers.append(Lever("pay_down_debt", "actionable", debt * (1.0 - share), share,
                            ("outstanding_debt", "debt_to_income")))
    util = _get(values, "credit_utilization")
    if np.isfinite(util) and util > 0:
        grid = _descending(util, 0.0, 0.01, 2)
        levers.append(Lever("lower_utilization", "actionable", grid, (util - grid) / util,
                            ("credit_utilization",)))
    amount = _get(values, "requested_amount")
    floor = max(float(F.get("requested_amount").lower or 0.0), float(amount_floor))
    if np.isfinite(amount) and amount > floor:
        grid = _descending(amount, floor, AMOUNT_STEP, 2)
        levers.append(Lever("lower_amount", "actionable", grid, (amount - grid) / (amount - floor),
                            ("requested_amount",)))
    income = _get(values, "monthly_income")
    if np.isfinite(income) and income > 0:
        if "deposit_assets" in values:
            assets = _get(values, "deposit_assets")
            assets = assets if np.isfinite(assets) else 0.0
            top = SAVINGS_MONTHS * income
            step = max(100.0, float(np.ceil(top / 100.0 / 100.0) * 100.0))
            added = np.arange(0.0, top + step * 1e-9, step)
            levers.append(Lever("raise_assets", "actionable", assets + added, added / top,
                                ("deposit_assets",)))
        rise = np.round(np.arange(0, round(INCOME_RAISE_MAX * 100) + 1) / 100.0, 2)
        new_income = np.concatenate([[income], np.round(income * (1.0 + rise[1:]), -1)])
        new_income = np.minimum(new_income, income * (1.0 + INCOME_RAISE_MAX))
        levers.append(Lever("raise_income", "actionable", new_income, rise / INCOME_RAISE_MAX,
                            ("monthly_income", "debt_to_income")))
    vol = _get(values, "income_volatility")
    if np.isfinite(vol) and vol > VOLATILITY_FLOOR:
        grid = _descending(vol, VOLATILITY_FLOOR, 0.01, 2)
        levers.append(Lever("steady_income", "actionable", grid,
                            (vol - grid) / (vol - VOLATILITY_FLOOR),
                            ("income_volatility",)))
    return levers


def _bound(feat: F.Feature, toward: str) -> float:
    """Where a generic lever may go: the registry bound, else the training rows' extreme."""
    bound = feat.lower if toward == "down" else feat.upper
    if bound is None:
        bound = feat.extra.get("train_min" if toward == "down" else "train_max")
    try:
        return float(bound) if bound is not None else np.nan
    except ValueError:
        return np.nan


def generic_levers(values: dict[str, Any], features: list[str], *,
                   registry: Registry = F.SYNTHETIC,
                   max_wait_months: int = 24) -> tuple[list[Lever], dict[str, str]]:
    """Levers for ``features`` that have no built-in lever, from their registry entries.

    Parameters
    ----------
    values:
        The applicant's values by feature.
    features:
        The model's features.
    registry:
        The model's registry (a user's run carries its own).
    max_wait_months:
        Longest wait proposed for a time-decaying feature.

    Returns
    -------
    tuple
        ``(levers, not searched: {feature: why})``; rules in the module docstring.
    """
    levers: list[Lever] = []
    skipped: dict[str, str] = {}
    waiting: list[str] = []
    for name in features:
        if name in F.SYNTHETIC or name in _SYNTHETIC_LEVER_FEATURES or name not in registry \
                or name not in values:
            continue  # the synthetic world's features have the hand-made levers above
        feat = registry[name]
        value = values[name]
        if feat.kind == "immutable":
            skipped[name] = "cannot be changed"
        elif feat.is_categorical:
            skipped[name] = "a category (no ordered change to propose)"
        elif feat.direction == "none":
            skipped[name] = "no known risk direction"
        elif feat.kind == "time_decaying":
            if feat.window_months and max_wait_months >= 1:
                waiting.append(name)
            else:
                skipped[name] = "changes only with time, over a window riskkit does not know"
        elif value is None or not np.isfinite(float(value)):
            skipped[name] = "missing for this applicant"
        else:
            toward = "down" if feat.direction == "increasing" else "up"
            bound = _bound(feat, toward)
            v = float(value)
            if not np.isfinite(bound):
                skipped[name] = "no known bound to move toward"
                continue
            if (bound >= v) if toward == "down" else (bound <= v):
                continue  # already at the low-risk end: nothing to gain
            grid = np.linspace(v, bound, GENERIC_LEVELS)[1:]
            if feat.step > 0:
                grid = np.unique(np.round(grid / feat.step) * feat.step)
            grid = np.sort(grid[grid < v])[::-1] if toward == "down" else np.sort(grid[grid > v])
            grid = np.concatenate([[v], grid])
            lo, hi = _bound(feat, "down"), _bound(feat, "up")
            span = hi - lo if np.isfinite(hi - lo) and hi > lo else abs(bound - v)
            levers.append(Lever(f"move:{name}", "actionable", grid,
                                np.abs(grid - v) / (span or 1.0), (name,), (feat,)))
    if waiting:
        months = np.arange(0, int(max_wait_months) + 1, dtype=float)
        levers.append(Lever("wait_data", "time_decaying", months, months / WAIT_EFFORT_MONTHS,
                            tuple(waiting), tuple(registry[n] for n in waiting)))
    return levers, skipped


def changeable_features(levers: list[Lever]) -> set[str]:
    return {name for lever in levers for name in lever.features}


def _decay(value: float, months: np.ndarray, window: int) -> np.ndarray:
    if not np.isfinite(value):
        return np.full(len(months), value)
    left = np.ceil(value * np.clip(1.0 - months / window, 0.0, 1.0) - 1e-9)
    return np.minimum(np.maximum(left, 0.0), value)


def apply_levers(row: pd.DataFrame, levers: list[Lever], index: np.ndarray,
                 values: dict[str, Any] | None = None) -> pd.DataFrame:
    """Candidate rows: ``index[i, j]`` is the level of ``levers[j]`` for candidate ``i``.

    ``values`` is ``row_values(row)`` when the caller already has it (it is the slow part
    of a small batch). Returns a new frame with the row's columns (the caller's row is
    never written to).
    """
    index = np.atleast_2d(np.asarray(index, dtype=np.intp))
    m = index.shape[0]
    values = row_values(row) if values is None else values
    out = row.iloc[np.zeros(m, dtype=np.intp)].reset_index(drop=True)
    chosen = {lever.name: lever.levels[index[:, j]] for j, lever in enumerate(levers)}
    cols = set(out.columns)

    def put(name: str, new: np.ndarray, integer: bool = False) -> None:
        if name not in cols:
            return
        out[name] = new.astype(np.int64) if integer and np.isfinite(new).all() else new

    income0 = _get(values, "monthly_income")
    income = chosen.get("raise_income", np.full(m, income0))
    debt0 = base_debt(values)
    debt = chosen.get("pay_down_debt", np.full(m, debt0))
    if "raise_income" in chosen:
        put("monthly_income", income)
    if "raise_income" in chosen or "pay_down_debt" in chosen:
        dti0 = _get(values, "debt_to_income")
        ratio = (debt / debt0 if debt0 > 0 else np.ones(m)) * (income0 / income)
        put("debt_to_income", np.round(dti0 * ratio, 4))
        if "pay_down_debt" in chosen:
            put("outstanding_debt", np.round(debt, 2))
    simple = {"lower_utilization": "credit_utilization", "lower_amount": "requested_amount",
              "raise_assets": "deposit_assets", "steady_income": "income_volatility"}
    for lever_name, feature in simple.items():
        if lever_name in chosen:
            put(feature, chosen[lever_name])
    current = chosen.get("settle_overdue", np.full(m, _get(values, "current_overdue")))
    if "settle_overdue" in chosen:
        put("current_overdue", current, integer=True)
    if "wait" in chosen:
        _wait(values, chosen["wait"], current, put)
    for lever in levers:
        if lever.name.startswith("move:"):
            put(lever.features[0], chosen[lever.name],
                integer=lever.entry(lever.features[0]).dtype == "int")
        elif lever.name == "wait_data":
            for name in lever.features:
                feat, v = lever.entry(name), _get(values, name)
                window = int(feat.window_months or 1)
                aged = (_decay(v, chosen[lever.name], window) if feat.direction == "increasing"
                        else v + chosen[lever.name])
                put(name, aged, integer=feat.dtype == "int")
    return out


def _wait(values: dict[str, Any], months: np.ndarray, current: np.ndarray, put: Any) -> None:
    """Age the history by ``months`` (no new credit activity meanwhile)."""
    a30 = _get(values, "applications_30d")
    if np.isfinite(a30):
        put("applications_30d", np.where(months >= 1, 0.0, a30), integer=True)
    for name, window in DECAY_WINDOWS.items():
        put(name, _decay(_get(values, name), months, window), integer=True)
    since0 = _get(values, "months_since_last_overdue")
    if np.isfinite(since0):
        ages = np.nan_to_num(current) < 1  # an unsettled overdue does not age
        since = np.where(ages, since0 + months, since0)
        gone = ages & (since >= OVERDUE_WINDOW)
        for name in ("overdue_count_24m", "max_dpd_24m"):
            put(name, np.where(gone, 0.0, _get(values, name)), integer=True)
        put("months_since_last_overdue", np.where(gone, np.nan, since))
    history = _get(values, "credit_history_months")
    if np.isfinite(history):
        put("credit_history_months", history + months, integer=True)


# ----------------------------------------------------------------------------- texts
LEVERS = Words("levers")


def _v(name: str, value: Any, lang: str, registry: Registry = F.SYNTHETIC) -> str:
    return value_text(name, value, lang, registry)


def action_text(lever: Lever, level: float, before: dict[str, Any], after: dict[str, Any],
                lang: str) -> str:
    """One sentence for one lever at one level (what the applicant would do)."""
    name = lever.name
    if name in ("wait", "wait_data"):
        return LEVERS(name, lang, months=LEVERS.plural("months", int(level), lang))
    if name == "settle_overdue":
        return LEVERS(name, lang)
    if name == "pay_down_debt":
        paid = before.get("_debt", 0.0) - float(level)
        return LEVERS(name, lang, dti=_v("debt_to_income", after.get("debt_to_income"), lang),
                      amount=_v("outstanding_debt", paid, lang))
    if name == "lower_utilization":
        return LEVERS(name, lang, after=_v("credit_utilization", level, lang))
    if name == "lower_amount":
        return LEVERS(name, lang, before=_v("requested_amount", before["requested_amount"], lang),
                      after=_v("requested_amount", level, lang))
    if name == "raise_assets":
        more = float(level) - before.get("deposit_assets", 0.0)
        return LEVERS(name, lang, after=_v("deposit_assets", level, lang),
                      more=_v("deposit_assets", more, lang))
    if name == "raise_income":
        return LEVERS(name, lang, after=_v("monthly_income", level, lang),
                      pct=f"{float(level) / before['monthly_income'] - 1.0:.0%}")
    if name.startswith("move:"):
        feature = lever.features[0]
        reg = Registry(lever.entries) if lever.entries else F.SYNTHETIC
        return LEVERS("move", lang, label=lever.entry(feature).label(lang),
                      before=_v(feature, before.get(feature), lang, reg),
                      after=_v(feature, level, lang, reg))
    if name == "steady_income":
        return LEVERS(name, lang, after=_v("income_volatility", level, lang))
    raise KeyError(name)


def change_text(name: str, before: Any, after: Any, wait: int, lang: str,
                registry: Registry = F.SYNTHETIC) -> str:
    """One sentence for one changed feature (the ``changes`` list of a recourse)."""
    key = f"change.{name}"
    if name == "months_since_last_overdue" and pd.isna(after):
        key += ".cleared"  # no overdue left on the 24-month record
    values = {"before": _v(name, before, lang, registry), "after": _v(name, after, lang, registry),
              "months": LEVERS.plural("months", wait, lang)}
    if key not in LEVERS:
        return LEVERS("change.other", lang, label=registry.get_feature(name).label(lang), **values)
    return LEVERS(key, lang, **values)

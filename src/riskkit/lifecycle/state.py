"""Borrower state of the lifecycle simulation and its one deterministic monthly update.

Why ring buffers: a window feature ("applications in the last 90 days") must forget an old
application exactly when it leaves the window, and a count of *distinct* platforms cannot be
rolled forward from the count alone. So the state keeps, per borrower, the monthly history a
window needs, in a ring indexed by ``month % length``:

===================  ======  ========  ===================================================
ring                 length  dtype     feature(s) at the start of month ``t``
===================  ======  ========  ===================================================
``app_ring``         3       int16     ``applications_30d`` = month t-1, ``_90d`` = t-3..t-1
``plat_ring``        6       uint32    ``active_platforms`` = bits set in the OR (bit 0 is
                                       this lender, bits 1-31 other platforms)
``loan_ring``        12      int16     ``loans_12m`` = sum
``od_ring``          24      int8      ``overdue_count_24m`` = sum of new overdue events
``dpd_ring``         24      int16     ``max_dpd_24m`` = max of each month's worst delay
``inc_ring``         12      float32   ``monthly_income`` = mean, ``income_volatility`` = CV
===================  ======  ========  ===================================================

``init_state`` rebuilds rings that reproduce a generated (or persona) row exactly;
``roll_month`` writes month t into slot ``t % length`` (dropping month t - length) and
recomputes every feature. Only ``roll_month`` changes a feature, so the random simulation and
a scripted storyline can never disagree about what borrowing does to a score.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.lifecycle.rings import ring_features
from riskkit.synth.draws import OCC_SHOCK_PROB

#: Other lending platforms a borrower can use (bits 1..31 of a uint32; bit 0 is this lender).
OTHER_PLATFORMS = 31
THIS_LENDER = np.uint32(1)
#: A delinquency is reported as at most 180 days past due (written off beyond).
MAX_DPD = 180
#: Income in a shock month, as a share of a normal month (as in the generator).
SHOCK_FACTOR = 0.25


@dataclass
class LifecycleState:
    """Per-borrower arrays: fixed traits, current features, rings and open balances."""

    month: int
    # fixed traits (the simulation does not age borrowers or change their job)
    age: np.ndarray
    gender: np.ndarray
    occupation: np.ndarray
    city_tier: np.ndarray
    has_housing_fund: np.ndarray
    loan_purpose: np.ndarray
    credit_utilization: np.ndarray
    deposit_assets: np.ndarray
    income_level: np.ndarray   # expected income of a normal month (before shocks)
    income_sigma: np.ndarray   # month-to-month log-noise
    strain_trait: np.ndarray   # persistent part of financial strain
    base_debt: np.ndarray      # standing debt outside the one-month loans simulated here
    # features at the start of ``month``
    monthly_income: np.ndarray
    income_volatility: np.ndarray
    applications_30d: np.ndarray
    applications_90d: np.ndarray
    active_platforms: np.ndarray
    loans_12m: np.ndarray
    overdue_count_24m: np.ndarray
    max_dpd_24m: np.ndarray
    months_since_last_overdue: np.ndarray
    current_overdue: np.ndarray
    credit_history_months: np.ndarray
    outstanding_debt: np.ndarray
    debt_to_income: np.ndarray
    requested_amount: np.ndarray
    # rings of monthly history
    inc_ring: np.ndarray
    app_ring: np.ndarray
    plat_ring: np.ndarray
    loan_ring: np.ndarray
    od_ring: np.ndarray
    dpd_ring: np.ndarray
    # open balances
    due_here: np.ndarray       # drawn here last month, due this month
    due_else: np.ndarray       # drawn on other platforms last month, due this month
    late: np.ndarray           # delinquent balance still open
    late_open: np.ndarray      # a delinquency is open (even if its balance is unknown)
    late_dpd: np.ndarray       # its days past due

    @property
    def n(self) -> int:
        return len(self.age)

    def known_platforms(self) -> np.ndarray:
        """Bit mask of platforms borrowed from in the last six months."""
        return np.bitwise_or.reduce(self.plat_ring, axis=1)

    def copy(self) -> LifecycleState:
        return LifecycleState(**{f.name: (v.copy() if isinstance(v := getattr(self, f.name),
                                                                  np.ndarray) else v)
                                 for f in fields(self)})


def slot(month: int | np.ndarray, length: int) -> np.ndarray:
    """Ring position of a (possibly negative) month."""
    return np.mod(month, length)


def _num(frame: pd.DataFrame, name: str, dtype: type = np.float64) -> np.ndarray:
    return frame[name].to_numpy(dtype=np.float64, na_value=np.nan).astype(dtype)


def _codes(frame: pd.DataFrame, name: str) -> np.ndarray:
    cats = list(F.get(name).categories or ())
    codes = pd.Categorical(frame[name].astype(object), categories=cats).codes
    if (codes < 0).any():
        raise ValueError(f"column {name!r} has values outside {cats}")
    return codes.astype(np.int8)


def income_history(income: np.ndarray, vol: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Twelve positive months whose mean is ``income`` and whose CV is exactly ``vol``.

    Shapes are tried from most to least ordinary: normal noise, right-skewed (log-normal)
    noise, then one exceptional month (feasible for any CV below sqrt(11) = 3.3).
    """
    n = len(income)
    v = np.clip(np.nan_to_num(vol), 0.0, 3.0)[:, None]

    def standardise(z: np.ndarray) -> np.ndarray:
        z = z - z.mean(axis=1, keepdims=True)
        sd = z.std(axis=1, keepdims=True)
        return np.divide(z, sd, out=np.zeros_like(z), where=sd > 0)

    spike = np.full((n, 12), -1.0 / np.sqrt(11.0))
    spike[np.arange(n), rng.integers(0, 12, n)] = np.sqrt(11.0)
    shape = spike
    for z in (standardise(np.exp(rng.standard_normal((n, 12)))),
              standardise(rng.standard_normal((n, 12)))):
        ok = (1.0 + v * z).min(axis=1, keepdims=True) > 0.05
        shape = np.where(ok, z, shape)
    return (np.nan_to_num(income)[:, None] * (1.0 + v * shape)).astype(np.float32)


def _bincount(rows: np.ndarray, slots: np.ndarray, n: int, length: int) -> np.ndarray:
    return np.bincount(rows * length + slots, minlength=n * length).reshape(n, length)


def _first_by_rank(draws: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Per row, which ``count`` entries of ``draws`` are the smallest (rank < count).

    One sort and a threshold instead of ranking every entry with two argsorts; where a row
    holds equal draws (which rank first is then up to the sort) it ranks them as before.
    """
    ordered = np.sort(draws, axis=1)
    if (ordered[:, 1:] == ordered[:, :-1]).any():
        return draws.argsort(axis=1).argsort(axis=1) < count[:, None]
    k = np.clip(count, 1, draws.shape[1]) - 1
    threshold = ordered[np.arange(len(draws)), k]
    return (draws <= threshold[:, None]) & (count > 0)[:, None]


def _platform_bits(used: np.ndarray) -> np.ndarray:
    """Each row's other platforms (columns 0..30) as bits 1..31 of a uint32 (bit 0 is this
    lender): the bits packed in one pass instead of summing powers of two."""
    packed = np.packbits(used, axis=1, bitorder="little")  # 31 columns -> 4 bytes a row
    return np.ascontiguousarray(packed).view("<u4")[:, 0] << np.uint32(1)


def init_state(frame: pd.DataFrame, rng: np.random.Generator) -> LifecycleState:
    """State at month 0 whose features equal ``frame``'s and whose rings reproduce them.

    Where the row does not say *when* something happened (which of the last 90 days held the
    applications, which months the platforms were used), it is placed at random in its window.
    """
    n = len(frame)
    rows = np.arange(n)
    f32 = np.float32
    income, vol = _num(frame, "monthly_income", f32), _num(frame, "income_volatility", f32)
    apps30 = _num(frame, "applications_30d").astype(np.int16)
    apps90 = _num(frame, "applications_90d").astype(np.int16)
    platforms = np.minimum(_num(frame, "active_platforms"), OTHER_PLATFORMS).astype(np.int16)
    loans = _num(frame, "loans_12m").astype(np.int16)
    overdue = _num(frame, "overdue_count_24m").astype(np.int16)
    dpd = _num(frame, "max_dpd_24m").astype(np.int16)
    since = _num(frame, "months_since_last_overdue", f32)
    current = _num(frame, "current_overdue").astype(np.int8)
    debt = _num(frame, "outstanding_debt", f32)
    occ = _codes(frame, "occupation")

    app_ring = np.zeros((n, 3), np.int16)
    app_ring[:, slot(-1, 3)] = apps30
    older = rng.binomial(np.maximum(apps90 - apps30, 0), 0.5).astype(np.int16)
    app_ring[:, slot(-2, 3)] = older
    app_ring[:, slot(-3, 3)] = np.maximum(apps90 - apps30, 0) - older

    # platforms: a random set of other platforms, each last used in one of the last 6 months
    chosen = _first_by_rank(rng.random((n, OTHER_PLATFORMS)), platforms)
    ages = rng.integers(0, 6, (n, OTHER_PLATFORMS))
    plat_ring = np.zeros((n, 6), np.uint32)
    loan_ring = np.zeros((n, 12), np.int16)
    for age in range(6):
        used = chosen & (ages == age)
        plat_ring[:, slot(-1 - age, 6)] = _platform_bits(used)
        loan_ring[:, slot(-1 - age, 12)] += used.sum(axis=1).astype(np.int16)
    extra = (loans - platforms).astype(np.int64)
    who = np.repeat(rows, np.maximum(extra, 0))
    loan_ring += _bincount(who, slot(-1 - rng.integers(0, 12, len(who)), 12), n, 12).astype(
        np.int16)
    deficit = np.maximum(-extra, 0)  # fewer loans than platforms (a hand-written row):
    for age in range(11, -1, -1):    # drop the oldest platform loans so the sum still fits
        take = np.minimum(loan_ring[:, slot(-1 - age, 12)], deficit).astype(np.int16)
        loan_ring[:, slot(-1 - age, 12)] -= take
        deficit -= take

    # overdue: the latest event `since` months ago, the rest spread over the older months
    last_age = np.where(np.isnan(since), 0, since).astype(np.int64)
    od_ring = np.zeros((n, 24), np.int8)
    dpd_ring = np.zeros((n, 24), np.int16)
    who = np.repeat(rows, np.maximum(overdue.astype(np.int64) - 1, 0))
    ages = last_age[who] + np.floor(rng.random(len(who)) * (24 - last_age[who])).astype(np.int64)
    od_ring += _bincount(who, slot(-1 - ages, 24), n, 24).astype(np.int8)
    np.maximum.at(dpd_ring, (who, slot(-1 - ages, 24)),
                  np.minimum(dpd[who], rng.integers(1, 30, len(who))).astype(np.int16))
    has = overdue > 0
    od_ring[rows[has], slot(-1 - last_age[has], 24)] += 1
    dpd_ring[rows[has], slot(-1 - last_age[has], 24)] = dpd[has]

    late_open = current > 0
    late = np.where(late_open, np.minimum(debt, np.round(0.5 * income, -2)), 0).astype(f32)
    p_shock = OCC_SHOCK_PROB[occ]
    shock_cv2 = p_shock * (1 - p_shock) * (1 - SHOCK_FACTOR) ** 2 / (1 - (1 - SHOCK_FACTOR)
                                                                     * p_shock) ** 2
    noise_cv2 = np.maximum((1 + vol.astype(float) ** 2) / (1 + shock_cv2) - 1, 0.02**2)
    signal = (np.log1p(apps90) / 0.6 + np.log1p(platforms) / 0.5) / 2
    trait = 0.6 * (signal - signal.mean()) / max(float(signal.std()), 1e-9) \
        + 0.5 * rng.standard_normal(n)

    return LifecycleState(
        month=0, age=_num(frame, "age").astype(np.int16), gender=_codes(frame, "gender"),
        occupation=occ, city_tier=_num(frame, "city_tier").astype(np.int8),
        has_housing_fund=_num(frame, "has_housing_fund").astype(np.int8),
        loan_purpose=_codes(frame, "loan_purpose"),
        credit_utilization=_num(frame, "credit_utilization", f32),
        deposit_assets=_num(frame, "deposit_assets", f32),
        income_level=(np.nan_to_num(income) / (1 - (1 - SHOCK_FACTOR) * p_shock)).astype(f32),
        income_sigma=np.minimum(np.sqrt(np.log1p(noise_cv2)), 1.0).astype(f32),
        strain_trait=trait.astype(f32), base_debt=(debt - late).astype(f32),
        monthly_income=income, income_volatility=vol, applications_30d=apps30,
        applications_90d=apps90, active_platforms=platforms, loans_12m=loans,
        overdue_count_24m=overdue, max_dpd_24m=dpd, months_since_last_overdue=since,
        current_overdue=current,
        credit_history_months=_num(frame, "credit_history_months").astype(np.int16),
        outstanding_debt=debt, debt_to_income=_num(frame, "debt_to_income", f32),
        requested_amount=_num(frame, "requested_amount", f32),
        inc_ring=income_history(income, vol, rng), app_ring=app_ring, plat_ring=plat_ring,
        loan_ring=loan_ring, od_ring=od_ring, dpd_ring=dpd_ring,
        due_here=np.zeros(n, f32), due_else=np.zeros(n, f32), late=late, late_open=late_open,
        late_dpd=np.where(late_open, dpd, 0).astype(np.int16),
    )


def state_frame(state: LifecycleState) -> pd.DataFrame:
    """The registry columns at the start of the month: what the lender scores and the panel
    stores (compact dtypes; ``prepare_frame`` turns them into float64 exactly)."""
    cols: dict[str, object] = {}
    for feat in F.FEATURES:
        values = getattr(state, feat.name)
        cols[feat.name] = (pd.Categorical.from_codes(values, categories=list(feat.categories or ()))
                           if feat.is_categorical else values)
    return pd.DataFrame(cols, copy=False)


def roll_month(state: LifecycleState, income: np.ndarray, settled: object,
               acts: object) -> None:
    """Write month ``state.month``'s events into the rings and recompute every feature.

    ``settled`` is a :class:`~riskkit.lifecycle.behaviour.Settlement` (what happened
    to the loans due this month and to open delinquencies), ``acts`` a
    :class:`~riskkit.lifecycle.behaviour.MonthActions` (applications, draws,
    platforms). The state moves to the start of the next month, in place.
    """
    t = state.month
    s3, s6, s12, s24 = slot(t, 3), slot(t, 6), slot(t, 12), slot(t, 24)
    state.inc_ring[:, s12] = income
    state.app_ring[:, s3] = acts.applied_here.astype(np.int16) + acts.other_apps
    state.plat_ring[:, s6] = acts.platforms_used
    state.loan_ring[:, s12] = acts.loans
    state.od_ring[:, s24] = settled.new_events
    state.dpd_ring[:, s24] = settled.dpd_month

    windows = ring_features(state.inc_ring, state.app_ring, state.plat_ring, state.loan_ring,
                            state.od_ring, state.dpd_ring)
    mean = windows.income_mean
    cv = np.divide(windows.income_std, mean, out=np.zeros_like(mean), where=mean > 0)
    state.monthly_income = np.round(mean, -1).astype(np.float32)
    state.income_volatility = np.round(cv, 4).astype(np.float32)
    state.applications_30d = state.app_ring[:, s3].copy()
    state.applications_90d = windows.applications_90d
    state.active_platforms = windows.active_platforms
    state.loans_12m = windows.loans_12m
    state.late, state.late_open, state.late_dpd = settled.late, settled.late_open, \
        settled.late_dpd
    state.current_overdue = settled.late_open.astype(np.int8)
    # a delinquency open longer than the window still counts once (as in the generator)
    state.overdue_count_24m = np.maximum(windows.overdue_events_24m, state.current_overdue)
    state.max_dpd_24m = np.maximum(windows.worst_dpd_24m, state.late_dpd)
    overdue_now = (settled.new_events > 0) | settled.late_open
    since = np.where(overdue_now, 0.0, state.months_since_last_overdue + 1.0)
    state.months_since_last_overdue = np.where(state.overdue_count_24m > 0, since,
                                               np.nan).astype(np.float32)
    state.credit_history_months = (state.credit_history_months + 1).astype(np.int16)
    state.requested_amount = acts.requested.astype(np.float32)
    state.due_here = acts.drawn_here.astype(np.float32)
    state.due_else = acts.drawn_else.astype(np.float32)
    debt = state.base_debt + state.due_here + state.due_else + state.late
    state.outstanding_debt = debt.astype(np.float32)
    annual = 12.0 * np.maximum(state.monthly_income.astype(np.float64), 1.0)
    state.debt_to_income = np.round(debt / annual, 4).astype(np.float32)
    state.month = t + 1

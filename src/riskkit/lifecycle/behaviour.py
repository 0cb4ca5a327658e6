"""What borrowers do each month, and what happens to their loans: the random part.

Everything here draws from a random stream and returns a record of the month
(:class:`MonthActions`, :class:`Settlement`, an income vector); nothing here changes a
feature. :func:`~riskkit.lifecycle.state.roll_month` turns the records into features,
so a scripted storyline builds the same records by hand and gets the same consequences.

Choices, all in :class:`Behaviour` so an experiment can vary them:

* **need** -- each month ``P(need) = sigmoid(a + b * strain + c * min(due / income, 2))``
  plus emergencies (a flat monthly chance, and a likely need in an income-shock month).
  ``strain`` mirrors the generator's latent financial strain (volatility up, income down,
  a persistent personal part, plus the scenario's ``strain_shift``); ``due / income`` is
  the borrow-to-repay spiral: a large repayment due makes a new need likely;
* **amount** -- log-normal around half a month's income, higher with strain, rounded to
  50 CNY (the generator's rule for ``requested_amount``);
* **here first** -- a borrower with a line draws ``min(need, line)``; a draw is a credit
  inquiry (an application) and a loan. A borrower whose line is zero re-applies here with
  ``reapply_prob`` (an inquiry; the answer comes at next month's review, and the inquiry is
  on the record it reads). Unmet need goes to other platforms: ``1 + Poisson`` applications
  (more under strain), each approved with a probability falling with strain and current
  delinquency, until one approves; 30% of the time at a platform already used;
* **shopping** -- borrowers also check their limits on other apps without borrowing:
  ``Poisson(shopping_rate * exp(0.6 * strain))`` inquiries a month. Together with the
  above this keeps the population's application, platform and loan counts near the
  generator's levels month after month, so the baseline does not drift by itself;
* **overdue** -- a one-month loan goes 1+ days overdue with ``overdue_per_default`` (4)
  times the TRUE monthly default hazard ``1 - (1 - true_pd) ** (1 / 12)`` (true PD is the
  generator's 12-month 90+ days-past-due probability). The month's instalment on standing
  debt (cards, instalment loans outside this simulation) can go overdue too, with
  ``standing_overdue_share`` of that probability, which keeps the population's overdue
  history near the generator's level; its balance stays in the standing debt. An open
  delinquency cures each month with ``cure_prob`` (0.6), otherwise ages 30 days (reported
  up to 180), so a new one is 90+ days past due only after three months without a cure:
  ``(1 - cure_prob) ** 3`` = 0.4 ** 3 = 6.4 % of early delinquencies roll to 90+, not the
  one in four of consumer credit that the factor 4 was meant to offset. A loan-month
  therefore turns into a 90+ default with about 4 x 6.4 % = 0.26 of the monthly hazard
  (0.13 for standing debt alone), and not every month has a loan due: the lifecycle's 90+
  defaults run far below the true PD: about an eighth of it on a lender's book (over the
  first 12 months, measured 1/8.9 in the baseline world at 4 % and 1/7.4 at 12 %; 1/6.3
  over all borrowers of the baseline). The ladder, not the PD, sets the 90+ rate:
  :mod:`riskkit.lifecycle.monitor.expected` gives its exact expectation, and notebook 11
  states the measured ratio.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from riskkit.core.mathx import sigmoid
from riskkit.lifecycle.state import (
    MAX_DPD,
    OTHER_PLATFORMS,
    SHOCK_FACTOR,
    THIS_LENDER,
    LifecycleState,
)
from riskkit.synth.draws import OCC_SHOCK_PROB


@dataclass(frozen=True)
class Behaviour:
    """Knobs of borrower behaviour and loan outcomes (see the module docstring)."""

    need_intercept: float = -1.8
    need_strain: float = 0.7
    need_repayment: float = 1.5
    emergency_prob: float = 0.02
    shock_need_prob: float = 0.6
    need_income_share: float = 0.5
    reapply_prob: float = 0.5
    elsewhere_prob: float = 0.8
    elsewhere_extra_apps: float = 0.5
    elsewhere_approval: float = 0.6
    known_platform_share: float = 0.3
    shopping_rate: float = 0.12
    max_apps_elsewhere: int = 6
    overdue_per_default: float = 4.0
    standing_overdue_share: float = 0.5
    cure_prob: float = 0.6

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class MonthActions:
    """What each borrower did this month (arrays of length n)."""

    need: np.ndarray            # amount needed (0: no need)
    applied_here: np.ndarray    # an application / inquiry here (a draw or a re-application)
    drawn_here: np.ndarray      # drawn on this lender's line
    other_apps: np.ndarray      # applications on other platforms
    drawn_else: np.ndarray      # borrowed on other platforms
    platforms_used: np.ndarray  # bit mask of platforms borrowed from (bit 0: here)
    loans: np.ndarray           # loans taken this month, all lenders
    requested: np.ndarray       # the standing request after this month

    @classmethod
    def idle(cls, state: LifecycleState) -> MonthActions:
        """A month in which nobody does anything (a script's starting point)."""
        n = state.n
        return cls(np.zeros(n, np.float32), np.zeros(n, bool), np.zeros(n, np.float32),
                   np.zeros(n, np.int16), np.zeros(n, np.float32), np.zeros(n, np.uint32),
                   np.zeros(n, np.int16), state.requested_amount.copy())


@dataclass
class Settlement:
    """What happened this month to the loans due and to open delinquencies."""

    repaid_here: np.ndarray     # the loan due here was repaid on time
    overdue_here: np.ndarray    # the loan due here went overdue
    new_events: np.ndarray      # new overdue events (here and elsewhere)
    dpd_month: np.ndarray       # worst days past due reached this month
    late: np.ndarray            # delinquent balance open at the end of the month
    late_open: np.ndarray
    late_dpd: np.ndarray


def overdue_probability(true_pd: np.ndarray, behaviour: Behaviour) -> np.ndarray:
    """Chance that a one-month loan goes overdue: ``k x`` the monthly default hazard."""
    hazard = 1.0 - np.power(1.0 - np.clip(true_pd, 0.0, 1.0 - 1e-12), 1.0 / 12.0)
    return np.minimum(behaviour.overdue_per_default * hazard, 0.95)


def strain(state: LifecycleState, strain_shift: float) -> np.ndarray:
    """Financial strain from what the borrower looks like now (the generator's formula)."""
    income = np.maximum(state.monthly_income.astype(float), 100.0)
    return (state.strain_trait + 1.5 * (state.income_volatility - 0.1)
            - 0.35 * np.log(income / 7000.0) + strain_shift)


def draw_income(state: LifecycleState, env: Any, rng: np.random.Generator) -> np.ndarray:
    """This month's income: level x log-normal noise, a shock month at a quarter of it."""
    scen, base = env.scenario, env.baseline
    sigma = state.income_sigma.astype(float)
    noise = np.exp(sigma * rng.standard_normal(state.n) - 0.5 * sigma**2)
    shock_p = np.minimum(OCC_SHOCK_PROB[state.occupation] * scen.shock_multiplier, 0.5)
    shocked = rng.random(state.n) < shock_p
    level = state.income_level * (scen.income_multiplier / base.income_multiplier)
    return (level * noise * np.where(shocked, SHOCK_FACTOR, 1.0)).astype(np.float32)


def settle_loans(state: LifecycleState, p_overdue: np.ndarray, cure_prob: float,
                 rng: np.random.Generator, standing_share: float = 0.5) -> Settlement:
    """Loans due this month go overdue with ``p_overdue``; open delinquencies cure or age.

    A script passes ``p_overdue = 0`` for "repays on time". Draws are made for every
    borrower in a fixed order, so the outcome of one never shifts another's.
    """
    n = state.n
    u_here, u_else, u_std, u_cure, u_days = rng.random((5, n))
    due_here, due_else = state.due_here > 0, state.due_else > 0
    od_here = due_here & (u_here < p_overdue)
    od_else = due_else & (u_else < p_overdue)
    od_std = (state.base_debt > 0) & (u_std < standing_share * p_overdue)
    cured = state.late_open & (u_cure < cure_prob)
    still = state.late_open & ~cured
    first_days = (1 + np.floor(u_days * 29)).astype(np.int16)
    aged = np.minimum(state.late_dpd.astype(np.int32) + 30, MAX_DPD).astype(np.int16)
    new_late = np.where(od_here, state.due_here, 0) + np.where(od_else, state.due_else, 0)
    late_open = still | od_here | od_else | od_std
    late_dpd = np.where(still, aged, np.where(late_open, first_days, 0)).astype(np.int16)
    cured_days = np.minimum(state.late_dpd.astype(np.int32) + first_days, MAX_DPD)
    dpd_month = np.maximum(late_dpd, np.where(cured, cured_days, 0)).astype(np.int16)
    return Settlement(
        repaid_here=due_here & ~od_here, overdue_here=od_here,
        new_events=(od_here.astype(np.int8) + od_else.astype(np.int8) + od_std.astype(np.int8)),
        dpd_month=dpd_month, late=(np.where(still, state.late, 0) + new_late).astype(np.float32),
        late_open=late_open, late_dpd=late_dpd)


def _pick_bit(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One set bit of each mask among bits 1..31, uniformly (0 where none is set)."""
    bits = (mask[:, None] >> np.arange(1, OTHER_PLATFORMS + 1, dtype=np.uint32)) & 1
    keys = rng.random(bits.shape) * bits
    pick = keys.argmax(axis=1)
    return np.where(keys.max(axis=1) > 0, np.uint32(1) << (pick + 1).astype(np.uint32),
                    0).astype(np.uint32)


def borrower_actions(state: LifecycleState, line: np.ndarray, income: np.ndarray, env: Any,
                     behaviour: Behaviour, rng: np.random.Generator) -> MonthActions:
    """Needs, draws here, re-applications here and applications elsewhere for one month."""
    b, n = behaviour, state.n
    s = strain(state, env.scenario.strain_shift)
    u = rng.random((5, n))
    due = (state.due_here + state.due_else).astype(float)
    repay_load = np.minimum(due / np.maximum(income.astype(float), 100.0), 2.0)
    p_need = sigmoid(b.need_intercept + b.need_strain * s + b.need_repayment * repay_load)
    shocked = income < 0.5 * state.income_level
    has_need = (u[0] < p_need) | (u[1] < b.emergency_prob) | (shocked & (u[2] < b.shock_need_prob))
    raw = np.exp(np.log(b.need_income_share * np.maximum(state.monthly_income, 100.0))
                 + 0.3 * s + 0.6 * rng.standard_normal(n))
    amount = np.where(has_need, np.clip(np.round(raw / 50.0) * 50.0, 50.0, 50_000.0), 0.0)

    drawn = np.where(has_need & (line > 0), np.minimum(amount, line), 0.0)
    reapply = has_need & (line <= 0) & (u[3] < b.reapply_prob)
    requested = np.where(reapply, amount, state.requested_amount)
    unmet = amount - drawn
    tries = np.where((unmet > 0) & (u[4] < b.elsewhere_prob),
                     1 + rng.poisson(b.elsewhere_extra_apps * (1 + np.maximum(s, 0.0))), 0)
    tries = np.minimum(tries, b.max_apps_elsewhere)
    p_ok = sigmoid(b.elsewhere_approval - 0.6 * s - 2.0 * state.current_overdue)
    known = state.known_platforms() & ~THIS_LENDER
    used = np.where(drawn > 0, THIS_LENDER, 0).astype(np.uint32)
    loans = (drawn > 0).astype(np.int16)
    other_apps = np.zeros(n, np.int16)
    drawn_else = np.zeros(n, float)
    for attempt in range(b.max_apps_elsewhere):
        active = (tries > attempt) & (unmet > 0)
        if not active.any():
            break
        other_apps += active
        ok = active & (rng.random(n) < p_ok)
        reuse_draw = rng.random(n) < b.known_platform_share
        idx = np.flatnonzero(ok)  # only the approved pick a platform (keeps this cheap)
        seen = known[idx] | (used[idx] & ~THIS_LENDER)
        free = ~(known[idx] | used[idx]) & np.uint32(0xFFFFFFFE)
        reuse = reuse_draw[idx] & (seen != 0) | (free == 0)
        used[idx] |= np.where(reuse, _pick_bit(seen, rng), _pick_bit(free, rng))
        loans += ok
        drawn_else += np.where(ok, unmet, 0.0)
        unmet = np.where(ok, 0.0, unmet)
    other_apps += rng.poisson(b.shopping_rate * np.exp(0.6 * np.clip(s, -3.0, 3.0))).astype(
        np.int16)
    return MonthActions(need=amount.astype(np.float32), applied_here=(drawn > 0) | reapply,
                        drawn_here=drawn.astype(np.float32), other_apps=other_apps,
                        drawn_else=drawn_else.astype(np.float32), platforms_used=used,
                        loans=loans, requested=requested.astype(np.float32))

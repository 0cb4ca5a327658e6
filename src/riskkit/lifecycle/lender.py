"""The lender of the lifecycle: a fitted model and policy, and the rule that moves its cut-off.

Split from :mod:`riskkit.lifecycle.simulation` (which re-exports every name here) so that
each module keeps to one job: this one decides, month by month, what the lender does with
the outcomes it sees; the simulation moves the borrowers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.mathx import ratio_logit, sigmoid
from riskkit.models import make_model
from riskkit.policy import Decisions, Policy
from riskkit.synth import World

CutoffRule = Literal["recalibrate", "bad_rate", "fixed"]
CUTOFF_RULES: tuple[str, ...] = ("recalibrate", "bad_rate", "fixed")
#: Months of loan outcomes the lender pools to judge its model (the "recent outcomes").
OUTCOME_WINDOW = 3
#: One-sided 99% alert: observed overdue events this many Poisson SDs above expected.
ALERT_Z = 2.326
def check_cutoff_rule(rule: str) -> None:
    """ConfigError unless ``rule`` is one of :data:`CUTOFF_RULES`.

    Parameters
    ----------
    rule
        The lender's cut-off rule.
    """
    if rule not in CUTOFF_RULES:
        raise ConfigError(f"cutoff_rule {rule!r} is not one of {', '.join(CUTOFF_RULES)}")


# ------------------------------------------------------------------------ the lender
@dataclass
class Lender:
    """A fitted model, a fitted policy and the rule that moves the cut-off month by month."""

    model: Any
    policy: Any
    rule: str = "recalibrate"
    base_cutoff: float = field(init=False)
    cutoff: float = field(init=False)
    shift: float = 0.0
    target_pd: float | None = None
    observed: list[float] = field(default_factory=list)
    expected: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        check_cutoff_rule(self.rule)
        if getattr(self.policy, "cutoff", None) is None:
            raise ConfigError("the policy has no cut-off yet: fit it (Policy.fit) before simulating")
        self.base_cutoff = self.cutoff = float(self.policy.cutoff)

    def review(self, frame: pd.DataFrame) -> tuple[np.ndarray, Decisions]:
        """Model PD and the policy's decisions (as arrays) at this month's cut-off."""
        pd_ = np.asarray(self.model.predict_pd(frame), dtype=float)
        return pd_, self.policy.with_cutoff(self.cutoff).decide_arrays(frame, pd_)

    def learn(self, overdue: int, expected: float, pd_: np.ndarray,
              passing: np.ndarray) -> None:
        """Record this month's outcomes on loans here and set next month's cut-off."""
        self.observed.append(float(overdue))
        self.expected.append(float(expected))
        obs = sum(self.observed[-OUTCOME_WINDOW:])
        exp = sum(self.expected[-OUTCOME_WINDOW:])
        if exp > 0:
            z = (obs - exp) / np.sqrt(exp)
            if z > ALERT_Z:  # significantly worse than predicted: re-estimate the shift
                self.shift = max(self.shift, float(np.log(obs / exp)))
            elif z < 0:  # no excess at all: relax half of the way back
                self.shift *= 0.5
        if self.rule == "recalibrate":
            self.cutoff = float(sigmoid(ratio_logit(self.base_cutoff) - self.shift))
        elif self.rule == "bad_rate":
            self.cutoff = min(self.base_cutoff, self._bad_rate_cutoff(pd_[passing]))

    def _bad_rate_cutoff(self, p: np.ndarray) -> float:
        """Largest model-PD cut-off whose approved mean risk-adjusted PD stays on target."""
        adjusted = np.sort(sigmoid(ratio_logit(p) + self.shift))
        if self.target_pd is None or not len(adjusted):
            return self.base_cutoff
        ok = np.nonzero(np.cumsum(adjusted) / np.arange(1, len(adjusted) + 1) <= self.target_pd)[0]
        edge = adjusted[ok[-1]] if len(ok) else adjusted[0] * (1 - 1e-9)
        return float(sigmoid(ratio_logit(edge) - self.shift))



LenderKey = tuple[World, int, int, str]
_LENDERS: dict[LenderKey, Future[tuple[Any, Any]]] = {}
_LENDERS_LOCK = threading.Lock()


def default_lender(world: World, seed: int, rows: int = 50_000,
                   model: str = "lgbm") -> tuple[Any, Any]:
    """A quick lender: ``model`` and a default Policy fitted on a population of ``world``.

    The training population (month 0 of ``world``) uses seed ``seed + 1_000_003`` so it
    never shares rows with a simulation seeded ``seed``; 70% trains, 30% validates (early
    stopping, Platt calibration and the policy's cut-off: 75% approval among applicants
    passing the knock-outs). Cached per process and world, because tests and notebooks ask
    for the same lender repeatedly; a fit begun by :func:`start_default_lender` is waited
    for, not repeated.
    """
    world = world.without_calendar()  # the rows are drawn at month 0: one lender serves all
    key = (world, int(seed), int(rows), model)
    fitting, mine = _claim(key)
    if mine:
        _settle(fitting, key, lambda: _fit_lender(_training_rows(world, key[1], key[2]), key[1],
                                                  model, world))
    return fitting.result()


def start_default_lender(world: World, seed: int, rows: int = 50_000,
                         model: str = "lgbm") -> None:
    """Draw the default lender's training rows here, then fit it on a background thread.

    Why: ``riskkit simulate`` calls this as soon as the modules the fit needs are loaded, so
    LightGBM trains (without the GIL) while the charts and the rest of the command are
    still being imported; the simulation's own ``default_lender(seed)`` then takes the
    fitted lender. The rows are drawn on the calling thread, before the imports compete
    for the GIL (on a thread they took 0.8 s instead of 0.2 s). The lender is the one a
    direct call fits: the same code on the same rows, one LightGBM thread either way.

    Parameters
    ----------
    world, seed, rows, model
        As for :func:`default_lender`.
    """
    world = world.without_calendar()
    key = (world, int(seed), int(rows), model)
    fitting, mine = _claim(key)
    if not mine:
        return
    try:
        population = _training_rows(world, key[1], key[2])
    except BaseException as error:
        _fail(fitting, key, error)
        raise
    threading.Thread(target=_settle, name="lender", daemon=True,
                     args=(fitting, key,
                           lambda: _fit_lender(population, key[1], model, world))).start()


def _claim(key: LenderKey) -> tuple[Future[tuple[Any, Any]], bool]:
    """The cache entry of this lender, and whether the caller must fit it."""
    with _LENDERS_LOCK:
        if key in _LENDERS:
            return _LENDERS[key], False
        _LENDERS[key] = Future()
        return _LENDERS[key], True


def _settle(fitting: Future[tuple[Any, Any]], key: LenderKey,
            fit: Callable[[], tuple[Any, Any]]) -> None:
    """Fit the lender into ``fitting``."""
    try:
        fitting.set_result(fit())
    except BaseException as error:
        _fail(fitting, key, error)


def _fail(fitting: Future[tuple[Any, Any]], key: LenderKey,
          error: BaseException) -> None:
    """A failed fit leaves the cache, so a retry fits anew."""
    with _LENDERS_LOCK:
        _LENDERS.pop(key, None)
    fitting.set_exception(error)


def _training_rows(world: World, seed: int, rows: int) -> pd.DataFrame:
    return world.generate(rows, seed + 1_000_003)


def _fit_lender(pop: pd.DataFrame, seed: int, model: str, world: World) -> tuple[Any, Any]:
    cut = int(0.7 * len(pop))
    train, valid = pop.iloc[:cut], pop.iloc[cut:]
    # one thread: deterministic, and fast when other processes share the cores
    params = {"seed": seed, "num_threads": 1} if model == "lgbm" else {}
    fitted = make_model(model, **params).fit(train, train[F.TARGET], X_valid=valid,
                                             y_valid=valid[F.TARGET])
    fitted.world_ = world
    policy = Policy.from_config({}).fit(valid, fitted.predict_pd(valid),
                                        valid[F.TARGET].to_numpy())
    return fitted, policy

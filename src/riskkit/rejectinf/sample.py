"""The accepted sample: who came through the door, whom the incumbent approved, what we saw.

A lender observes outcomes only for the applicants it approved. To study what that does to
the next model, riskkit builds the situation explicitly:

* an **incumbent lender**: a model fitted on an *older* cohort (its own seed, optionally
  fewer rows and fewer features, so it can be an older, weaker scorecard) plus a PD cut-off
  that accepts a given share of the through-the-door applicants;
* the **through-the-door** applicants of today, split into the rows the new model is fitted
  on and the rows it is validated on (early stopping, calibration) -- both only as the
  lender sees them: every applicant's features and incumbent score, outcomes for the
  accepted only;
* a **held-out** through-the-door sample with everyone's outcome and true PD, which only a
  simulation has, on which every method is graded (:mod:`riskkit.rejectinf.grading`).

The incumbent scores with a plain PD cut-off (no knock-out rules), so that who is rejected
depends on one score only, as the textbook reject-inference setting assumes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskkit import evaluate as ev
from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.models import CreditModel, make_model
from riskkit.synth import World

#: Share of the incumbent's older cohort it was validated (calibrated) on.
INCUMBENT_VALID_SHARE = 0.3


@dataclass(frozen=True)
class IncumbentSpec:
    """How the incumbent lender was built.

    Parameters
    ----------
    model : str
        ``"scorecard"`` or ``"lgbm"`` (a riskkit model name).
    features : tuple of str or None
        The features it scores on; None means every model feature. Fewer features make an
        older, weaker scorecard whose rejects differ from its accepts in ways it cannot see.
    rows : int
        Rows of the older cohort it was fitted on (70%) and calibrated on (30%).
    acceptance_rate : float
        Share of the through-the-door applicants it accepts; sets its PD cut-off.
    seed_offset : int
        The older cohort is generated with ``seed + seed_offset``: no row in common with
        today's applicants.
    """

    model: str = "scorecard"
    features: tuple[str, ...] | None = None
    rows: int = 20_000
    acceptance_rate: float = 0.5
    seed_offset: int = 2_000

    def __post_init__(self) -> None:
        problems = []
        if self.model not in ("scorecard", "lgbm"):
            problems.append(f"model must be 'scorecard' or 'lgbm', got {self.model!r}")
        if not 0.0 < float(self.acceptance_rate) < 1.0:
            problems.append(f"acceptance_rate must lie strictly between 0 and 1, "
                            f"got {self.acceptance_rate!r}")
        if not isinstance(self.rows, int) or isinstance(self.rows, bool) or self.rows < 1000:
            problems.append(f"rows must be a whole number >= 1000, got {self.rows!r}")
        if self.features is not None:
            bad = [f for f in self.features if not F.is_model_feature(f)]
            if bad or not self.features:
                problems.append(f"features must be a non-empty list of model features; "
                                f"not model features: {bad}")
        if problems:
            raise ConfigError("reject_inference.incumbent: " + "; ".join(problems))

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> IncumbentSpec:
        """From the ``reject_inference:`` config section (its ``incumbent`` and rate)."""
        inc = dict(section.get("incumbent") or {})
        feats = inc.get("features")
        return cls(model=inc.get("model", "scorecard"),
                   features=None if feats is None else tuple(feats),
                   rows=inc.get("rows", 20_000),
                   acceptance_rate=section.get("acceptance_rate", 0.5),
                   seed_offset=inc.get("seed_offset", 2_000))


@dataclass
class Incumbent:
    """A fitted incumbent: its model and the PD cut-off it approves at (``pd <= cutoff``)."""

    model: CreditModel
    cutoff: float
    spec: IncumbentSpec

    def logit(self, frame: pd.DataFrame) -> np.ndarray:
        """The incumbent's log-odds of default (its score, in log-odds)."""
        return np.asarray(self.model.predict_logit(frame), dtype=float)

    def accepts(self, frame: pd.DataFrame) -> np.ndarray:
        """True where the incumbent approves."""
        return np.asarray(self.model.predict_pd(frame), dtype=float) <= self.cutoff


def fit_incumbent(spec: IncumbentSpec, applicants: pd.DataFrame, seed: int, *,
                  world: World) -> Incumbent:
    """Fit the incumbent on its older cohort; set its cut-off on ``applicants``.

    Parameters
    ----------
    spec : IncumbentSpec
        What kind of incumbent.
    applicants : DataFrame
        Today's through-the-door applicants the cut-off is set on (features only are read:
        the cut-off accepts ``spec.acceptance_rate`` of them).
    seed : int
        The run's seed; the older cohort uses ``seed + spec.seed_offset``.
    world : World
        The world today's applicants come from; the older cohort is drawn from it (at
        calendar month 0, its own seed), so the incumbent learned the same truth.

    Returns
    -------
    Incumbent
    """
    old = world.generate(spec.rows, seed + spec.seed_offset)
    cut = round((1 - INCUMBENT_VALID_SHARE) * len(old))
    train, valid = old.iloc[:cut], old.iloc[cut:]
    params: dict[str, Any] = {}
    if spec.features is not None:
        params["features"] = spec.features
    if spec.model == "lgbm":
        params.update(seed=seed, num_threads=1)
    model = make_model(spec.model, **params).fit(train, train[F.TARGET], X_valid=valid,
                                                 y_valid=valid[F.TARGET])
    cutoff = ev.cutoff_for_approval_rate(model.predict_pd(applicants), spec.acceptance_rate)
    return Incumbent(model, float(cutoff), spec)


@dataclass
class LenderView:
    """Applicants as the lender sees them: features, the incumbent's score and decision,
    and the outcome of the accepted only (``y`` is -1 for a reject: never observed)."""

    frame: pd.DataFrame
    accepted: np.ndarray
    incumbent_logit: np.ndarray
    y: np.ndarray

    @property
    def rejects(self) -> pd.DataFrame:
        return self.frame.loc[~self.accepted]

    @property
    def accepts(self) -> pd.DataFrame:
        return self.frame.loc[self.accepted]

    @property
    def y_accepted(self) -> np.ndarray:
        return self.y[self.accepted]


def lender_view(frame: pd.DataFrame, incumbent: Incumbent) -> LenderView:
    """What the lender keeps of ``frame``: the truth columns dropped, rejects' outcomes hidden.

    Parameters
    ----------
    frame : DataFrame
        Applicants with ``default_12m`` (and possibly the generator's ``true_*`` columns).
    incumbent : Incumbent
        Decides who is accepted.

    Returns
    -------
    LenderView
        Features (registry features and the id only), acceptance, incumbent log-odds, and
        ``y`` with -1 for every reject.
    """
    names = {f.name for f in F.FEATURES}
    keep = [c for c in frame.columns if c == F.ID_COLUMN or c in names]
    visible = frame[keep].reset_index(drop=True)
    logit = incumbent.logit(visible)
    accepted = incumbent.accepts(visible)
    y = np.where(accepted, frame[F.TARGET].to_numpy(dtype=np.int64), -1)
    return LenderView(visible, accepted, logit, y)


@dataclass
class AcceptedSample:
    """The lender's data for the next model, and the held-out truth it is graded on.

    ``train`` and ``valid`` are :class:`LenderView` s of today's through-the-door applicants
    (fit rows; early-stopping and calibration rows); ``test`` is a held-out
    through-the-door sample *with* its outcomes and truth columns, for grading only.
    """

    incumbent: Incumbent
    train: LenderView
    valid: LenderView
    test: pd.DataFrame

    @property
    def acceptance_rate(self) -> float:
        """The incumbent's acceptance rate over the fit rows: the cut-off rule to deploy."""
        return self.incumbent.spec.acceptance_rate


def accepted_sample(train: pd.DataFrame, valid: pd.DataFrame, test: pd.DataFrame,
                    spec: IncumbentSpec, seed: int, *, world: World) -> AcceptedSample:
    """Build the accepted sample from three through-the-door frames.

    Parameters
    ----------
    train, valid : DataFrame
        Today's applicants the new models learn from (outcomes are hidden for the rejects).
    test : DataFrame
        Held-out applicants with every outcome and the truth, for grading.
    spec : IncumbentSpec
        The incumbent lender.
    seed : int
        Seed of the incumbent's older cohort (plus ``spec.seed_offset``).
    world : World
        The applicants' world, which the incumbent's older cohort is drawn from.

    Returns
    -------
    AcceptedSample
    """
    ttd = pd.concat([train, valid], ignore_index=True)
    incumbent = fit_incumbent(spec, ttd, seed, world=world)
    return AcceptedSample(incumbent, lender_view(train, incumbent), lender_view(valid, incumbent),
                          test.reset_index(drop=True))

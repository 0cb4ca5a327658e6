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

The incumbent scores with a plain PD cut-off (no knock-out rules). Its **selection** is a
dial (:attr:`IncumbentSpec.selection`):

* ``"mar"`` -- missing at random: who is rejected depends on the incumbent's score only, a
  function of features the lender records, so given those features the rejects' outcomes
  are distributed like the accepted's (Little & Rubin's MAR; the setting in which
  Crook & Banasik 2004 and Banasik & Crook 2007 find reject inference gains little);
* ``"mnar"`` -- missing not at random: the incumbent also acts on private information the
  new model never sees (an underwriter's judgement, an interview): a signal ``h`` whose
  correlation with the outcome's latent error is ``hidden_correlation``. Its decision score
  is ``incumbent_logit + hidden_weight * sd(incumbent_logit) * h``. With the outcome written
  as ``y = 1[e > Phi^-1(1 - true_pd)]`` for a standard normal ``e``, ``h = rho e +
  sqrt(1 - rho^2) u`` makes ``(e, h)`` bivariate normal with correlation ``rho``: Heckman's
  (1979) selection model, in which the accepted are better than their features say
  (Hand & Henley 1993 call such decisions "overrides"). The incumbent's *recorded* score is
  its scorecard's log-odds; the private part is never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from riskkit import evaluate as ev
from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.models import CreditModel, make_model
from riskkit.synth import World

#: Share of the incumbent's older cohort it was validated (calibrated) on.
INCUMBENT_VALID_SHARE = 0.3
#: The incumbent's selection settings: on recorded features only, or also on private ones.
SELECTIONS: tuple[str, ...] = ("mar", "mnar")
#: Random-stream index of the private signal's draws (one sub-stream per frame).
HIDDEN_STREAM = 14_003


def _is_number(value: Any) -> bool:
    """A finite int or float that is not a bool (``True`` is not a correlation)."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and bool(np.isfinite(value)))


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
    selection : str
        ``"mar"`` (the score alone decides) or ``"mnar"`` (a private signal too; see the
        module docstring).
    hidden_correlation : float
        MNAR: correlation of the private signal with the outcome's latent error, in (0, 1].
    hidden_weight : float
        MNAR: the private signal's weight in the decision score, in standard deviations of
        the incumbent's log-odds.
    """

    model: str = "scorecard"
    features: tuple[str, ...] | None = None
    rows: int = 20_000
    acceptance_rate: float = 0.5
    seed_offset: int = 2_000
    selection: str = "mar"
    hidden_correlation: float = 0.5
    hidden_weight: float = 0.5

    def __post_init__(self) -> None:
        # each problem names its key in the ``reject_inference:`` section
        problems = []
        if self.model not in ("scorecard", "lgbm"):
            problems.append(f"incumbent.model must be 'scorecard' or 'lgbm', got {self.model!r}")
        if not (_is_number(self.acceptance_rate) and 0.0 < float(self.acceptance_rate) < 1.0):
            problems.append(f"acceptance_rate must lie strictly between 0 and 1, "
                            f"got {self.acceptance_rate!r}")
        if not isinstance(self.rows, int) or isinstance(self.rows, bool) or self.rows < 1000:
            problems.append(f"incumbent.rows must be a whole number >= 1000, got {self.rows!r}")
        if self.selection not in SELECTIONS:
            problems.append(f"selection must be one of {', '.join(SELECTIONS)}, "
                            f"got {self.selection!r}")
        if not (_is_number(self.hidden_correlation)
                and 0.0 < float(self.hidden_correlation) <= 1.0):
            problems.append(f"mnar.correlation must lie in (0, 1], got "
                            f"{self.hidden_correlation!r}")
        if not (_is_number(self.hidden_weight) and float(self.hidden_weight) > 0):
            problems.append(f"mnar.weight must be a number > 0, got {self.hidden_weight!r}")
        if self.features is not None:
            bad = [f for f in self.features if not F.is_model_feature(f)]
            if bad or not self.features:
                problems.append(f"incumbent.features must be a non-empty list of model "
                                f"features; not model features: {bad}")
        if problems:
            raise ConfigError("; ".join(f"reject_inference.{p}" for p in problems))

    @property
    def hidden_scale(self) -> float:
        """Weight of the private signal in the decision score's units (0 under MAR)."""
        return float(self.hidden_weight) if self.selection == "mnar" else 0.0

    @classmethod
    def from_config(cls, section: dict[str, Any], selection: str | None = None
                    ) -> IncumbentSpec:
        """From the ``reject_inference:`` config section (``incumbent``, rate, ``mnar``).

        ``selection`` picks one of the section's ``selection`` settings (default: the first).
        """
        inc = dict(section.get("incumbent") or {})
        feats = inc.get("features")
        mnar = dict(section.get("mnar") or {})
        chosen = section.get("selection") or ["mar"]
        if selection is None:
            selection = chosen[0] if isinstance(chosen, list) and chosen else chosen
        return cls(model=inc.get("model", "scorecard"),
                   features=None if feats is None else tuple(feats),
                   rows=inc.get("rows", 20_000),
                   acceptance_rate=section.get("acceptance_rate", 0.5),
                   seed_offset=inc.get("seed_offset", 2_000),
                   selection=selection,  # type: ignore[arg-type]
                   hidden_correlation=mnar.get("correlation", 0.5),
                   hidden_weight=mnar.get("weight", 0.5))


def hidden_signal(frame: pd.DataFrame, correlation: float, seed: int, part: int) -> np.ndarray:
    """The incumbent's private signal for ``frame``'s applicants (MNAR), from their truth.

    Each outcome is written as ``y = 1[e > Phi^-1(1 - true_pd)]`` with ``e`` standard
    normal: ``e`` is drawn from its normal distribution truncated to the side its observed
    outcome requires (above the threshold for a bad, below for a good), so ``e`` is
    exactly standard normal and independent of the features. The signal is
    ``correlation * e + sqrt(1 - correlation^2) * u`` with ``u`` independent noise.

    Parameters
    ----------
    frame : DataFrame
        Applicants with ``default_12m`` and ``true_pd`` (a simulation's truth).
    correlation : float
        Correlation of the signal with ``e``.
    seed, part : int
        The run's seed and the frame's index (train 0, valid 1, test 2): one stream each.

    Returns
    -------
    ndarray
        One standard-normal signal per row; larger means riskier.
    """
    missing = [c for c in (F.TARGET, "true_pd") if c not in frame.columns]
    if missing:
        raise ConfigError(f"reject_inference.selection: mnar needs the truth; the "
                          f"applicants lack {missing}")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(HIDDEN_STREAM, part)))
    p = np.clip(frame["true_pd"].to_numpy(dtype=float), 1e-12, 1 - 1e-12)
    bad = frame[F.TARGET].to_numpy() == 1
    # P(e <= threshold) = 1 - p; a bad's e lies above it, a good's below
    uniform = rng.random(len(frame))
    level = np.where(bad, (1 - p) + p * uniform, (1 - p) * uniform)
    e = norm.ppf(np.clip(level, 1e-15, 1 - 1e-15))
    noise = rng.standard_normal(len(frame))
    return correlation * e + np.sqrt(1.0 - correlation ** 2) * noise


@dataclass
class Incumbent:
    """A fitted incumbent: its model and the PD cut-off it approves at (``pd <= cutoff``).

    Under MNAR the decision score also carries the private signal: approve when
    ``logit + scale * hidden <= cut_logit`` (``scale`` in log-odds; see :class:`IncumbentSpec`).
    """

    model: CreditModel
    cutoff: float
    spec: IncumbentSpec
    scale: float = 0.0
    cut_logit: float = 0.0

    def logit(self, frame: pd.DataFrame) -> np.ndarray:
        """The incumbent's recorded log-odds of default (its score, in log-odds)."""
        return np.asarray(self.model.predict_logit(frame), dtype=float)

    def accepts(self, frame: pd.DataFrame, hidden: np.ndarray | None = None) -> np.ndarray:
        """True where the incumbent approves (``hidden``: the private signal, under MNAR)."""
        if self.scale == 0.0:
            return np.asarray(self.model.predict_pd(frame), dtype=float) <= self.cutoff
        if hidden is None:
            raise ConfigError("an MNAR incumbent decides on its private signal too; pass it")
        return self.logit(frame) + self.scale * np.asarray(hidden, dtype=float) <= self.cut_logit


def older_cohort(spec: IncumbentSpec, seed: int, *, world: World) -> pd.DataFrame:
    """The incumbent's older cohort: the one place reject inference draws a population.

    It is drawn from the run's ``world`` (calendar month 0) with its own seed,
    ``seed + spec.seed_offset``, so the incumbent learned the truth today's applicants
    follow but saw none of them.
    """
    return world.generate(spec.rows, seed + spec.seed_offset)


def fit_incumbent(spec: IncumbentSpec, applicants: pd.DataFrame, seed: int, *,
                  world: World, hidden: np.ndarray | None = None) -> Incumbent:
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
    hidden : array, optional
        The applicants' private signal (MNAR only).

    Returns
    -------
    Incumbent
    """
    old = older_cohort(spec, seed, world=world)
    cut = round((1 - INCUMBENT_VALID_SHARE) * len(old))
    train, valid = old.iloc[:cut], old.iloc[cut:]
    params: dict[str, Any] = {}
    if spec.features is not None:
        params["features"] = spec.features
    if spec.model == "lgbm":
        params.update(seed=seed, num_threads=1)
    model = make_model(spec.model, **params).fit(train, train[F.TARGET], X_valid=valid,
                                                 y_valid=valid[F.TARGET])
    if spec.hidden_scale == 0.0:
        cutoff = ev.cutoff_for_approval_rate(model.predict_pd(applicants), spec.acceptance_rate)
        return Incumbent(model, float(cutoff), spec)
    if hidden is None:
        raise ConfigError("an MNAR incumbent needs the applicants' private signal")
    logit = np.asarray(model.predict_logit(applicants), dtype=float)
    scale = spec.hidden_scale * float(logit.std())
    score = logit + scale * np.asarray(hidden, dtype=float)
    cut_logit = float(np.quantile(score, spec.acceptance_rate))
    return Incumbent(model, float(1.0 / (1.0 + np.exp(-cut_logit))), spec, scale, cut_logit)


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


def lender_view(frame: pd.DataFrame, incumbent: Incumbent,
                hidden: np.ndarray | None = None) -> LenderView:
    """What the lender keeps of ``frame``: the truth columns dropped, rejects' outcomes hidden.

    Parameters
    ----------
    frame : DataFrame
        Applicants with ``default_12m`` (and possibly the generator's ``true_*`` columns).
    incumbent : Incumbent
        Decides who is accepted.
    hidden : array, optional
        The incumbent's private signal for these applicants (MNAR); never kept.

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
    accepted = incumbent.accepts(visible, hidden)
    y = np.where(accepted, frame[F.TARGET].to_numpy(dtype=np.int64), -1)
    return LenderView(visible, accepted, logit, y)


@dataclass
class AcceptedSample:
    """The lender's data for the next model, and the held-out truth it is graded on.

    ``train`` and ``valid`` are :class:`LenderView` s of today's through-the-door applicants
    (fit rows; early-stopping and calibration rows); ``test`` is a held-out
    through-the-door sample *with* its outcomes and truth columns, for grading only, and
    ``test_rejected`` the incumbent's rejects among it.
    """

    incumbent: Incumbent
    train: LenderView
    valid: LenderView
    test: pd.DataFrame
    test_rejected: np.ndarray | None = None

    @property
    def acceptance_rate(self) -> float:
        """The incumbent's acceptance rate over the fit rows: the cut-off rule to deploy."""
        return self.incumbent.spec.acceptance_rate

    @property
    def selection(self) -> str:
        """``"mar"`` or ``"mnar"``: how the incumbent chose."""
        return self.incumbent.spec.selection


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
        The incumbent lender (and its selection: MAR or MNAR).
    seed : int
        Seed of the incumbent's older cohort (plus ``spec.seed_offset``) and of the
        private signal's draws.
    world : World
        The applicants' world, which the incumbent's older cohort is drawn from.

    Returns
    -------
    AcceptedSample
    """
    frames = (train, valid, test)
    hidden: list[np.ndarray | None] = [None, None, None]
    if spec.selection == "mnar":
        hidden = [hidden_signal(f, spec.hidden_correlation, seed, i)
                  for i, f in enumerate(frames)]
    ttd = pd.concat([train, valid], ignore_index=True)
    ttd_hidden = None if hidden[0] is None else np.concatenate([hidden[0], hidden[1]])
    incumbent = fit_incumbent(spec, ttd, seed, world=world, hidden=ttd_hidden)
    test = test.reset_index(drop=True)
    return AcceptedSample(incumbent, lender_view(train, incumbent, hidden[0]),
                          lender_view(valid, incumbent, hidden[1]), test,
                          ~incumbent.accepts(test, hidden[2]))

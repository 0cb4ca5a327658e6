"""The power study's applicants: one large pool with its truth, and defects injected into it.

Every repetition of the study draws applicants from a pool generated once from a
:class:`~riskkit.synth.World` at calendar month 0 (:meth:`World.generate`, with ``true_pd``,
``true_logit`` and the exact ``true_contrib__<feature>``), and draws their outcomes afresh,
so a repetition costs a few array look-ups instead of a generation. Because the outcomes are
redrawn, the calibration tests' null hypothesis holds exactly whatever the pool's size.

Which PD each part sees
    A validator grades *recorded* outcomes, and under label noise a share of them carries no
    information (:meth:`World.recorded_pd`). So outcomes are always drawn from the recorded
    PD, and the model that is exactly right (the development model, defect ``none``) is the
    Bayes predictor of the recorded label, ``world.recorded_pd(true_pd)``, which is the true
    PD when there is no noise (as riskkit's oracle). The defects that miscalibrate a model
    (``pd_scale``, ``grade_scale``) scale that recorded-label PD, the one the tests compare
    default rates with, so a factor of 0.8 is an understatement of 20 % of what a validator
    can observe, with or without noise. The defects that act on the world act on its truth
    first: a lost driver is a part of the true log-odds, a drift moves the economy, a common
    factor correlates real defaults (the noise share is a draw at the bad rate, independent
    of it); the result is then mapped to the recorded label. The references of the stability
    tests (PSI bins, CSI bins, development grades, the development AUC) come from the
    development model on the month-0 pool.

A *defect* is what separates the model under test from the development model, or the sample
from the development population (``dev`` is the development model's PD, ``recorded`` the
world's map from a true PD to the recorded label's):

============  ======================================================================
kind          the model's PD / the sample
============  ======================================================================
none          ``dev`` (every test's null hypothesis holds)
pd_scale      ``factor x dev`` (< 1 understated, > 1 overstated)
grade_scale   ``dev``, one grade's times ``factor``
lost_driver   ``recorded`` of the true log-odds without ``share`` of one driver's exact
              contribution, re-centred so the mean true PD still matches (a model that
              lost a driver)
drift         the development model on applicants of the World drifted by ``d``, drawn
              :data:`DRIFT_MONTHS` months on (``World(..., drift=d).generate(rows, seed,
              month=12)``: ``d`` of a downturn's move in incomes, shocks, strain and the
              macro shift of the true risk); their outcomes follow that month's truth.
              The same drift as a run's out-of-time cohort with ``data.oot.drift = d``
              twelve months later; ``d`` near 0 is the pool itself (same random stream)
correlation   ``dev``; a month's true defaults share one Vasicek factor with asset
              correlation ``rho`` (Vasicek 2002; the Basel IRB formula's model)
============  ======================================================================

Workers rebuild the pool from its :class:`PoolSpec` (deterministic, a few seconds) and keep
it for the process (:func:`pool`), so nothing large crosses a process or a Dask worker.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.mathx import sigmoid
from riskkit.synth import World
from riskkit.synth.truth import expected_auc
from riskkit.validate.grades import MasterScale, build_scale
from riskkit.validate.stability import concentration

__all__ = ["DRIFT_MONTHS", "KINDS", "Cell", "CellArrays", "Pool", "PoolSpec", "cell_arrays",
           "pool"]

KINDS = ("none", "pd_scale", "grade_scale", "lost_driver", "drift", "correlation")
#: Quantile bins of each feature and of the score for PSI and CSI (the usual deciles).
BINS = 10
#: Months between the development cohort and a drift defect's sample: a drift of ``d`` a
#: year moves the economy ``d`` of the way to a downturn.
DRIFT_MONTHS = 12


@dataclass(frozen=True)
class PoolSpec:
    """Everything that defines a pool: the World it is drawn from, and the master scale.

    ``world`` holds the truth, the bad rate, the label noise and the month-0 economy; the
    pool is its cohort at month 0, so its calendar plays no part (a drift defect sets its
    own drift, see the module's table).
    """

    rows: int
    seed: int
    world: World
    grade_count: int = 10
    boundaries: tuple[float, ...] | None = None
    grade: int | None = None  # the grade grade_scale miscalibrates (None: the middle one)
    driver: str | None = None  # the feature lost_driver drops (None: the largest)


@dataclass(frozen=True)
class Cell:
    """One defect at one size (``size`` is ignored for ``none``)."""

    kind: str
    size: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"unknown defect {self.kind!r}; expected one of {', '.join(KINDS)}")


@dataclass(frozen=True)
class Pool:
    """The pool's arrays (one row per applicant) and what the development sample looks like."""

    spec: PoolSpec
    true_pd: np.ndarray
    dev_pd: np.ndarray  # the development model: the recorded label's PD (label noise in)
    true_logit: np.ndarray
    driver: str
    driver_contrib: np.ndarray
    scale: MasterScale
    dev_grades: np.ndarray  # the development model's grading
    score_edges: np.ndarray  # decile edges of the development PD (PSI bins)
    score_shares: np.ndarray  # the development shares of those bins
    dev_cv: float  # the ECB's coefficient of variation of the development grades
    features: tuple[str, ...]
    binning: tuple[np.ndarray, ...]  # per feature: inner decile edges, or the levels seen
    feature_codes: np.ndarray  # (features, rows) bin codes plus each feature's offset, int32
    feature_bins: np.ndarray  # bins per feature
    feature_shares: tuple[np.ndarray, ...]  # development shares per feature bin
    auc_dev: float  # the development model's expected AUC on the pool's recorded outcomes

    @property
    def grade(self) -> int:
        """The grade ``grade_scale`` miscalibrates."""
        g = self.spec.grade if self.spec.grade is not None else (self.scale.n_grades + 1) // 2
        if not 1 <= g <= self.scale.n_grades:
            raise ConfigError(f"validate.power.grade = {g}: the master scale has "
                              f"{self.scale.n_grades} grades")
        return g

    @property
    def rows(self) -> int:
        return int(self.true_pd.size)


def _binning(column: pd.Series) -> np.ndarray:
    """The development bins of one feature: inner decile edges of a number, the levels of
    anything else (in order of appearance)."""
    if _numeric(column):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        values = values[~np.isnan(values)]
        return np.unique(np.quantile(values, np.linspace(0, 1, BINS + 1)[1:-1]))
    return np.asarray(pd.unique(_levels(column)), dtype=object)


def _codes(column: pd.Series, bins: np.ndarray) -> tuple[np.ndarray, int]:
    """Bin codes of one feature in its development ``bins``: deciles plus a missing bin for
    a number; for anything else the levels plus one bin for a level development never saw
    (a drifted population may show one)."""
    if _numeric(column):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        ok = ~np.isnan(values)
        codes = np.where(ok, np.searchsorted(bins, np.nan_to_num(values), side="left"),
                         bins.size + 1)
        return codes.astype(np.int16), bins.size + 2
    codes = pd.Index(bins).get_indexer(_levels(column))
    return np.where(codes < 0, bins.size, codes).astype(np.int16), bins.size + 1


def _numeric(column: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(column.dtype)
                and not pd.api.types.is_bool_dtype(column.dtype))


def _levels(column: pd.Series) -> pd.Series:
    return column.astype(object).where(column.notna(), "<missing>")


def _coded(frame: pd.DataFrame, features: tuple[str, ...],
           binning: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Every feature's codes, offset so they share one ``bincount``, and the bins of each."""
    coded = [_codes(frame[f], b) for f, b in zip(features, binning, strict=True)]
    bins = np.array([b for _, b in coded])
    offsets = np.concatenate([[0], np.cumsum(bins)[:-1]])
    codes = np.ascontiguousarray(np.vstack([c.astype(np.int32) + o
                                            for (c, _), o in zip(coded, offsets, strict=True)]))
    return codes, bins


def _driver(frame: pd.DataFrame, wanted: str | None) -> str:
    contribs = {f: float(frame[F.contrib_column(f)].abs().mean()) for f in F.MODEL_FEATURES
                if F.contrib_column(f) in frame.columns}
    if wanted is None:
        return max(contribs, key=lambda f: contribs[f])
    if wanted not in contribs:
        raise ConfigError(f"validate.power.driver = {wanted!r}: expected a model feature with "
                          f"a true contribution ({', '.join(sorted(contribs))})")
    return wanted


@lru_cache(maxsize=2)
def pool(spec: PoolSpec) -> Pool:
    """The pool of ``spec``, built once per process (workers call this for every task)."""
    world = spec.world
    frame = world.generate(spec.rows, spec.seed)
    true_pd = frame["true_pd"].to_numpy(dtype=float)
    dev = world.recorded_pd(true_pd)
    scale = build_scale(dev, spec.grade_count, spec.boundaries)
    driver = _driver(frame, spec.driver)
    features = tuple(f for f in F.MODEL_FEATURES if f in frame.columns)
    binning = tuple(_binning(frame[f]) for f in features)
    codes, bins = _coded(frame, features, binning)
    offsets = np.concatenate([[0], np.cumsum(bins)[:-1]])
    shares = tuple(np.bincount(codes[j] - offsets[j], minlength=bins[j]) / spec.rows
                   for j in range(len(features)))
    dev_grades = scale.grade(dev)
    edges = np.unique(np.quantile(dev, np.linspace(0, 1, BINS + 1)[1:-1]))
    score_counts = np.bincount(np.searchsorted(edges, dev, side="left"),
                               minlength=edges.size + 1)
    return Pool(spec=spec, true_pd=true_pd, dev_pd=dev,
                true_logit=frame["true_logit"].to_numpy(dtype=float), driver=driver,
                driver_contrib=frame[F.contrib_column(driver)].to_numpy(dtype=float),
                scale=scale, dev_grades=dev_grades, score_edges=edges,
                score_shares=score_counts / true_pd.size,
                dev_cv=concentration(np.bincount(dev_grades, minlength=scale.n_grades + 1)[1:])["cv"],
                features=features, binning=binning, feature_codes=codes, feature_bins=bins,
                feature_shares=shares, auc_dev=expected_auc(dev, dev))


def drifted_world(world: World, size: float) -> World:
    """The World a drift defect of ``size`` samples: ``world``'s truth and month-0 economy,
    drifting ``size`` of a downturn a year, nothing else on its calendar."""
    return replace(world.without_calendar(), drift=float(size))


def _recentred(log_odds: np.ndarray, mean_pd: float) -> np.ndarray:
    """PDs of ``log_odds`` shifted so their mean is ``mean_pd`` (the model's intercept)."""
    shift = brentq(lambda c: float(sigmoid(log_odds + c).mean()) - mean_pd, -20, 20, xtol=1e-12)
    return sigmoid(log_odds + shift)


@dataclass(frozen=True)
class CellArrays:
    """What one repetition of a cell reads: the population sampled (its true PD, features
    and development grades) and the model's PDs, grades and score levels on it."""

    true_pd: np.ndarray  # outcomes: the world's recorded PD of this (after a common factor)
    model_pd: np.ndarray
    grades: np.ndarray
    dev_grades: np.ndarray  # the development model's grade of each applicant (migration)
    feature_codes: np.ndarray  # as Pool.feature_codes, of this population
    score_codes: np.ndarray  # PSI bin of the model's PD on the development deciles
    levels: np.ndarray  # rank of each PD among the distinct PDs (for DeLong by counts)
    n_levels: int
    rho: float


@lru_cache(maxsize=4)
def cell_arrays(spec: PoolSpec, cell: Cell) -> CellArrays:
    """The model and population of one defect on the pool of ``spec`` (cached per process)."""
    p = pool(spec)
    world = spec.world
    model, true_pd, dev_grades, codes, rho = p.dev_pd, p.true_pd, p.dev_grades, \
        p.feature_codes, 0.0
    if cell.kind == "pd_scale":
        model = np.clip(cell.size * p.dev_pd, 0.0, 1.0)
    elif cell.kind == "grade_scale":
        model = np.where(p.dev_grades == p.grade, np.clip(cell.size * p.dev_pd, 0, 1), p.dev_pd)
    elif cell.kind == "lost_driver":
        model = world.recorded_pd(_recentred(p.true_logit - cell.size * p.driver_contrib,
                                             float(p.true_pd.mean())))
    elif cell.kind == "drift":
        later = drifted_world(world, cell.size).generate(spec.rows, spec.seed,
                                                         month=DRIFT_MONTHS)
        true_pd = later["true_pd"].to_numpy(dtype=float)
        model = world.recorded_pd(world.truth(0).pd(later))  # the development model
        codes, _ = _coded(later, p.features, p.binning)
    elif cell.kind == "correlation":
        rho = float(cell.size)
    distinct, levels = np.unique(model, return_inverse=True)
    grades = p.scale.grade(model)
    if cell.kind == "drift":  # the model is the development one: its grades are theirs
        dev_grades = grades
    return CellArrays(true_pd=true_pd, model_pd=model, grades=grades, dev_grades=dev_grades,
                      feature_codes=codes,
                      score_codes=np.searchsorted(p.score_edges, model, side="left").astype(np.int16),
                      levels=levels.astype(np.int64), n_levels=int(distinct.size), rho=rho)

"""The power study's applicants: one large pool with its truth, and defects injected into it.

Every repetition of the study draws applicants from a pool generated once
(:func:`riskkit.synth.generate`, with ``true_pd``, ``true_logit`` and the exact
``true_contrib__<feature>``), and draws their outcomes afresh from the true PD, so a
repetition costs a few array look-ups instead of a generation. Because the outcomes are
redrawn, the calibration tests' null hypothesis holds exactly whatever the pool's size.

A *defect* is what separates the model under test from the truth, or the sample from the
development population:

============  ======================================================================
kind          the model's PD / the sample
============  ======================================================================
none          the true PD (every test's null hypothesis holds)
pd_scale      ``factor x`` the true PD (< 1 understated, > 1 overstated)
grade_scale   the true PD, one grade's times ``factor``
lost_driver   the true log-odds without ``share`` of one driver's exact contribution,
              re-centred so the mean PD still matches (a model that lost a driver)
drift         the true PD; applicants drawn with weight ``exp(d z)``, z the standardised
              true log-odds (the population moved ``d`` SDs towards risk)
correlation   the true PD; a month's defaults share one Vasicek factor with asset
              correlation ``rho`` (Vasicek 2002; the Basel IRB formula's model)
============  ======================================================================

Workers rebuild the pool from its :class:`PoolSpec` (deterministic, a few seconds) and keep
it for the process (:func:`pool`), so nothing large crosses a process or a Dask worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.mathx import sigmoid
from riskkit.synth import generate
from riskkit.synth.truth import expected_auc
from riskkit.validate.grades import MasterScale, build_scale
from riskkit.validate.stability import concentration

__all__ = ["KINDS", "Cell", "CellArrays", "Pool", "PoolSpec", "cell_arrays", "pool"]

KINDS = ("none", "pd_scale", "grade_scale", "lost_driver", "drift", "correlation")
#: Quantile bins of each feature and of the score for PSI and CSI (the usual deciles).
BINS = 10


@dataclass(frozen=True)
class PoolSpec:
    """Everything that defines a pool: the world's truth as values, and the master scale.

    ``world`` is whatever :func:`riskkit.synth.generate` takes (a world name or spec);
    ``label_noise`` is that world's share of recorded outcomes drawn at the bad rate.
    """

    rows: int
    seed: int
    scenario: str
    bad_rate: float
    world: Any
    label_noise: float = 0.0
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
    recorded_pd: np.ndarray  # what outcomes are drawn from (label noise included)
    true_logit: np.ndarray
    driver: str
    driver_contrib: np.ndarray
    scale: MasterScale
    dev_grades: np.ndarray  # grade of the true PD: the development model's grading
    score_edges: np.ndarray  # decile edges of the true PD (PSI bins)
    score_shares: np.ndarray  # the development (true PD) shares of those bins
    dev_cv: float  # the ECB's coefficient of variation of the development grades
    features: tuple[str, ...]
    feature_codes: np.ndarray  # (features, rows) bin codes plus each feature's offset, int32
    feature_bins: np.ndarray  # bins per feature
    feature_shares: tuple[np.ndarray, ...]  # development shares per feature bin
    auc_dev: float  # the truth's expected AUC on the pool

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


def _codes(column: pd.Series) -> tuple[np.ndarray, int]:
    """Bin codes of one feature: deciles of a number (plus missing), levels of anything else."""
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        ok = ~np.isnan(values)
        inner = np.unique(np.quantile(values[ok], np.linspace(0, 1, BINS + 1)[1:-1]))
        codes = np.where(ok, np.searchsorted(inner, np.nan_to_num(values), side="left"),
                         inner.size + 1)
        return codes.astype(np.int16), inner.size + 2
    codes, levels = pd.factorize(column.astype(object).where(column.notna(), "<missing>"))
    return codes.astype(np.int16), len(levels)


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
    frame = generate(spec.rows, spec.seed, scenario=spec.scenario, bad_rate=spec.bad_rate,
                     world=spec.world)
    true_pd = frame["true_pd"].to_numpy(dtype=float)
    recorded = (1 - spec.label_noise) * true_pd + spec.label_noise * spec.bad_rate
    scale = build_scale(true_pd, spec.grade_count, spec.boundaries)
    driver = _driver(frame, spec.driver)
    features = tuple(f for f in F.MODEL_FEATURES if f in frame.columns)
    coded = [_codes(frame[f]) for f in features]
    bins = np.array([b for _, b in coded])
    offsets = np.concatenate([[0], np.cumsum(bins)[:-1]])
    codes = np.ascontiguousarray(np.vstack([c.astype(np.int32) + o
                                            for (c, _), o in zip(coded, offsets, strict=True)]))
    shares = tuple(np.bincount(c, minlength=b) / c.size for c, b in coded)
    dev_grades = scale.grade(true_pd)
    edges = np.unique(np.quantile(true_pd, np.linspace(0, 1, BINS + 1)[1:-1]))
    score_counts = np.bincount(np.searchsorted(edges, true_pd, side="left"),
                               minlength=edges.size + 1)
    return Pool(spec=spec, true_pd=true_pd, recorded_pd=recorded,
                true_logit=frame["true_logit"].to_numpy(dtype=float), driver=driver,
                driver_contrib=frame[F.contrib_column(driver)].to_numpy(dtype=float),
                scale=scale, dev_grades=dev_grades, score_edges=edges,
                score_shares=score_counts / true_pd.size,
                dev_cv=concentration(np.bincount(dev_grades, minlength=scale.n_grades + 1)[1:])["cv"],
                features=features, feature_codes=codes, feature_bins=bins,
                feature_shares=shares, auc_dev=expected_auc(true_pd, recorded))


def _recentred(log_odds: np.ndarray, mean_pd: float) -> np.ndarray:
    """PDs of ``log_odds`` shifted so their mean is ``mean_pd`` (the model's intercept)."""
    shift = brentq(lambda c: float(sigmoid(log_odds + c).mean()) - mean_pd, -20, 20, xtol=1e-12)
    return sigmoid(log_odds + shift)


@dataclass(frozen=True)
class CellArrays:
    """What one repetition of a cell reads: the model's PDs, grades and score levels, and
    the sampling distribution (None: every applicant equally likely)."""

    model_pd: np.ndarray
    grades: np.ndarray
    score_codes: np.ndarray  # PSI bin of the model's PD on the development deciles
    levels: np.ndarray  # rank of each PD among the distinct PDs (for DeLong by counts)
    n_levels: int
    sampling_cdf: np.ndarray | None
    rho: float


@lru_cache(maxsize=4)
def cell_arrays(spec: PoolSpec, cell: Cell) -> CellArrays:
    """The model and sampling of one defect on the pool of ``spec`` (cached per process)."""
    p = pool(spec)
    model = p.true_pd
    cdf, rho = None, 0.0
    if cell.kind == "pd_scale":
        model = np.clip(cell.size * p.true_pd, 0.0, 1.0)
    elif cell.kind == "grade_scale":
        model = np.where(p.dev_grades == p.grade, np.clip(cell.size * p.true_pd, 0, 1),
                         p.true_pd)
    elif cell.kind == "lost_driver":
        model = _recentred(p.true_logit - cell.size * p.driver_contrib, float(p.true_pd.mean()))
    elif cell.kind == "drift":
        z = (p.true_logit - p.true_logit.mean()) / p.true_logit.std()
        weights = np.exp(cell.size * (z - z.max()))
        cdf = np.cumsum(weights)
        cdf /= cdf[-1]
    elif cell.kind == "correlation":
        rho = float(cell.size)
    distinct, levels = np.unique(model, return_inverse=True)
    return CellArrays(model_pd=model, grades=p.scale.grade(model),
                      score_codes=np.searchsorted(p.score_edges, model, side="left").astype(np.int16),
                      levels=levels.astype(np.int64), n_levels=int(distinct.size),
                      sampling_cdf=cdf, rho=rho)


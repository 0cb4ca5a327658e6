"""The classic points scorecard: optimal binning, weight of evidence, logistic regression.

Each feature is binned with optbinning's ``OptimalBinning`` under the registry's risk
direction (increasing risk -> event rate "ascending" over the bins, decreasing ->
"descending", none / categorical -> "auto"), every bin is replaced by its weight of
evidence, and a logistic regression on the WoE columns gives the log-odds.

Sign convention: optbinning's WoE is ``log(share of non-events / share of events)``, so a
*risky* bin has a *negative* WoE and a sensible coefficient is negative. A feature whose
coefficient comes out positive (collinearity reversing its univariate story) is dropped
and the regression refitted, so risk never falls as a feature moves in its risky direction
(``dropped_`` says why). On riskkit's population this usually drops ``overdue_count_24m``:
its "ever overdue" signal is already carried by the missing bin of
``months_since_last_overdue`` and by ``max_dpd_24m``. Contributions flip the sign back:
positive = raises risk.

optbinning is needed only to *fit*. The fitted bins are stored as plain numbers (split
points, category groups, WoE per bin) and applied by :class:`FeatureBins` with NumPy, which
reproduces optbinning's transform exactly: a value equal to a split point goes to the bin on
its *right* (``np.digitize(..., right=False)``: bins are ``[lo, hi)``), special codes go to
the special bin, NaN to the missing bin (missing wins over special), an unseen category
gets the WoE of the overall event rate, and a bin without events or without non-events
gets WoE 0. Fitting checks the re-implementation against optbinning on the training rows
and refuses to continue if a single value differs.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.io import write_with
from riskkit.core.registry import Registry
from riskkit.models.base import CreditModel

SPECIAL_LABEL = "Special"
MISSING_LABEL = "Missing"
UNKNOWN_LABEL = "Unknown level"
INTERCEPT_LABEL = "(base points)"
TREND = {"increasing": "ascending", "decreasing": "descending", "none": "auto"}
Reference = Literal["best", "mean"]


def _woe(n_event: np.ndarray, n_nonevent: np.ndarray) -> tuple[np.ndarray, float]:
    """WoE per bin and for an unknown category, with optbinning's formula and edge cases."""
    t_event, t_nonevent = n_event.sum(), n_nonevent.sum()
    n_records = n_event + n_nonevent
    ok = (n_event > 0) & (n_nonevent > 0)
    event_rate = np.zeros(len(n_records))
    woe = np.zeros(len(n_records))
    event_rate[ok] = n_event[ok] / n_records[ok]
    woe[ok] = np.log((1.0 / event_rate[ok] - 1) * t_event / t_nonevent)
    mean_rate = t_event / n_records.sum()
    return woe, float(np.log((1.0 / mean_rate - 1) * t_event / t_nonevent))


def _fmt(value: float, digits: int | None = 6) -> str:
    """Split points for labels: 6 significant digits (CART thresholds are float32 noise)."""
    if np.isinf(value):
        return "inf" if value > 0 else "-inf"
    if digits is None:
        return np.format_float_positional(value, trim="-")
    return np.format_float_positional(value, precision=digits, unique=True, fractional=False,
                                      trim="-")


@dataclass
class FeatureBins:
    """One feature's fitted bins: clean bins, then the special bin, then the missing bin."""

    name: str
    dtype: Literal["numerical", "categorical"]
    splits: list[float]
    groups: list[list[str]]
    special_codes: list[Any]
    n_event: list[int]
    n_nonevent: list[int]
    woe: list[float] = field(default_factory=list)
    woe_unknown: float = 0.0
    trend: str = "auto"
    status: str = ""

    def __post_init__(self) -> None:
        if not self.woe:
            woe, unknown = _woe(np.asarray(self.n_event), np.asarray(self.n_nonevent))
            self.woe, self.woe_unknown = woe.tolist(), unknown
        if len(self.woe) != self.n_clean + 2 or len(self.n_event) != self.n_clean + 2:
            raise ValueError(f"{self.name}: expected {self.n_clean + 2} bins, "
                             f"got {len(self.woe)} WoE values and {len(self.n_event)} counts")

    @property
    def n_clean(self) -> int:
        return len(self.splits) + 1 if self.dtype == "numerical" else len(self.groups)

    def labels(self) -> list[str]:
        """Human-readable bin labels, special and missing last."""
        if self.dtype == "numerical":
            edges = [-np.inf, *self.splits, np.inf]
            for digits in (6, None):  # full precision only if rounding made labels collide
                clean = [f"{'(' if i == 0 else '['}{_fmt(edges[i], digits)}, "
                         f"{_fmt(edges[i + 1], digits)})" for i in range(self.n_clean)]
                if len(set(clean)) == len(clean):
                    break
        else:
            clean = [", ".join(group) for group in self.groups]
        return [*clean, SPECIAL_LABEL, MISSING_LABEL]

    def bin_index(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """Bin of every value: 0..n_clean-1, n_clean (special), n_clean+1 (missing), -1 unknown."""
        if self.dtype == "numerical":
            x = np.asarray(values, dtype=float)
            missing = np.isnan(x)
        else:
            x = np.asarray(pd.Series(values).astype(object))
            missing = np.asarray(pd.isnull(x))
        special = (np.asarray(pd.Series(x).isin(self.special_codes)) if self.special_codes
                   else np.zeros(len(x), dtype=bool))
        index = np.full(len(x), -1, dtype=np.int64)
        if self.dtype == "numerical":
            clean = ~missing & ~special
            index[clean] = np.digitize(x[clean], np.asarray(self.splits, dtype=float),
                                       right=False)
        else:
            series = pd.Series(x)
            for i, group in enumerate(self.groups):
                index[np.asarray(series.isin(group))] = i
        index[special] = self.n_clean
        index[missing] = self.n_clean + 1
        return index

    def transform(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """WoE of every value (the unknown-category WoE where no bin matches)."""
        table = np.append(np.asarray(self.woe, dtype=float), self.woe_unknown)
        return table[self.bin_index(values)]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def bins_from_optbinning(optb: Any) -> FeatureBins:
    """Copy a fitted ``OptimalBinning``'s bins into plain numbers (one special bin at most)."""
    table = optb.to_dict()
    dtype = optb.dtype
    special = optb.special_codes
    if isinstance(special, dict):
        raise ConfigError(f"{optb.name}: give special codes as one list (one special bin)")
    return FeatureBins(
        name=optb.name, dtype=dtype,
        splits=[float(s) for s in table["splits"]] if dtype == "numerical" else [],
        groups=([] if dtype == "numerical" else
                [[str(c) for c in np.asarray(group, dtype=object)] for group in optb.splits]),
        special_codes=list(special) if special is not None else [],
        n_event=[int(v) for v in table["n_event"]],
        n_nonevent=[int(v) for v in table["n_nonevent"]],
        trend=str(optb.monotonic_trend), status=str(optb.status))


def optbinning_woe(optb: Any, x: np.ndarray) -> np.ndarray:
    """optbinning's own WoE transform with the empirical special/missing WoE riskkit uses."""
    return np.asarray(optb.transform(x, metric="woe", metric_special="empirical",
                                     metric_missing="empirical"), dtype=float)


@contextmanager
def ctrl_c_kept() -> Iterator[None]:
    """Give Python back its Ctrl-C handler after an optbinning (OR-Tools CP-SAT) solve.

    CP-SAT catches SIGINT during a solve (``catch_sigint_signal``, which optbinning does not
    expose) and on return leaves SIGINT at the operating system's default, so the *next*
    Ctrl-C kills riskkit outright: no KeyboardInterrupt, no clean-up, a run's hidden
    ``.incomplete-*`` staging folder left behind. Re-installing the handler Python had
    before the solve (the same fix RMG-Py made for lpsolve) keeps Ctrl-C an exception.
    Only the main thread may set signal handlers; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler = signal.getsignal(signal.SIGINT)
    try:
        yield
    finally:
        if handler is not None:
            signal.signal(signal.SIGINT, handler)


def fit_feature_bins(name: str, x: np.ndarray, y: np.ndarray, params: dict[str, Any],
                     special_codes: list[Any] | None,
                     registry: Registry = F.SYNTHETIC,
                     sample_weight: np.ndarray | None = None) -> FeatureBins:
    """Bin one feature with optbinning, and prove the NumPy re-implementation agrees.

    With ``sample_weight`` optbinning chooses the split points on the weighted rows, and the
    event / non-event counts (so the WoE) are recomputed as weighted sums per bin: its own
    table keeps unweighted counts, and a row standing for several applicants must count as
    several. The check then compares bin *assignments* (``metric="indices"``).

    Parameters
    ----------
    name:
        The feature; its registry entry gives the dtype and the monotone trend.
    x, y:
        Training values and 0/1 outcomes.
    params:
        ``OptimalBinning`` keyword arguments.
    special_codes:
        Values binned on their own.
    registry:
        Where ``name`` is described.
    sample_weight:
        Optional weight per row.

    Returns
    -------
    FeatureBins
    """
    from optbinning import OptimalBinning  # heavy; only a fit needs it

    feat = registry.get_feature(name)
    optb = OptimalBinning(name=name, dtype="categorical" if feat.is_categorical else "numerical",
                          monotonic_trend="auto" if feat.is_categorical else TREND[feat.direction],
                          special_codes=list(special_codes) if special_codes else None,
                          **params)
    with ctrl_c_kept():
        optb.fit(x, y, sample_weight=sample_weight)
    bins = bins_from_optbinning(optb)
    if sample_weight is not None:
        return _reweighted_bins(optb, bins, x, y, sample_weight)
    if not np.array_equal(optbinning_woe(optb, x), bins.transform(x)):
        raise RuntimeError(f"{name}: riskkit's bin assignment disagrees with optbinning's "
                           "transform; the installed optbinning changed its semantics")
    return bins


def _reweighted_bins(optb: Any, bins: FeatureBins, x: np.ndarray, y: np.ndarray,
                     weight: np.ndarray) -> FeatureBins:
    """``bins`` with weighted event / non-event counts (and so weighted WoE) per bin."""
    index = bins.bin_index(x)
    theirs = np.asarray(optb.transform(x, metric="indices", metric_special=-1,
                                       metric_missing=-2))
    mine = np.where(index == bins.n_clean, -1, np.where(index == bins.n_clean + 1, -2, index))
    if not np.array_equal(theirs, mine):
        raise RuntimeError(f"{bins.name}: riskkit's bin assignment disagrees with optbinning's "
                           "transform; the installed optbinning changed its semantics")
    size = bins.n_clean + 2
    n_event = np.bincount(index, weights=weight * (y == 1), minlength=size)
    n_nonevent = np.bincount(index, weights=weight * (y == 0), minlength=size)
    return FeatureBins(name=bins.name, dtype=bins.dtype, splits=bins.splits, groups=bins.groups,
                       special_codes=bins.special_codes, n_event=n_event.tolist(),
                       n_nonevent=n_nonevent.tolist(), trend=bins.trend, status=bins.status)


def _column(X: pd.DataFrame, name: str, registry: Registry) -> np.ndarray:
    if registry.get_feature(name).is_categorical:
        return np.asarray(X[name].astype(object))
    return X[name].to_numpy(dtype=float)


class ScorecardModel(CreditModel):
    """WoE logistic-regression scorecard with a readable points table."""

    name = "scorecard"

    def __init__(self, *, min_bin_size: float = 0.05, max_n_bins: int = 6,
                 min_bin_n_event: int | None = 5, flag_min_bin_size: float = 0.005,
                 binning_params: dict[str, Any] | None = None,
                 feature_binning_params: dict[str, dict[str, Any]] | None = None,
                 special_codes: dict[str, list[Any]] | None = None, C: float = 1.0,
                 features: tuple[str, ...] | list[str] | None = None, calibrate: bool = True,
                 base_score: float = 600.0, base_odds: float = 50.0, pdo: float = 20.0,
                 registry: Registry | None = None) -> None:
        super().__init__(features=features, calibrate=calibrate, base_score=base_score,
                         base_odds=base_odds, pdo=pdo, registry=registry)
        self.min_bin_size = min_bin_size
        self.max_n_bins = max_n_bins
        self.min_bin_n_event = min_bin_n_event
        self.flag_min_bin_size = flag_min_bin_size
        self.binning_params = binning_params
        self.feature_binning_params = feature_binning_params
        self.special_codes = special_codes
        self.C = C

    # ----------------------------------------------------------------- fitting
    def _binning_params(self, name: str, x: np.ndarray) -> dict[str, Any]:
        """optbinning settings for one feature: defaults, then global, then per-feature.

        A two-valued flag may keep a bin as small as ``flag_min_bin_size``: a flag cannot be
        over-split (the risk ``min_bin_size`` guards against), and a rare flag such as
        "currently overdue" (about 1% of applicants) is among the strongest signals there are.
        """
        size = self.min_bin_size
        if pd.Series(x).dropna().nunique() <= 2:
            size = min(size, self.flag_min_bin_size)
        params: dict[str, Any] = {
            "min_bin_size": size, "max_n_bins": self.max_n_bins,
            "min_prebin_size": min(0.05, size),
            "min_bin_n_event": self.min_bin_n_event, "solver": "cp",
        }
        params.update(self.binning_params or {})
        params.update((self.feature_binning_params or {}).get(name, {}))
        return params

    def _fit_raw(self, X: pd.DataFrame, y: np.ndarray, X_valid: pd.DataFrame | None,
                 y_valid: np.ndarray | None, sample_weight: np.ndarray | None = None,
                 valid_weight: np.ndarray | None = None) -> None:
        unknown = set(self.feature_binning_params or {}) | set(self.special_codes or {})
        unknown -= set(self.features_)
        if unknown:
            raise ConfigError(f"scorecard binning settings name non-features {sorted(unknown)}")
        self.bins_ = {}
        for name in self.features_:
            x = _column(X, name, self.registry_)
            self.bins_[name] = fit_feature_bins(name, x, y, self._binning_params(name, x),
                                                (self.special_codes or {}).get(name),
                                                self.registry_, sample_weight)
        woe = self._woe_matrix(X)
        self.dropped_: dict[str, str] = {}
        active = []
        for j, name in enumerate(self.features_):
            if np.ptp(woe[:, j]) > 0:
                active.append(j)
            else:
                self.dropped_[name] = "one bin only: no information"
        coef = np.zeros(len(self.features_))
        rate = float(np.average(y, weights=sample_weight))
        intercept = float(np.log(rate / (1.0 - rate)))
        while active:
            lr = LogisticRegression(C=self.C, solver="lbfgs", max_iter=2000, tol=1e-10)
            lr.fit(woe[:, active], y, sample_weight=sample_weight)
            fitted = lr.coef_[0]
            if fitted.max() <= 0:
                coef[active] = fitted
                intercept = float(lr.intercept_[0])
                break
            worst = active[int(np.argmax(fitted))]
            self.dropped_[self.features_[worst]] = (
                f"coefficient {fitted.max():+.3f} on WoE had the wrong sign: risk would fall "
                "as the bin's observed risk rises")
            active.remove(worst)
        self.coef_ = coef
        self.intercept_ = intercept
        self.woe_mean_ = woe.mean(axis=0) if sample_weight is None else np.average(
            woe, axis=0, weights=sample_weight)
        self.woe_best_ = self._best_woe()

    def _best_woe(self) -> np.ndarray:
        """WoE of each feature's lowest-risk bin among bins seen in training."""
        best = np.zeros(len(self.features_))
        for j, name in enumerate(self.features_):
            bins = self.bins_[name]
            seen = (np.asarray(bins.n_event) + np.asarray(bins.n_nonevent)) > 0
            risk = self.coef_[j] * np.asarray(bins.woe)[seen]
            best[j] = np.asarray(bins.woe)[seen][int(np.argmin(risk))]
        return best

    # ----------------------------------------------------------------- predicting
    def _woe_matrix(self, X: pd.DataFrame) -> np.ndarray:
        return np.column_stack([self.bins_[n].transform(_column(X, n, self.registry_)) for n in self.features_])

    def _raw_logit(self, X: pd.DataFrame) -> np.ndarray:
        # explicit accumulation (no BLAS) so the sum is bit-identical on every machine
        woe = self._woe_matrix(X)
        logit = np.full(len(X), self.intercept_)
        for j in range(len(self.features_)):
            logit += self.coef_[j] * woe[:, j]
        return logit

    def _reference(self, reference: Reference) -> np.ndarray:
        if reference == "best":
            return self.woe_best_
        if reference == "mean":
            return self.woe_mean_
        raise ConfigError(f"reference must be 'best' or 'mean', got {reference!r}")

    def _raw_contributions(self, X: pd.DataFrame, reference: Reference = "best") -> np.ndarray:
        ref = self._reference(reference)
        woe = self._woe_matrix(X)
        return np.column_stack([self.coef_[j] * (woe[:, j] - ref[j])
                                for j in range(len(self.features_))])

    def _raw_base(self, reference: Reference = "best") -> float:
        ref = self._reference(reference)
        base = self.intercept_
        for j in range(len(self.features_)):
            base += self.coef_[j] * ref[j]
        return float(base)

    def contributions(self, X: pd.DataFrame, reference: Reference = "best") -> pd.DataFrame:
        """Log-odds contributions against the best bin (adverse action) or the mean WoE.

        ``reference="best"``: ``beta_j * (WoE_j(x) - WoE_j(best bin))``, never negative --
        the log-odds version of "points below maximum" used for adverse-action reasons.
        ``reference="mean"``: against the training mean WoE, signed like SHAP values.
        Either way ``sum + expected_value(reference=...) == predict_logit``.
        """
        Xt = self._prepare(X)
        return self._contribution_frame(self._raw_contributions(Xt, reference), Xt.index)

    def expected_value(self, X: pd.DataFrame | None = None, reference: Reference = "best") -> float:
        """Base log-odds for ``contributions(X, reference)``: the all-best-bins applicant
        (``"best"``) or the training-average applicant in WoE terms (``"mean"``)."""
        check_is_fitted(self, "calibration_")
        return self._calibrated_base(self._raw_base(reference))

    def best_bin_mask(self, X: pd.DataFrame) -> pd.DataFrame:
        """Whether each applicant's value lies in each feature's lowest-risk bin: the
        reference ``contributions(reference="best")`` measures from (a bin with the same WoE
        as the best counts as best: it scores the same).

        Parameters
        ----------
        X:
            Applicants.

        Returns
        -------
        pandas.DataFrame
            Booleans, one column per model feature, ``X``'s index.
        """
        Xt = self._prepare(X)
        return pd.DataFrame({name: self.bins_[name].transform(_column(Xt, name, self.registry_))
                             == self.woe_best_[j] for j, name in enumerate(self.features_)},
                            index=Xt.index)

    def assign_bins(self, X: pd.DataFrame) -> pd.DataFrame:
        """Bin label of every applicant for every feature (labels as in ``points_table``)."""
        Xt = self._prepare(X)
        out = {}
        for name in self.features_:
            labels = np.asarray([*self.bins_[name].labels(), UNKNOWN_LABEL], dtype=object)
            out[name] = labels[self.bins_[name].bin_index(_column(Xt, name, self.registry_))]
        return pd.DataFrame(out, index=Xt.index)

    def points_table(self) -> pd.DataFrame:
        """Points per bin, calibration folded in: base points + the applicant's bin points
        equals ``score(X)``. Dropped features show zero points in every bin."""
        check_is_fitted(self, "calibration_")
        scaling, cal = self.scaling, self.calibration_
        slope = cal.slope if cal.applied else 1.0
        shift = cal.intercept if cal.applied else 0.0
        first = self.bins_[self.features_[0]]
        rows = [{"feature": INTERCEPT_LABEL, "bin": "", "count": sum(first.n_event) + sum(
            first.n_nonevent), "event_rate": sum(first.n_event) / (sum(first.n_event) + sum(
                first.n_nonevent)), "woe": np.nan, "coefficient": self.intercept_,
            "points": float(scaling.points(slope * self.intercept_ + shift))}]
        for j, name in enumerate(self.features_):
            bins = self.bins_[name]
            counts = np.asarray(bins.n_event) + np.asarray(bins.n_nonevent)
            labels, woe = bins.labels(), list(bins.woe)
            n_event = list(bins.n_event)
            if bins.dtype == "categorical":
                labels, woe = [*labels, UNKNOWN_LABEL], [*woe, bins.woe_unknown]
                counts, n_event = np.append(counts, 0), [*n_event, 0]
            for k, label in enumerate(labels):
                rows.append({
                    "feature": name, "bin": label, "count": int(counts[k]),
                    "event_rate": n_event[k] / counts[k] if counts[k] else np.nan,
                    "woe": woe[k], "coefficient": float(self.coef_[j]),
                    "points": float(-scaling.factor * slope * self.coef_[j] * woe[k]),
                })
        return pd.DataFrame(rows)

    # ----------------------------------------------------------------- persistence
    def _state(self, folder: Path) -> tuple[dict[str, Any], list[Path]]:
        table = self.points_table()
        csv = write_with(folder / "points_table.csv", lambda tmp: table.to_csv(tmp, index=False))
        state = {
            "bins": [self.bins_[n].to_dict() for n in self.features_],
            "intercept": self.intercept_,
            "coefficients": dict(zip(self.features_, self.coef_.tolist(), strict=True)),
            "woe_best": self.woe_best_.tolist(),
            "woe_mean": self.woe_mean_.tolist(),
            "dropped": self.dropped_,
            "points_table": csv.name,
        }
        return state, [csv]

    def _restore(self, state: dict[str, Any], folder: Path) -> None:
        self.bins_ = {b["name"]: FeatureBins(**b) for b in state["bins"]}
        self.intercept_ = float(state["intercept"])
        self.coef_ = np.asarray([state["coefficients"][n] for n in self.features_], dtype=float)
        self.woe_best_ = np.asarray(state["woe_best"], dtype=float)
        self.woe_mean_ = np.asarray(state["woe_mean"], dtype=float)
        self.dropped_ = dict(state["dropped"])

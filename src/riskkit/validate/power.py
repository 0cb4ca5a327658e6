"""How often each test is right: false-alarm rate and power, measured against the truth.

For every defect (:mod:`riskkit.validate.pool`) and sample size the study draws ``reps``
samples, runs the battery's tests on each (the same formulas as the public test functions,
on counts, so a repetition of 100,000 applicants costs milliseconds) and records every
p-value. :func:`summarise` turns them into the share of samples each test flags at level
``alpha``, with a Clopper-Pearson interval (``statsmodels`` ``proportion_confint``, method
``beta``): under no defect that share is the false-alarm rate, which should sit at
``alpha``; under a defect it is the power.

Tasks (one per defect and size) run on any ``concurrent.futures`` executor: a process pool
by default, a Dask cluster's ``client.get_executor()`` on request. Each task seeds its own
generator from ``(seed, defect, size, n)``, so results are the same whatever runs them and
in whatever order.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special
from statsmodels.stats.proportion import proportion_confint
from tqdm.auto import tqdm

from riskkit.validate.calibration import binomial_p, jeffreys_p, normal_p, spiegelhalter_z
from riskkit.validate.discrimination import delong, delong_from_counts
from riskkit.validate.pool import DRIFT_MONTHS, KINDS, Cell, PoolSpec, cell_arrays, pool
from riskkit.validate.stability import bowker, concentration, psi_from_counts, psi_p_value

__all__ = ["CALIBRATION_TESTS", "DETECTION_TESTS", "GRADE_TESTS", "TESTS", "PowerStudy",
           "cells_from", "default_rate_sd", "detectable", "false_alarm_table", "run_power",
           "simulate", "summarise"]

GRADE_TESTS = ("binomial", "jeffreys", "normal")
#: Tests scored by a p-value below ``alpha``; the ``*_rule`` ones by a level threshold.
P_TESTS = ("auc_decline", "binomial_portfolio", "jeffreys_portfolio", "hosmer_lemeshow",
           "spiegelhalter", "psi", "csi", "hhi", "migration")
TESTS = ("auc_decline", *(f"{t}{s}" for t in GRADE_TESTS for s in ("", "_any", "_grade")),
         "binomial_portfolio", "jeffreys_portfolio", "hosmer_lemeshow", "spiegelhalter", "psi",
         "psi_rule", "csi", "csi_rule", "hhi", "migration", "migration_rule")
CALIBRATION_TESTS = ("binomial", "binomial_any", "binomial_grade", "jeffreys", "jeffreys_any",
                     "jeffreys_grade", "normal", "normal_any", "normal_grade",
                     "binomial_portfolio", "jeffreys_portfolio", "hosmer_lemeshow",
                     "spiegelhalter")
#: The calibration tests whose power is a share of samples (not of grades).
DETECTION_TESTS = tuple(t for t in CALIBRATION_TESTS if not t.endswith("_grade"))


def _draw(pl: Any, ca: Any, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Applicants (indices into the cell's population) and their recorded outcomes for one
    repetition: a common factor moves the true PD, then label noise maps it to the
    recorded label's (:mod:`riskkit.validate.pool`: which PD each part sees)."""
    idx = rng.integers(0, pl.rows, n)
    pr = ca.true_pd[idx]
    if ca.rho > 0:  # one common factor for the whole sample: Vasicek's conditional PD
        z = rng.standard_normal()
        pr = special.ndtr((special.ndtri(pr) - math.sqrt(ca.rho) * z) / math.sqrt(1 - ca.rho))
    return idx, rng.random(n) < pl.spec.world.recorded_pd(pr)


def _auc(ca: Any, idx: np.ndarray, y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    bads = int(y.sum())
    if bads == 0 or bads == y.size:
        return float("nan"), float("nan")
    if 8 * idx.size >= ca.n_levels:  # counts over the pool's PD levels: O(levels), no sort
        lev = ca.levels[idx]
        total = np.bincount(lev, minlength=ca.n_levels)
        seen = np.flatnonzero(total)  # levels nobody drew add nothing to any sum
        b = np.bincount(lev, weights=y, minlength=ca.n_levels)[seen]
        return delong_from_counts(b, total[seen] - b)
    return delong(y.astype(np.int8), p)


def _one(pl: Any, ca: Any, n: int, rng: np.random.Generator) -> dict[str, Any]:
    """Every test's p-value (and a few levels) on one sample."""
    idx, yb = _draw(pl, ca, n, rng)
    y = yb.astype(float)
    p, g = ca.model_pd[idx], ca.grades[idx]
    k = pl.scale.n_grades
    out: dict[str, Any] = {}
    auc_, var = _auc(ca, idx, yb, p)
    out["auc"] = auc_
    out["auc_decline"] = float(special.ndtr((auc_ - pl.auc_dev) / math.sqrt(var))) \
        if var > 0 else float("nan")
    nk = np.bincount(g, minlength=k + 1)[1:].astype(float)
    dk = np.bincount(g, weights=y, minlength=k + 1)[1:]
    used = nk > 0
    pdk = np.where(used, np.bincount(g, weights=p, minlength=k + 1)[1:] / np.maximum(nk, 1), np.nan)
    for name, fn in (("binomial", binomial_p), ("jeffreys", jeffreys_p), ("normal", normal_p)):
        gp = np.full(k, np.nan)
        gp[used] = fn(dk[used], nk[used], pdk[used])
        out[f"{name}_grades"] = gp
    d, mean_pd = float(y.sum()), float(p.mean())
    out["dr"], out["mean_pd"] = d / n, mean_pd
    out["binomial_portfolio"] = float(binomial_p(d, n, mean_pd))
    out["jeffreys_portfolio"] = float(jeffreys_p(d, n, mean_pd))
    keep = used & (pdk > 0) & (pdk < 1)
    expected = nk[keep] * pdk[keep]
    hl = float(np.sum((dk[keep] - expected) ** 2 / (expected * (1 - pdk[keep]))))
    out["hosmer_lemeshow"] = float(special.chdtrc(int(keep.sum()), hl))
    z = spiegelhalter_z(y, p)
    out["spiegelhalter"] = float(2 * special.ndtr(-abs(z))) if np.isfinite(z) else float("nan")
    bins = pl.score_edges.size + 1
    counts = np.bincount(ca.score_codes[idx], minlength=bins).astype(float)
    psi = psi_from_counts(pl.score_shares, counts)
    out["psi_value"] = psi
    out["psi"] = psi_p_value(psi, int(np.sum((pl.score_shares + counts) > 0)), math.inf, n)
    offsets = np.concatenate([[0], np.cumsum(pl.feature_bins)[:-1]])
    flat = np.bincount(ca.feature_codes[:, idx].ravel(),  # codes carry their offsets
                       minlength=int(pl.feature_bins.sum())).astype(float)
    csis, ps = [], []
    for j, shares in enumerate(pl.feature_shares):
        c = flat[offsets[j]:offsets[j] + pl.feature_bins[j]]
        csis.append(psi_from_counts(shares, c))
        ps.append(psi_p_value(csis[-1], int(np.sum((shares + c) > 0)), math.inf, n))
    out["csi_max"] = float(max(csis))
    out["csi"] = float(min(1.0, np.nanmin(ps) * len(ps)))
    cv = concentration(nk)["cv"]
    denom = math.sqrt(cv * cv * (0.5 + cv * cv))
    out["hhi"] = float(special.ndtr(-math.sqrt(k - 1) * (cv - pl.dev_cv) / denom)) \
        if denom > 0 else float("nan")
    moves = np.bincount((ca.dev_grades[idx].astype(np.int64) - 1) * k + (g - 1),
                        minlength=k * k).reshape(k, k)
    out["migration"] = bowker(moves)[2]
    out["mwb"] = _mwb(moves)
    return out


def _mwb(counts: np.ndarray) -> float:
    """The larger of the ECB's upper and lower matrix-weighted bandwidths."""
    k = counts.shape[0]
    i, j = np.indices((k, k)) + 1
    spread = np.maximum(np.abs(i - k), np.abs(i - 1))
    best = 0.0
    for mask in (j > i, j < i):
        norm = float(np.sum(spread[mask] * counts[mask]))
        if norm > 0:
            best = max(best, float(np.sum(np.abs(i - j)[mask] * counts[mask]) / norm))
    return best


def _entropy(seed: int, cell: Cell, n: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(KINDS.index(cell.kind),
                                                   round(cell.size * 1_000_000), int(n)))


def simulate(spec: PoolSpec, cell: Cell, n: int, reps: int, seed: int) -> dict[str, np.ndarray]:
    """``reps`` samples of ``n`` applicants of one defect: every test's p-value per sample.

    Parameters
    ----------
    spec : PoolSpec
        The pool (built here once per process, see :func:`riskkit.validate.pool.pool`).
    cell : Cell
        The defect and its size.
    n, reps : int
        Sample size and repetitions.
    seed : int
        The study's seed; this task's stream is ``SeedSequence(seed, (defect, size, n))``.

    Returns
    -------
    dict of str to numpy.ndarray
        One array of ``reps`` values per test (``<test>_grades``: reps x K), and ``cpu_s``
        the task's CPU seconds: wall time on a shared machine says little, CPU time is
        what two free cores would need.
    """
    started = time.process_time()  # CPU seconds of this task (its pool's build included)
    pl, ca = pool(spec), cell_arrays(spec, cell)
    rng = np.random.default_rng(_entropy(seed, cell, n))
    rows = [_one(pl, ca, n, rng) for _ in range(reps)]
    out = {key: np.array([r[key] for r in rows]) for key in rows[0]}
    out["cpu_s"] = np.array([time.process_time() - started])
    return out


def _rate(hits: int, trials: int) -> tuple[float, float, float]:
    if trials == 0:
        return float("nan"), float("nan"), float("nan")
    low, high = proportion_confint(hits, trials, alpha=0.05, method="beta")
    return hits / trials, float(low), float(high)


def _hits(raw: Mapping[str, np.ndarray], alpha: float,
          thresholds: Mapping[str, Mapping[str, float]]) -> dict[str, tuple[int, int]]:
    """(alarms, trials) of every test on one cell's samples."""
    out: dict[str, tuple[int, int]] = {}
    reps = len(raw["auc"])
    for name in P_TESTS:
        out[name] = (int(np.sum(np.nan_to_num(raw[name], nan=1.0) < alpha)), reps)
    for name in GRADE_TESTS:
        gp = raw[f"{name}_grades"]
        tested = np.sum(np.isfinite(gp), axis=1)
        low = np.nanmin(np.where(np.isfinite(gp), gp, np.inf), axis=1)
        # Holm's first step is Bonferroni's: some grade is rejected iff min p < alpha / K
        out[name] = (int(np.sum(low * np.maximum(tested, 1) < alpha)), reps)
        out[f"{name}_any"] = (int(np.sum(low < alpha)), reps)
        out[f"{name}_grade"] = (int(np.sum(np.nan_to_num(gp, nan=1.0) < alpha)), int(tested.sum()))
    out["psi_rule"] = (int(np.sum(raw["psi_value"] >= thresholds["psi"]["yellow"])), reps)
    out["csi_rule"] = (int(np.sum(raw["csi_max"] >= thresholds["psi"]["yellow"])), reps)
    out["migration_rule"] = (int(np.sum(raw["mwb"] >= thresholds["migration"]["yellow"])), reps)
    return out


def summarise(raw: Mapping[tuple[Cell, int], Mapping[str, np.ndarray]], alpha: float,
              thresholds: Mapping[str, Mapping[str, float]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rates with Clopper-Pearson intervals, and each cell's default-rate spread.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        ``rates``: kind, size, n, test, alarms, trials, rate, ci_low, ci_high (the false-alarm
        rate where kind is ``none``, else the power); ``cells``: kind, size, n, mean AUC,
        mean default rate and its spread across samples next to the binomial spread.
    """
    rows, cells = [], []
    for (cell, n), r in raw.items():
        for test, (hits, trials) in _hits(r, alpha, thresholds).items():
            rate, low, high = _rate(hits, trials)
            rows.append({"kind": cell.kind, "size": cell.size, "n": n, "test": test,
                         "alarms": hits, "trials": trials, "rate": rate, "ci_low": low,
                         "ci_high": high})
        pd_ = float(np.mean(r["mean_pd"]))
        cells.append({"kind": cell.kind, "size": cell.size, "n": n, "reps": len(r["dr"]),
                      "auc_mean": float(np.nanmean(r["auc"])), "mean_pd": pd_,
                      "dr_mean": float(np.mean(r["dr"])), "dr_sd": float(np.std(r["dr"], ddof=1))
                      if len(r["dr"]) > 1 else float("nan"),
                      "binomial_sd": math.sqrt(pd_ * (1 - pd_) / n)})
    order = {t: i for i, t in enumerate(TESTS)}
    rates = pd.DataFrame(rows)
    rates = rates.sort_values(["kind", "size", "n", "test"],
                              key=lambda s: s.map(order) if s.name == "test" else
                              s.map(KINDS.index) if s.name == "kind" else s, kind="stable")
    return rates.reset_index(drop=True), pd.DataFrame(cells).sort_values(
        ["kind", "size", "n"], key=lambda s: s.map(KINDS.index) if s.name == "kind" else s,
        kind="stable").reset_index(drop=True)


@dataclass
class PowerStudy:
    """A finished study: rates, the cells' spread, and what was studied."""

    rates: pd.DataFrame
    cells: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)


def cells_from(defects: Mapping[str, Sequence[float]]) -> list[Cell]:
    """``none`` plus every (kind, size) of the config's ``validate.power.defects``.

    Parameters
    ----------
    defects : mapping
        Defect kind -> sizes.

    Returns
    -------
    list of Cell
    """
    return [Cell("none"), *(Cell(kind, float(s)) for kind in KINDS[1:]
                            for s in defects.get(kind, ()))]


def run_power(spec: PoolSpec, cells: Iterable[Cell], sizes: Sequence[int], reps: int,
              seed: int, *, alpha: float, thresholds: Mapping[str, Mapping[str, float]],
              workers: int = 1, executor: Executor | None = None,
              quiet: bool = True) -> PowerStudy:
    """Run the study: every cell at every size, ``reps`` samples each.

    Parameters
    ----------
    spec : PoolSpec
        The pool and the world's truth it is drawn from.
    cells : iterable of Cell
        Defects (:func:`cells_from`).
    sizes : sequence of int
        Sample sizes.
    reps : int
        Samples per cell and size.
    seed : int
    alpha : float
        Level of every test.
    thresholds : mapping
        The config's ``validate.thresholds`` (PSI and migration rules).
    workers : int
        Processes (1: in this process). Ignored when ``executor`` is given.
    executor : concurrent.futures.Executor, optional
        Where the tasks run instead (e.g. a Dask ``client.get_executor()``).
    quiet : bool

    Returns
    -------
    PowerStudy
    """
    started = time.perf_counter()
    tasks = sorted(((c, int(n)) for c in dict.fromkeys(cells) for n in sizes),
                   key=lambda t: -t[1])
    raw: dict[tuple[Cell, int], dict[str, np.ndarray]] = {}
    bar = tqdm(total=len(tasks), desc="validate-power", unit="task", disable=quiet, leave=False)
    own = executor is None and workers > 1
    pool_ = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(
        "spawn")) if own else executor
    try:
        if pool_ is None:
            for cell, n in tasks:
                raw[(cell, n)] = simulate(spec, cell, n, reps, seed)
                bar.update(1)
        else:
            futures = {pool_.submit(simulate, spec, cell, n, reps, seed): (cell, n)
                       for cell, n in tasks}
            for future in as_completed(futures):
                raw[futures[future]] = future.result()
                bar.update(1)
    finally:
        bar.close()
        if own and pool_ is not None:
            pool_.shutdown(cancel_futures=True)
    ordered = {t: raw[t] for t in sorted(raw, key=lambda t: (KINDS.index(t[0].kind), t[0].size,
                                                             t[1]))}
    rates, cell_table = summarise(ordered, alpha, thresholds)
    pl = pool(spec)
    sample = pl.true_pd[:: max(1, pl.rows // 20_000)]  # the quadrature needs no more
    cell_table["theory_sd"] = [
        default_rate_sd(sample, r.size if r.kind == "correlation" else 0.0, r.n,
                        recorded=spec.world.recorded_pd)
        if r.kind in ("none", "correlation") else float("nan") for r in cell_table.itertuples()]
    cpu = float(sum(r["cpu_s"][0] for r in raw.values()))
    meta = {"seconds": time.perf_counter() - started, "cpu_seconds": cpu,
            "longest_task_cpu_seconds": float(max(r["cpu_s"][0] for r in raw.values())),
            "reps": reps, "sizes": list(sizes),
            "alpha": alpha, "seed": seed, "pool_rows": spec.rows, "driver": pl.driver,
            "world": spec.world.to_dict(), "drift_months": DRIFT_MONTHS,
            "grade": pl.grade, "scale": pl.scale.to_dict(), "auc_dev": pl.auc_dev,
            "tasks": len(tasks), "workers": workers if executor is None else "executor"}
    return PowerStudy(rates, cell_table, meta)


def detectable(rates: pd.DataFrame, n: int, kind: str = "pd_scale", power: float = 0.8,
               tests: Sequence[str] = DETECTION_TESTS) -> pd.DataFrame:
    """The smallest defect each test detects with ``power``, interpolated between sizes.

    For ``pd_scale`` the defect is the understatement ``1 - factor`` (factors below 1 only);
    for the other kinds the size itself. ``none`` is the defect of size 0.

    Parameters
    ----------
    rates : pandas.DataFrame
        The power study's rates (:func:`run_power`'s ``rates``).
    n : int
        The sample size read.
    kind : str
        The defect kind.
    power : float
        The power asked for.
    tests : sequence of str
        The tests reported.

    Returns
    -------
    pandas.DataFrame
        test, smallest (None when no studied size reaches ``power``), largest_studied.
    """
    part = rates[(rates["n"] == n) & rates["test"].isin(tests)]
    rows = []
    for test in tests:
        none = part[(part["kind"] == "none") & (part["test"] == test)]
        mine = part[(part["kind"] == kind) & (part["test"] == test)]
        if kind == "pd_scale":
            mine = mine[mine["size"] < 1].assign(defect=lambda f: 1 - f["size"])
        else:
            mine = mine.assign(defect=mine["size"])
        curve = pd.concat([none.assign(defect=0.0), mine]).sort_values("defect")
        x, y = curve["defect"].to_numpy(float), curve["rate"].to_numpy(float)
        hit = np.flatnonzero(y >= power)
        smallest = None
        if hit.size:
            i = int(hit[0])
            smallest = float(x[i]) if i == 0 or y[i] == y[i - 1] else float(
                x[i - 1] + (power - y[i - 1]) * (x[i] - x[i - 1]) / (y[i] - y[i - 1]))
        rows.append({"test": test, "smallest": smallest,
                     "largest_studied": float(x.max()) if x.size else None})
    return pd.DataFrame(rows)


def false_alarm_table(rates: pd.DataFrame, alpha: float,
                      tests: Sequence[str] = CALIBRATION_TESTS) -> pd.DataFrame:
    """Each test's false-alarm rate by sample size, and where it sits against ``alpha``.

    Parameters
    ----------
    rates : pandas.DataFrame
        The power study's rates.
    alpha : float
        The tests' nominal level.
    tests : sequence of str
        The tests reported.

    Returns
    -------
    pandas.DataFrame
        test, n, rate, ci_low, ci_high, trials and ``verdict``: ``"at"`` when the 95 %
        Clopper-Pearson interval contains ``alpha``, else ``"above"`` or ``"below"``.
    """
    none = rates[(rates["kind"] == "none") & rates["test"].isin(tests)].copy()
    none["verdict"] = np.where(none["ci_low"] > alpha, "above",
                               np.where(none["ci_high"] < alpha, "below", "at"))
    order = {t: i for i, t in enumerate(tests)}
    none = none.sort_values(["test", "n"], key=lambda s: s.map(order) if s.name == "test" else s)
    return none[["test", "n", "rate", "ci_low", "ci_high", "trials", "verdict"]].reset_index(
        drop=True)


def default_rate_sd(pds: Any, rho: float, n: int, nodes: int = 64,
                    recorded: Callable[[np.ndarray], np.ndarray] | None = None) -> float:
    """Spread of the default rate of ``n`` applicants drawn from ``pds``, with a common factor.

    Vasicek's one-factor model (Vasicek 2002, Risk 15(12):160; the Basel IRB formula's):
    given the month's factor Z every applicant defaults with ``p(Z) = Phi((Phi^-1(p) -
    sqrt(rho) Z) / sqrt(1 - rho))``. With ``m(Z)`` the mean of ``p(Z)`` over ``pds``,
    ``Var(DR) = E[m (1 - m)] / n + Var(m)``, integrated over Z by Gauss-Hermite quadrature
    (``numpy.polynomial.hermite_e``). The second term does not shrink with ``n``; the
    binomial tests assume only the first, so their false alarms grow with the sample.
    ``rho = 0`` gives the binomial spread ``sqrt(PD (1 - PD) / n)``.

    ``pds`` are true PDs; ``recorded`` (a World's :meth:`~riskkit.synth.World.recorded_pd`)
    maps the conditional mean to the recorded label's when outcomes carry label noise: the
    factor moves real defaults only, so its part of the spread shrinks by ``1 - noise``.
    The map is affine, so it commutes with the mean over applicants.

    Parameters
    ----------
    pds : array-like
        True PDs of the applicants drawn from.
    rho : float
        Asset correlation within the month.
    n : int
        Applicants per sample.
    nodes : int
        Gauss-Hermite nodes.
    recorded : callable, optional
        Maps a true PD to the recorded label's (label noise).

    Returns
    -------
    float
    """
    p = np.atleast_1d(np.asarray(pds, dtype=float))
    to_recorded = recorded if recorded is not None else (lambda x: x)
    if rho <= 0:
        m = float(to_recorded(np.array([p.mean()]))[0])
        return math.sqrt(m * (1 - m) / n)
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    t = special.ndtri(np.clip(p, 1e-12, 1 - 1e-12))
    m = to_recorded(np.array([special.ndtr((t - math.sqrt(rho) * zk) / math.sqrt(1 - rho)).mean()
                              for zk in z]))
    mean = float(w @ m)
    return math.sqrt(max(float(w @ (m * (1 - m))) / n + float(w @ (m - mean) ** 2), 0.0))

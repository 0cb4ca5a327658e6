"""Stability: PSI and CSI with a significance test, concentration of the grades (HHI), and
the migration of the same applicants between two gradings.

PSI's usual reading (0.1 watch, 0.25 shifted) ignores the sample size: on 1,000 applicants
a PSI of 0.01 is noise, on a million it is a real shift. Yurdakul & Naranjo (Journal of Risk
Model Validation 14(4), 2020; Yurdakul's 2018 thesis) show that, when both samples come from
one population, ``PSI / (1/M + 1/N)`` is asymptotically chi-square with ``B - 1`` degrees of
freedom (``M``, ``N`` the sample sizes, ``B`` the bins): that is the test here. Binning is
done here rather than through :func:`riskkit.evaluate.psi` because the test needs the bin
counts; the values agree (a test checks it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats
from statsmodels.stats.contingency_tables import SquareTable

from riskkit.core.errors import DataError
from riskkit.evaluate.stability import PSI_EPS
from riskkit.validate.results import (
    GREEN,
    NOT_AVAILABLE,
    RED,
    YELLOW,
    Result,
    level_light,
    p_light,
    worst,
)

__all__ = ["bowker", "concentration", "csi_test", "hhi_test", "migration_matrix", "migration_test",
           "psi_counts", "psi_from_counts", "psi_p_value", "psi_test"]

PSI_SOURCE = ("Siddiqi (2006), Credit Risk Scorecards; significance: Yurdakul & Naranjo "
              "(2020), Journal of Risk Model Validation 14(4)")
ECB = "ECB instructions for reporting the validation results of internal models (2019)"


def psi_from_counts(expected: np.ndarray, actual: np.ndarray, eps: float = PSI_EPS) -> float:
    """``sum (a - e) ln(a / e)`` over bins, shares floored at ``eps`` (as riskkit's psi)."""
    e = np.maximum(expected / max(float(expected.sum()), 1.0), eps)
    a = np.maximum(actual / max(float(actual.sum()), 1.0), eps)
    return float(np.sum((a - e) * np.log(a / e)))


def psi_counts(expected: Any, actual: Any, n_bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Counts of both samples in the expected sample's quantile bins, plus a missing bin.

    Numbers: inner edges at the expected sample's quantiles (deduplicated), right-closed,
    open at both ends. Anything else (text, categories, booleans): one bin per value.
    """
    e, a = pd.Series(expected), pd.Series(actual)
    numeric = pd.api.types.is_numeric_dtype(e.dtype) and not pd.api.types.is_bool_dtype(e.dtype) \
        and pd.api.types.is_numeric_dtype(a.dtype) and not pd.api.types.is_bool_dtype(a.dtype)
    if not numeric:
        ev = e.astype(object).where(e.notna(), "<missing>").astype(str).value_counts()
        av = a.astype(object).where(a.notna(), "<missing>").astype(str).value_counts()
        keys = sorted(set(ev.index) | set(av.index))
        return (ev.reindex(keys, fill_value=0).to_numpy(float),
                av.reindex(keys, fill_value=0).to_numpy(float))
    ef, af = e.to_numpy(dtype=float, na_value=np.nan), a.to_numpy(dtype=float, na_value=np.nan)
    e_ok, a_ok = ef[~np.isnan(ef)], af[~np.isnan(af)]
    inner = np.unique(np.quantile(e_ok, np.linspace(0, 1, n_bins + 1)[1:-1])) if e_ok.size \
        else np.array([])
    k = inner.size + 1
    ce = np.bincount(np.searchsorted(inner, e_ok, side="left"), minlength=k)
    ca = np.bincount(np.searchsorted(inner, a_ok, side="left"), minlength=k)
    return (np.append(ce, ef.size - e_ok.size).astype(float),
            np.append(ca, af.size - a_ok.size).astype(float))


def psi_p_value(value: float, bins: int, m: float, n: float) -> float:
    """Yurdakul & Naranjo's p-value: ``P(chi2_{B-1} > PSI / (1/M + 1/N))``."""
    if bins < 2 or not np.isfinite(value):
        return float("nan")
    scale = (1.0 / m if np.isfinite(m) and m > 0 else 0.0) + 1.0 / n
    return float(special.chdtrc(bins - 1, value / scale))  # scipy.stats.chi2.sf


def psi_test(expected: Any, actual: Any, *, n_bins: int = 10, yellow: float = 0.10,
             red: float = 0.25, p_yellow: float = 0.05, p_red: float = 0.001,
             name: str = "psi") -> Result:
    """Population stability index with its significance test.

    Parameters
    ----------
    expected, actual : array-like
        The development sample's and the current sample's values (scores, PDs, a feature).
    n_bins : int
        Quantile bins of ``expected``.
    yellow, red : float
        PSI thresholds (the usual 0.1 and 0.25, Siddiqi 2006).
    p_yellow, p_red : float
        Thresholds of the test's p-value.
    name : str
        Key of the result.

    Returns
    -------
    Result
        Light: the level's (0.1, 0.25), except that a PSI the test cannot tell from noise
        is at most yellow.
    """
    ce, ca = psi_counts(expected, actual, n_bins)
    if ce.sum() == 0 or ca.sum() == 0:
        raise DataError("psi input", ["both samples need at least one value"])
    value = psi_from_counts(ce, ca)
    bins = int(np.sum((ce + ca) > 0))
    p_value = psi_p_value(value, bins, ce.sum(), ca.sum())
    # the level says whether a shift matters, the test whether it is more than noise: a
    # large PSI that the test cannot tell from noise (a small sample) stays yellow
    light = level_light(value, yellow, red)
    if light == RED and p_light(p_value, p_yellow, p_red) == GREEN:
        light = YELLOW
    return Result(name, value, p_value, None, light, PSI_SOURCE,
                  {"bins": bins, "n_expected": int(ce.sum()), "n_actual": int(ca.sum())})


def csi_test(expected: pd.DataFrame, actual: pd.DataFrame, columns: Sequence[str], *,
             n_bins: int = 10, yellow: float = 0.10, red: float = 0.25, p_yellow: float = 0.05,
             p_red: float = 0.001) -> Result:
    """Characteristic stability index of every feature, each with its PSI test.

    The family's p-value is Bonferroni's (the smallest p times the number of features), so
    twenty features do not turn a chance shift of one into an alarm. Source as
    :func:`psi_test`.

    Parameters
    ----------
    expected, actual : pandas.DataFrame
        The development sample and the current one.
    columns : sequence of str
        The features compared.
    n_bins : int
        Quantile bins of a numeric feature.
    yellow, red : float
        CSI thresholds.
    p_yellow, p_red : float
        Thresholds of the family's p-value.

    Returns
    -------
    Result
        ``statistic`` the largest CSI, ``details`` every feature's.
    """
    missing = [c for c in columns for f in (expected, actual) if c not in f.columns]
    if missing:
        raise DataError("csi input", [f"column {c!r} is missing" for c in dict.fromkeys(missing)])
    rows = []
    for col in columns:
        r = psi_test(expected[col], actual[col], n_bins=n_bins, yellow=yellow, red=red,
                     p_yellow=p_yellow, p_red=p_red, name=col)
        rows.append({"feature": col, "csi": r.statistic, "p_value": r.p_value, "light": r.light})
    rows.sort(key=lambda r: -(r["csi"] or 0.0))
    ps = [r["p_value"] for r in rows if r["p_value"] is not None and np.isfinite(r["p_value"])]
    family = min(1.0, min(ps) * len(ps)) if ps else None
    top = rows[0] if rows else {"csi": None}
    light = worst(*(r["light"] for r in rows)) if rows else NOT_AVAILABLE
    return Result("csi", top["csi"], family, None, light, PSI_SOURCE,
                  {"features": rows, "max_feature": top.get("feature")})


def concentration(counts: Any) -> dict[str, float]:
    """HHI, the ECB's coefficient of variation and its Herfindahl index of grade counts.

    ``HHI = sum s_k^2``; ``CV = sqrt(K sum (s_k - 1/K)^2)``; ``HI = 1 + ln((CV^2 + 1)/K) /
    ln K``, which is 0 for grades of equal size and 1 when one grade holds everyone
    (``CV^2 + 1 = K HHI``, so ``HI = ln(K HHI) / ln K``).
    """
    c = np.asarray(counts, dtype=float)
    k = c.size
    s = c / c.sum()
    cv = float(np.sqrt(k * np.sum((s - 1.0 / k) ** 2)))
    return {"hhi": float(np.sum(s * s)), "cv": cv,
            "hi": float(1 + np.log((cv * cv + 1) / k) / np.log(k))}


def hhi_test(grades: Any, n_grades: int, development_grades: Any = None, *,
             yellow: float = 0.15, red: float = 0.30, p_yellow: float = 0.05,
             p_red: float = 0.001) -> Result:
    """Concentration of the grade distribution, and whether it rose since development.

    Level and light: the ECB's Herfindahl index ``HI`` (see :func:`concentration`) against
    ``yellow`` and ``red``. Test (ECB instructions, 2019): ``z = sqrt(K - 1) (CV_cur -
    CV_dev) / sqrt(CV_cur^2 (0.5 + CV_cur^2))``, ``p = 1 - Phi(z)``. Its spread does not
    depend on the number of applicants, and with grades of equal size at development
    (``CV_dev = 0``, a quantile master scale) ``z = sqrt(K - 1) / sqrt(0.5 + CV_cur^2)``
    whatever happened since, so it rejects every sample; the p-value is reported, the light
    does not follow it (the power study measures its false alarms).

    Parameters
    ----------
    grades : array-like of int
        Current grades 1..K.
    n_grades : int
        K.
    development_grades : array-like of int, optional
        The development sample's grades (no test without them).
    yellow, red, p_yellow, p_red : float

    Returns
    -------
    Result
        ``statistic`` the classic HHI, ``details`` HI, CV and the test's z.
    """
    if n_grades < 2:
        raise DataError("grades", [f"concentration needs at least 2 grades, got {n_grades}"])
    counts = np.bincount(np.asarray(grades, dtype=np.int64), minlength=n_grades + 1)[1:]
    if counts.sum() == 0:
        raise DataError("grades", ["no applicants to measure the concentration of"])
    cur = concentration(counts)
    details: dict[str, Any] = {**cur, "shares": (counts / counts.sum()).tolist()}
    p_value = None
    if development_grades is not None:
        dev_counts = np.bincount(np.asarray(development_grades, dtype=np.int64),
                                 minlength=n_grades + 1)[1:]
        dev = concentration(dev_counts)
        denom = np.sqrt(cur["cv"] ** 2 * (0.5 + cur["cv"] ** 2))
        z = np.sqrt(n_grades - 1) * (cur["cv"] - dev["cv"]) / denom if denom > 0 else np.nan
        p_value = float(stats.norm.sf(z)) if np.isfinite(z) else None
        details.update({"z": float(z), "cv_dev": dev["cv"], "hi_dev": dev["hi"],
                        "hhi_dev": dev["hhi"]})
    # the light reads the level only: the ECB test's spread ignores the number of
    # applicants, and when the development grades were of equal size (CV = 0) its z is
    # sqrt(K - 1) / sqrt(0.5 + CV^2) for any current distribution, so it always rejects
    light = level_light(cur["hi"], yellow, red)
    return Result("hhi", cur["hhi"], p_value, None, light, ECB + "; Herfindahl index", details)


def migration_matrix(grades_from: Any, grades_to: Any, n_grades: int) -> np.ndarray:
    """K x K counts: row = grade at development, column = grade now (same applicants)."""
    a = np.asarray(grades_from, dtype=np.int64)
    b = np.asarray(grades_to, dtype=np.int64)
    if a.shape != b.shape:
        raise DataError("migration", [f"{a.size} grades from but {b.size} grades to"])
    if a.size and (min(a.min(), b.min()) < 1 or max(a.max(), b.max()) > n_grades):
        raise DataError("migration", [f"grades must lie in 1..{n_grades}"])
    flat = (a - 1) * n_grades + (b - 1)
    return np.bincount(flat, minlength=n_grades * n_grades).reshape(n_grades, n_grades)


def _bandwidth(counts: np.ndarray, upper: bool) -> float:
    """The ECB's matrix-weighted bandwidth of migrations up (or down) the scale."""
    k = counts.shape[0]
    i, j = np.indices((k, k)) + 1
    mask = (j > i) if upper else (j < i)
    spread = np.maximum(np.abs(i - k), np.abs(i - 1))
    norm = float(np.sum(spread[mask] * counts[mask]))
    return float(np.sum(np.abs(i - j)[mask] * counts[mask]) / norm) if norm > 0 else 0.0


def _adjacent_violations(counts: np.ndarray, alpha: float) -> int:
    """Cells whose share is significantly above its neighbour nearer the diagonal (the
    ECB's z-tests: shares should fall away from the diagonal)."""
    k = counts.shape[0]
    rows = counts.sum(axis=1).astype(float)
    found = 0
    for i in range(k):
        if rows[i] == 0:
            continue
        p = counts[i] / rows[i]
        for j in range(k):
            if j == i:
                continue
            near = j - 1 if j > i else j + 1
            f, n = p[j], p[near]
            var = (f * (1 - f) + n * (1 - n) + 2 * f * n) / rows[i]
            if var > 0 and stats.norm.cdf((n - f) / np.sqrt(var)) < alpha:
                found += 1
    return found


def bowker(counts: np.ndarray) -> tuple[float, float, float]:
    """Bowker's symmetry statistic, degrees of freedom and p-value of a square table.

    The formula of ``statsmodels``' ``SquareTable.symmetry`` (``sum_{i<j} (n_ij - n_ji)^2 /
    (n_ij + n_ji)`` on ``K (K - 1) / 2`` degrees of freedom), on plain arrays: building a
    table object costs about a millisecond and the power study asks tens of thousands of
    times. A test checks that both give the same numbers.
    """
    k = counts.shape[0]
    upper = np.triu_indices(k, 1)
    a, b = counts[upper].astype(float), counts.T[upper].astype(float)
    stat = float(np.sum((a - b) ** 2 / (a + b + 1e-20)))
    df = k * (k - 1) / 2.0
    return stat, df, float(special.chdtrc(df, stat))


def migration_test(grades_from: Any, grades_to: Any, n_grades: int, *, yellow: float = 0.10,
                   red: float = 0.20, alpha: float = 0.05, p_yellow: float = 0.05,
                   p_red: float = 0.001) -> Result:
    """Grade migration of the same applicants between two gradings, and its stability.

    Measures (ECB instructions, 2019): the upper and lower matrix-weighted bandwidths
    (MWB of moves to riskier and to safer grades; 0 = nobody moved, larger = longer moves), the share on the diagonal and within one
    notch, and the adjacent-cell z-tests of a well-behaved matrix. Test: Bowker's test of
    symmetry (Bowker 1948, JASA 43:572; ``statsmodels SquareTable.symmetry``): do as many
    applicants move to riskier grades as to safer ones? A model that understates PDs moves
    applicants to safer grades.

    Parameters
    ----------
    grades_from, grades_to : array-like of int
        Each applicant's grade at development and now.
    n_grades : int
    yellow, red : float
        Thresholds of the larger MWB.
    alpha : float
        Level of the adjacent-cell tests.
    p_yellow, p_red : float

    Returns
    -------
    Result
        ``statistic`` the larger MWB; ``details`` the matrix (counts and row shares).
    """
    counts = migration_matrix(grades_from, grades_to, n_grades)
    total = counts.sum()
    if total == 0:
        raise DataError("migration", ["no applicants to compare"])
    upper, lower = _bandwidth(counts, True), _bandwidth(counts, False)
    i, j = np.indices(counts.shape)
    bowker = SquareTable(counts.astype(float), shift_zeros=False).symmetry()
    p_value = float(bowker.pvalue)
    rows = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, rows, out=np.zeros(counts.shape), where=rows > 0)
    stat = max(upper, lower)
    light = worst(level_light(stat, yellow, red), p_light(p_value, p_yellow, p_red))
    details = {"mwb_upper": upper, "mwb_lower": lower,
               "diagonal_share": float(np.trace(counts) / total),
               "within_one_notch": float(counts[np.abs(i - j) <= 1].sum() / total),
               "to_riskier": float(counts[j > i].sum() / total),
               "to_safer": float(counts[j < i].sum() / total),
               "bowker_statistic": float(bowker.statistic), "bowker_df": float(bowker.df),
               "adjacent_violations": _adjacent_violations(counts, alpha),
               "counts": counts.tolist(), "row_shares": shares.tolist()}
    return Result("migration", stat, p_value, None, light,
                  ECB + "; Bowker (1948); statsmodels SquareTable.symmetry", details)

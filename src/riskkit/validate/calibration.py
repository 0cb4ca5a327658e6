"""Calibration tests: per grade (binomial, Jeffreys, normal) and over the portfolio
(Hosmer-Lemeshow, Spiegelhalter), and the Brier score with its decomposition.

The per-grade tests ask, grade by grade, whether the observed defaults exceed what the
grade's PD allows; they are one-sided, as regulators use them: an overstated PD is
conservative and never flagged. Each grade gets its own p-value and light (BCBS WP14's
traffic lights); the test's overall p-value is Holm's adjustment over the grades
(``statsmodels.stats.multitest.multipletests``), because ten grades tested at 5 % each flag
at least one grade in 40 % of perfectly calibrated samples. The vectorised ``*_p`` functions
are what the power study calls thousands of times.

Every test assumes independent defaults. With a common factor (a month's economy) they are
not, and the false-alarm rate grows with the sample: the power study shows by how much.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from riskkit.core.errors import DataError
from riskkit.evaluate.metrics import check_inputs
from riskkit.validate.results import Result, p_light

__all__ = ["GradeCounts", "binomial_p", "binomial_test", "brier_test", "grade_counts",
           "hosmer_lemeshow_test", "jeffreys_interval", "jeffreys_p", "jeffreys_test", "normal_p", "normal_test",
           "spiegelhalter_test", "spiegelhalter_z"]

BINOMIAL = "BCBS WP14 (2005), binomial test; scipy.stats.binom"
JEFFREYS = ("ECB instructions for reporting validation results of internal models (2019), "
            "Jeffreys test; Brown, Cai & DasGupta (2001), Statistical Science 16:101")
NORMAL = "BCBS WP14 (2005), normal approximation test; Tasche (2008)"


class GradeCounts:
    """Applicants, defaults and PD sums per grade (grades 1..K; empty grades kept)."""

    def __init__(self, y: np.ndarray, pd_: np.ndarray, grades: np.ndarray, n_grades: int):
        self.n = np.bincount(grades, minlength=n_grades + 1)[1:].astype(float)
        self.defaults = np.bincount(grades, weights=y, minlength=n_grades + 1)[1:]
        sums = np.bincount(grades, weights=pd_, minlength=n_grades + 1)[1:]
        with np.errstate(invalid="ignore", divide="ignore"):
            self.pd = np.where(self.n > 0, sums / np.maximum(self.n, 1), np.nan)
            self.dr = np.where(self.n > 0, self.defaults / np.maximum(self.n, 1), np.nan)


def grade_counts(y: Any, pd_: Any, grades: Any = None, n_grades: int | None = None) -> GradeCounts:
    """Counts per grade after checking the inputs; ``grades=None``: the whole portfolio as one."""
    yy, pp = check_inputs(y, pd_, probability=True)
    if grades is None:
        return GradeCounts(yy, pp, np.ones(yy.size, dtype=np.int64), 1)
    g = np.asarray(grades)
    if g.shape != yy.shape or (g.size and (not np.issubdtype(g.dtype, np.integer) or g.min() < 1)):
        raise DataError("grades", [f"expected {yy.size} whole grade numbers >= 1"])
    k = int(n_grades if n_grades is not None else (g.max() if g.size else 1))
    if g.size and g.max() > k:
        raise DataError("grades", [f"grade {int(g.max())} is above the scale's {k} grades"])
    return GradeCounts(yy, pp, g.astype(np.int64), k)


def binomial_p(defaults: Any, n: Any, pd_: Any) -> np.ndarray:
    """One-sided binomial p-value ``P(D >= d | n, PD)`` (H0: the PD is not too low).

    ``scipy.special.bdtrc`` (the binomial upper tail ``scipy.stats.binom.sf`` calls),
    without the distribution object's argument handling: the power study calls this for
    every grade of every sample.
    """
    d = np.rint(np.asarray(defaults, dtype=float)).astype(np.int64)
    nn = np.rint(np.asarray(n, dtype=float)).astype(np.int64)
    return np.where(d <= 0, 1.0, special.bdtrc(np.maximum(d - 1, 0), nn,
                                               np.asarray(pd_, dtype=float)))


def jeffreys_interval(defaults: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Jeffreys' interval of a default rate, with Brown, Cai & DasGupta's boundary rule.

    The equal-tailed interval of ``Beta(d + 1/2, n - d + 1/2)`` (``statsmodels``'
    ``proportion_confint(method="jeffreys")``), except that the lower end is 0 when no
    applicant defaulted and the upper end 1 when all did (Brown, Cai & DasGupta 2001,
    Statistical Science 16:101, section 4.1.2). Without that rule a grade with no defaults
    gets an interval that excludes its own observed rate of 0.
    """
    low, high = proportion_confint(int(defaults), int(n), alpha=1 - level, method="jeffreys")
    return (0.0 if defaults == 0 else float(low)), (1.0 if defaults == n else float(high))


def jeffreys_p(defaults: Any, n: Any, pd_: Any) -> np.ndarray:
    """The ECB's Jeffreys p-value: ``Beta(d + 1/2, n - d + 1/2)`` CDF at the PD.

    The posterior of the default rate under Jeffreys' prior ``Beta(1/2, 1/2)``; its mass
    below the PD is small when the defaults say the true rate is above it.
    """
    d, nn, p = (np.asarray(v, dtype=float) for v in (defaults, n, pd_))
    return special.betainc(d + 0.5, nn - d + 0.5, p)  # scipy.stats.beta.cdf


def normal_p(defaults: Any, n: Any, pd_: Any) -> np.ndarray:
    """Normal approximation: ``z = (d - n PD) / sqrt(n PD (1 - PD))``, ``p = 1 - Phi(z)``."""
    d, nn, p = (np.asarray(v, dtype=float) for v in (defaults, n, pd_))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (d - nn * p) / np.sqrt(nn * p * (1 - p))
    return special.ndtr(-z)  # scipy.stats.norm.sf


_P_FUNCTIONS = {"binomial": binomial_p, "jeffreys": jeffreys_p, "normal": normal_p}
_SOURCES = {"binomial": BINOMIAL, "jeffreys": JEFFREYS, "normal": NORMAL}


def _per_grade(test: str, y: Any, pd_: Any, grades: Any, n_grades: int | None, alpha: float,
               p_yellow: float, p_red: float) -> Result:
    counts = grade_counts(y, pd_, grades, n_grades)
    used = counts.n > 0
    raw = np.full(counts.n.size, np.nan)
    raw[used] = _P_FUNCTIONS[test](counts.defaults[used], counts.n[used], counts.pd[used])
    holm = np.full(counts.n.size, np.nan)
    if used.any():
        holm[used] = multipletests(raw[used], alpha=alpha, method="holm")[1]
    table = []
    for k in range(counts.n.size):
        ci = jeffreys_interval(int(counts.defaults[k]), int(counts.n[k])) if used[k] \
            else (np.nan, np.nan)
        table.append({"grade": k + 1, "n": int(counts.n[k]), "defaults": int(counts.defaults[k]),
                      "pd": counts.pd[k], "dr": counts.dr[k], "dr_ci": [ci[0], ci[1]],
                      "p_value": raw[k], "p_holm": holm[k],
                      "light": p_light(raw[k], p_yellow, p_red)})
    family = float(np.nanmin(holm)) if used.any() else None
    rejected = int(np.sum(raw[used] < alpha))
    details = {"grades": table, "alpha": alpha, "rejected": rejected,
               "rejected_holm": int(np.sum(holm[used] < alpha)), "tested": int(used.sum()),
               "alternative": "defaults above the PD (one-sided)"}
    return Result(test, float(rejected), family, None, p_light(family, p_yellow, p_red),
                  _SOURCES[test], details)


def binomial_test(y: Any, pd_: Any, grades: Any = None, *, n_grades: int | None = None,
                  alpha: float = 0.05, p_yellow: float = 0.05, p_red: float = 0.001) -> Result:
    """One-sided binomial test of each grade's PD (BCBS WP14, 2005).

    Under H0 a grade's defaults are ``Binomial(n, PD)`` with PD the grade's mean PD; the
    p-value is ``P(D >= d)`` (``scipy.stats.binom.sf``; the same number as
    ``scipy.stats.binomtest(d, n, PD, alternative="greater")``).

    Parameters
    ----------
    y, pd_ : array-like
        Outcomes (1 = default) and PDs.
    grades : array-like of int, optional
        Grade 1..K of each applicant (None: the portfolio as one grade).
    n_grades : int, optional
        K (so that empty top grades are listed).
    alpha : float
        Level at which grades count as rejected (raw and after Holm).
    p_yellow, p_red : float
        Traffic-light thresholds for p-values.

    Returns
    -------
    Result
        ``statistic`` the number of grades rejected at ``alpha``; ``p_value`` the smallest
        Holm-adjusted p-value (the family's); ``details["grades"]`` one row per grade with
        its Jeffreys interval of the default rate.
    """
    return _per_grade("binomial", y, pd_, grades, n_grades, alpha, p_yellow, p_red)


def jeffreys_test(y: Any, pd_: Any, grades: Any = None, *, n_grades: int | None = None,
                  alpha: float = 0.05, p_yellow: float = 0.05, p_red: float = 0.001) -> Result:
    """The ECB's Jeffreys test of each grade's PD (ECB instructions, 2019).

    ``p = F_Beta(d + 1/2, n - d + 1/2)(PD)``: Jeffreys' posterior of the default rate, its
    mass below the grade's PD.

    Parameters
    ----------
    y, pd_, grades, n_grades, alpha, p_yellow, p_red
        As for :func:`binomial_test`: outcomes and PDs, each applicant's grade (None: the
        portfolio as one), the number of grades, the level and the light's thresholds.

    Returns
    -------
    Result
        As :func:`binomial_test`'s, with each grade's Jeffreys p-value.
    """
    return _per_grade("jeffreys", y, pd_, grades, n_grades, alpha, p_yellow, p_red)


def normal_test(y: Any, pd_: Any, grades: Any = None, *, n_grades: int | None = None,
                alpha: float = 0.05, p_yellow: float = 0.05, p_red: float = 0.001) -> Result:
    """Normal approximation to the binomial test, per grade (BCBS WP14, 2005; Tasche 2008).

    Where ``n PD`` is small the binomial is skewed to the right and this test rejects
    more often than its level says.

    Parameters
    ----------
    y, pd_, grades, n_grades, alpha, p_yellow, p_red
        The same as :func:`binomial_test` takes.

    Returns
    -------
    Result
        As :func:`binomial_test`'s, with the normal approximation's p-values.
    """
    return _per_grade("normal", y, pd_, grades, n_grades, alpha, p_yellow, p_red)


def hosmer_lemeshow_test(y: Any, pd_: Any, grades: Any = None, *, n_grades: int | None = None,
                         n_bins: int = 10, p_yellow: float = 0.05, p_red: float = 0.001) -> Result:
    """Hosmer-Lemeshow chi-square over grades (or PD deciles), PDs fixed in advance.

    ``T = sum_k (d_k - n_k PD_k)^2 / (n_k PD_k (1 - PD_k))`` over the groups with applicants
    (Hosmer & Lemeshow 1980, Communications in Statistics A9:1043). On a sample the PDs
    were not fitted on, ``T`` is chi-square with as many degrees of freedom as groups (BCBS
    WP14, 2005: "k + 1" for grades 0..k), not the ``g - 2`` of the in-sample test.

    Parameters
    ----------
    y, pd_ : array-like
    grades : array-like of int, optional
        Groups; None: ``n_bins`` equal-frequency bins of the PD.
    n_grades : int, optional
    n_bins : int
    p_yellow, p_red : float

    Returns
    -------
    Result
    """
    yy, pp = check_inputs(y, pd_, probability=True)
    if grades is None:
        edges = np.unique(np.quantile(pp, np.linspace(0, 1, n_bins + 1))[1:-1])
        grades = np.searchsorted(edges, pp, side="right") + 1
        n_grades = edges.size + 1
    c = grade_counts(yy, pp, grades, n_grades)
    keep = (c.n > 0) & (c.pd > 0) & (c.pd < 1)
    expected = c.n[keep] * c.pd[keep]
    stat = float(np.sum((c.defaults[keep] - expected) ** 2 / (expected * (1 - c.pd[keep]))))
    df = int(keep.sum())
    p_value = float(stats.chi2.sf(stat, df)) if df else None
    return Result("hosmer_lemeshow", stat, p_value, None, p_light(p_value, p_yellow, p_red),
                  "Hosmer & Lemeshow (1980); BCBS WP14 (2005); scipy.stats.chi2",
                  {"df": df, "groups": df})


def spiegelhalter_z(y: np.ndarray, p: np.ndarray) -> float:
    """Spiegelhalter's z on checked arrays (see :func:`spiegelhalter_test`)."""
    w = 1.0 - 2.0 * p
    var = float(np.sum(w * w * p * (1.0 - p)))
    return float(np.sum((y - p) * w)) / np.sqrt(var) if var > 0 else float("nan")


def spiegelhalter_test(y: Any, pd_: Any, *, p_yellow: float = 0.05,
                       p_red: float = 0.001) -> Result:
    """Spiegelhalter's test: is the Brier score what it should be if the PDs were true?

    ``z = sum (y - p)(1 - 2p) / sqrt(sum (1 - 2p)^2 p (1 - p))``, standard normal under H0,
    two-sided (Spiegelhalter 1986, Statistics in Medicine 5:421; BCBS WP14, 2005).
    Miscalibration in both directions moves it; errors of opposite sign in different
    grades can cancel.

    Parameters
    ----------
    y, pd_ : array-like
        Outcomes (1 = default) and PDs.
    p_yellow, p_red : float
        Traffic-light thresholds for the p-value.

    Returns
    -------
    Result
        ``statistic`` z.
    """
    yy, pp = check_inputs(y, pd_, probability=True)
    z = spiegelhalter_z(yy.astype(float), pp)
    p_value = float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else None
    return Result("spiegelhalter", z, p_value, None, p_light(p_value, p_yellow, p_red),
                  "Spiegelhalter (1986), Statistics in Medicine 5:421; BCBS WP14 (2005)",
                  {"n": int(yy.size)})


def brier_test(y: Any, pd_: Any, grades: Any = None, *, n_grades: int | None = None,
               p_yellow: float = 0.05, p_red: float = 0.001) -> Result:
    """Brier score (Brier 1950) with Murphy's decomposition over the grades.

    ``Brier = REL - RES + UNC + WBV - WBC``: reliability ``REL = sum n_k (PD_k - DR_k)^2 / N``,
    resolution ``RES = sum n_k (DR_k - DR)^2 / N``, uncertainty ``UNC = DR (1 - DR)``
    (Murphy 1973, Journal of Applied Meteorology 12:595), and, because PDs vary within a
    grade, the within-grade variance and covariance of Stephenson, Coelho, Doblas-Reyes &
    Balmaseda (2008, Meteorological Applications 15:41), so the parts add up exactly. The
    interval is the normal one of a mean of ``(p - y)^2``; the p-value and light are
    Spiegelhalter's, the test of the Brier score (:func:`spiegelhalter_test`).

    Parameters
    ----------
    y, pd_ : array-like
        Outcomes (1 = default) and the PDs scored.
    grades : array-like of int, optional
        Grade 1..K of each applicant (None: the portfolio as one grade).
    n_grades : int, optional
        K.
    p_yellow, p_red : float
        Traffic-light thresholds for Spiegelhalter's p-value.

    Returns
    -------
    Result
        ``statistic`` the Brier score, ``details`` its parts.
    """
    yy, pp = check_inputs(y, pd_, probability=True)
    y_f = yy.astype(float)
    sq = (pp - y_f) ** 2
    score = float(sq.mean())
    se = float(sq.std(ddof=1) / np.sqrt(sq.size)) if sq.size > 1 else float("nan")
    g = np.ones(yy.size, dtype=np.int64) if grades is None else np.asarray(grades, dtype=np.int64)
    c = grade_counts(yy, pp, g, n_grades)
    used = c.n > 0
    n_total, base = float(yy.size), float(y_f.mean())
    rel = float(np.sum(c.n[used] * (c.pd[used] - c.dr[used]) ** 2) / n_total)
    res = float(np.sum(c.n[used] * (c.dr[used] - base) ** 2) / n_total)
    pd_k, dr_k = np.nan_to_num(c.pd)[g - 1], np.nan_to_num(c.dr)[g - 1]
    wbv = float(np.sum((pp - pd_k) ** 2) / n_total)
    wbc = float(2 * np.sum((y_f - dr_k) * (pp - pd_k)) / n_total)
    spieg = spiegelhalter_test(yy, pp, p_yellow=p_yellow, p_red=p_red)
    details = {"reliability": rel, "resolution": res, "uncertainty": base * (1 - base),
               "within_variance": wbv, "within_covariance": wbc, "se": se,
               "skill_score": 1 - score / (base * (1 - base)) if 0 < base < 1 else None}
    return Result("brier", score, spieg.p_value, (score - 1.959964 * se, score + 1.959964 * se),
                  spieg.light, "Brier (1950); Murphy (1973); Stephenson et al. (2008)", details)

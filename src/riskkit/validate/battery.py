"""The whole battery on a development sample and a current one, as a validator runs it.

Per sample (a run's test split and its out-of-time cohort): discrimination (AUC with DeLong
and bootstrap intervals, Gini, KS), calibration per grade (binomial, Jeffreys, normal) and
over the portfolio (binomial and Jeffreys on the whole book, Hosmer-Lemeshow,
Spiegelhalter), the Brier score and its decomposition, and the concentration of grades.
Between development and now: the AUC's decline, PSI of the PD, CSI of every feature, the
rise in concentration, and the migration of the same applicants between two gradings.
Thresholds and levels come from the ``validate:`` section (:mod:`.settings`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskkit.validate.calibration import (
    binomial_test,
    brier_test,
    hosmer_lemeshow_test,
    jeffreys_test,
    normal_test,
    spiegelhalter_test,
)
from riskkit.validate.discrimination import auc_decline_test, auc_test, gini_test, ks_test
from riskkit.validate.grades import MasterScale
from riskkit.validate.results import NOT_AVAILABLE, Result
from riskkit.validate.stability import csi_test, hhi_test, migration_test, psi_test

__all__ = ["COMPARISON_TESTS", "SAMPLE_TESTS", "Sample", "comparison_tests", "results_table",
           "sample_tests"]

SAMPLE_TESTS = ("auc", "gini", "ks", "binomial", "jeffreys", "normal", "binomial_portfolio",
                "jeffreys_portfolio", "hosmer_lemeshow", "spiegelhalter", "brier", "hhi")
COMPARISON_TESTS = ("auc_decline", "psi", "csi", "hhi_change", "migration")


@dataclass(frozen=True)
class Sample:
    """Outcomes, PDs and (for CSI) the features of one sample of applicants."""

    name: str
    y: np.ndarray
    pd: np.ndarray
    frame: pd.DataFrame | None = None


def _p(settings: Mapping[str, Any]) -> dict[str, float]:
    pv = settings["thresholds"]["p_value"]
    return {"p_yellow": pv["yellow"], "p_red": pv["red"]}


def _portfolio(result: Result) -> Result:
    """A per-grade test run on the whole portfolio as one grade: its statistic is the
    observed default rate (a count of rejected grades means nothing for one grade)."""
    return dataclasses.replace(result, test=f"{result.test}_portfolio",
                               statistic=result.details["grades"][0]["dr"])


def sample_tests(sample: Sample, scale: MasterScale, settings: Mapping[str, Any],
                 seed: int = 0) -> dict[str, Result]:
    """Every one-sample test on ``sample`` graded on ``scale``.

    Parameters
    ----------
    sample : Sample
    scale : MasterScale
    settings : mapping
        The resolved ``validate:`` section.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    dict of str to Result
        Keyed as :data:`SAMPLE_TESTS`.
    """
    th, p = settings["thresholds"], _p(settings)
    y, pd_ = sample.y, sample.pd
    k = scale.n_grades
    grades = scale.grade(pd_)
    per_grade = {"n_grades": k, "alpha": settings["alpha"], **p}
    auc = auc_test(y, pd_, yellow=th["auc"]["yellow"], red=th["auc"]["red"],
                   bootstrap_reps=settings["bootstrap_reps"], seed=seed)
    out = {
        "auc": auc, "gini": gini_test(auc),
        "ks": ks_test(y, pd_, yellow=th["ks"]["yellow"], red=th["ks"]["red"]),
        "binomial": binomial_test(y, pd_, grades, **per_grade),
        "jeffreys": jeffreys_test(y, pd_, grades, **per_grade),
        "normal": normal_test(y, pd_, grades, **per_grade),
        "binomial_portfolio": _portfolio(binomial_test(y, pd_, alpha=settings["alpha"], **p)),
        "jeffreys_portfolio": _portfolio(jeffreys_test(y, pd_, alpha=settings["alpha"], **p)),
        "hosmer_lemeshow": hosmer_lemeshow_test(y, pd_, grades, n_grades=k, **p),
        "spiegelhalter": spiegelhalter_test(y, pd_, **p),
        "brier": brier_test(y, pd_, grades, n_grades=k, **p),
        "hhi": hhi_test(grades, k, yellow=th["hhi"]["yellow"], red=th["hhi"]["red"], **p),
    }
    return out


def comparison_tests(development: Sample, current: Sample, scale: MasterScale,
                     settings: Mapping[str, Any], features: Sequence[str] = (),
                     migration: tuple[np.ndarray, np.ndarray] | None = None,
                     development_scale: MasterScale | None = None) -> dict[str, Result]:
    """The tests between the development sample and the current one.

    Parameters
    ----------
    development, current : Sample
    scale : MasterScale
        The current grading.
    settings : mapping
        The resolved ``validate:`` section.
    features : sequence of str
        Features for the CSI (columns of both samples' frames).
    migration : (array, array), optional
        The same applicants' grades at development and now; None leaves the migration out
        (its result says why).
    development_scale : MasterScale, optional
        The development grading, when it differs from ``scale``.

    Returns
    -------
    dict of str to Result
        Keyed as :data:`COMPARISON_TESTS`.
    """
    th, p = settings["thresholds"], _p(settings)
    dev_scale = development_scale or scale
    out = {
        "auc_decline": auc_decline_test(development.y, development.pd, current.y, current.pd,
                                        p_yellow=p["p_yellow"], p_red=p["p_red"]),
        "psi": psi_test(development.pd, current.pd, yellow=th["psi"]["yellow"],
                        red=th["psi"]["red"], **p),
    }
    if features and development.frame is not None and current.frame is not None:
        out["csi"] = csi_test(development.frame, current.frame, list(features),
                              yellow=th["psi"]["yellow"], red=th["psi"]["red"], **p)
    else:
        out["csi"] = Result("csi", None, None, None, NOT_AVAILABLE, "",
                            {"reason": "no features to compare"})
    if dev_scale.n_grades == scale.n_grades:
        hhi = hhi_test(scale.grade(current.pd), scale.n_grades, dev_scale.grade(development.pd),
                       yellow=th["hhi"]["yellow"], red=th["hhi"]["red"], **p)
        out["hhi_change"] = dataclasses.replace(hhi, test="hhi_change")
    if migration is None:
        out["migration"] = Result("migration", None, None, None, NOT_AVAILABLE,
                                  "ECB instructions for reporting validation results (2019)",
                                  {"reason": "no second grading of the same applicants"})
    else:
        out["migration"] = migration_test(migration[0], migration[1], scale.n_grades,
                                          yellow=th["migration"]["yellow"],
                                          red=th["migration"]["red"],
                                          alpha=settings["alpha"], **p)
    return out


def results_table(results: Mapping[str, Mapping[str, Result | Mapping[str, Any]]]) -> pd.DataFrame:
    """One row per (sample, test): statistic, p-value, interval, light.

    Parameters
    ----------
    results : mapping
        ``{sample name: {test: Result or its dict}}``.

    Returns
    -------
    pandas.DataFrame
        Columns sample, test, statistic, p_value, ci_low, ci_high, light.
    """
    rows = []
    for sample, tests in results.items():
        for name, r in tests.items():
            d = r.to_dict() if isinstance(r, Result) else dict(r)
            ci = d.get("ci") or [None, None]
            rows.append({"sample": sample, "test": name, "statistic": d.get("statistic"),
                         "p_value": d.get("p_value"), "ci_low": ci[0], "ci_high": ci[1],
                         "light": d.get("light")})
    return pd.DataFrame(rows, columns=["sample", "test", "statistic", "p_value", "ci_low",
                                       "ci_high", "light"])

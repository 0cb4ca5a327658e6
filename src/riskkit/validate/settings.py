"""The ``validate:`` section of a config: master scale, thresholds, power study.

Every key is checked by :mod:`riskkit.experiment.config` like the rest of a config (an
unknown key is an error naming it); :func:`check_section` checks the values. The defaults
below are where every threshold of the battery lives: a test function takes its thresholds
as arguments and never reads a constant of its own.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

from riskkit.synth.world import MAX_DRIFT

__all__ = ["DEFAULTS", "DEFECTS", "check_section", "section"]

#: Kinds of defect the power study injects (besides "none", always studied).
DEFECTS = ("pd_scale", "grade_scale", "lost_driver", "drift", "correlation")

DEFAULTS: dict[str, Any] = {
    # the master scale: `count` grades of equal size on the development sample's PDs, or
    # fixed PD `boundaries` (upper bounds of grades 1..K-1, increasing; grade K is open)
    "grades": {"count": 10, "boundaries": None},
    # the level of every test in the power study and of "rejects" in the tables
    "alpha": 0.05,
    # percentile bootstrap of the AUC (stratified by outcome)
    "bootstrap_reps": 2000,
    "thresholds": {
        # BCBS WP14's traffic lights: the 95 % and 99.9 % quantiles of the null distribution
        "p_value": {"yellow": 0.05, "red": 0.001},
        # discrimination levels: yellow / red below these
        "auc": {"yellow": 0.70, "red": 0.60},
        "ks": {"yellow": 0.30, "red": 0.20},
        # stability: the usual PSI reading (0.1 watch, 0.25 shifted), also for each CSI
        "psi": {"yellow": 0.10, "red": 0.25},
        # concentration: the ECB's Herfindahl index, 0 (even) .. 1 (one grade)
        "hhi": {"yellow": 0.15, "red": 0.30},
        # migration: the ECB's matrix-weighted bandwidth (upper or lower), 0 .. 1
        "migration": {"yellow": 0.10, "red": 0.20},
    },
    "power": {
        "pool_rows": 400_000,  # generated once, resampled for every repetition
        "sizes": [1_000, 5_000, 20_000, 100_000],
        "reps": 200,
        "workers": 2,
        # defect sizes by kind (an empty list leaves a kind out); "none" is always studied
        "defects": {
            # model PD = factor x true PD (< 1 understated, > 1 overstated)
            "pd_scale": [0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.1, 1.25],
            # one grade's PDs times the factor (the grade: `grade`, default the middle one)
            "grade_scale": [0.5, 0.7, 0.85],
            # the model lost this share of a driver's true contribution (`driver`)
            "lost_driver": [0.25, 0.5, 1.0],
            # the World's drift: applicants a year on with the economy this share of a
            # downturn further (as data.oot.drift); the model stays the development one
            "drift": [0.1, 0.25, 0.5, 1.0],
            # default correlation within a month: the one-factor (Vasicek) asset correlation
            "correlation": [0.005, 0.01, 0.02, 0.05],
        },
        "grade": None,  # the grade `grade_scale` miscalibrates (None: the middle grade)
        "driver": None,  # the feature `lost_driver` drops (None: the largest contribution)
    },
}


def section(user: Mapping[str, Any] | None) -> dict[str, Any]:
    """The section with defaults for every key the user left out (values unchecked).

    Parameters
    ----------
    user : mapping, optional
        The config's ``validate:`` section as written.

    Returns
    -------
    dict
    """

    def merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
        out = copy.deepcopy(base)
        for key, value in over.items():
            out[key] = merge(base[key], value) if isinstance(base.get(key), dict) \
                and isinstance(value, Mapping) else copy.deepcopy(value)
        return out

    return merge(DEFAULTS, user or {})


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value: Any, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _numbers(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str) \
        and all(_number(v) for v in value)


def _check_grades(grades: Mapping[str, Any], problems: list[str]) -> None:
    bounds = grades.get("boundaries")
    if bounds is None:
        if not _whole(grades.get("count"), 2) or grades["count"] > 50:
            problems.append(f"validate.grades.count = {grades.get('count')!r}: expected a "
                            "whole number of grades from 2 to 50")
        return
    ok = _numbers(bounds) and len(bounds) >= 1 and all(0 < b < 1 for b in bounds) \
        and all(a < b for a, b in itertools.pairwise(bounds))
    if not ok:
        problems.append(f"validate.grades.boundaries = {bounds!r}: expected increasing PDs "
                        "strictly between 0 and 1 (the upper bound of each grade but the last)")


def _check_thresholds(thresholds: Mapping[str, Any], problems: list[str]) -> None:
    for name, pair in thresholds.items():
        yellow, red = pair.get("yellow"), pair.get("red")
        key = f"validate.thresholds.{name}"
        if not (_number(yellow) and _number(red)):
            problems.append(f"{key} = {dict(pair)!r}: expected numbers for yellow and red")
            continue
        # p-values, AUC and KS: red is the smaller number; PSI, HHI, migration: the larger
        ordered = red < yellow if name in ("p_value", "auc", "ks") else red > yellow
        if not ordered or not (min(yellow, red) >= 0 and max(yellow, red) <= 1):
            side = "below" if name in ("p_value", "auc", "ks") else "above"
            problems.append(f"{key} = {dict(pair)!r}: expected 0 <= values <= 1 with red "
                            f"{side} yellow")


def _check_power(power: Mapping[str, Any], problems: list[str]) -> None:
    if not _whole(power.get("pool_rows"), 1000):
        problems.append(f"validate.power.pool_rows = {power.get('pool_rows')!r}: expected a "
                        "whole number >= 1,000")
    sizes = power.get("sizes")
    if not (isinstance(sizes, list) and sizes and all(_whole(s, 50) for s in sizes)):
        problems.append(f"validate.power.sizes = {sizes!r}: expected a non-empty list of "
                        "sample sizes >= 50")
    for key, low in (("reps", 1), ("workers", 1)):
        if not _whole(power.get(key), low):
            problems.append(f"validate.power.{key} = {power.get(key)!r}: expected a whole "
                            f"number >= {low}")
    ranges = {"pd_scale": (0, 10), "grade_scale": (0, 10), "lost_driver": (0, 1),
              "drift": (0, MAX_DRIFT), "correlation": (0, 0.5)}
    for kind, sizes_ in power.get("defects", {}).items():
        low, high = ranges[kind]
        if not (isinstance(sizes_, list) and _numbers(sizes_)
                and all(low < s <= high for s in sizes_)):
            problems.append(f"validate.power.defects.{kind} = {sizes_!r}: expected a list of "
                            f"sizes above {low:g} and at most {high:g}")
    grade = power.get("grade")
    if grade is not None and not _whole(grade, 1):
        problems.append(f"validate.power.grade = {grade!r}: expected a grade number >= 1 or null")
    driver = power.get("driver")
    if driver is not None and not isinstance(driver, str):
        problems.append(f"validate.power.driver = {driver!r}: expected a feature name or null")


def check_section(cfg: Mapping[str, Any]) -> list[str]:
    """Problems with a resolved ``validate:`` section, one line each (empty when valid).

    Parameters
    ----------
    cfg : mapping
        The section, every key present (unknown keys were refused before).

    Returns
    -------
    list of str
    """
    problems: list[str] = []
    _check_grades(cfg["grades"], problems)
    alpha = cfg.get("alpha")
    if not (_number(alpha) and 0 < alpha < 0.5):
        problems.append(f"validate.alpha = {alpha!r}: expected a level strictly between 0 "
                        "and 0.5")
    if not _whole(cfg.get("bootstrap_reps"), 100):
        problems.append(f"validate.bootstrap_reps = {cfg.get('bootstrap_reps')!r}: expected "
                        "a whole number >= 100")
    _check_thresholds(cfg["thresholds"], problems)
    _check_power(cfg["power"], problems)
    grade, bounds = cfg["power"].get("grade"), cfg["grades"].get("boundaries")
    count = len(bounds) + 1 if isinstance(bounds, list) else cfg["grades"].get("count")
    if _whole(grade, 1) and _whole(count, 2) and grade > count:
        problems.append(f"validate.power.grade = {grade!r}: the master scale has {count} grades")
    return problems

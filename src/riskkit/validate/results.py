"""What every validation test returns, and how a number becomes a traffic light.

A validator reads a battery as a column of lights: green (no evidence of a problem), yellow
(look closer), red (act). BCBS Working Paper 14 (2005, after Tasche's traffic-light approach) grades a
calibration test by where the observed number of defaults falls in its null distribution:
below the 95 % quantile green, between the 95 % and 99.9 % quantiles yellow, above red. A
p-value says the same thing, so the default p-value thresholds are 0.05 and 0.001. Levels
(an AUC, a PSI) get thresholds of their own; every threshold comes from the ``validate:``
section of the config (:mod:`riskkit.validate.settings`), never from a constant here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["GREEN", "LIGHTS", "NOT_AVAILABLE", "RED", "YELLOW", "Result", "level_light",
           "p_light", "worst"]

GREEN, YELLOW, RED = "green", "yellow", "red"
#: A test that could not be computed on this sample (one class only, an empty grade).
NOT_AVAILABLE = "n/a"
LIGHTS = (GREEN, YELLOW, RED, NOT_AVAILABLE)
_RANK = {GREEN: 0, NOT_AVAILABLE: 0, YELLOW: 1, RED: 2}


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def p_light(p_value: float | None, yellow: float = 0.05, red: float = 0.001) -> str:
    """Traffic light of a p-value: red below ``red``, yellow below ``yellow``, else green.

    Parameters
    ----------
    p_value : float or None
        The test's p-value; None or NaN gives ``"n/a"``.
    yellow, red : float
        Thresholds, ``red < yellow`` (BCBS WP14's 95 % and 99.9 % quantiles: 0.05, 0.001).

    Returns
    -------
    str
        ``"green"``, ``"yellow"``, ``"red"`` or ``"n/a"``.
    """
    if not _finite(p_value):
        return NOT_AVAILABLE
    return RED if p_value < red else YELLOW if p_value < yellow else GREEN  # type: ignore[operator]


def level_light(value: float | None, yellow: float, red: float,
                higher_is_worse: bool = True) -> str:
    """Traffic light of a level against two thresholds.

    Parameters
    ----------
    value : float or None
        The statistic (a PSI, an AUC, ...); None or NaN gives ``"n/a"``.
    yellow, red : float
        Where yellow and red start. With ``higher_is_worse`` (a PSI) red is ``value >= red``
        and yellow ``value >= yellow``; otherwise (an AUC) red is ``value < red`` and yellow
        ``value < yellow``.
    higher_is_worse : bool

    Returns
    -------
    str
    """
    if not _finite(value):
        return NOT_AVAILABLE
    if higher_is_worse:
        return RED if value >= red else YELLOW if value >= yellow else GREEN  # type: ignore[operator]
    return RED if value < red else YELLOW if value < yellow else GREEN  # type: ignore[operator]


def worst(*lights: str) -> str:
    """The most severe of several lights (``"n/a"`` only when every light is).

    Parameters
    ----------
    *lights : str
        ``green``, ``yellow``, ``red`` or ``n/a``.

    Returns
    -------
    str
    """
    known = [x for x in lights if x != NOT_AVAILABLE]
    if not known:
        return NOT_AVAILABLE
    return max(known, key=lambda x: _RANK[x])


def _plain(value: Any) -> Any:
    """JSON-ready: NumPy scalars as Python numbers, NaN and infinities as None."""
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Result:
    """One test's outcome: statistic, p-value or interval, light, and where it comes from.

    Attributes
    ----------
    test : str
        The test's key (``"auc"``, ``"jeffreys"``, ...).
    statistic : float or None
        The number the test is about (an AUC, a chi-square, a PSI).
    p_value : float or None
        None for a statistic without a test (a Brier score).
    ci : tuple of float or None
        A confidence interval of ``statistic`` where the test gives one.
    light : str
        ``green``, ``yellow``, ``red`` or ``n/a``.
    source : str
        The paper or regulator's text the definition follows.
    details : dict
        Everything else (per-grade tables, components, counts).
    """

    test: str
    statistic: float | None
    p_value: float | None
    ci: tuple[float, float] | None
    light: str
    source: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON values (NaN as null)."""
        return _plain({"test": self.test, "statistic": self.statistic, "p_value": self.p_value,
                       "ci": None if self.ci is None else list(self.ci), "light": self.light,
                       "source": self.source, "details": dict(self.details)})

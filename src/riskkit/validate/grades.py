"""The master scale: PD grades, fixed or built from the development sample.

Banks report, calibrate and validate PDs by rating grade, not applicant by applicant: the
EBA's PD guidelines (EBA/GL/2017/16, on rating scales and the calibration of PDs) ask for a rating scale
whose grades each carry one PD and are back-tested grade by grade. A master scale here is an
increasing list of PD boundaries: grade 1 holds the lowest PDs, an applicant with
``pd <= boundaries[k - 1]`` (and above the bound below) is in grade ``k``, and grade ``K``
is open above. Two ways to set it, from the config's ``validate.grades``:

* ``count: K`` -- K grades with equal shares of the development sample (its PD quantiles),
  so a grade's share drifting away from 1/K is itself a signal of population change;
* ``boundaries: [...]`` -- a fixed scale, e.g. one shared by several models.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from riskkit.core.errors import ConfigError, DataError

__all__ = ["MasterScale", "build_scale"]


@dataclass(frozen=True)
class MasterScale:
    """PD grades 1..K from K - 1 increasing boundaries (upper bounds of grades 1..K-1).

    Attributes
    ----------
    boundaries : tuple of float
    method : str
        ``"quantile"`` (built from a development sample) or ``"fixed"``.
    """

    boundaries: tuple[float, ...]
    method: str = "fixed"

    def __post_init__(self) -> None:
        b = np.asarray(self.boundaries, dtype=float)
        if b.size < 1 or not np.all(np.isfinite(b)) or np.any(np.diff(b) <= 0) \
                or b[0] <= 0 or b[-1] >= 1:
            raise ConfigError(f"master scale boundaries {list(self.boundaries)!r}: expected "
                              "increasing PDs strictly between 0 and 1")

    @property
    def n_grades(self) -> int:
        """K, the number of grades."""
        return len(self.boundaries) + 1

    def grade(self, pd_: Any) -> np.ndarray:
        """The grade (1..K) of each PD: ``pd <= boundaries[k-1]`` puts it in grade k or below.

        Parameters
        ----------
        pd_ : array-like
            Probabilities of default.

        Returns
        -------
        numpy.ndarray of int8
        """
        p = np.asarray(pd_, dtype=float)
        if p.size and (not np.all(np.isfinite(p)) or p.min() < 0 or p.max() > 1):
            raise DataError("master scale", ["PDs must be probabilities in [0, 1]"])
        return (np.searchsorted(np.asarray(self.boundaries), p, side="left") + 1).astype(np.int8)

    def ranges(self) -> list[tuple[float, float]]:
        """(lower, upper] PD range of each grade; grade 1 starts at 0, grade K ends at 1."""
        edges = [0.0, *self.boundaries, 1.0]
        return list(itertools.pairwise(edges))

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "boundaries": [float(b) for b in self.boundaries],
                "n_grades": self.n_grades}

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> MasterScale:
        """The scale :meth:`to_dict` wrote (``models/master_scale.json`` of a run)."""
        try:
            return cls(tuple(float(b) for b in record["boundaries"]),
                       str(record.get("method", "fixed")))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"master scale record {dict(record)!r} is not valid: {exc}") from None


def build_scale(development_pd: Any = None, count: int = 10,
                boundaries: Sequence[float] | None = None) -> MasterScale:
    """A master scale: ``boundaries`` as given, else ``count`` equal-share grades.

    Parameters
    ----------
    development_pd : array-like, optional
        The development sample's PDs (needed unless ``boundaries`` is given).
    count : int
        Number of grades built from the sample's quantiles. Tied PDs never straddle a
        boundary, so a sample with few distinct PDs gets fewer grades.
    boundaries : sequence of float, optional
        A fixed scale.

    Returns
    -------
    MasterScale
    """
    if boundaries is not None:
        return MasterScale(tuple(float(b) for b in boundaries), "fixed")
    if development_pd is None:
        raise ConfigError("a master scale built from the development sample needs its PDs")
    p = np.asarray(development_pd, dtype=float)
    if p.size < count or not np.all(np.isfinite(p)):
        raise DataError("master scale", [f"the development sample has {p.size} finite PDs; "
                                         f"{count} grades need at least {count}"])
    inner = np.quantile(p, np.arange(1, count) / count)
    # a boundary at the largest PD would leave the top grade empty
    inner = np.unique(inner[(inner > 0) & (inner < 1) & (inner < p.max())])
    if inner.size == 0:
        raise DataError("master scale", ["the development sample's PDs are all equal: "
                                         "no grades can be built from them"])
    return MasterScale(tuple(float(b) for b in inner), "quantile")

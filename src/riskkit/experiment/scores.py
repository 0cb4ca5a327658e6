"""Each model's scores on each split of a run, computed once and shared by its stages.

Evaluate, policy, explain and figures all need the same predictions: every model's PD on
test and out-of-time, its points on train, its uncalibrated PD on test. Computed where each
stage needs them, a 200k-row run called ``predict_pd`` 40 times and ``points`` 12 times,
about twice the distinct model and split pairs (issue 29). A :class:`RunScores` computes
each pair once, on first use, and hands every later caller the same values.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from riskkit.experiment.splits import oot_month
from riskkit.models import CreditModel

#: The model that stands for the truth (the World's own PDs).
TRUTH_MODEL = "oracle"


class RunScores:
    """Each model's PD, uncalibrated PD and points on each of a run's splits, each computed
    once, on first use.

    A model on a split is the one that scores that split in the run
    (:func:`models_for`: the oracle of the out-of-time cohort
    stands for that cohort's month), so a score here is the one a stage would compute itself.
    The arrays are read-only: one caller cannot change what the next one reads.

    Parameters
    ----------
    models_by_split
        ``models_by_split(split)`` is the run's models that score ``split``, by name.
    splits
        The run's frames by split; the frames must not change while the scores are used.
    """

    def __init__(self, models_by_split: Callable[[str], dict[str, CreditModel]],
                 splits: dict[str, pd.DataFrame]) -> None:
        self._models_by_split = models_by_split
        self._splits = splits
        self._models: dict[str, dict[str, CreditModel]] = {}
        self._done: dict[tuple[str, str, str], np.ndarray] = {}

    def model(self, name: str, split: str) -> CreditModel:
        """The model called ``name`` as it scores ``split``.

        Parameters
        ----------
        name, split
            The model and the split.

        Returns
        -------
        CreditModel
            The run's model, or the one standing for the split's month (the oracle).
        """
        if split not in self._models:
            self._models[split] = self._models_by_split(split)
        return self._models[split][name]

    def _get(self, kind: str, name: str, split: str) -> np.ndarray:
        key = (kind, name, split)
        if key not in self._done:
            model, frame = self.model(name, split), self._splits[split]
            if kind == "points":
                values = model.points(frame)
            else:
                values = model.predict_pd(frame, raw=kind == "raw_pd")
            values = np.asarray(values)
            values.setflags(write=False)
            self._done[key] = values
        return self._done[key]

    def pd(self, name: str, split: str) -> np.ndarray:
        """Model ``name``'s calibrated PD of every applicant of ``split``, in frame order.

        Parameters
        ----------
        name, split
            The model and the split.

        Returns
        -------
        numpy.ndarray
            Read-only PDs.
        """
        return self._get("pd", name, split)

    def raw_pd(self, name: str, split: str) -> np.ndarray:
        """Model ``name``'s PD before calibration on ``split`` (:meth:`pd` if it has none).

        Parameters
        ----------
        name, split
            As for :meth:`pd`.

        Returns
        -------
        numpy.ndarray
            Read-only PDs.
        """
        return self._get("raw_pd", name, split)

    def points(self, name: str, split: str) -> np.ndarray:
        """Model ``name``'s points (higher is safer) of every applicant of ``split``.

        Parameters
        ----------
        name, split
            As for :meth:`pd`.

        Returns
        -------
        numpy.ndarray
            Read-only points.
        """
        return self._get("points", name, split)

    def computed(self) -> int:
        """How many (score, model, split) arrays have been computed so far.

        Returns
        -------
        int
        """
        return len(self._done)


def models_for(cfg: dict[str, Any], models: dict[str, CreditModel],
               split: str) -> dict[str, CreditModel]:
    """The models that score ``split``: everyone as fitted, except that the oracle of the
    out-of-time cohort stands for the calendar month that cohort was drawn at (its
    economy's macro shift: another scenario, or drift), so its PDs, metrics and decisions
    are the true ones there."""
    oracle = models.get(TRUTH_MODEL)
    if split != "oot" or oracle is None:
        return models
    later = oracle.at_month(oot_month(cfg))  # type: ignore[attr-defined]
    if later.truth_.macro_logit == oracle.truth_.macro_logit:  # type: ignore[attr-defined]
        return models
    return {**models, TRUTH_MODEL: later}


def run_scores(cfg: dict[str, Any], models: dict[str, CreditModel],
               splits: dict[str, pd.DataFrame]) -> RunScores:
    """The run's scores, each computed once and shared by the stages (:class:`RunScores`),
    each split scored by the models :func:`models_for` gives it.

    Parameters
    ----------
    cfg, models, splits
        The resolved run config, the fitted models, the frames by split.

    Returns
    -------
    RunScores
    """
    return RunScores(partial(models_for, cfg, models), splits)

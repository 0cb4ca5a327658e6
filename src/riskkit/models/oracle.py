"""The oracle: the generator's true risk function wearing the model interface.

It is the ceiling every fitted model is measured against (AUC, calibration, explanation
fidelity), and its contributions are the truth's exact interventional Shapley values.

Fitting learns nothing. It only records which truth it stands for -- the target bad rate
the truth's intercept was solved for, the scenario whose macro shift is added and the world
with its dials -- because those, not the training rows, define the true PD. The observed bad rate of the
training target is kept for information. Only the model feature columns are read, never
``true_logit`` / ``true_pd`` / ``true_contrib__*``, so the oracle scores any frame that
has the features (an edited applicant, a recourse candidate, a stressed population).

``calibrate`` defaults to False: the oracle is calibrated by construction on the
population it describes, and re-fitting a Platt map to a sample would only add noise.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import DataError
from riskkit.core.registry import Registry
from riskkit.models.base import CreditModel
from riskkit.synth.background import true_contributions
from riskkit.synth.scenarios import get_scenario
from riskkit.synth.truth import DEFAULT_BAD_RATE, TruthModel, truth_model
from riskkit.synth.worlds import world_spec


class OracleModel(CreditModel):
    """True PD as a model: ``logit = truth_model(bad_rate, macro).logit(X)``."""

    name = "oracle"
    requires_all_features = True

    def __init__(self, *, bad_rate: float = DEFAULT_BAD_RATE, scenario: str = "baseline",
                 world: str = "baseline", truth: dict[str, float] | None = None,
                 features: tuple[str, ...] | list[str] | None = None, calibrate: bool = False,
                 base_score: float = 600.0, base_odds: float = 50.0, pdo: float = 20.0,
                 registry: Registry | None = None) -> None:
        super().__init__(features=features, calibrate=calibrate, base_score=base_score,
                         base_odds=base_odds, pdo=pdo, registry=registry)
        self.bad_rate = bad_rate
        self.scenario = scenario
        self.world = world
        self.truth = truth

    def for_scenario(self, scenario: str) -> OracleModel:
        """This fitted oracle standing for another scenario's truth: same target bad rate
        and calibration, that scenario's macro shift.

        A run's out-of-time cohort can come from another scenario (``data.oot.scenario:
        downturn``): its true log-odds include a macro shift that no feature carries, so
        the training scenario's oracle is not the truth there and would understate the
        cohort's risk.

        Parameters
        ----------
        scenario
            The scenario the scored applicants were drawn under.

        Returns
        -------
        OracleModel
            A new fitted oracle (this one is not changed).
        """
        get_scenario(scenario)  # an unknown name is an error listing the known ones
        other = copy.copy(self)
        other.scenario = scenario
        if hasattr(self, "truth_"):
            other.truth_ = other._truth()
        return other

    def _truth(self) -> TruthModel:
        return truth_model(float(self.bad_rate), get_scenario(self.scenario).macro_logit,
                           world_spec(self.world, self.truth))

    def _fit_raw(self, X: pd.DataFrame, y: np.ndarray, X_valid: pd.DataFrame | None,
                 y_valid: np.ndarray | None, sample_weight: np.ndarray | None = None,
                 valid_weight: np.ndarray | None = None) -> None:
        self.truth_ = self._truth()
        self.observed_bad_rate_ = float(np.average(y, weights=sample_weight))

    def _raw_logit(self, X: pd.DataFrame) -> np.ndarray:
        self._known_categories(X)
        return np.asarray(self.truth_.logit(X), dtype=float)

    def _known_categories(self, X: pd.DataFrame) -> None:
        """The true risk function has no missing branch: a missing category is an error
        naming it (scoring models set unseen levels missing; the truth cannot guess)."""
        gaps = [name for name in self.levels_ if X[name].isna().any()]
        if gaps:
            raise DataError("X", [f"the oracle (the true risk function) needs a known level in "
                                  f"{name!r}; {int(X[name].isna().sum())} rows have none or one "
                                  "unseen in the registry" for name in gaps])

    def _raw_contributions(self, X: pd.DataFrame) -> np.ndarray:
        _, contrib = self.truth_.evaluate(X)
        return np.column_stack([np.asarray(contrib[name], dtype=float)
                                for name in self.features_]).reshape(len(X), len(self.features_))

    def _raw_base(self) -> float:
        return float(self.truth_.base_logit)

    def background_contributions(self, X: pd.DataFrame,
                                 background: pd.DataFrame) -> tuple[pd.DataFrame, float]:
        """The truth's exact contributions against ``background`` (:mod:`riskkit.synth.background`):
        the truth explained the way a letter explains, so it is graded 1.0 like for like."""
        Xt, Bt = self._prepare(X), self._prepare(background)
        self._known_categories(Xt)
        self._known_categories(Bt)
        contrib, base = true_contributions(self.truth_, Xt, Bt)
        return (self._contribution_frame(contrib[list(self.features_)].to_numpy(), Xt.index),
                self._calibrated_base(base))

    def _state(self, folder: Path) -> tuple[dict[str, Any], list[Path]]:
        truth = self.truth_
        return {
            "target_bad_rate": truth.target_bad_rate,
            "macro_logit": truth.macro_logit,
            "intercept": truth.intercept,
            "base_logit": truth.base_logit,
            "observed_bad_rate": self.observed_bad_rate_,
            "model_features": list(F.MODEL_FEATURES),
        }, []

    def _restore(self, state: dict[str, Any], folder: Path) -> None:
        self.truth_ = self._truth()
        self.observed_bad_rate_ = float(state["observed_bad_rate"])
        if self.truth_.intercept != state["intercept"]:
            raise ValueError("the generator's truth changed since this oracle was saved "
                             f"(intercept {self.truth_.intercept!r} != {state['intercept']!r})")

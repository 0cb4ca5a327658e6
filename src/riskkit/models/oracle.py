"""The oracle: the world's own risk function wearing the model interface.

It is the ceiling every fitted model is measured against (AUC, calibration, explanation
fidelity), and its contributions are the truth's exact interventional Shapley values.

Fitting learns nothing. The oracle is built from a :class:`riskkit.synth.World` (and a
calendar month), because the world -- not the training rows -- defines the true PD; the
observed bad rate of the training target is kept for information. Only the model feature
columns are read, never ``true_logit`` / ``true_pd`` / ``true_contrib__*``, so the oracle
scores any frame that has the features (an edited applicant, a recourse candidate, a
stressed population).

**Label noise.** A model is trained and graded on the *recorded* outcome. When a share of
recorded outcomes carries no information (``label_noise``), the best reachable prediction
of the recorded outcome is not the true PD but ``(1 - noise) * true_pd + noise * bad_rate``
(:meth:`riskkit.synth.World.recorded_pd`), and that is what this oracle predicts, so it
stays the upper bound in Brier score, log loss and calibration. Its contributions are then
the true contributions rescaled per applicant so that they add up to its log-odds:
``phi_j * (h(z) - h(b)) / (z - b)`` with ``h`` the map from true to recorded log-odds, ``z``
the true log-odds and ``b`` the base -- the *rescale rule* of DeepLIFT (Shrikumar,
Greenside & Kundaje 2017, "Learning important features through propagating activation
differences", ICML), exact for one monotone function of a sum: every reason keeps its sign
and its rank within the applicant. Without label noise ``h`` is the identity and nothing
changes.

``calibrate`` defaults to False: the oracle is calibrated by construction on the
population it describes, and re-fitting a Platt map to a sample would only add noise.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import ConfigError, DataError
from riskkit.core.mathx import logit, sigmoid
from riskkit.core.registry import Registry
from riskkit.models.base import CreditModel
from riskkit.synth.background import true_contributions
from riskkit.synth.truth import TruthModel
from riskkit.synth.world import World


class OracleModel(CreditModel):
    """The world's PD of the recorded outcome as a model (the true PD without label noise).

    Parameters
    ----------
    world : World or mapping
        The world it stands for (:meth:`World.to_dict`'s form is accepted, which is how a
        saved oracle keeps it). Required: there is no default truth.
    month : int
        Calendar month of the world's economy (its macro shift) the oracle stands for.
    """

    name = "oracle"
    requires_all_features = True

    def __init__(self, *, world: World | Mapping[str, Any] | None = None, month: int = 0,
                 features: tuple[str, ...] | list[str] | None = None, calibrate: bool = False,
                 base_score: float = 600.0, base_odds: float = 50.0, pdo: float = 20.0,
                 registry: Registry | None = None) -> None:
        super().__init__(features=features, calibrate=calibrate, base_score=base_score,
                         base_odds=base_odds, pdo=pdo, registry=registry)
        self.world = world
        self.month = month

    # ----------------------------------------------------------------- the world
    @property
    def world_value(self) -> World:
        """The :class:`World` this oracle stands for (``world`` as given, parsed)."""
        if self.world is None:
            raise ConfigError("the oracle needs the World it stands for (world=...): the "
                              "truth has no default")
        return self.world if isinstance(self.world, World) else World.from_dict(
            self.world, "oracle world")

    def at_month(self, month: int) -> OracleModel:
        """This fitted oracle standing for another calendar month of its world.

        A run's out-of-time cohort is drawn later in the world's calendar (another
        scenario, or an economy that drifted): its true log-odds carry that month's macro
        shift, which no feature shows, so the development month's oracle is not the truth
        there and would misstate the cohort's risk.

        Parameters
        ----------
        month : int
            The calendar month the scored applicants were drawn at.

        Returns
        -------
        OracleModel
            A new fitted oracle (this one is not changed).
        """
        self.world_value.scenario_at(month)  # a bad month is an error naming it
        other = copy.copy(self)
        other.month = int(month)
        if hasattr(self, "truth_"):
            other.truth_ = other._truth()
            other.world_ = self.world_
        return other

    def _truth(self) -> TruthModel:
        return self.world_value.truth(int(self.month))

    # ----------------------------------------------------------------- the model
    def _fit_raw(self, X: pd.DataFrame, y: np.ndarray, X_valid: pd.DataFrame | None,
                 y_valid: np.ndarray | None, sample_weight: np.ndarray | None = None,
                 valid_weight: np.ndarray | None = None) -> None:
        self.truth_ = self._truth()
        self.world_ = self.world_value
        self.observed_bad_rate_ = float(np.average(y, weights=sample_weight))

    def _recorded(self, true_logit: np.ndarray) -> np.ndarray:
        """``h``: true log-odds to log-odds of the recorded outcome (identity without noise)."""
        world = self.world_value
        if world.label_noise == 0.0:
            return true_logit
        return logit(world.recorded_pd(sigmoid(true_logit)))

    def _raw_logit(self, X: pd.DataFrame) -> np.ndarray:
        self._known_categories(X)
        return self._recorded(np.asarray(self.truth_.logit(X), dtype=float))

    def _known_categories(self, X: pd.DataFrame) -> None:
        """The true risk function has no missing branch: a missing category is an error
        naming it (scoring models set unseen levels missing; the truth cannot guess)."""
        gaps = [name for name in self.levels_ if X[name].isna().any()]
        if gaps:
            raise DataError("X", [f"the oracle (the true risk function) needs a known level in "
                                  f"{name!r}; {int(X[name].isna().sum())} rows have none or one "
                                  "unseen in the registry" for name in gaps])

    def _raw_contributions(self, X: pd.DataFrame) -> np.ndarray:
        true_logit, contrib = self.truth_.evaluate(X)
        phi = np.column_stack([np.asarray(contrib[name], dtype=float)
                               for name in self.features_]).reshape(len(X), len(self.features_))
        if self.world_value.label_noise == 0.0:
            return phi
        return phi * self._rescale(np.asarray(true_logit, dtype=float))[:, None]

    def _rescale(self, z: np.ndarray, base: float | None = None) -> np.ndarray:
        """DeepLIFT's rescale multipliers ``(h(z) - h(b)) / (z - b)``, the derivative
        ``h'(z)`` where ``z`` is within 1e-9 of the base ``b`` (default: the truth's base,
        the reference sample's mean true log-odds)."""
        base = float(self.truth_.base_logit) if base is None else float(base)
        h_z, h_b = self._recorded(z), float(self._recorded(np.array([base]))[0])
        gap = z - base
        near = np.abs(gap) < 1e-9
        world = self.world_value
        p = sigmoid(z)
        q = world.recorded_pd(p)
        slope = (1.0 - world.label_noise) * p * (1.0 - p) / (q * (1.0 - q))
        return np.where(near, slope, (h_z - h_b) / np.where(near, 1.0, gap))

    def _raw_base(self) -> float:
        return float(self._recorded(np.array([float(self.truth_.base_logit)]))[0])

    # ----------------------------------------------------------------- persistence
    def _json_params(self, params: dict[str, Any]) -> dict[str, Any]:
        params["world"] = self.world_value.to_dict()
        return params

    @classmethod
    def _params_from_saved(cls, params: dict[str, Any]) -> dict[str, Any]:
        """An oracle saved by riskkit 0.2.0 named its truth by bad rate, scenario, world
        name and dials: rebuild its World from them."""
        if not {"bad_rate", "scenario"} <= set(params):
            return params
        params = dict(params)
        legacy = World(params.pop("world", "baseline") or "baseline", params.pop("bad_rate"),
                       **(params.pop("truth", None) or {}), scenario=params.pop("scenario"))
        params["world"] = legacy.to_dict()
        return params

    def background_contributions(self, X: pd.DataFrame,
                                 background: pd.DataFrame) -> tuple[pd.DataFrame, float]:
        """The oracle explained against ``background``, the way a letter explains.

        Without label noise: the truth's exact interventional Shapley values against
        ``background`` (:func:`riskkit.synth.background.true_contributions`), with base the
        background's mean true log-odds ``b``; graded like for like they are the truth
        itself. Under label noise, as :meth:`contributions` does against the reference
        sample, they are rescaled by DeepLIFT's rule ``(h(z) - h(b)) / (z - b)`` (``h``:
        true to recorded log-odds) with this ``b``, and the base is ``h(b)``: they add up to
        the oracle's log-odds, and every reason keeps the truth's sign and its rank within
        the applicant (``h`` is increasing), so rank measures (top-k, first reason, sign,
        rank correlation) still grade 1.0; sizes are those of the recorded-label risk, and
        the base is ``h`` of the background's mean, not the background's mean of ``h``.

        Parameters
        ----------
        X : pandas.DataFrame
            Applicants to explain (every model feature).
        background : pandas.DataFrame
            Whom the contributions are measured from (every model feature).

        Returns
        -------
        (pandas.DataFrame, float)
            Contributions (one column per feature, ``X``'s index) and base, log-odds, with
            ``contrib.sum(axis=1) + base == predict_logit(X)``.
        """
        Xt, Bt = self._prepare(X), self._prepare(background)
        self._known_categories(Xt)
        self._known_categories(Bt)
        contrib, base = true_contributions(self.truth_, Xt, Bt)
        phi = contrib[list(self.features_)].to_numpy()
        if self.world_value.label_noise != 0.0:
            z = np.asarray(self.truth_.logit(Xt), dtype=float)
            phi = phi * self._rescale(z, base)[:, None]
            base = float(self._recorded(np.array([base]))[0])
        return self._contribution_frame(phi, Xt.index), self._calibrated_base(base)

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
        self.world_ = self.world_value
        self.observed_bad_rate_ = float(state["observed_bad_rate"])
        if self.truth_.intercept != state["intercept"]:
            raise ValueError("the generator's truth changed since this oracle was saved "
                             f"(intercept {self.truth_.intercept!r} != {state['intercept']!r})")

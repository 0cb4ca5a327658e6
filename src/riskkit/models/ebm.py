"""An Explainable Boosting Machine (interpret's EBM) as a riskkit model, kept as tables.

An EBM is a generalised additive model fitted by cyclic gradient boosting, one feature (or
one pair) at a time, with bagging (Lou, Caruana, Gehrke & Hooker 2013, "Accurate
intelligible models with pairwise interactions", KDD; Nori, Jenkins, Koch & Caruana 2019,
"InterpretML: a unified framework for machine learning interpretability", arXiv:1909.09223).
Its log-odds *is* a sum of lookup tables::

    logit(x) = intercept + sum_t table_t[bin(x_t)]            (t: a feature or a pair)

so its explanations are exact by construction, which is why it is here: a lender that
must give the true principal reasons for a denial can use a model whose reasons need no
approximation. Choices and why:

* ``monotone=True`` constrains every main table to the registry's direction (off by
  default: measured on the baseline world it made the reasons less accurate);
  ``outer_bags`` (8; interpret's default 14) is how many bagged fits are averaged: more is
  smoother and more stable between seeds, and slower;
* ``interactions``: ``"additive"`` (default: one table per feature, the reasons are the
  tables), ``"groups"`` (also every pair of features within one driver group of the
  registry, so an interaction never mixes two reasons a letter names apart) or a whole
  number N (interpret's FAST picks N pairs);
* the fitted model is kept as its tables (cut points or category codes per binning level,
  one score array per term, the intercept) and scored by this module, not by interpret:
  binning is ``searchsorted(cuts, x, side="right") + 1`` with 0 for a missing value and the
  last bin for an unseen one, and terms are added in interpret's order, so the scores equal
  ``ExplainableBoostingClassifier.decision_function`` bit for bit (a test checks it) and a
  model saved as JSON and loaded again scores bit for bit the same without pickle;
* contributions: a feature's own table, plus half of each pair table it is part of (EBM
  centres main tables and purifies pairs on the training rows, so these are the Shapley
  values against the training applicants, the base being the intercept). Against a
  background (:meth:`EBMModel.background_contributions`) they are exact interventional
  Shapley values, computed per term from the background's bin frequencies.
"""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from riskkit.core.errors import ConfigError
from riskkit.core.registry import Registry
from riskkit.models.base import CreditModel

#: ``interactions`` values besides a whole number of pairs.
EBM_INTERACTIONS = ("additive", "groups")
#: interpret parameters riskkit sets itself (``params`` may not name them).
EBM_RESERVED = frozenset({"interactions", "feature_names", "feature_types", "random_state",
                          "n_jobs", "outer_bags", "monotone_constraints"})


def _bins_of(levels: list[Any], x: np.ndarray, nominal: bool) -> np.ndarray:
    """Bin index of every value at one binning level (see the module docstring)."""
    if nominal:  # x: codes of the model's recorded levels (-1 missing); levels: code -> bin
        table = np.asarray(levels, dtype=np.int64)
        return np.where(x < 0, 0, table[np.clip(x, 0, None)])
    out = np.searchsorted(np.asarray(levels, dtype=float), x, side="right") + 1
    out[np.isnan(x)] = 0
    return out


class EBMModel(CreditModel):
    """Explainable Boosting Machine: additive tables, exact explanations, JSON persistence."""

    name = "ebm"

    def __init__(self, *, interactions: str | int = "additive", monotone: bool = False,
                 outer_bags: int = 8, params: dict[str, Any] | None = None,
                 seed: int = 7, n_jobs: int = 1,
                 features: tuple[str, ...] | list[str] | None = None, calibrate: bool = True,
                 base_score: float = 600.0, base_odds: float = 50.0, pdo: float = 20.0,
                 registry: Registry | None = None) -> None:
        super().__init__(features=features, calibrate=calibrate, base_score=base_score,
                         base_odds=base_odds, pdo=pdo, registry=registry)
        self.interactions = interactions
        self.monotone = monotone
        self.outer_bags = outer_bags
        self.params = params
        self.seed = seed
        self.n_jobs = n_jobs

    # ----------------------------------------------------------------- fitting
    def _pairs(self) -> int | list[tuple[int, int]]:
        value = self.interactions
        if isinstance(value, int | np.integer) and not isinstance(value, bool) and value >= 0:
            return int(value)
        if value == "additive":
            return 0
        if value == "groups":
            groups: dict[str, list[int]] = {}
            for j, name in enumerate(self.features_):
                groups.setdefault(self.registry_[name].group, []).append(j)
            return [pair for idx in groups.values() for pair in itertools.combinations(idx, 2)]
        raise ConfigError(f"ebm interactions must be {' or '.join(EBM_INTERACTIONS)} or a whole "
                          f"number of pairs >= 0, got {value!r}")

    def _fit_raw(self, X: pd.DataFrame, y: np.ndarray, X_valid: pd.DataFrame | None,
                 y_valid: np.ndarray | None, sample_weight: np.ndarray | None = None,
                 valid_weight: np.ndarray | None = None) -> None:
        # imported here, not at the top: only fitting needs interpret (scoring, explaining and
        # loading read the tables), and importing it costs every riskkit command ~0.2 s
        from interpret.glassbox import ExplainableBoostingClassifier

        nominal = [name in self.levels_ for name in self.features_]
        merged = dict(self.params or {})
        reserved = sorted(EBM_RESERVED & set(merged))
        if reserved:
            raise ConfigError(f"ebm params: {', '.join(map(repr, reserved))} set by riskkit; "
                              "use the model's own keys")
        if self.monotone:
            merged["monotone_constraints"] = self.registry_.monotone_constraints(self.features_)
        ebm = ExplainableBoostingClassifier(
            feature_names=list(self.features_),
            feature_types=["nominal" if n else "continuous" for n in nominal],
            interactions=self._pairs(), outer_bags=int(self.outer_bags),
            random_state=int(self.seed), n_jobs=int(self.n_jobs), **merged)
        frame = self._interpret_frame(X)
        with warnings.catch_warnings():  # interpret warns that its plots hide missing values
            warnings.simplefilter("ignore")
            ebm.fit(frame, y, sample_weight=sample_weight)
        self.set_tables(self._tables_from(ebm))

    def interpret_frame(self, X: pd.DataFrame) -> pd.DataFrame:
        """Rows as interpret takes them: categories as text (None when missing), numbers as
        floats; what the EBM was fitted on, so its own ``decision_function`` can be compared.

        Parameters
        ----------
        X:
            Rows with the model's features.

        Returns
        -------
        pandas.DataFrame
        """
        return self._interpret_frame(self._prepare(X))

    def _interpret_frame(self, Xt: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({
            name: (Xt[name].astype(object).where(Xt[name].notna(), None) if name in self.levels_
                   else Xt[name].to_numpy(dtype=float)) for name in self.features_})

    def _tables_from(self, ebm: Any) -> dict[str, Any]:
        """interpret's fitted state as plain JSON values (categories as our level codes)."""
        features = []
        for j, name in enumerate(self.features_):
            if name in self.levels_:
                levels = [[int(mapping.get(level, len(mapping) + 1)) for level in self.levels_[name]]
                          for mapping in ebm.bins_[j]]
                features.append({"name": name, "type": "nominal", "levels": levels})
            else:
                features.append({"name": name, "type": "continuous",
                                 "levels": [np.asarray(c, dtype=float).tolist() for c in ebm.bins_[j]]})
        terms = [{"features": [int(f) for f in tf], "scores": np.asarray(s, dtype=float).tolist()}
                 for tf, s in zip(ebm.term_features_, ebm.term_scores_, strict=True)]
        return {"intercept": float(np.asarray(ebm.intercept_, dtype=float).ravel()[0]),
                "features": features, "terms": terms}

    def set_tables(self, tables: dict[str, Any]) -> None:
        """Adopt an EBM's tables (:meth:`tables` of a fitted model, or its saved JSON).

        Parameters
        ----------
        tables:
            ``{"intercept", "features": [{name, type, levels}], "terms": [{features, scores}]}``
            over ``features_`` in order.
        """
        names = [f["name"] for f in tables["features"]]
        if names != list(self.features_):
            raise ValueError(f"EBM tables are for {names}, the model for {list(self.features_)}")
        for term in tables["terms"]:
            if not 1 <= len(term["features"]) <= 2:
                raise ValueError("EBM terms of more than two features are not supported")
        self.tables_ = tables
        self.intercept_ = float(tables["intercept"])
        self._scores = [np.asarray(t["scores"], dtype=float) for t in tables["terms"]]
        self._term_features = [tuple(t["features"]) for t in tables["terms"]]

    def tables(self) -> dict[str, Any]:
        """The fitted tables as JSON-ready values (what :meth:`save` writes)."""
        check_is_fitted(self, "tables_")
        return self.tables_

    # ----------------------------------------------------------------- scoring
    def _term_bins(self, X: pd.DataFrame) -> list[tuple[np.ndarray, ...]]:
        """Bin indices of every term's features (binning level = the term's size)."""
        cache: dict[tuple[int, int], np.ndarray] = {}
        out = []
        for tf in self._term_features:
            idx = []
            for j in tf:
                spec = self.tables_["features"][j]
                level = min(len(spec["levels"]), len(tf))
                if (j, level) not in cache:
                    name = self.features_[j]
                    nominal = spec["type"] == "nominal"
                    x = (np.asarray(X[name].cat.codes, dtype=np.int64) if nominal
                         else X[name].to_numpy(dtype=float))
                    cache[(j, level)] = _bins_of(spec["levels"][level - 1], x, nominal)
                idx.append(cache[(j, level)])
            out.append(tuple(idx))
        return out

    def term_values(self, X: pd.DataFrame) -> np.ndarray:
        """(n, terms) raw log-odds of every term, in the model's term order."""
        check_is_fitted(self, "tables_")
        bins = self._term_bins(self._prepare(X))
        return np.column_stack([s[b] for s, b in zip(self._scores, bins, strict=True)]) \
            if bins else np.empty((len(X), 0))

    def _raw_logit(self, X: pd.DataFrame) -> np.ndarray:
        logit = np.full(len(X), self.intercept_, dtype=float)
        for scores, bins in zip(self._scores, self._term_bins(X), strict=True):
            logit += scores[bins]  # interpret's order and operation: same bits
        return logit

    def _raw_contributions(self, X: pd.DataFrame) -> np.ndarray:
        out = np.zeros((len(X), len(self.features_)))
        for tf, scores, bins in zip(self._term_features, self._scores, self._term_bins(X),
                                    strict=True):
            value = scores[bins]
            for j in tf:
                out[:, j] += value / len(tf)
        return out

    def _raw_base(self) -> float:
        return self.intercept_

    def background_contributions(self, X: pd.DataFrame,
                                 background: pd.DataFrame) -> tuple[pd.DataFrame, float]:
        """Exact interventional Shapley values against ``background``, calibrated.

        For a main table ``phi_j = t(x_j) - mean_bg t``. For a pair table ``t(x_j, x_k)``
        the value function ``v(S) = mean_bg t(x_S, z_not S)`` needs the background's mean of
        the table (``v0``) and its bin frequencies of each feature: ``v_j = t[x_j, :] @ h_k``,
        ``v_k = h_j @ t[:, x_k]``, and ``phi_j = (v_j - v0 + t - v_k) / 2`` (Shapley's two
        orders). The base is the background's mean raw log-odds through the Platt map, so
        ``contributions.sum(axis=1) + base == predict_logit(X)``.

        Parameters
        ----------
        X:
            Rows to explain.
        background:
            Whom they are compared with (at least one row).

        Returns
        -------
        (pandas.DataFrame, float)
        """
        check_is_fitted(self, "tables_")
        Xt, Bt = self._prepare(X), self._prepare(background)
        if not len(Bt):
            raise ConfigError("background has no rows")
        out = np.zeros((len(Xt), len(self.features_)))
        base = self.intercept_
        for tf, t, bx, bb in zip(self._term_features, self._scores, self._term_bins(Xt),
                                 self._term_bins(Bt), strict=True):
            if len(tf) == 1:
                mean = float(t[bb[0]].mean())
                out[:, tf[0]] += t[bx[0]] - mean
                base += mean
                continue
            v0 = float(t[bb[0], bb[1]].mean())
            h_j = np.bincount(bb[0], minlength=t.shape[0]) / len(Bt)
            h_k = np.bincount(bb[1], minlength=t.shape[1]) / len(Bt)
            full, v_j, v_k = t[bx[0], bx[1]], (t @ h_k)[bx[0]], (h_j @ t)[bx[1]]
            out[:, tf[0]] += 0.5 * (v_j - v0 + full - v_k)
            out[:, tf[1]] += 0.5 * (v_k - v0 + full - v_j)
            base += v0
        return self._contribution_frame(out, Xt.index), self._calibrated_base(base)

    # ----------------------------------------------------------------- persistence
    def _state(self, folder: Path) -> tuple[dict[str, Any], list[Path]]:
        return {"tables": self.tables()}, []

    def _restore(self, state: dict[str, Any], folder: Path) -> None:
        self.set_tables(state["tables"])

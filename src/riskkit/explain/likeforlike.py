"""Reasons graded like for like: each model's letters against the truth measured the same way.

A letter's reason says "this is what sets you apart from *somebody*". LightGBM's letters
measure from the run's background (say, the approved applicants), the scorecard's from its
best bins, and the population's ``true_contrib__*`` columns from the truth's reference
sample: grading one against another mixes a wrong reason with a change of reference. Here
each model's letters are graded against the truth *with the letter's own basis*
(:class:`Basis`), on the applicants that model itself would deny:

* a model with a background mode (LightGBM, the EBM, the oracle) explained against a
  background: the truth against the same rows (:func:`riskkit.synth.background.true_contributions`);
* the scorecard (reasons against its best bins): the truth against the training
  applicants in every feature's best bin (each feature drawn independently from the rows
  in its best bin: the scorecard's reference applicant, with the spread the bin has);
* a tree model explained path-dependently (``explain.background: none``): the truth
  against a sample of the training rows, the population path-dependent TreeSHAP weighs
  its branches by (an approximation, as path-dependent TreeSHAP is not interventional).

So a model equal to the truth scores 1.0 under every basis, and what is left is the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import DataError
from riskkit.core.registry import Registry
from riskkit.explain.accuracy import reason_accuracy, same_reasons
from riskkit.explain.background import sample_rows
from riskkit.explain.contrib import contributions, has_background_mode
from riskkit.explain.groups import group_contributions, group_label
from riskkit.synth.background import true_contributions
from riskkit.synth.truth import TruthModel


@dataclass(frozen=True)
class Basis:
    """How one model's letters measure contributions, and the truth's matching background.

    Attributes
    ----------
    kind:
        ``"background"``, ``"best_bin"`` or ``"path_dependent"``.
    label:
        What the letters compare with, for tables: ``"approved"``, ``"reference"``,
        ``"best bin"``, ``"training (path-dependent)"``.
    model_background:
        The rows the model is explained against (``"background"`` only).
    truth_background:
        The rows the truth is explained against.
    """

    kind: str
    label: str
    model_background: pd.DataFrame | None
    truth_background: pd.DataFrame


def best_bin_background(model: Any, train: pd.DataFrame, *, rows: int, seed: int) -> pd.DataFrame:
    """The scorecard's reference applicant as a sample: each feature from its best bin.

    Parameters
    ----------
    model:
        A fitted scorecard (``best_bin_mask``).
    train:
        Its training rows (with every model feature, for the truth).
    rows:
        Rows of the sample.
    seed:
        Seed of the draws.

    Returns
    -------
    pandas.DataFrame
        ``rows`` rows; a feature the scorecard scores is drawn from the training rows in its
        best bin, independently of the others; a feature it does not score (dropped or
        not used) from all training rows.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(11,)))
    columns = [c for c in F.MODEL_FEATURES if c in train.columns]
    out = train[columns].iloc[rng.integers(len(train), size=rows)].reset_index(drop=True)
    mask = model.best_bin_mask(train)
    coef = dict(zip(model.features_, np.asarray(getattr(model, "coef_", np.ones(len(mask.columns)))),
                    strict=True))
    for name in mask.columns:
        where = np.flatnonzero(mask[name].to_numpy())
        if coef.get(name, 0.0) == 0.0 or not len(where):
            continue
        out[name] = train[name].iloc[where[rng.integers(len(where), size=rows)]].to_numpy()
        if isinstance(train[name].dtype, pd.CategoricalDtype):
            out[name] = pd.Categorical(out[name], dtype=train[name].dtype)
    return out


def letter_basis(model: Any, background: pd.DataFrame | None, label: str,
                 train: pd.DataFrame | None, *, rows: int, seed: int) -> Basis:
    """The basis ``model``'s letters use in a run with ``background``.

    Parameters
    ----------
    model:
        A fitted riskkit model.
    background:
        The run's background (``explain.background``), or None for path-dependent.
    label:
        Its name (``"approved"``, ``"reference"``).
    train:
        The training split (the scorecard's best bins, the path-dependent population); only
        read by those two bases, so None will do for a model with a background.
    rows, seed:
        Size and seed of the truth's sample where one is drawn.

    Returns
    -------
    Basis
    """
    if background is not None and has_background_mode(model):
        return Basis("background", label, background, background)
    if train is None:
        raise DataError("train", [f"the {getattr(model, 'name', 'model')}'s letters are "
                                  "measured from the training rows; pass them"])
    if getattr(model, "name", "") == "scorecard" and hasattr(model, "best_bin_mask"):
        return Basis("best_bin", "best bin", None,
                     best_bin_background(model, train, rows=rows, seed=seed))
    return Basis("path_dependent", "training (path-dependent)", None,
                 sample_rows(train[[c for c in F.MODEL_FEATURES if c in train.columns]], rows, seed))


def letter_contributions(model: Any, rows: pd.DataFrame, basis: Basis) -> tuple[pd.DataFrame, float]:
    """(contributions, base) of ``rows`` as the model's letters measure them."""
    if basis.kind == "background":
        return contributions(model, rows, background=basis.model_background)
    if basis.kind == "best_bin":
        return contributions(model, rows, reference="best")
    return contributions(model, rows)


def grade(model: Any, rows: pd.DataFrame, basis: Basis, truth: TruthModel, *,
          registry: Registry = F.SYNTHETIC, max_reasons: int = 4,
          nulls: tuple[str, ...] = (),
          letters: tuple[pd.DataFrame, float] | None = None) -> dict[str, dict[str, Any]]:
    """Reason accuracy of ``model``'s letters on ``rows``, like for like, by feature and group.

    Parameters
    ----------
    model:
        A fitted model.
    rows:
        The applicants it denied (every model feature).
    basis:
        :func:`letter_basis` for the model.
    truth:
        The world's truth.
    registry:
        The model's registry (groups; protected features are never reasons).
    max_reasons:
        Scored reasons per letter.
    nulls:
        Features without a true effect.
    letters:
        :func:`letter_contributions` of ``rows`` on ``basis`` where the caller has them
        (a run needs them again: computed once); None computes them here.

    Returns
    -------
    dict
        ``{"feature": {...}, "group": {...}}``: :func:`riskkit.explain.accuracy.reason_accuracy`
        in each unit, plus ``background`` (the basis label) and ``background_rows``.
    """
    contrib, base = letters if letters is not None else letter_contributions(model, rows, basis)
    names = [c for c in contrib.columns if c in registry and not registry[c].protected]
    true, true_base = true_contributions(truth, rows, basis.truth_background)
    true = true.set_axis(contrib.index)
    out: dict[str, dict[str, Any]] = {}
    for unit, ours, theirs in (
            ("feature", contrib[names], true[names]),
            ("group", group_contributions(contrib[names], registry),
             group_contributions(true[names], registry))):
        null_units = [n for n in nulls if n in ours.columns] if unit == "feature" else \
            [g for g in ours.columns if all(registry[n].group != g or n in nulls for n in names)]
        out[unit] = {"background": basis.label, "background_rows": len(basis.truth_background),
                     **reason_accuracy(ours, theirs, model_base=base, true_base=true_base,
                                       nulls=null_units, max_reasons=max_reasons)}
    return out


def stability(first: pd.DataFrame, second: pd.DataFrame, registry: Registry = F.SYNTHETIC,
              k: int = 3) -> dict[str, float]:
    """:func:`riskkit.explain.accuracy.same_reasons` by feature and by group.

    Parameters
    ----------
    first, second:
        Two explanations (contributions) of the same applicants.
    registry:
        Where groups are read.
    k:
        Size of the reason set compared.

    Returns
    -------
    dict
        ``same_top{k}``, ``same_first``, ``same_top{k}_groups``, ``same_first_groups``,
        ``n_rows``.
    """
    names = [c for c in first.columns if c in registry and not registry[c].protected]
    by_feature = same_reasons(first[names], second[names], k)
    by_group = same_reasons(group_contributions(first[names], registry),
                            group_contributions(second[names], registry), k)
    return {**by_feature, f"same_top{k}_groups": by_group[f"same_top{k}"],
            "same_first_groups": by_group["same_first"]}


def own_denials(models: Mapping[str, Any], policy: Any, valid: pd.DataFrame,
                frame: pd.DataFrame, deployed: str, deployed_decisions: np.ndarray, *,
                predictions: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None
                ) -> dict[str, np.ndarray]:
    """Each model's own denials of ``frame``: the run's policy with its cut-off chosen for
    that model on the validation split (same method and target), knock-outs as deployed.

    Parameters
    ----------
    models:
        Fitted models by name.
    policy:
        The run's fitted policy.
    valid:
        The validation split the cut-off is chosen on.
    frame:
        The applicants (the test split).
    deployed:
        The deployed model's name: its denials are the run's own decisions.
    deployed_decisions:
        The run's decisions of ``frame`` (``"denied"``/``"approved"``).
    predictions:
        Each model's PDs of ``valid`` and of ``frame`` where already computed (a run's
        scores); predicted here otherwise.

    Returns
    -------
    dict
        Model name -> boolean mask of the applicants it denies.
    """
    out = {}
    for name, model in models.items():
        if name == deployed:
            out[name] = np.asarray(deployed_decisions) == "denied"
            continue
        p_valid, p_frame = predictions[name] if predictions is not None and name in predictions \
            else (model.predict_pd(valid), model.predict_pd(frame))
        own = policy.fit(valid, p_valid, valid[F.TARGET].to_numpy()
                         if F.TARGET in valid else None)
        out[name] = own.decide(frame, p_frame)["decision"].to_numpy() == "denied"
    return out


def truth_check(model: Any, row: pd.DataFrame, basis: Basis, truth: TruthModel,
                letter: list[str], *, unit: str = "feature", k: int = 3) -> dict[str, Any]:
    """One applicant's letter against the truth measured the same way (``riskkit explain``).

    Parameters
    ----------
    model:
        The model whose letter it is.
    row:
        The applicant (one row, every model feature).
    basis:
        The letter's basis (:func:`letter_basis`).
    truth:
        The world's truth.
    letter:
        The scored reasons the letter gives, first first (features, or groups when ``unit``
        is ``"group"``).
    unit:
        ``"feature"`` or ``"group"``.
    k:
        How many principal reasons are compared.

    Returns
    -------
    dict
        ``unit``, ``background``, ``true_reasons`` (the truth's risk-raising reasons, largest
        first, at most ``max(k, len(letter))``), ``agree`` (how many of the letter's first k
        are among the true first k), ``compared`` (how many were compared), ``first_is_true``.
    """
    registry = model.registry_
    true, _ = true_contributions(truth, row, basis.truth_background)
    names = [c for c in model.features_ if c in registry and not registry[c].protected]
    values = group_contributions(true[names], registry) if unit == "group" else true[names]
    series = values.iloc[0]
    positive = series[series > 0].sort_values(ascending=False, kind="stable")
    true_top = list(positive.index[:k])
    mine = list(letter[:k])
    shown = [str(n) for n in positive.index[:max(k, len(letter))]]
    labels = {lg: [group_label(n, lg) if unit == "group" else registry[n].label(lg) for n in shown]
              for lg in ("en", "zh")}
    return {"unit": unit, "background": basis.label, "true_reasons": shown, "true_labels": labels,
            "agree": sum(1 for n in mine if n in true_top), "compared": len(mine),
            "first_is_true": bool(mine) and bool(true_top) and mine[0] == true_top[0]}

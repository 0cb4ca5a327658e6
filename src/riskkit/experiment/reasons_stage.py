"""The run's reason accuracy: like for like on each model's own denials, and stability.

Called from :func:`riskkit.experiment.stages.explain_all` (:func:`explain_section`); it
adds to each model's block of ``metrics.json["explain"]`` (existing keys unchanged):

``like_for_like`` / ``like_for_like_groups``
    :func:`riskkit.explain.likeforlike.grade` by feature and by driver group: the letters'
    reasons against the truth measured from the letters' own background, on the test
    applicants the model itself denies (generated data only);
``letter_unit`` / ``letter_fidelity_top3``
    the unit the run's letters speak in (``explain.unit``) and ``top3`` in that unit;
``stability``
    ``background_redraw``: the same denied applicants explained against a background drawn
    with the next seed (models with a background mode); ``retrain`` (opt-in,
    ``explain.stability.retrain_seeds``: each seed is one more fit of the deployed model):
    the deployed model refitted with each seed, its letters for the run's denials compared
    with the deployed letters (by feature and by group; the figures are means over seeds,
    ``per_seed`` keeps each).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from riskkit import explain as X
from riskkit.core import features as F
from riskkit.experiment.scores import RunScores
from riskkit.explain.likeforlike import grade, letter_basis, letter_contributions, own_denials
from riskkit.explain.likeforlike import stability as reason_stability
from riskkit.synth.truth import TruthModel
from riskkit.synth.world import World

log = logging.getLogger(__name__)


def own_test_denials(cfg: dict[str, Any], models: dict[str, Any], policy: Any,
                     splits: dict[str, pd.DataFrame], decisions: pd.DataFrame,
                     scores: RunScores | None = None) -> dict[str, np.ndarray]:
    """Each model's own denials of the test split (the deployed one's are the run's).

    Parameters
    ----------
    cfg, models, policy, splits, decisions
        The run's resolved config, fitted models, policy, frames and decisions.
    scores
        The run's scores (:class:`riskkit.experiment.scores.RunScores`); None predicts here.

    Returns
    -------
    dict
        Model name -> boolean mask of the test applicants it denies.
    """
    test_dec = decisions[decisions["split"] == "test"]["decision"].to_numpy()
    known = None if scores is None else {
        name: (scores.pd(name, "valid"), scores.pd(name, "test")) for name in models}
    return own_denials(models, policy, splits["valid"], splits["test"], cfg["policy"]["model"],
                       test_dec, predictions=known)


def explain_section(cfg: dict[str, Any], models: dict[str, Any], policy: Any,
                    splits: dict[str, pd.DataFrame], decisions: pd.DataFrame,
                    background: pd.DataFrame | None, truth_sample: pd.DataFrame | None, *,
                    world: World | None, scores: RunScores | None = None) -> dict[str, Any]:
    """``metrics.json["explain"]``: fidelity and additivity per model
    (:func:`riskkit.explain.explain_metrics`, generated data only) and this module's blocks
    (:func:`reason_section`), every model graded on its own test denials (issues 24 and 27).

    Parameters
    ----------
    cfg, models, policy, splits, decisions:
        The run's resolved config, fitted models, policy, frames and decisions.
    background:
        The run's background for the letters (None: path-dependent).
    truth_sample:
        The truth's reference sample for interventional fidelity (None where unused).
    world:
        The run's World (None for data of one's own: stability only). The test split is
        the cohort drawn at month 0, so its truth is ``world.truth(0)``.
    scores:
        The run's scores (:class:`riskkit.experiment.scores.RunScores`), or None to
        predict here.

    Returns
    -------
    dict
        Model name -> its explain block.
    """
    test = splits["test"]
    own = own_test_denials(cfg, models, policy, splits, decisions, scores)
    metrics = X.explain_metrics(models, test, own, reference_background=truth_sample) \
        if "true_pd" in test else {}
    truth = world.truth(0) if world is not None and "true_pd" in test else None
    for name, block in reason_section(cfg, models, own, splits, decisions, background,
                                      truth).items():
        metrics.setdefault(name, {}).update(block)
    return metrics


def _mean_over(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = [k for k, v in runs[0].items() if isinstance(v, float)]
    return {k: float(np.mean([r[k] for r in runs])) for k in keys} | {"n_rows": runs[0]["n_rows"]}


def _retrain(cfg: dict[str, Any], model: Any, splits: dict[str, pd.DataFrame], rows: pd.DataFrame,
             basis: Any, letters: pd.DataFrame) -> dict[str, Any] | None:
    seeds = list(cfg["explain"]["stability"]["retrain_seeds"])
    if not seeds:
        return None
    if "seed" not in model.get_params():
        log.info("retrain stability skipped: the %s fits without a random seed (a refit is "
                 "the same model)", model.name)
        return None
    train, valid = splits["train"], splits["valid"]
    runs = []
    for seed in seeds:
        other = clone(model).set_params(seed=int(seed))
        other.fit(train, train[F.TARGET], X_valid=valid, y_valid=valid[F.TARGET])
        theirs, _ = letter_contributions(other, rows, basis)
        runs.append({"seed": int(seed), **reason_stability(letters, theirs, model.registry_)})
        log.info("reasons after a refit with seed %d: %.1f%% the same top 3", seed,
                 100 * runs[-1]["same_top3"])
    return {"seeds": seeds, **_mean_over(runs), "per_seed": runs}


def reason_section(cfg: dict[str, Any], models: dict[str, Any], own: dict[str, np.ndarray],
                   splits: dict[str, pd.DataFrame], decisions: pd.DataFrame,
                   background: pd.DataFrame | None,
                   truth: TruthModel | None) -> dict[str, dict[str, Any]]:
    """The blocks this module adds, per model (see the module docstring).

    Parameters
    ----------
    cfg:
        The resolved run config.
    models:
        Fitted models by name.
    own:
        Each model's own test denials (:func:`own_test_denials`).
    splits:
        The run's frames.
    decisions:
        The run's decisions (for redrawing the approved background).
    background:
        The run's background (None: path-dependent).
    truth:
        The world's truth, or None for data without one (then stability only).

    Returns
    -------
    dict
        Model name -> blocks to merge into its ``metrics.json["explain"]`` entry.
    """
    ex = cfg["explain"]
    rows, seed, unit = ex["background_rows"], cfg["seed"], ex["unit"]
    test, train = splits["test"], splits["train"]
    redrawn = None
    if background is not None and ex["stability"]["background_redraw"]:
        redrawn = X.draw_background(
            ex["background"], train, decisions[decisions["split"] == "train"].reset_index(drop=True),
            rows=rows, seed=seed + 1, features=list(background.columns),
            has_truth="true_pd" in train)
    # features without a true effect, read off the truth's own columns (city tier here)
    nulls = tuple(X.null_features(test, list(F.MODEL_FEATURES))) if truth is not None else ()
    out: dict[str, dict[str, Any]] = {}
    for name, model in models.items():
        denied = test.iloc[np.flatnonzero(own[name])]
        if not len(denied):
            continue
        basis = letter_basis(model, background, ex["background"], train, rows=rows, seed=seed)
        block: dict[str, Any] = {"letter_unit": unit}
        measured = letter_contributions(model, denied, basis)  # graded and compared: once
        if truth is not None:
            graded = grade(model, denied, basis, truth, registry=model.registry_,
                           max_reasons=ex["max_reasons"], nulls=nulls, letters=measured)
            block["like_for_like"], block["like_for_like_groups"] = graded["feature"], graded["group"]
            block["letter_fidelity_top3"] = graded[unit]["top3"]
        letters = measured[0]
        stab: dict[str, Any] = {}
        if redrawn is not None and basis.kind == "background":
            again, _ = letter_contributions(model, denied, basis.__class__(
                basis.kind, basis.label, redrawn, redrawn))
            stab["background_redraw"] = reason_stability(letters, again, model.registry_)
        if name == cfg["policy"]["model"]:
            retrained = _retrain(cfg, model, splits, denied, basis, letters)
            if retrained is not None:
                stab["retrain"] = retrained
        if stab:
            block["stability"] = stab
        out[name] = block
    return out

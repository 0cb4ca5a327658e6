"""The figures stage of a run: every chart a run writes, drawn and exported in one place.

Split from :mod:`riskkit.experiment.stages` (the stages that compute), because drawing is a
job of its own: it reads what the other stages produced and writes files, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from riskkit import charts
from riskkit import explain as X
from riskkit.core import features as F
from riskkit.experiment.scores import TRUTH_MODEL, RunScores, run_scores
from riskkit.explain.shap_objects import to_shap
from riskkit.models import CreditModel
from riskkit.policy import Policy
from riskkit.synth.personas import PERSONAS, persona

#: Applicants in a run's shap beeswarm (a seeded sample of the test split).
SHAP_SAMPLE_ROWS = 1000


def write_figures(cfg: dict[str, Any], models: dict[str, CreditModel], policy: Policy,
                  splits: dict[str, pd.DataFrame], decisions: pd.DataFrame,
                  reasons: pd.DataFrame, tables: dict[str, pd.DataFrame],
                  explain_extra: dict[str, Any], folder: Path, run_label: str,
                  scores: RunScores | None = None) -> list[Path]:
    """Every chart of a run as PNG, SVG and PDF, in the report (or slides) style.

    What the charts show is computed here first (the contributions and shap values; the
    predictions and points come from ``scores``, the run's, or are made here); the drawing
    and writing is then shared with a forked child
    (:func:`riskkit.charts.draw_and_export_all`), the costliest charts first.

    Parameters
    ----------
    cfg, models, policy, splits, decisions, reasons, tables
        The run's resolved config, fitted models, policy, frames, decisions, reasons and
        tables.
    explain_extra
        What the explain stage hands on (its frame, decisions, background and world).
    folder
        Where the charts go.
    run_label
        The run's name and stamp, for each chart's source line.
    scores
        The run's scores (:func:`riskkit.experiment.scores.run_scores`); None makes them.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    # the language charts really use: English labels where no CJK font can draw Chinese
    # (shap's beeswarm labels are drawn by shap, which cannot fall back by itself)
    lang = charts.resolve_lang(cfg["figures"]["lang"])
    scores = scores or run_scores(cfg, models, splits)
    with charts.style_context(cfg["figures"]["variant"], lang):
        drawings = {**shap_beeswarm_drawings(models, splits["test"], lang=lang,
                                             seed=cfg["seed"]),
                    **_explanation_drawings(cfg, models, explain_extra, reasons, lang),
                    **_performance_drawings(models, scores, splits["test"], decisions, tables,
                                            lang)}
        return charts.draw_and_export_all(
            drawings, folder, formats=tuple(cfg["figures"].get("formats", charts.FORMATS)),
            source=f"riskkit · run {run_label} · seed {cfg['seed']}")


def _performance_drawings(models: dict[str, CreditModel], scores: RunScores,
                          test: pd.DataFrame, decisions: pd.DataFrame,
                          tables: dict[str, pd.DataFrame],
                          lang: str) -> dict[str, Callable[[], Figure]]:
    """Discrimination, calibration, scores, segments, fairness and stability, from the
    models' predictions on the test split (computed here, drawn later)."""
    y = test[F.TARGET]
    preds = {name: scores.pd(name, "test") for name in models}
    drawings: dict[str, Callable[[], Figure]] = {}
    if len(tables.get("fairness", ())):
        drawings["fairness_approval"] = partial(charts.plot_approval_by_group,
                                                tables["fairness"], "test", lang=lang)
    drawings |= {
        "roc": partial(charts.plot_roc, {n: (y, p) for n, p in preds.items()}, lang=lang),
        "gains": partial(charts.plot_gains, {n: (y, p) for n, p in preds.items()}, lang=lang),
        "strategy_curve": partial(charts.plot_strategy_curve,
                                  {n: (y, p) for n, p in preds.items()}, lang=lang,
                                  approval_rate=_approval(decisions)),
    }
    reliability: dict[str, Any] = {}
    for name, m in models.items():
        if m.calibration_.applied:
            reliability[f"{name} (raw)"] = (y, scores.raw_pd(name, "test"))
            reliability[f"{name} (calibrated)"] = (y, preds[name])
        else:
            reliability[name] = (y, preds[name])
    drawings["reliability"] = partial(charts.plot_reliability, reliability, lang=lang)
    for name in models:
        if name == TRUTH_MODEL:
            continue
        drawings[f"ks_{name}"] = partial(charts.plot_ks, y, preds[name], lang=lang)
        drawings[f"score_distribution_{name}"] = partial(charts.plot_score_distribution, y,
                                                         scores.points(name, "test"),
                                                         lang=lang)
        if f"segments_{name}" in tables:
            seg = tables[f"segments_{name}"]
            drawings[f"segments_{name}"] = partial(charts.plot_segment_metrics,
                                                   seg.set_index(seg.columns[0]), lang=lang)
    drawings["csi"] = partial(charts.plot_psi, tables["csi"].set_index("feature")["csi"],
                              lang=lang)
    if "swap_set" in tables:
        drawings["swap_set"] = partial(charts.plot_swap_set, tables["swap_set"], lang=lang)
    return drawings


def _explanation_drawings(cfg: dict[str, Any], models: dict[str, CreditModel],
                          explain_extra: dict[str, Any], reasons: pd.DataFrame,
                          lang: str) -> dict[str, Callable[[], Figure]]:
    """Waterfalls for the personas (synthetic runs) and one denied applicant, reason
    frequency, and contributions against the truth."""

    frame, dec = explain_extra["frame"], explain_extra["decisions"]
    rows: dict[str, pd.DataFrame] = {}
    world = explain_extra.get("world")
    if world is not None:
        rows = {name: persona(name, world) for name in PERSONAS}
    denied = np.flatnonzero(dec["decision"].to_numpy() == "denied")
    if len(denied):
        rows["denied_example"] = frame.iloc[[denied[0]]].reset_index(drop=True)
    return X.explanation_drawings(models[cfg["policy"]["model"]], frame, dec, reasons, rows,
                                  lang=lang, seed=cfg["seed"],
                                  background=explain_extra.get("background"))


def shap_beeswarm_drawings(models: dict[str, CreditModel], frame: pd.DataFrame, *,
                           lang: str = "en", seed: int = 0, rows: int = SHAP_SAMPLE_ROWS
                           ) -> dict[str, Callable[[], Figure]]:
    """``shap_beeswarm_<model>``: shap's beeswarm of every fitted model, riskkit-styled,
    its shap values computed here and the drawing left to the caller.

    Parameters
    ----------
    models : dict of str to CreditModel
        The run's models; the oracle is left out (its beeswarm is the truth's, which the
        contributions-vs-truth chart already sets against the model).
    frame : pandas.DataFrame
        Applicants to explain (the test split); a seeded sample of ``rows`` of them, because
        a beeswarm of more dots says nothing more and its SVG and PDF grow with every dot.
    lang : {"en", "zh"}
        Language of feature names and labels.
    seed : int
        Seed of the sample (the run's seed: same run, same figure).
    rows : int
        Largest sample drawn.

    Returns
    -------
    dict of str to callable
        By file name, a function of no arguments that draws one model's beeswarm.
    """
    sample = frame
    if len(frame) > rows:
        take = np.sort(np.random.default_rng(seed).choice(len(frame), rows, replace=False))
        sample = frame.iloc[take]
    return {f"shap_beeswarm_{name}": partial(charts.plot_shap, to_shap(model, sample, lang=lang),
                                             "beeswarm", lang=lang)
            for name, model in models.items() if name != TRUTH_MODEL}


def shap_beeswarms(models: dict[str, CreditModel], frame: pd.DataFrame, *, lang: str = "en",
                   seed: int = 0, rows: int = SHAP_SAMPLE_ROWS) -> dict[str, Figure]:
    """:func:`shap_beeswarm_drawings`, drawn: one restyled beeswarm figure per model.

    Parameters
    ----------
    models, frame, lang, seed, rows
        As for :func:`shap_beeswarm_drawings`.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        One restyled beeswarm per model.
    """
    return {name: draw() for name, draw in shap_beeswarm_drawings(
        models, frame, lang=lang, seed=seed, rows=rows).items()}


def _approval(decisions: pd.DataFrame) -> float:
    test = decisions[decisions["split"] == "test"]
    return float((test["decision"] == "approved").mean())

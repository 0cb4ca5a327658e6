"""The figures stage of a run: every chart a run writes, drawn and exported in one place.

Split from :mod:`riskkit.experiment.stages` (the stages that compute), because drawing is a
job of its own: it reads what the other stages produced and writes files, nothing else.
It comes in three waves, each drawn by a forked child beside the run's later stages and
by the run itself at the end: the charts of scores as soon as the models are fitted
(:func:`start_score_figures`), those of decisions once the policy is decided
(:func:`start_figures`), those of fairness and explanations last (:func:`write_figures`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskkit import charts
from riskkit import explain as X
from riskkit.core import features as F
from riskkit.experiment.stages import TRUTH_MODEL
from riskkit.explain.shap_objects import to_shap
from riskkit.models import CreditModel
from riskkit.policy import Policy
from riskkit.synth.personas import PERSONAS, persona

#: Applicants in a run's shap beeswarm (a seeded sample of the test split).
SHAP_SAMPLE_ROWS = 1000


def start_score_figures(cfg: dict[str, Any], models: dict[str, CreditModel],
                        splits: dict[str, pd.DataFrame], folder: Path,
                        run_label: str) -> charts.StartedExport | None:
    """The charts of the models' scores (:func:`score_builders`), exported from now on by
    a forked child while the run goes on; the runner calls ``finish()`` on the handle in
    the figures stage (or ``stop()`` when a stage fails). None when the run draws no charts.

    Why now: these charts need nothing after the fit, and drawing is a third of a run's
    time; on two cores the child draws while the run evaluates, decides and explains. Their
    inputs are taken here, so whichever process draws a chart draws it from the same values.
    """
    if not cfg["figures"].get("enabled", True):
        return None
    return _start(cfg, score_builders(models, splits, cfg["figures"]["lang"]), folder,
                  run_label)


def start_figures(cfg: dict[str, Any], models: dict[str, CreditModel],
                  splits: dict[str, pd.DataFrame], decisions: pd.DataFrame,
                  tables: dict[str, pd.DataFrame], folder: Path,
                  run_label: str) -> charts.StartedExport | None:
    """The charts of the decisions and evaluation tables (:func:`decision_builders`),
    started after the policy stage as :func:`start_score_figures` is after the fit."""
    if not cfg["figures"].get("enabled", True):
        return None
    builders = decision_builders(models, splits, decisions, tables, cfg["figures"]["lang"])
    return _start(cfg, builders, folder, run_label)


def write_figures(cfg: dict[str, Any], models: dict[str, CreditModel], policy: Policy,
                  splits: dict[str, pd.DataFrame], decisions: pd.DataFrame,
                  reasons: pd.DataFrame, tables: dict[str, pd.DataFrame],
                  explain_extra: dict[str, Any], folder: Path, run_label: str) -> list[Path]:
    """The charts of fairness and explanations as PNG, SVG and PDF, in the report (or
    slides) style (those of :func:`start_figures` are drawn by then or being drawn).

    What needs the models (contributions, shap values) is computed here; a forked child
    and this process then draw the charts from those values (:func:`charts.start_export`).
    """
    lang = cfg["figures"]["lang"]
    builders: dict[str, Callable[[], Any]] = {}
    if len(tables.get("fairness", ())):
        builders["fairness_approval"] = functools.partial(
            charts.plot_approval_by_group, tables["fairness"].copy(), "test", lang=lang)
    builders.update(_explanation_builders(cfg, models, explain_extra, reasons, lang))
    builders.update(shap_beeswarm_builders(models, splits["test"], lang=lang, seed=cfg["seed"]))
    return _start(cfg, builders, folder, run_label).finish()


def _start(cfg: dict[str, Any], builders: dict[str, Callable[[], Any]], folder: Path,
           run_label: str) -> charts.StartedExport:
    source = _source(cfg, run_label)

    def in_style() -> Any:
        return charts.style_context(cfg["figures"]["variant"], cfg["figures"]["lang"])

    def build(name: str) -> Any:
        return charts.add_source_line(builders[name](), source)

    return charts.start_export({name: functools.partial(build, name) for name in builders},
                               folder, formats=_formats(cfg), context=in_style)


def _source(cfg: dict[str, Any], run_label: str) -> str:
    return f"riskkit · run {run_label} · seed {cfg['seed']}"


def _formats(cfg: dict[str, Any]) -> tuple[str, ...]:
    return tuple(cfg["figures"].get("formats", charts.FORMATS))


def score_builders(models: dict[str, CreditModel], splits: dict[str, pd.DataFrame],
                   lang: str) -> dict[str, Callable[[], Any]]:
    """Each chart of the models' scores on test (ROC, gains, reliability, KS, score
    distributions), as a function drawing it from values computed here."""
    test = splits["test"]
    y = test[F.TARGET].copy()
    preds = {name: m.predict_pd(test) for name, m in models.items()}
    curves = {n: (y, p) for n, p in preds.items()}
    reliability: dict[str, Any] = {}
    for name, m in models.items():
        if m.calibration_.applied:
            reliability[f"{name} (raw)"] = (y, m.predict_pd(test, raw=True))
            reliability[f"{name} (calibrated)"] = (y, preds[name])
        else:
            reliability[name] = (y, preds[name])
    out: dict[str, Callable[[], Any]] = {
        "roc": functools.partial(charts.plot_roc, curves, lang=lang),
        "gains": functools.partial(charts.plot_gains, curves, lang=lang),
        "reliability": functools.partial(charts.plot_reliability, reliability, lang=lang),
    }
    for name, m in models.items():
        if name != TRUTH_MODEL:
            out[f"ks_{name}"] = functools.partial(charts.plot_ks, y, preds[name], lang=lang)
            out[f"score_distribution_{name}"] = functools.partial(
                charts.plot_score_distribution, y, m.points(test), lang=lang)
    return out


def decision_builders(models: dict[str, CreditModel], splits: dict[str, pd.DataFrame],
                      decisions: pd.DataFrame, tables: dict[str, pd.DataFrame],
                      lang: str) -> dict[str, Callable[[], Any]]:
    """The strategy curve at the run's approval rate, each model's segments, the features'
    stability and the swap set, as functions drawing them from values computed here
    (copies: the run may change its tables afterwards)."""
    test = splits["test"]
    y = test[F.TARGET].copy()
    curves = {name: (y, m.predict_pd(test)) for name, m in models.items()}
    out: dict[str, Callable[[], Any]] = {
        "strategy_curve": functools.partial(charts.plot_strategy_curve, curves, lang=lang,
                                            approval_rate=_approval(decisions)),
    }
    for name in models:
        if name != TRUTH_MODEL and f"segments_{name}" in tables:
            seg = tables[f"segments_{name}"].copy()
            out[f"segments_{name}"] = functools.partial(
                charts.plot_segment_metrics, seg.set_index(seg.columns[0]), lang=lang)
    out["csi"] = functools.partial(charts.plot_psi,
                                   tables["csi"].set_index("feature")["csi"].copy(), lang=lang)
    if "swap_set" in tables:
        out["swap_set"] = functools.partial(charts.plot_swap_set, tables["swap_set"].copy(),
                                            lang=lang)
    return out


def _explanation_builders(cfg: dict[str, Any], models: dict[str, CreditModel],
                          explain_extra: dict[str, Any], reasons: pd.DataFrame,
                          lang: str) -> dict[str, Callable[[], Any]]:
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
    return X.explanation_builders(models[cfg["policy"]["model"]], frame, dec, reasons, rows,
                                  lang=lang, seed=cfg["seed"],
                                  background=explain_extra.get("background"))


def shap_beeswarms(models: dict[str, CreditModel], frame: pd.DataFrame, *, lang: str = "en",
                   seed: int = 0, rows: int = SHAP_SAMPLE_ROWS) -> dict[str, Any]:
    """``shap_beeswarm_<model>``: shap's beeswarm of every fitted model, riskkit-styled.

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
    dict of str to matplotlib.figure.Figure
        One restyled beeswarm per model, for the figure stage to export.
    """
    return {name: draw() for name, draw in shap_beeswarm_builders(
        models, frame, lang=lang, seed=seed, rows=rows).items()}


def shap_beeswarm_builders(models: dict[str, CreditModel], frame: pd.DataFrame, *,
                           lang: str = "en", seed: int = 0,
                           rows: int = SHAP_SAMPLE_ROWS) -> dict[str, Callable[[], Any]]:
    """:func:`shap_beeswarms` as functions drawing each beeswarm from shap values computed
    here (so another process can draw it)."""
    sample = frame
    if len(frame) > rows:
        take = np.sort(np.random.default_rng(seed).choice(len(frame), rows, replace=False))
        sample = frame.iloc[take]
    return {f"shap_beeswarm_{name}": functools.partial(
                charts.plot_shap, to_shap(model, sample, lang=lang), "beeswarm", lang=lang)
            for name, model in models.items() if name != TRUTH_MODEL}


def _approval(decisions: pd.DataFrame) -> float:
    test = decisions[decisions["split"] == "test"]
    return float((test["decision"] == "approved").mean())

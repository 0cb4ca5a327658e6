"""Charts of explanations, drawn with :mod:`riskkit.charts`.

One waterfall per persona (bars that raise risk in ``RISK_UP``), how often each reason was
given across all denials, and the model's contributions against the truth's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from riskkit.charts import plot_contrib_vs_truth, plot_reason_frequency, plot_waterfall
from riskkit.core import features as F
from riskkit.explain.contrib import contributions, has_background_mode
from riskkit.explain.reasons import approved_reference, reason_codes
from riskkit.synth.personas import PERSONA_IDS

#: Rows used for the contributions-vs-truth chart (a seeded sample of bigger frames).
TRUTH_SAMPLE_ROWS = 20_000


def _named_rows(persona_rows: Mapping[str, pd.DataFrame] | pd.DataFrame | None
                ) -> dict[str, pd.DataFrame]:
    if persona_rows is None:
        return {}
    if isinstance(persona_rows, Mapping):
        return dict(persona_rows)
    names = {v: k for k, v in PERSONA_IDS.items()}
    out = {}
    for i in range(len(persona_rows)):
        row = persona_rows.iloc[[i]]
        key = row[F.ID_COLUMN].iloc[0] if F.ID_COLUMN in row.columns else row.index[0]
        out[names.get(key, f"applicant_{key}")] = row
    return out


def letter_waterfall(model: Any, rows: pd.DataFrame,
                     background: pd.DataFrame | None) -> tuple[pd.DataFrame, float]:
    """(contributions, base) a letter quotes: what :func:`reason_codes` ranks.

    A model with a background mode is measured against ``background`` when there is one;
    the scorecard against its best bins; otherwise path-dependently.

    Parameters
    ----------
    model:
        The deployed model.
    rows:
        Applicants to draw.
    background:
        The run's background, or None.

    Returns
    -------
    (pandas.DataFrame, float)
    """
    usable = background if background is not None and has_background_mode(model) else None
    return contributions(model, rows, background=usable)


def reason_counts(reasons: pd.DataFrame) -> pd.Series:
    """Denials each feature was a reason for (an applicant counted once per feature).

    Parameters
    ----------
    reasons : pandas.DataFrame
        :func:`reason_codes`' table.

    Returns
    -------
    pandas.Series
        Denials per feature, most frequent first.
    """
    unique = reasons.drop_duplicates(["applicant_id", "feature"])
    return unique["feature"].astype(str).value_counts()


def explanation_figures(model: Any, frame: pd.DataFrame, decisions: pd.DataFrame,
                        reasons: pd.DataFrame | None,
                        persona_rows: Mapping[str, pd.DataFrame] | pd.DataFrame | None,
                        *, lang: str = "en", seed: int = 0,
                        background: pd.DataFrame | None = None) -> dict[str, Figure]:
    """``waterfall_<persona>`` per persona, ``reason_frequency`` and ``contrib_vs_truth``:
    :func:`explanation_drawings`, drawn.

    ``background`` is the population the letters measure from (a run's
    ``explain.background``): each waterfall draws the contributions the letter of that
    applicant quotes (:func:`letter_waterfall`), so a chart and a letter never disagree.

    ``reasons`` is :func:`reason_codes`' table for ``frame`` (if None, the scored reasons
    are computed here; knock-outs need the policy and are then not counted).
    The contributions-vs-truth chart uses mean-referenced contributions (scorecard
    ``reference="mean"``) because the truth is measured from the population mean; it needs
    ``frame`` to carry ``true_contrib__*`` columns and is skipped otherwise.

    Parameters
    ----------
    model : CreditModel
        The fitted model.
    frame : pandas.DataFrame
        The applicants explained.
    decisions : pandas.DataFrame
        Their decisions, in the frame's order.
    reasons : pandas.DataFrame or None
        :func:`reason_codes`' table for ``frame``.
    persona_rows : mapping, pandas.DataFrame or None
        The applicants drawn as waterfalls, by name.
    lang : {"en", "zh"}
        Language of the charts.
    seed : int
        Seed of the charts' samples.
    background : pandas.DataFrame, optional
        The population the letters measure from.

    Returns
    -------
    dict of matplotlib.figure.Figure
        The charts by file name.
    """
    return {name: draw() for name, draw in explanation_drawings(
        model, frame, decisions, reasons, persona_rows, lang=lang, seed=seed,
        background=background).items()}


def explanation_drawings(model: Any, frame: pd.DataFrame, decisions: pd.DataFrame,
                         reasons: pd.DataFrame | None,
                         persona_rows: Mapping[str, pd.DataFrame] | pd.DataFrame | None,
                         *, lang: str = "en", seed: int = 0,
                         background: pd.DataFrame | None = None
                         ) -> dict[str, Callable[[], Figure]]:
    """:func:`explanation_figures`' charts, computed and not yet drawn: each value draws its
    chart when called.

    Why apart: the model's work (the contributions) is done here, in the calling process,
    and the drawing is left to whoever exports; a run draws its charts in two processes
    (:func:`riskkit.charts.draw_and_export_all`), and a forked child must not call a model.

    Parameters
    ----------
    model, frame, decisions, reasons, persona_rows, lang, seed, background
        As for :func:`explanation_figures`.

    Returns
    -------
    dict of callable
        By file name, a function of no arguments that draws the chart.
    """
    drawings: dict[str, Callable[[], Figure]] = {}
    for name, row in _named_rows(persona_rows).items():
        contrib, base = letter_waterfall(model, row, background)
        values = row.iloc[0][[c for c in contrib.columns if c in row.columns]]
        drawings[f"waterfall_{name}"] = partial(plot_waterfall, contrib.iloc[0], base,
                                               values=values, lang=lang)
    if reasons is None:
        # without the policy only the scored reasons can be counted
        reasons = reason_codes(model, None, frame, decisions,
                               approved_reference(frame, decisions, model.registry_), lang="en",
                               background=background)
    if len(reasons):
        drawings["reason_frequency"] = partial(plot_reason_frequency, reason_counts(reasons),
                                              lang=lang)
    truth_cols = [F.contrib_column(n) for n in F.MODEL_FEATURES]
    if all(c in frame.columns for c in truth_cols):
        rows = frame
        if len(frame) > TRUTH_SAMPLE_ROWS:
            take = np.sort(np.random.default_rng(seed).choice(len(frame), TRUTH_SAMPLE_ROWS,
                                                              replace=False))
            rows = frame.iloc[take]
        contrib, _ = contributions(model, rows, reference="mean")
        # only the truth columns: the chart would otherwise find the feature values first
        drawings["contrib_vs_truth"] = partial(plot_contrib_vs_truth, contrib, rows[truth_cols],
                                              lang=lang)
    return drawings


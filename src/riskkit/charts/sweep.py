"""The chart of a sweep: one metric against the first grid key, a line per model.

A sweep table speaks in config keys (``data.truth.interaction_strength``) and metric
columns (``scorecard_test_auc_gap``); the chart speaks to a reader, so every key and column
goes through :func:`sweep_label` (the text catalogue's ``charts`` section, ``sweep.*``:
a small label table), and a grid key of booleans or words sits on a categorical axis.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from riskkit.charts._axes import new_axes
from riskkit.charts.style import resolve_lang
from riskkit.texts import Words

__all__ = ["plot_sweep_metric", "sweep_label"]

CHARTS = Words("charts")
#: Model and split names as the report says them.
NAMES = Words("report")
_COLUMN = re.compile(r"(?P<model>[a-z0-9]+)_(?P<split>train|valid|test|oot)_(?P<metric>\w+)")


def _words(prefix: str, key: str, lang: str) -> str:
    return CHARTS.get(f"{prefix}{key}", lang) or key.replace("_", " ")


def sweep_label(name: str, lang: str = "en") -> str:
    """A sweep table's column or grid key as a reader says it.

    ``scorecard_test_auc_gap`` -> "Scorecard (test)" for a line, with the metric
    ("AUC gap to the oracle") for a title; ``data.truth.interaction_strength`` ->
    "interaction strength"; ``policy_approval_rate`` -> "approval rate". A name the
    catalogue does not know is shown with spaces for underscores, never as code.

    Parameters
    ----------
    name : str
        A column of the sweep table or a dotted grid key.
    lang : {"en", "zh"}

    Returns
    -------
    str
    """
    hit = _COLUMN.fullmatch(name)
    if hit:
        model = NAMES.get(f"model.{hit['model']}", lang) or hit["model"]
        split = NAMES.get(f"split.{hit['split']}", lang) or hit["split"]
        return CHARTS("sweep.line", lang, model=model, split=split)
    if name.startswith("policy_"):
        return _words("sweep.metric.", name.removeprefix("policy_"), lang)
    return _words("sweep.key.", name.rsplit(".", 1)[-1], lang)


def _metric(columns: Sequence[str], lang: str) -> str | None:
    """The one metric every column measures, in words (None when they differ)."""
    metrics = {(_COLUMN.fullmatch(c)["metric"] if _COLUMN.fullmatch(c)
                else c.removeprefix("policy_")) for c in columns}
    return _words("sweep.metric.", metrics.pop(), lang) if len(metrics) == 1 else None


def _positions(values: pd.Series, lang: str) -> tuple[np.ndarray, list[str] | None]:
    """Numbers stay on a numeric axis; booleans and words get evenly spaced, named ticks
    (a boolean on a 0.0-1.0 axis reads as a share)."""
    clean = values.dropna()
    if len(clean) and all(isinstance(v, (bool, np.bool_)) for v in clean):
        named = values.map({True: CHARTS("sweep.on", lang), False: CHARTS("sweep.off", lang)})
        levels = [v for v in (CHARTS("sweep.off", lang), CHARTS("sweep.on", lang)) if v in set(named)]
        return np.array([levels.index(v) for v in named], dtype=float), levels
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().all():
        return numeric.to_numpy(dtype=float), None
    levels = list(dict.fromkeys(values.astype(str)))
    return np.array([levels.index(v) for v in values.astype(str)], dtype=float), levels


def _value_text(value: object) -> str:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f"{int(value):,}"
    return str(value)


def plot_sweep_metric(table: pd.DataFrame, x: str, columns: Sequence[str],
                      by: Sequence[str] = (), ax: Axes | None = None,
                      ylabel: str | None = None, title: str | None = None,
                      labels: Mapping[str, str] | None = None, lang: str = "en") -> Figure:
    """``columns`` (e.g. ``lgbm_test_auc``, ``scorecard_test_auc``) against grid key ``x``.

    Parameters
    ----------
    table : DataFrame
        One row per run, the sweep table.
    x : str
        The grid key on the horizontal axis.
    columns : sequence of str
        Metric columns, one line each (per combination of ``by``).
    by : sequence of str
        The other grid keys: each combination of their values gets its own lines.
    ax : Axes, optional
    ylabel : str, optional
        Default: the metric the columns share, in words.
    title : str, optional
        Default: "<metric> by <x>", in words.
    labels : mapping, optional
        Words for a column or key the catalogue lacks (or to override it).
    lang : {"en", "zh"}

    Returns
    -------
    Figure
    """
    lang = resolve_lang(lang)
    words = dict(labels or {})

    def say(name: str) -> str:
        return words.get(name) or sweep_label(name, lang)

    fig, ax = new_axes(ax)
    groups = table.groupby(list(by), sort=False, dropna=False) if by else [((), table)]
    ticks: list[str] | None = None
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        part = part.sort_values(x, kind="stable")
        pos, levels = _positions(part[x], lang)
        ticks = levels or ticks
        suffix = ", ".join(CHARTS("sweep.by", lang, key=say(k), value=_value_text(v))
                           for k, v in zip(by, key, strict=True))
        for column in columns:
            label = say(column) if not suffix else f"{say(column)}, {suffix}"
            ax.plot(pos, part[column].to_numpy(dtype=float), marker="o", label=label)
    if ticks is not None:
        ax.set_xticks(range(len(ticks)), ticks)
        ax.set_xlim(-0.5, len(ticks) - 0.5)
    metric = _metric(columns, lang)
    ax.set(xlabel=say(x), ylabel=ylabel or metric or "")
    subject = metric or ylabel or ""
    ax.set_title(title or CHARTS("sweep.title", lang, metric=subject[:1].upper() + subject[1:],
                                 x=say(x)))
    if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine) and len(fig.axes) == 1:
        # under the chart: lines of a sweep cross the whole axes, any inside spot covers some
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center",
                   fontsize="small", ncols=2, frameon=False)
    else:
        ax.legend(loc="best", fontsize="small")
    return fig

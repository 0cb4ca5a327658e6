"""Charts of reason accuracy: by lever, against training rows, against the AUC it costs.

They draw :func:`riskkit.experiment.levers.lever_table`'s columns (``lever``, ``unit``,
``top3``, ``auc_cost``, ``retrain_same_top3``) so a chart and its table never disagree.
The aim a letter should reach is a dashed line in the truth's colour.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from riskkit.charts._axes import new_axes, percent
from riskkit.charts.style import NEUTRAL, PALETTE, TRUTH, resolve_lang
from riskkit.texts import Words

__all__ = ["plot_accuracy_vs_rows", "plot_auc_cost", "plot_reason_accuracy"]

CHARTS = Words("charts")


def plot_reason_accuracy(table: pd.DataFrame, column: str = "top3", *, aim: float | None = 0.85,
                         ax: Axes | None = None, lang: str = "en") -> Figure:
    """One pair of horizontal bars per lever: ``column`` by feature and by driver group.

    Parameters
    ----------
    table : pandas.DataFrame
        One grid point of :func:`riskkit.experiment.levers.lever_table`.
    column : str
        ``"top3"`` (accuracy) or ``"retrain_same_top3"`` (stability).
    aim : float or None
        Dashed line at this share.
    ax : Axes, optional
    lang : str

    Returns
    -------
    Figure
    """
    lang = resolve_lang(lang)
    fig, ax = new_axes(ax)
    levers = list(dict.fromkeys(table["lever"]))
    y = np.arange(len(levers))
    for k, unit in enumerate(("feature", "group")):
        part = table[table["unit"] == unit].set_index("lever").reindex(levers)
        ax.barh(y + (k - 0.5) * 0.38, part[column].to_numpy(dtype=float), height=0.36,
                color=PALETTE[k], label=CHARTS(f"reasons.{unit}", lang))
    if aim is not None:
        ax.axvline(aim, color=TRUTH, linestyle="--", label=CHARTS("reasons.aim", lang, aim=aim))
    ax.set_yticks(y, [CHARTS.get(f"reasons.lever.{lever}", lang) or lever for lever in levers])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    percent(ax.xaxis)
    stability = column.startswith("retrain")
    ax.set(xlabel=CHARTS("reasons.stab_x" if stability else "reasons.acc_x", lang),
           title=CHARTS("reasons.stab_title" if stability else "reasons.acc_title", lang))
    # below the axes: the bars reach to the right edge, where a legend inside covers them
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=3, fontsize="small")
    return fig


def plot_accuracy_vs_rows(table: pd.DataFrame, rows: str = "data.rows", *, aim: float = 0.9,
                          needed: float | None = None, ax: Axes | None = None,
                          lang: str = "en") -> Figure:
    """``top3`` against training rows, one line per reason unit, with the aim.

    Parameters
    ----------
    table : pandas.DataFrame
        One lever's rows of :func:`riskkit.experiment.levers.lever_table` over ``rows``.
    rows : str
        The column of training sizes.
    aim : float
        Dashed line at this share.
    needed : float, optional
        Rows the fitted learning curve says reach the aim (marked on the aim line).
    ax : Axes, optional
    lang : str

    Returns
    -------
    Figure
    """
    lang = resolve_lang(lang)
    fig, ax = new_axes(ax)
    for k, unit in enumerate(("feature", "group")):
        part = table[table["unit"] == unit].sort_values(rows)
        ax.plot(part[rows].to_numpy(dtype=float), part["top3"].to_numpy(dtype=float),
                marker="o", color=PALETTE[k], label=CHARTS(f"reasons.{unit}", lang))
    ax.axhline(aim, color=TRUTH, linestyle="--", label=CHARTS("reasons.aim", lang, aim=aim))
    if needed is not None and np.isfinite(needed):
        ax.plot([needed], [aim], marker="x", color=NEUTRAL, linestyle="none",
                label=CHARTS("reasons.needed", lang, rows=needed))
    ax.set_xscale("log")
    percent(ax.yaxis)
    ax.set(xlabel=CHARTS("reasons.rows_x", lang), ylabel=CHARTS("reasons.acc_x", lang), title=CHARTS("reasons.rows_title", lang))
    ax.legend(loc="lower right", fontsize="small")
    return fig


def plot_auc_cost(table: pd.DataFrame, *, tolerance: float = 0.003, ax: Axes | None = None,
                  lang: str = "en") -> Figure:
    """Accuracy (``top3``) against the AUC each lever costs, a point per lever and unit.

    Parameters
    ----------
    table : pandas.DataFrame
        One grid point of :func:`riskkit.experiment.levers.lever_table`.
    tolerance : float
        Dashed line: the AUC a lever may cost.
    ax : Axes, optional
    lang : str

    Returns
    -------
    Figure
    """
    lang = resolve_lang(lang)
    fig, ax = new_axes(ax)
    for k, unit in enumerate(("feature", "group")):
        part = table[table["unit"] == unit]
        ax.scatter(part["auc_cost"].to_numpy(dtype=float), part["top3"].to_numpy(dtype=float),
                   color=PALETTE[k], label=CHARTS(f"reasons.{unit}", lang), zorder=3)
        for rec in part.itertuples():
            ax.annotate(str(rec.lever), (float(rec.auc_cost), float(rec.top3)),
                        textcoords="offset points", xytext=(4, 3), fontsize="x-small")
    ax.axvline(tolerance, color=TRUTH, linestyle="--")
    percent(ax.yaxis)
    ax.set(xlabel=CHARTS("reasons.cost_x", lang), ylabel=CHARTS("reasons.acc_x", lang), title=CHARTS("reasons.cost_title", lang))
    ax.legend(loc="lower right", fontsize="small")
    return fig

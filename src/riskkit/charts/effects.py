"""Feature-effect charts: approval by feature against the truth, interactions model vs truth.

The numbers come from :mod:`riskkit.evaluate.effects`; this module only draws them.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from riskkit.charts._axes import new_axes, percent
from riskkit.charts.style import (
    NEUTRAL,
    PALETTE,
    RISK_DOWN,
    RISK_UP,
    TRUTH,
    label,
    level_label,
    resolve_lang,
)
from riskkit.core.features import SYNTHETIC
from riskkit.core.registry import Registry
from riskkit.texts import Words

CHARTS = Words("charts")

Output = Literal["pd", "logit"]


def plot_approval_by_feature(table: pd.DataFrame, feature: str, ax: Axes | None = None,
                             lang: str = "en", registry: Registry = SYNTHETIC) -> Figure:
    """Approval rate per bin (bars), the approval rate the true PD would give (dashed) and,
    on the right axis, the bad rate among the approved and the mean true PD per bin.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`riskkit.evaluate.effects.approval_by_feature`'s table (one row per bin).
    feature : str
        The binned feature.
    ax, lang
        As every riskkit chart: axes to draw into (None: a new figure), labels' language.
    registry : Registry
        Where the feature's label is read.

    Returns
    -------
    matplotlib.figure.Figure
        Bars of approval per bin, the truth's approval dashed, bad rates on the right.
    """
    lang = resolve_lang(lang)
    fig, ax = new_axes(ax)
    x = np.arange(len(table))
    # levels of a categorical have no order: markers only, no line suggesting a trend
    levels = feature in registry and registry[feature].is_categorical
    ax.bar(x, table["approval_rate"], color=RISK_DOWN, alpha=0.55, width=0.7)
    handles: list[Any] = [Patch(color=RISK_DOWN, alpha=0.55, label=CHARTS("effect_approval", lang))]
    if "approval_rate_truth" in table:
        style = {"color": TRUTH, "ls": "none" if levels else "--", "marker": "o"}
        ax.plot(x, table["approval_rate_truth"], **style)
        handles.append(Line2D([], [], label=CHARTS("effect_approval_truth", lang), **style))
    # headroom above 100 % keeps the legend clear of the bars and lines
    ax.set(ylim=(0, 1.4), ylabel=CHARTS("effect_approval_y", lang), xlabel=label(feature, lang),
           title=CHARTS("effect_approval_title", lang, feature=label(feature, lang)))
    bins = [level_label(feature, b, lang) if levels else str(b) for b in table["bin"]]
    ax.set_xticks(x, bins, rotation=30 if len(x) > 6 else 0,
                  ha="right" if len(x) > 6 else "center")
    ax.set_yticks(np.linspace(0, 1, 6))
    percent(ax.yaxis)
    ax.grid(axis="x", visible=False)
    right = ax.twinx()
    right.grid(False)
    for column, colour, style, key in (("bad_rate_approved", RISK_UP, "-", "bad_rate"),
                                       ("mean_true_pd", NEUTRAL, ":", "true_pd")):
        if column in table:
            look = {"color": colour, "ls": "none" if levels else style,
                    "marker": "s" if levels else "."}
            right.plot(x, table[column], **look)
            handles.append(Line2D([], [], label=CHARTS(f"effect_{key}", lang), **look))
    top = np.nanmax([table[c].max() for c in ("bad_rate_approved", "mean_true_pd") if c in table]
                    or [0.0])
    right.set_ylim(0, 1.4 * top if top > 0 else 1.0)
    right.set_ylabel(CHARTS("effect_bad_y", lang))
    right.spines["right"].set_visible(True)
    percent(right.yaxis)
    ax.legend(handles=handles, loc="upper left", fontsize="small", ncols=2)
    return fig


def plot_interaction(table: pd.DataFrame, feature: str = "income_volatility",
                     by: str = "occupation", ax: Axes | None = None, lang: str = "en",
                     output: Output = "logit") -> Figure:
    """:func:`riskkit.evaluate.effects.interaction`'s curves: one colour per level of ``by``, the model solid and
    the truth dashed in the same colour, so each pair is read at a glance.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`riskkit.evaluate.effects.interaction`'s curves.
    feature : str
        The feature along the x axis.
    by : str
        The feature whose levels give one pair of curves each.
    ax, lang
        As every riskkit chart: axes to draw into (None: a new figure), labels' language.
    output : {"logit", "pd"}
        Log-odds or PD on the y axis.

    Returns
    -------
    matplotlib.figure.Figure
        Model (solid) and truth (dashed) per level.
    """
    lang = resolve_lang(lang)
    fig, ax = new_axes(ax)
    for i, (level, part) in enumerate(table.groupby(by, sort=False, observed=True)):
        colour = PALETTE[i % len(PALETTE)]
        # the level as a reader says it ("state-owned employer"), not its code (state_owned)
        name = level_label(by, level, lang)
        ax.plot(part[feature], part["model"], color=colour, label=name)
        ax.plot(part[feature], part["truth"], color=colour, ls="--", lw=1.1)
    ax.set(xlabel=label(feature, lang), ylabel=CHARTS(f"effect_{output}_y", lang),
           title=CHARTS("effect_interaction_title", lang, feature=label(feature, lang), by=label(by, lang)))
    if output == "pd":
        percent(ax.yaxis)
    ax.legend(loc="upper left", fontsize="small", ncols=2)
    return fig

"""Approval rate by group: the fairness chart of a run.

One horizontal bar per group, the groups of each attribute together under the attribute's
label, and for each attribute a dashed mark at four fifths of its highest approval rate:
a bar left of its mark is a group whose approval rate fails the four-fifths rule, drawn in
the warning colour. The figures come from :func:`riskkit.evaluate.fairness.fairness_table`
(the run's ``tables/fairness.csv``), so the chart and the table never disagree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from riskkit.charts._axes import new_axes, percent
from riskkit.charts.style import NEUTRAL, RISK_DOWN, WARN, label, resolve_lang
from riskkit.evaluate.fairness import FOUR_FIFTHS, MIN_GROUP

__all__ = ["plot_approval_by_group"]

TEXT: dict[str, tuple[str, str]] = {
    "title": ("Approval rate by group ({split})", "各群体批准率（{split}）"),
    "x": ("Approved (%)", "批准率（%）"),
    "mark": ("Four fifths of the highest rate", "最高批准率的五分之四"),
    "below": ("Below four fifths", "低于五分之四"),
    "small": ("fewer than {n} applicants: not in the ratio", "少于{n}人：不计入比率"),
    "air": ("AIR {air}", "不利影响比 {air}"),
}


def _t(key: str, lang: str, **fields: object) -> str:
    en, zh = TEXT[key]
    return (zh if lang == "zh" else en).format(**fields)


def plot_approval_by_group(table: pd.DataFrame, split: str = "test", ax: Axes | None = None,
                           lang: str = "en") -> Figure:
    """Approval rate of every group of every attribute, with the four-fifths marks.

    Parameters
    ----------
    table
        :func:`riskkit.evaluate.fairness.fairness_table` output (or ``tables/fairness.csv``).
    split
        which split's rows to draw.
    ax
        axes to draw into; None draws a new pyplot-free figure.
    lang
        ``"en"`` or ``"zh"``.

    Returns
    -------
    matplotlib.figure.Figure
        the figure drawn on.
    """
    lang = resolve_lang(lang)
    needed = {"split", "attribute", "group", "n", "approval_rate", "adverse_impact_ratio"}
    missing = sorted(needed - set(table.columns))
    if missing:
        raise ValueError(f"fairness table lacks columns {missing}; pass fairness_table output")
    rows = table[table["split"] == split]
    if rows.empty:
        raise ValueError(f"fairness table has no rows for split {split!r}")
    fresh = ax is None
    fig, ax = new_axes(ax)
    if fresh:  # one bar per group: grow the figure's height with their number
        width, height = fig.get_size_inches()
        fig.set_size_inches(width, max(height, 0.2 * len(rows) + 1.5))
    ticks: list[str] = []
    position = 0.0
    for attr, part in rows.groupby("attribute", sort=False):
        rates = part["approval_rate"].to_numpy(dtype=float)
        counted = part["n"].to_numpy() >= MIN_GROUP
        top = np.nanmax(np.where(counted, rates, np.nan)) if counted.any() else np.nan
        ys = position + np.arange(len(part))
        colours = [NEUTRAL if not big else (WARN if rate < FOUR_FIFTHS * top - 1e-12 else RISK_DOWN)
                   for rate, big in zip(rates, counted, strict=True)]
        ax.barh(ys, np.nan_to_num(rates), color=colours)
        if np.isfinite(top):
            ax.plot([FOUR_FIFTHS * top] * 2, [ys[0] - 0.45, ys[-1] + 0.45], ls="--",
                    color="black", lw=1)
        air = part["adverse_impact_ratio"].iloc[0]
        air_text = "n/a" if pd.isna(air) else f"{float(air):.2f}"
        for y_pos, rate, n in zip(ys, rates, part["n"], strict=True):
            ax.annotate(f"{rate:.0%} (n={int(n):,})", (np.nan_to_num(rate), y_pos), xytext=(3, 0),
                        textcoords="offset points", va="center", fontsize="x-small")
        ticks.extend(f"{label(str(attr), lang)}: {g}" if i == 0 else str(g)
                     for i, g in enumerate(part["group"]))
        ax.annotate(_t("air", lang, air=air_text), (1.0, ys[0]), xycoords=("axes fraction", "data"),
                    ha="right", va="center", fontsize="x-small", fontweight="bold")
        position = ys[-1] + 1.8
    ax.set_yticks(_positions(rows), ticks, fontsize="small")
    ax.invert_yaxis()
    percent(ax.xaxis, 0)
    ax.set(xlim=(0, 1.18), title=_t("title", lang, split=split), xlabel=_t("x", lang))
    handles = [Line2D([], [], ls="--", color="black", lw=1, label=_t("mark", lang)),
               Patch(color=WARN, label=_t("below", lang))]
    if (rows["n"] < MIN_GROUP).any():
        handles.append(Patch(color=NEUTRAL, label=_t("small", lang, n=MIN_GROUP)))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=2,
              fontsize="x-small", frameon=False)
    ax.grid(axis="y", visible=False)
    return fig


def _positions(rows: pd.DataFrame) -> list[float]:
    """Bar positions as drawn: groups one apart, attributes separated by a gap."""
    out: list[float] = []
    position = 0.0
    for _, part in rows.groupby("attribute", sort=False):
        ys = position + np.arange(len(part))
        out.extend(ys.tolist())
        position = ys[-1] + 1.8
    return out

"""Approval rate by group: the fairness chart of a run.

One horizontal bar per group (the policy as a whole), the groups of each attribute together
under the attribute's label, a diamond at the group's approval rate among applicants who
pass the knock-out rules (the model's part), and for each attribute a dashed mark at four
fifths of its highest approval rate. A bar left of its mark is drawn in the warning colour
when the attribute is flagged (the whole bootstrap interval of its adverse impact ratio
below four fifths), in a pale warning colour when it is below only at the estimate, grey
when the ratio is not measured. Each attribute's label gives the ratio with its interval
and verdict, for the policy and for the passers. The figures come from
:func:`riskkit.evaluate.fairness.fairness_table` (the run's ``tables/fairness.csv``), so
the chart and the table never disagree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from riskkit.charts._axes import new_axes, percent
from riskkit.charts.style import NEUTRAL, RISK_DOWN, WARN, label, level_label, resolve_lang
from riskkit.evaluate.fairness import FOUR_FIFTHS, MIN_GROUP
from riskkit.texts import Words

__all__ = ["plot_approval_by_group"]

CHARTS = Words("charts")


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
    layout = _layout(rows)
    if fresh:  # one bar per group and a line per attribute: grow the figure's height
        width, height = fig.get_size_inches()
        fig.set_size_inches(width, max(height, 0.2 * (len(rows) + 1.5 * len(layout)) + 1.5))
    ticks: list[str] = []
    passers_drawn = pale = False
    for (attr, part), (head, ys) in zip(rows.groupby("attribute", sort=False), layout, strict=True):
        rates = part["approval_rate"].to_numpy(dtype=float)
        counted = part["n"].to_numpy() >= MIN_GROUP
        top = np.nanmax(np.where(counted, rates, np.nan)) if counted.any() else np.nan
        status = _first(part, "four_fifths")
        below = [bool(big and rate < FOUR_FIFTHS * top - 1e-12)
                 for rate, big in zip(rates, counted, strict=True)]
        for y_pos, rate, big, low in zip(ys, rates, counted, below, strict=True):
            colour = NEUTRAL if not big or status == "not measured" else (
                WARN if low and status in (None, "flagged") else
                WARN if low else RISK_DOWN)
            faint = low and status == "not flagged"
            pale |= faint
            ax.barh(y_pos, np.nan_to_num(rate), color=colour, alpha=0.4 if faint else 1.0)
        ends = np.nan_to_num(rates)
        if "approval_rate_passers" in part.columns:
            passed = part["approval_rate_passers"].to_numpy(dtype=float)
            shown = np.isfinite(passed)
            if shown.any():
                ax.plot(passed[shown], ys[shown], "D", color="black", ms=3.5, zorder=3)
                passers_drawn = True
                ends = np.maximum(ends, np.nan_to_num(passed))
        if np.isfinite(top):
            ax.plot([FOUR_FIFTHS * top] * 2, [ys[0] - 0.45, ys[-1] + 0.45], ls="--",
                    color="black", lw=1)
        for y_pos, rate, end, n in zip(ys, rates, ends, part["n"], strict=True):
            ax.annotate(f"{rate:.0%} (n={int(n):,})", (end, y_pos), xytext=(5, 0),
                        textcoords="offset points", va="center", fontsize="x-small")
        ticks.extend(level_label(str(attr), g, lang) for g in part["group"])
        note = f"{label(str(attr), lang)} · " + CHARTS(
            "fairness.air", lang, air=_ratio_text(part, "adverse_impact_ratio", "air_low", "air_high"),
            verdict=_verdict(status, lang))
        if "air_passers" in part.columns:
            note += " · " + CHARTS("fairness.passers_air", lang, air=_ratio_text(
                part, "air_passers", "air_passers_low", "air_passers_high"),
                verdict=_verdict(_first(part, "four_fifths_passers"), lang))
        ax.annotate(note, (0.0, head), xycoords=("axes fraction", "data"), ha="left",
                    va="center", fontsize="x-small", fontweight="bold")
    ax.set_yticks([y for _, ys in layout for y in ys], ticks, fontsize="small")
    ax.set_ylim(layout[-1][1][-1] + 0.8, layout[0][0] - 0.8)
    percent(ax.xaxis, 0)
    ax.set(xlim=(0, 1.18), title=CHARTS("fairness.title", lang, split=split), xlabel=CHARTS("fairness.x", lang))
    handles = [Line2D([], [], ls="--", color="black", lw=1, label=CHARTS("fairness.mark", lang)),
               Patch(color=WARN, label=CHARTS("fairness.below", lang))]
    if pale:
        handles.append(Patch(color=WARN, alpha=0.4, label=CHARTS("fairness.estimate", lang)))
    if passers_drawn:
        handles.append(Line2D([], [], ls="", marker="D", color="black", ms=3.5,
                              label=CHARTS("fairness.passers", lang)))
    if (rows["n"] < MIN_GROUP).any():
        handles.append(Patch(color=NEUTRAL, label=CHARTS("fairness.small", lang, n=MIN_GROUP)))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=2,
              fontsize="x-small", frameon=False)
    ax.grid(axis="y", visible=False)
    return fig


def _layout(rows: pd.DataFrame) -> list[tuple[float, np.ndarray]]:
    """Per attribute: the position of its header line and of its groups' bars."""
    out: list[tuple[float, np.ndarray]] = []
    position = 0.0
    for _, part in rows.groupby("attribute", sort=False):
        ys = position + 1.0 + np.arange(len(part))
        out.append((position, ys))
        position = ys[-1] + 1.6
    return out


def _first(part: pd.DataFrame, column: str) -> str | None:
    """The attribute-level value repeated on its rows (None when the table predates it)."""
    if column not in part.columns or part[column].isna().all():
        return None
    return str(part[column].iloc[0])


def _ratio_text(part: pd.DataFrame, ratio: str, low: str, high: str) -> str:
    value = part[ratio].iloc[0] if ratio in part.columns else np.nan
    if pd.isna(value):
        return "n/a"
    text = f"{float(value):.2f}"
    if {low, high} <= set(part.columns) and part[[low, high]].iloc[0].notna().all():
        text += f" [{float(part[low].iloc[0]):.2f}, {float(part[high].iloc[0]):.2f}]"
    return text


def _verdict(status: str | None, lang: str) -> str:
    if status not in ("flagged", "not flagged", "not measured"):
        return ""
    return CHARTS(f"fairness.{status.replace(' ', '_')}", lang)

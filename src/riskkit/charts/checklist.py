"""What can be checked of a chart without looking at it: the chart checklist, automated.

A chart an analyst hands on must have a title that names its subject, text that is all on
the page, human labels rather than config keys, and a legend that does not hide the data.
:func:`figure_problems` draws a figure once and lists every breach it can see:

* **no title**, or a title that lost its subject (it starts with ``:`` -- a suffix
  appended to a title read from the wrong location, e.g. ``": scorecard"``);
* **clipped text**: a visible text artist (title, label, tick label, legend, annotation)
  whose drawn extent leaves the figure, i.e. is cut off in the exported file;
* **raw keys**: a title, axis label, tick label or legend entry that reads like code -- a
  ``snake_case`` name (``scorecard_test_auc_gap``), a dotted config key
  (``data.truth.interaction_strength``) or a ``key=value`` pair;
* **legend over the data**: a legend whose box overlaps a bar or covers a plotted point;
* **unlabelled numeric axis**: an axis whose tick labels are numbers (a reader needs to
  know what they count, and in which unit) without an axis label; an axis of category
  names labels itself, and small multiples may share one label for the figure
  (``fig.supxlabel`` / ``fig.supylabel``).

``tests/test_chart_checklist.py`` renders every chart riskkit draws and asserts the list is
empty. What it cannot see (colours that mean the same everywhere, units, the right chart
type, whether a label's unit is the right one) stays with the reviewer.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.patches import Rectangle
from matplotlib.text import Text

__all__ = ["RAW_KEY", "figure_problems", "figure_title", "fit_titles", "retitle"]

#: Text that reads like code: snake_case, a dotted key of two or more dots, ``key=value``
#: (a word of two letters or more: "n=626" is a count, "rows=3000" a config key).
RAW_KEY = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\b\w+\.\w+\.\w+\b|\b[a-z_]{2,}=\S")
#: A tick label that is a number: "0.25", "−1.5", "20%", "1,200", "4.0 %".
NUMERIC_TICK = re.compile(r"^[−\-+]?\d[\d.,]*\s*%?$")
#: Pixels a text may stick out of the figure before it counts as clipped (anti-aliasing).
_SLACK = 1.0


def figure_title(fig: Figure) -> str:
    """The figure's title: its suptitle, else the first axes title at any location."""
    suptitle = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
    if suptitle:
        return suptitle
    for ax in fig.get_axes():
        for loc in ("left", "center", "right"):
            if ax.get_title(loc=loc):
                return ax.get_title(loc=loc)
    return ""


def retitle(ax: Any, suffix: str, sep: str = ": ") -> str:
    """Append ``suffix`` to the axes' title wherever the style put it; return the new title.

    Why: ``ax.get_title()`` reads the centre title only, and riskkit's styles put titles on
    the left, so ``ax.set_title(f"{ax.get_title()}: lgbm")`` replaced "Calibration" by
    ": lgbm" -- a title that lost its subject.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    suffix : str
        What this panel is (a model, a period).
    sep : str
        Between the title and the suffix.

    Returns
    -------
    str
    """
    for loc in ("left", "center", "right"):
        title = ax.get_title(loc=loc)
        if title:
            ax.set_title(f"{title}{sep}{suffix}", loc=loc)
            return f"{title}{sep}{suffix}"
    ax.set_title(suffix)
    return suffix


def _titles(fig: Figure) -> list[Text]:
    every = fig.findobj(lambda a: hasattr(a, "xaxis") and hasattr(a, "get_xlim"))
    texts = [getattr(ax, name) for ax in every for name in ("title", "_left_title", "_right_title")
             if hasattr(ax, name)]
    if getattr(fig, "_suptitle", None) is not None:
        texts.append(fig._suptitle)
    return [t for t in texts if t.get_text()]


def _renderer(fig: Figure) -> Any:
    """The figure's renderer; a bare ``Figure`` gets an Agg canvas first."""
    if not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def fit_titles(fig: Figure, tries: int = 3) -> int:
    """Wrap every title that would run past the figure's right edge; return how many.

    Why: a title is drawn from the axes' left edge, which long tick labels (feature names,
    method names) push right, so a title that fits a bare chart is cut off in the exported
    file of one with long labels (notebook 08, the shap beeswarms). Only a title long
    enough to risk it is measured (one layout pass without rasterising), so most exports
    cost nothing more.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    tries : int
        Re-wraps at most, each narrower by the overflow measured.

    Returns
    -------
    int
        Titles wrapped.
    """
    width_pt = fig.get_figwidth() * 72
    risky = [t for t in _titles(fig)
             if len(t.get_text()) * 0.55 * t.get_fontsize() > 0.55 * width_pt]
    if not risky:
        return 0
    wrapped = set()
    for _ in range(tries):
        fig.draw_without_rendering()
        renderer = _renderer(fig)
        over = []
        for text in risky:
            box = text.get_window_extent(renderer)
            if box.x1 > fig.bbox.width - 2:
                over.append((text, box))
        if not over:
            break
        for text, box in over:
            room = max(fig.bbox.width - 4 - box.x0, 0.25 * fig.bbox.width)
            lines = text.get_text().split("\n")
            longest = max(len(line) for line in lines)
            chars = max(12, int(longest * room / max(box.width, 1.0)) - 1)
            text.set_text("\n".join(textwrap.fill(line, chars) for line in lines))
            wrapped.add(id(text))
    return len(wrapped)


def _drawn_texts(fig: Figure) -> list[Text]:
    """Every text the figure draws: visible, non-empty, tick labels only inside the view."""
    out = []
    ticks = set()
    # every axes, secondary axes (children of another axes, not in fig.axes) included
    every = fig.findobj(lambda a: hasattr(a, "xaxis") and hasattr(a, "get_xlim"))
    for ax in every:
        for axis, (low, high) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            low, high = min(low, high), max(low, high)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                ticks.update(id(t) for t in (tick.label1, tick.label2))
                inside = low - 1e-9 * (abs(low) + 1) <= tick.get_loc() <= high + 1e-9 * (abs(high) + 1)
                if inside and tick.get_visible():
                    out += [t for t in (tick.label1, tick.label2) if t.get_visible() and t.get_text()]
    out += [t for t in fig.findobj(Text) if id(t) not in ticks and t.get_visible()
            and t.get_text().strip()]
    return list({id(t): t for t in out}.values())


def figure_problems(fig: Figure) -> list[str]:
    """Every checklist breach visible in ``fig``, one line each (empty: none found).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A drawn or undrawn figure (it is drawn here, on an Agg canvas if it has none).

    Returns
    -------
    list of str
    """
    renderer = _renderer(fig)
    # laid out and measured as Agg's ``canvas.draw()`` would, on the same renderer, but not
    # rasterised: nothing here reads pixels (a third of the check's time on a beeswarm).
    # ``_draw_disabled`` is matplotlib's own (what ``Figure.draw_without_rendering`` uses);
    # where a version lacks it, the figure is drawn in full as before
    disabled = getattr(renderer, "_draw_disabled", None)
    if disabled is None:
        fig.canvas.draw()
    else:
        with disabled():
            fig.draw(renderer)
    problems = []
    title = figure_title(fig)
    if not title.strip():
        problems.append("no title")
    elif title.lstrip().startswith(":"):
        problems.append(f"title lost its subject: {title!r}")
    width, height = fig.bbox.width, fig.bbox.height
    for text in _drawn_texts(fig):
        box = text.get_window_extent(renderer)
        if (box.x0 < -_SLACK or box.y0 < -_SLACK or box.x1 > width + _SLACK
                or box.y1 > height + _SLACK):
            problems.append(f"text clipped at the figure's edge: {text.get_text()[:60]!r}")
    named = [figure_title(fig)]
    for ax in fig.get_axes():
        named += [ax.get_title(loc=loc) for loc in ("left", "center", "right")]
        named += [ax.get_xlabel(), ax.get_ylabel()]
        named += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        legend = ax.get_legend()
        if legend is not None:
            named += [t.get_text() for t in legend.get_texts()]
            problems += _legend_over_data(ax, legend, renderer)
    problems += _unlabelled_axes(fig)
    for legend in fig.legends:
        named += [t.get_text() for t in legend.get_texts()]
    for text in named:
        hit = RAW_KEY.search(text or "")
        if hit:
            problems.append(f"raw key {hit.group(0)!r} in {text!r}")
    return problems


def _unlabelled_axes(fig: Figure) -> list[str]:
    """Axes of the figure's visible panels whose ticks are numbers but which have no label
    (of their own, or shared by the figure's panels)."""
    out = []
    shared = {"x": fig.get_supxlabel().strip(), "y": fig.get_supylabel().strip()}
    for ax in fig.get_axes():
        if not ax.get_visible() or not ax.axison:
            continue
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            ticks = [t.get_text() for t in axis.get_ticklabels()
                     if t.get_visible() and t.get_text()]
            if (axis.get_visible() and ticks and all(NUMERIC_TICK.match(t) for t in ticks)
                    and not axis.get_label_text().strip() and not shared[name]):
                subject = ax.get_title(loc="left") or ax.get_title() or figure_title(fig)
                out.append(f"numeric {name} axis without a label in {subject[:60]!r}")
    return out


def _legend_over_data(ax: Any, legend: Legend, renderer: Any) -> list[str]:
    """The legend's box against the axes' bars and plotted points, in pixels."""
    box = legend.get_window_extent(renderer)
    out = []
    for patch in ax.patches:
        if not isinstance(patch, Rectangle) or not patch.get_visible():
            continue
        if patch.get_width() == 0 or patch.get_height() == 0:
            continue  # a legend proxy, not data
        bar = patch.get_window_extent(renderer)
        if bar.width > 0 and bar.height > 0 and box.overlaps(bar):
            out.append(f"legend covers a bar in {ax.get_title(loc='left') or 'an axes'!r}")
            break
    for line in ax.get_lines():
        if not line.get_visible() or line.get_label().startswith("_"):
            continue
        xy = np.column_stack([np.asarray(line.get_xdata(), dtype=float),
                              np.asarray(line.get_ydata(), dtype=float)])
        xy = xy[np.isfinite(xy).all(axis=1)]
        if not len(xy):
            continue
        points = ax.transData.transform(xy)
        inside = ((points[:, 0] > box.x0) & (points[:, 0] < box.x1)
                  & (points[:, 1] > box.y0) & (points[:, 1] < box.y1))
        if inside.any():
            out.append(f"legend covers points of {line.get_label()!r}")
    return out

"""shap's own plots in the riskkit report style, exported like every riskkit chart.

``shap.plots.waterfall``, ``beeswarm``, ``bar``, ``scatter`` and ``heatmap`` draw on
pyplot's *current* figure with fixed sizes (8 inches wide, 13-point labels) and shap's own
red and blue. :func:`plot_shap` gives them what every riskkit chart has:

1. a fresh pyplot figure is made current and the plot drawn with ``show=False``;
2. the figure is taken (``plt.gcf()``) and at once removed from pyplot's registry
   (``plt.close``), so it behaves like riskkit's bare ``Figure`` objects: nothing leaks
   between cells, nothing is shown twice, and it still saves and displays;
3. it is restyled: the style's width (height scaled with it), the style's type sizes, a
   title and axis labels in the chosen language, and colours: **whatever raises risk is
   ``RISK_UP``, whatever lowers it ``RISK_DOWN``** (shap's red and blue bars, arrows and
   labels are recoloured; the heatmap's contributions use a ``RISK_DOWN``-white-``RISK_UP``
   map). Where colour shows a *feature value* (beeswarm, scatter) the style's sequential
   map (viridis) is used instead, so red never means "a high value" next to a chart where it
   means "raises risk".

:func:`export_shap` adds the source line and writes PNG, SVG and PDF through
:func:`riskkit.charts.export`. Call ``use_style`` (or ``style_context``) first, as for any
riskkit chart: shap's artists take their font from the rcParams in force when they are
drawn.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib import colors as mcolors
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import Collection
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.text import Text

from riskkit.charts.output import FORMATS, add_source_line, export
from riskkit.charts.style import NEUTRAL, RISK_DOWN, RISK_UP, resolve_lang
from riskkit.core.mathx import sigmoid
from riskkit.texts import Words

CHARTS = Words("charts")

KINDS: tuple[str, ...] = ("waterfall", "beeswarm", "bar", "scatter", "heatmap")
#: Tallest a restyled shap figure may get (inches): a long beeswarm still fits an A4 page.
MAX_HEIGHT = 9.0
#: Colour distance (RGB, 0-1) within which an artist counts as one of shap's reds or blues.
_TOLERANCE = 0.12
#: A scatter whose feature has at most this many distinct display values reads as a category.
SCATTER_LEVELS = 12


def risk_cmap() -> mcolors.LinearSegmentedColormap:
    """Diverging map for contributions: ``RISK_DOWN`` (lowers risk), white, ``RISK_UP``."""
    return mcolors.LinearSegmentedColormap.from_list("riskkit_risk", [RISK_DOWN, "#ffffff", RISK_UP])


def _shap_palette() -> list[tuple[np.ndarray, str]]:
    """shap's reds and blues, each with the riskkit colour that replaces it."""
    from shap.plots import colors as shap_colors

    light_up = mcolors.to_hex(0.45 * np.array(mcolors.to_rgb(RISK_UP)) + 0.55)
    light_down = mcolors.to_hex(0.45 * np.array(mcolors.to_rgb(RISK_DOWN)) + 0.55)
    pairs = [(shap_colors.red_rgb, RISK_UP), (shap_colors.blue_rgb, RISK_DOWN),
             (shap_colors.light_red_rgb, light_up), (shap_colors.light_blue_rgb, light_down),
             (getattr(shap_colors, "old_red_rgb", shap_colors.red_rgb), RISK_UP),
             (getattr(shap_colors, "old_blue_rgb", shap_colors.blue_rgb), RISK_DOWN)]
    return [(np.asarray(rgb, dtype=float)[:3], new) for rgb, new in pairs]


def _swap(colour: Any, palette: list[tuple[np.ndarray, str]]) -> Any:
    """The riskkit colour for one of shap's, keeping alpha; anything else unchanged."""
    try:
        rgba = np.asarray(mcolors.to_rgba(colour), dtype=float)
    except (ValueError, TypeError):
        return colour
    for rgb, new in palette:
        if float(np.max(np.abs(rgba[:3] - rgb))) < _TOLERANCE:
            return (*mcolors.to_rgb(new), rgba[3])
    return colour


def _recolour(fig: Figure) -> None:
    palette = _shap_palette()
    for artist in fig.findobj(Patch):
        artist.set_facecolor(_swap(artist.get_facecolor(), palette))
        artist.set_edgecolor(_swap(artist.get_edgecolor(), palette))
    for artist in fig.findobj(Text):
        artist.set_color(_swap(artist.get_color(), palette))
    for artist in fig.findobj(Collection):
        if artist.get_array() is not None:
            continue  # colour-mapped: the map itself is chosen when drawing
        faces = artist.get_facecolors()
        if len(faces):
            artist.set_facecolor([_swap(tuple(c), palette) for c in faces])


def _restyle_type(fig: Figure) -> None:
    rc = mpl.rcParams
    small = float(rc["font.size"]) * 0.83
    for ax in fig.axes:
        ax.tick_params(labelsize=rc["ytick.labelsize"], colors=rc["ytick.color"])
        ax.xaxis.label.set_fontsize(rc["axes.labelsize"])
        ax.yaxis.label.set_fontsize(rc["axes.labelsize"])
        for artist in ax.texts:
            artist.set_fontsize(small)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if ax.get_legend() is not None:
            for artist in ax.get_legend().get_texts():
                artist.set_fontsize(rc["legend.fontsize"])


def _resize(fig: Figure) -> None:
    width, height = fig.get_size_inches()
    target = float(mpl.rcParams["figure.figsize"][0])
    scaled = height * target / width if width > 0 else float(mpl.rcParams["figure.figsize"][1])
    low = 0.8 * float(mpl.rcParams["figure.figsize"][1])
    fig.set_size_inches(target, float(np.clip(scaled, low, MAX_HEIGHT)))


def _main_axes(fig: Figure) -> Any:
    """The plot's own axes: the largest one (not a colour bar or a histogram twin)."""
    def area(ax: Any) -> float:
        box = ax.get_position()
        return box.width * box.height

    return max(fig.axes, key=area)


def _label(fig: Figure, kind: str, explanation: Any, lang: str) -> None:
    ax = _main_axes(fig)
    contrib = CHARTS("contrib_y", lang)
    if kind == "waterfall":
        base = float(np.asarray(explanation.base_values).reshape(-1)[0])
        final = base + float(np.sum(explanation.values))
        ax.set_title(CHARTS("wf_title", lang, base=f"{sigmoid(base):.1%}",
                          final=f"{sigmoid(final):.1%}"), loc="left")
        ax.set_xlabel(CHARTS("wf_x", lang), labelpad=14)  # below shap's E[f(X)] tick
    elif kind == "beeswarm":
        ax.set_title(CHARTS("shap_beeswarm_title", lang), loc="left")
        ax.set_xlabel(contrib)
        for other in fig.axes:
            if other is not ax and other.get_ylabel():  # the colour bar
                other.set_ylabel(CHARTS("shap_value_bar", lang))
    elif kind == "bar":
        ax.set_title(CHARTS("shap_bar_title", lang), loc="left")
        ax.set_xlabel(CHARTS("cvt_x", lang))
        if np.ndim(explanation.values) == 2:  # mean |contribution|: a size, neither up nor down
            for artist in ax.patches:
                artist.set_color(NEUTRAL)
            for artist in ax.texts:
                artist.set_color(mpl.rcParams["text.color"])
    elif kind == "scatter":
        ax.set_title(CHARTS("dep_title", lang, feature=ax.get_xlabel()), loc="left")
        ax.set_ylabel(contrib)
    elif kind == "heatmap":
        ax.set_title(CHARTS("shap_heatmap_title", lang), loc="left")
        ax.set_xlabel(CHARTS("shap_heatmap_x", lang))
        for other in fig.axes:
            if other is not ax and other.get_ylabel():
                other.set_ylabel(contrib)


def restyle_shap(fig: Figure, kind: str, explanation: Any = None, lang: str = "en") -> Figure:
    """Give a figure shap drew the riskkit look (size, type, colours, title, labels).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure shap drew on (``plt.gcf()`` after a ``show=False`` call).
    kind : {"waterfall", "beeswarm", "bar", "scatter", "heatmap"}
        Which plot it is: titles and axis labels depend on it.
    explanation : shap.Explanation, optional
        What was drawn; the waterfall's title quotes its base and final PD.
    lang : {"en", "zh"}
        Language of title and axis labels (English when no CJK font is installed).

    Returns
    -------
    matplotlib.figure.Figure
        The same figure, restyled in place.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown shap plot {kind!r}; choose one of {', '.join(KINDS)}")
    lang = resolve_lang(lang)
    _resize(fig)
    _recolour(fig)
    _restyle_type(fig)
    if kind != "waterfall" or explanation is not None:
        _label(fig, kind, explanation, lang)
    fig.set_layout_engine("constrained")
    return fig


def _draw(kind: str, explanation: Any, max_display: int, feature: Any, row: int,
          options: dict[str, Any]) -> None:
    import shap

    common = {"show": False}
    if kind == "waterfall":
        shap.plots.waterfall(explanation[row], max_display=max_display, **common, **options)
    elif kind == "beeswarm":
        shap.plots.beeswarm(explanation, max_display=max_display,
                            color=options.pop("color", mpl.colormaps[mpl.rcParams["image.cmap"]]),
                            color_bar_label=CHARTS("shap_value_bar", "en"), **common, **options)
    elif kind == "bar":
        shap.plots.bar(explanation, max_display=max_display, **common, **options)
    elif kind == "scatter":
        column = explanation[:, _column(explanation, feature)]
        if column.display_data is not None and len(set(column.display_data)) > SCATTER_LEVELS:
            # shap puts one x tick per distinct display string: right for a category,
            # unreadable for an income; numbers then go on a numeric axis
            column = shap.Explanation(values=column.values, base_values=column.base_values,
                                      data=column.data, feature_names=column.feature_names)
        color = options.pop("color", mpl.rcParams["axes.prop_cycle"].by_key()["color"][0])
        shap.plots.scatter(column, color=color,
                           cmap=options.pop("cmap", mpl.colormaps[mpl.rcParams["image.cmap"]]),
                           **common, **options)
    else:
        shap.plots.heatmap(explanation, max_display=max_display,
                           cmap=options.pop("cmap", risk_cmap()), **common, **options)


def _column(explanation: Any, feature: Any) -> int:
    """Column index for ``feature``: an index, a label, or None for the most important."""
    names = list(explanation.feature_names)
    if feature is None:
        return int(np.argmax(np.abs(np.asarray(explanation.values)).mean(axis=0)))
    if isinstance(feature, (int, np.integer)):
        if not 0 <= int(feature) < len(names):
            raise ValueError(f"feature index {feature} out of range 0..{len(names) - 1}")
        return int(feature)
    if feature in names:
        return names.index(feature)
    raise ValueError(f"feature {feature!r} is not in the explanation; it has: {', '.join(names)}")


def plot_shap(explanation: Any, kind: str = "beeswarm", *, lang: str = "en",
              max_display: int = 10, feature: Any = None, row: int = 0, seed: int = 0,
              **options: Any) -> Figure:
    """Draw one of shap's plots of ``explanation`` and return it restyled, detached from pyplot.

    Parameters
    ----------
    explanation : shap.Explanation
        E.g. :func:`riskkit.explain.to_shap`'s result (rows x features).
    kind : {"waterfall", "beeswarm", "bar", "scatter", "heatmap"}
        The shap plot to draw.
    lang : {"en", "zh"}
        Language of title and axis labels (the feature names are the explanation's own).
    max_display : int
        Features shown (the rest are summed into one row, as shap does).
    feature : int or str, optional
        Scatter only: the column (index or feature name); default the most important.
    row : int
        Waterfall only: which applicant.
    seed : int
        Seeds the dot order and jitter shap draws at random (same seed, same figure).
    **options
        Passed on to the shap plot function (e.g. ``color=`` for a scatter's interaction).

    Returns
    -------
    matplotlib.figure.Figure
        The restyled figure; not registered with pyplot, so it neither leaks nor shows twice.
    """
    import matplotlib.pyplot as plt

    if kind not in KINDS:
        raise ValueError(f"unknown shap plot {kind!r}; choose one of {', '.join(KINDS)}")
    if max_display < 1:
        raise ValueError(f"max_display must be at least 1, got {max_display}")
    before = set(plt.get_fignums())
    # beeswarm and scatter shuffle their dots with numpy's global generator: seed it for the
    # drawing only, so the same explanation gives the same file and the caller's state stays
    state = np.random.get_state()
    np.random.seed(seed)
    plt.figure()
    try:
        _draw(kind, explanation, max_display, feature, row, dict(options))
        fig = plt.gcf()
    finally:  # every figure made here leaves pyplot's registry, drawn or not
        np.random.set_state(state)
        for number in set(plt.get_fignums()) - before:
            plt.close(number)
    FigureCanvasAgg(fig)  # pyplot's canvas went with close(); a plain one saves and shows
    drawn = explanation[row] if kind == "waterfall" else explanation
    return restyle_shap(fig, kind, drawn, lang)


def export_shap(explanation: Any, kind: str, name: str, folder: str | os.PathLike[str], *,
                source: str | None = None, formats: Sequence[str] = FORMATS, lang: str = "en",
                **options: Any) -> list[Path]:
    """:func:`plot_shap`, then the source line and PNG / SVG / PDF via :func:`export`.

    Parameters
    ----------
    explanation : shap.Explanation
        What to draw.
    kind : str
        One of :data:`KINDS`.
    name, folder : str, path
        File stem and folder, as for :func:`riskkit.charts.export`.
    source : str, optional
        Source line, e.g. ``"riskkit · run base-2026 · seed 7"``.
    formats : sequence of str
        Subset of ``("png", "svg", "pdf")``.
    lang : {"en", "zh"}
        Language of title and labels.
    **options
        Passed to :func:`plot_shap` (``max_display``, ``feature``, ``row``, shap options).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    fig = plot_shap(explanation, kind, lang=lang, **options)
    if source:
        add_source_line(fig, source)
    return export(fig, name, folder, formats=formats)

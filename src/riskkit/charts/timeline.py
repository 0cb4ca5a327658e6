"""A generic line chart for monitoring series (bad rate by month, PSI by quarter, ...).

Monitoring charts differ only in their columns and the events worth marking (a policy
change, a model release), so one helper with event markers covers them all and keeps the
look consistent with the other riskkit charts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from riskkit.charts._axes import new_axes, percent
from riskkit.charts.style import NEUTRAL

Events = Mapping[str, Any] | Sequence[tuple[Any, str]]


def _event_pairs(events: Events | None) -> list[tuple[Any, str]]:
    if events is None:
        return []
    if isinstance(events, Mapping):
        return [(x, str(name)) for name, x in events.items()]
    return [(x, str(name)) for x, name in events]


def plot_line(
    df: pd.DataFrame,
    x: str,
    ys: str | Sequence[str] | Mapping[str, str],
    *,
    title: str,
    ylabel: str,
    xlabel: str | None = None,
    events: Events | None = None,
    percent_y: bool = False,
    marker: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Lines of ``df[ys]`` against ``df[x]``, with optional vertical event markers.

    ``ys`` is a column, a list of columns, or ``{column: legend label}``. ``events`` is
    ``{label: x}`` or ``[(x, label), ...]``. ``title`` and ``ylabel`` are required because a
    monitoring chart without them (and a unit in the label) cannot be read on its own.

    Parameters
    ----------
    df : pandas.DataFrame
        The data.
    x : str
        Column along the x axis.
    ys : str, sequence of str or mapping
        Column(s) drawn, or ``{column: legend label}``.
    title, ylabel : str
        Title and y-axis label (with its unit).
    xlabel : str, optional
        The x axis's label (default: ``x``).
    events : mapping or sequence, optional
        Vertical markers, ``{label: x}`` or ``[(x, label), ...]``.
    percent_y : bool
        Show the y axis in percent.
    marker : str, optional
        Matplotlib marker of the lines.
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The lines and markers.
    """
    columns: Mapping[str, str]
    if isinstance(ys, str):
        columns = {ys: ys}
    elif isinstance(ys, Mapping):
        columns = dict(ys)
    else:
        columns = {c: c for c in ys}
    missing = [c for c in (x, *columns) if c not in df.columns]
    if missing:
        raise KeyError(f"columns {missing} not in the frame; it has {list(df.columns)}")
    fig, ax = new_axes(ax)
    ordered = df.sort_values(x)
    for column, name in columns.items():
        ax.plot(ordered[x], ordered[column], marker=marker, label=name)
    for at, name in _event_pairs(events):
        ax.axvline(at, ls="--", lw=1, color=NEUTRAL)
        ax.annotate(name, (at, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -3),
                    textcoords="offset points", rotation=90, va="top", ha="left",
                    fontsize="small", color="#555555")
    ax.set(title=title, ylabel=ylabel, xlabel=xlabel if xlabel is not None else x)
    if percent_y:
        percent(ax.yaxis)
    if len(columns) > 1:
        ax.legend(loc="best")
    return fig

"""The chart of a sweep: one metric against the first grid key, a line per model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from riskkit.charts._axes import new_axes


def _positions(values: pd.Series) -> tuple[np.ndarray, list[str] | None]:
    """Numbers stay on a numeric axis; anything else gets evenly spaced ticks."""
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().all():
        return numeric.to_numpy(dtype=float), None
    levels = list(dict.fromkeys(values.astype(str)))
    return np.array([levels.index(v) for v in values.astype(str)], dtype=float), levels


def plot_sweep_metric(table: pd.DataFrame, x: str, columns: Sequence[str],
                      by: Sequence[str] = (), ax: Axes | None = None,
                      ylabel: str | None = None) -> Figure:
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

    Returns
    -------
    Figure
    """
    fig, ax = new_axes(ax)
    groups = table.groupby(list(by), sort=False, dropna=False) if by else [((), table)]
    ticks: list[str] | None = None
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        part = part.sort_values(x, kind="stable")
        pos, levels = _positions(part[x])
        ticks = levels or ticks
        suffix = ", ".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in zip(by, key, strict=True))
        for column in columns:
            label = column if not suffix else f"{column} ({suffix})"
            ax.plot(pos, part[column].to_numpy(dtype=float), marker="o", label=label)
    if ticks is not None:
        ax.set_xticks(range(len(ticks)), ticks)
    ax.set(xlabel=x, ylabel=ylabel or "")
    ax.legend(loc="best", fontsize="small")
    return fig

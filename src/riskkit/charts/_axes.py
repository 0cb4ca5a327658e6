"""Internal helpers every plot function shares: figures outside pyplot, axis formats, inputs.

Figures are built with ``matplotlib.figure.Figure`` directly, never ``plt.figure``: pyplot
keeps every figure it creates alive in a global registry until closed, which leaks memory
in long notebook sessions and makes one chart's state bleed into the next. A bare Figure
is garbage-collected like any object, still renders inline in Jupyter, and saves anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

ModelInputs = Mapping[str, tuple[Any, Any]]


def new_axes(ax: Axes | None) -> tuple[Figure, Axes]:
    """The caller's axes and its root figure, or a fresh pyplot-free figure with one axes."""
    if ax is None:
        fig = Figure()
        return fig, fig.add_subplot()
    return ax.get_figure(root=True), ax


def percent(axis: Any, decimals: int | None = None) -> None:
    """Show a 0-1 share as a percentage on ``ax.xaxis`` / ``ax.yaxis``."""
    axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=decimals))


def check_models(models: ModelInputs, what: str = "models") -> None:
    """A mapping of model name -> inputs must be non-empty (an empty chart helps nobody)."""
    if not isinstance(models, Mapping) or not models:
        raise ValueError(f"{what} must be a non-empty mapping of model name -> inputs")


def is_probability(values: np.ndarray) -> bool:
    """True when a score looks like a PD (all in [0, 1]), so axes can show percentages."""
    return bool(values.size) and float(np.min(values)) >= 0.0 and float(np.max(values)) <= 1.0

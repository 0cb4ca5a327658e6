"""riskkit's matplotlib style sheets, shipped as package data.

This package exists so that matplotlib's dotted style names resolve:
``plt.style.use("riskkit.styles.report")`` loads ``report.mplstyle`` from this folder via
``importlib.resources``, which works from a wheel, an editable install or a zip alike, with
no path juggling. ``riskkit.charts.use_style`` builds on the same names and adds CJK fonts.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

#: Style variants shipped here; each is a self-contained sheet.
VARIANTS: tuple[str, ...] = ("report", "slides")


def style_name(variant: str) -> str:
    """The dotted name matplotlib accepts, e.g. ``"riskkit.styles.report"``."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown style variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    return f"{__name__}.{variant}"


def style_path(variant: str) -> Path:
    """Filesystem path of a sheet, for tools that want a file rather than a name."""
    style_name(variant)  # validates
    return Path(str(files(__name__) / f"{variant}.mplstyle"))

"""Finishing and saving charts: a source line, and PNG + SVG + PDF written atomically.

Exports are reproducible: PDF and SVG carry no creation date and SVG ids are salted by the
style sheet (``svg.hashsalt``), so re-running an unchanged analysis rewrites identical files
and version control shows only real changes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.figure import Figure, SubFigure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from riskkit.charts import pdf_fonts
from riskkit.charts.checklist import fit_titles
from riskkit.core.errors import ConfigError
from riskkit.core.io import write_with
from riskkit.core.machinery import ForkedChildFailed, share_with_forked_child

FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
_SOURCE_GID = "riskkit-source-line"
#: The salt of SVG ids when the style in force sets none (riskkit's style sheets use it too).
_SVG_SALT = "riskkit"
_METADATA: dict[str, dict[str, str | None]] = {
    "png": {"Software": "riskkit"},
    "svg": {"Creator": "riskkit", "Date": None},
    "pdf": {"Creator": "riskkit", "Producer": "riskkit", "CreationDate": None},
}


class ChartNameError(ConfigError, ValueError):
    """A chart name that is not a plain file stem (a ValueError and a RiskkitError)."""


def add_source_line(fig: Figure | SubFigure, text: str, fontsize: float = 6.5) -> Figure:
    """Put a small grey source line at the bottom left, e.g. "riskkit · run base-2026 · seed 7".

    Calling it again replaces the line. Under constrained layout the axes are shrunk to make
    room, so the line never sits on top of tick labels.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or SubFigure
        The chart.
    text : str
        The source line.
    fontsize : float
        Its size in points.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig``, with the line.
    """
    root = fig.get_figure(root=True) if isinstance(fig, SubFigure) else fig
    for old in [t for t in root.texts if t.get_gid() == _SOURCE_GID]:
        old.remove()
    root.text(0.005, 0.005, text, ha="left", va="bottom", fontsize=fontsize, color="#6b6b6b",
              gid=_SOURCE_GID)
    engine = root.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        reserve = fontsize * 1.8 / 72 / root.get_figheight()
        engine.set(rect=(0, reserve, 1, 1 - reserve))
    return root


def check_name(name: str, formats: Sequence[str] = FORMATS) -> str:
    """Return ``name`` if it is a safe file stem; otherwise raise ChartNameError naming it."""
    seps = {"/", "\\", os.sep, *([os.altsep] if os.altsep else [])}
    problem = None
    if not isinstance(name, str) or not name.strip():
        problem = "it is empty"
    elif any(sep in name for sep in seps) or "\x00" in name:
        problem = "it contains a path separator; pass the folder separately"
    elif name.startswith("."):
        problem = "it starts with '.' (hidden or relative path)"
    elif name.strip() != name:
        problem = "it has leading or trailing whitespace"
    elif any(name.lower().endswith(f".{fmt}") for fmt in formats):
        problem = "it already ends in a file extension; export adds one per format"
    if problem:
        raise ChartNameError(f"invalid chart name {name!r}: {problem}")
    return name


def export(
    fig: Figure,
    name: str,
    folder: str | os.PathLike[str],
    formats: Sequence[str] = FORMATS,
    dpi: int = 300,
) -> list[Path]:
    """Write ``<folder>/<name>.png`` (``dpi``), ``.svg`` and ``.pdf``; return the paths.

    Each file is written to a temporary name and renamed into place (``riskkit.core.io``), so a
    reader never sees half a chart. The figure is left open: the caller may still use it.
    The layout is solved once, when the first format is drawn, and the other formats reuse
    it with no layout engine at all (so every format shows the same positions; matplotlib
    would otherwise re-solve a converged constrained layout, and even with the "none"
    placeholder draw the figure once more before each save: the five lifecycle charts
    4.1-4.5 s -> 3.1-3.3 s on a loaded machine, then 1.56 -> 1.38 s, same bytes); the
    figure's layout engine is back in place afterwards.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The chart.
    name : str
        File name without suffix.
    folder : path
        Where the files go (created if needed).
    formats : sequence of str
        Any of ``png``, ``svg``, ``pdf``.
    dpi : int
        Resolution of the PNG.

    Returns
    -------
    list of Path
        The files written, in ``formats`` order.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ChartNameError(f"unknown export formats {unknown}; choose from {', '.join(FORMATS)}")
    check_name(name, formats)
    root = fig.get_figure(root=True) if isinstance(fig, SubFigure) else fig
    fit_titles(root)  # a title too long for the page is wrapped, never cut off
    engine = root.get_layout_engine()
    try:
        with pdf_fonts.quick_pdf_fonts():  # the same PDF bytes, its fonts subset faster
            return _save_all(root, name, folder, formats, dpi, engine)
    finally:
        if engine is not None:
            root.set_layout_engine(engine)


def _save_all(root: Figure, name: str, folder: str | os.PathLike[str], formats: Sequence[str],
              dpi: int, engine: Any) -> list[Path]:
    paths = []
    for k, fmt in enumerate(formats):
        if k == 1 and engine is not None:
            # keep the positions the first drawing settled, with no engine at all: matplotlib
            # draws a figure that has one (even the "none" placeholder) once more before
            # every save, to lay it out, which here would change nothing (a third of the
            # export time); rc settings could otherwise put a default engine back
            with matplotlib.rc_context({"figure.autolayout": False,
                                        "figure.constrained_layout.use": False}):
                root.set_layout_engine(None)
        target = Path(folder) / f"{name}.{fmt}"

        def save(tmp: Path, fmt: str = fmt) -> None:
            # SVG ids are hashes salted by svg.hashsalt, random when it is unset (a figure
            # drawn outside riskkit's style): salted here, the file is the same every time
            salt = matplotlib.rcParams["svg.hashsalt"] or _SVG_SALT
            with matplotlib.rc_context({"svg.hashsalt": salt}):
                root.savefig(tmp, format=fmt, dpi=dpi, metadata=_METADATA[fmt])

        paths.append(write_with(target, save))
    return paths


def export_all(figures: Mapping[str, Figure], folder: str | os.PathLike[str],
               formats: Sequence[str] = FORMATS, dpi: int = 300, *,
               parallel: bool = True) -> list[Path]:
    """:func:`export` every figure; on Linux a forked child process writes some of them at
    the same time (:func:`draw_and_export_all` of figures already drawn).

    Parameters
    ----------
    figures
        Figure by file stem.
    folder, formats, dpi
        As for :func:`export`.
    parallel
        False: write everything in this process.

    Returns
    -------
    list of pathlib.Path
        The files, by figure then format, in the order of ``figures`` and ``formats``.
    """
    return draw_and_export_all({name: partial(_given, fig) for name, fig in figures.items()},
                               folder, formats, dpi, parallel=parallel)


def _given(fig: Figure) -> Figure:
    return fig


def draw_and_export_all(drawings: Mapping[str, Callable[[], Figure]],
                        folder: str | os.PathLike[str], formats: Sequence[str] = FORMATS,
                        dpi: int = 300, *, source: str | None = None,
                        parallel: bool = True) -> list[Path]:
    """Draw every chart and :func:`export` it; on Linux a forked child process draws and
    writes some of them at the same time.

    Why a process: drawing a chart is Python holding the GIL, so threads would take turns;
    a forked child starts with everything the drawings need already in memory. The two
    processes take the next chart not yet taken until none is left, and each chart is drawn
    and written whole (all its formats, in order) by one of them, so every file is the same
    as from one process: a figure's layout is settled by its own earlier drawings, which are
    the same either way. So a drawing must be a function of what it was given: it may not
    call a model (LightGBM's OpenMP threads and numba's do not survive a fork) nor draw on
    numpy's global generator without seeding it. Give the costliest charts first: the last
    chart taken decides when both are done.
    Where fork is not available (Windows, macOS' default) everything is done here.
    Call it with no other thread of this process at work: a child forked while another
    thread holds a lock could wait on it forever.

    Parameters
    ----------
    drawings
        By file stem, a function that draws the chart and returns its figure.
    folder, formats, dpi
        As for :func:`export`.
    source
        A source line put on every chart (:func:`add_source_line`), or None.
    parallel
        False: draw and write everything in this process.

    Returns
    -------
    list of pathlib.Path
        The files, by chart then format, in the order of ``drawings`` and ``formats``.
    """
    for name in drawings:
        check_name(name, formats)
    items = list(drawings.items())

    def do(index: int) -> None:
        name, draw = items[index]
        fig = draw()
        if source is not None:
            add_source_line(fig, source)
        export(fig, name, folder, formats, dpi)

    if "pdf" in formats:  # once, here, rather than once in each process
        pdf_fonts.prepare(pdf_fonts.style_fonts())
    try:
        shared = parallel and len(items) > 1 and share_with_forked_child(len(items), do)
    except ForkedChildFailed as error:
        raise RuntimeError(f"drawing or writing charts in {folder} failed: {error}") from None
    if not shared:
        for index in range(len(items)):
            do(index)
    return [Path(folder) / f"{name}.{fmt}" for name, _ in items for fmt in formats]

"""What every notebook calls: :func:`setup` first (inline charts, the report style),
:func:`publisher` to show and export its charts, and :func:`load_population` for its data.

Kept apart from the runner (:mod:`riskkit.reporting.notebooks`), which executes notebooks
from outside and never runs inside one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from riskkit import charts
from riskkit.charts import resolve_lang, use_style
from riskkit.charts.checklist import figure_title as chart_title
from riskkit.core.errors import ConfigError, RunError
from riskkit.experiment.splits import WORLD_FILE, run_world
from riskkit.synth import World

__all__ = ["CHART_CHECK_MIME", "figure_title", "load_population", "publisher", "read_chart_checks",
           "setup"]

#: The MIME type of a shown chart's checklist result (JSON). No renderer knows it, so the
#: notebook and its code-free HTML show nothing of it; the notebook test reads it back.
CHART_CHECK_MIME = "application/vnd.riskkit.chartcheck+json"

def publisher(run: Any, fig_dir: str | os.PathLike[str], source: str | None = None) -> Any:
    """``show(fig, name)`` for a notebook: the run's source line, PNG/SVG/PDF into
    ``fig_dir``, and the figure displayed as the cell's output.

    Every notebook publishes its charts the same way, so the way lives here once. A chart
    drawn from something other than one run (a sweep of many) passes its own ``source``
    line and ``run=None``: a footer must name what the chart came from. Each chart shown
    is also put through the chart checklist (:func:`riskkit.charts.figure_problems`) as
    exported, and the result published beside it as an output of type
    :data:`CHART_CHECK_MIME`, so the notebook test can refuse a notebook whose chart fails
    it at the sizes and seeds it runs (:func:`read_chart_checks`).
    """
    if source is None:
        if run is None:
            raise ConfigError("publisher needs a run or a source line for the charts' footer")
        source = f"riskkit · run {run.name} · seed {run.config['seed']}"

    def show(fig: Any, name: str) -> None:
        charts.add_source_line(fig, source)
        charts.export(fig, name, fig_dir)
        shell = _ipython()
        if shell is not None:
            from IPython.display import display

            display(fig)
            check = {"name": name, "title": figure_title(fig),
                     "problems": charts.figure_problems(fig)}
            display({CHART_CHECK_MIME: check}, raw=True)

    return show


def read_chart_checks(nb: Any) -> list[dict[str, Any]]:
    """Every chart-check record of an executed notebook (an nbformat node), in cell order."""
    return [dict(output["data"][CHART_CHECK_MIME])
            for cell in nb.cells if cell.cell_type == "code"
            for output in cell.get("outputs", []) if CHART_CHECK_MIME in output.get("data", {})]


def setup(lang: str = "en", variant: str = "report") -> str:
    """First call of every notebook: inline charts and the riskkit style; returns the language.

    riskkit's charts are bare ``Figure`` objects (no pyplot registry), which Jupyter shows
    only once the inline backend has registered its display formatter, so this enables it
    (sharp "retina" PNGs) before applying the style sheet. Returns the language charts will
    really use: ``"en"`` when ``"zh"`` was asked for but no CJK font is installed.
    """

    shell = _ipython()
    if shell is not None:
        shell.run_line_magic("matplotlib", "inline")
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("retina")
        from matplotlib.figure import Figure

        shell.display_formatter.formatters["text/plain"].for_type(Figure, _figure_text)
    use_style(variant, lang)
    return resolve_lang(lang)


def figure_title(fig: Any) -> str:
    """A chart's title (:func:`riskkit.charts.checklist.figure_title`), or "chart" for an
    untitled one, e.g. for alternative text."""
    return chart_title(fig) or "chart"


def _figure_text(fig: Any, printer: Any, cycle: bool) -> None:
    """IPython's plain-text form of a Figure: its title instead of ``<Figure size ...>``."""
    printer.text(f"Chart: {figure_title(fig)}")


def _ipython() -> Any | None:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def load_population(rows: int, seed: int, run_dir: str | os.PathLike[str] | None = None,
                    world: World | None = None) -> Any:
    """The population a notebook studies: one of ``world``, or the cohort a run used.

    With ``run_dir`` the run's world (its ``world.json``, or for a run written by riskkit
    0.2.0 the world its ``config.yaml`` describes) and seed are used (``seed`` here is then
    ignored, and ``world``, if given, must be the run's), and the first
    ``min(rows, data.rows)`` applicants of its cohort are regenerated: generation is prefix-stable, so these are exactly the
    run's first applicants, without reading any of its data. Without a run, ``world`` is
    required: the truth has no default.
    """
    import yaml

    if run_dir is None:
        if world is None:
            raise ConfigError("load_population needs a run folder or the World to draw from")
        return world.generate(rows, seed)
    path = Path(run_dir) / "config.yaml"
    try:
        cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
        data = cfg["data"]
        stored = Path(run_dir) / WORLD_FILE
        own = (World.from_dict(json.loads(stored.read_text(encoding="utf-8")), str(stored))
               if stored.is_file() else run_world(cfg))
        if world is not None and world.without_calendar() != own.without_calendar():
            raise ConfigError(f"{run_dir} comes from {own.label()}, not {world.label()}")
        return own.generate(min(rows, int(data["rows"])), int(cfg["seed"]))
    except FileNotFoundError:
        raise RunError(f"{path} is missing: {run_dir} is not a run folder") from None
    except (yaml.YAMLError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise RunError(f"{path} is damaged or describes no synthetic population "
                       f"({type(exc).__name__}: {exc})") from None

"""Quiet by default: no third-party log line in ``make demo``'s output or any riskkit command.

``make demo`` printed about 2,300 lines of fontTools glyph-subsetting logs under the
``riskkit:`` prefix: the demo set up logging on its own, without the filter every
``riskkit`` command applies, and the forked process that writes a run's charts
(:func:`riskkit.charts.export_all`) inherited that. The demo here is run in a child process
whose heavy steps are replaced by one that writes charts the way a run does (PDFs, in a
forked writer) and then stops, so its whole stderr can be read.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent("""
    import sys
    from matplotlib.figure import Figure

    from riskkit import charts, demo
    from riskkit.core.errors import RiskkitError

    def charts_then_stop(cfg, runs, quiet=False):
        figures = {}
        for i in range(3):
            fig = Figure()
            ax = fig.add_subplot()
            ax.plot([0, 1], [i, 2 * i])
            ax.set_title(f"Chart {i}: approval rate by month")
            figures[f"chart_{i}"] = fig
        with charts.style_context("report"):
            charts.export_all(figures, sys.argv[1], formats=("pdf", "svg"))
        raise RiskkitError("stopped after the charts")

    demo.run_experiment = charts_then_stop
    sys.exit(demo.main(["--runs", sys.argv[1], "--rows", "1000", "--config", "none.yaml"]))
""")


def test_the_demo_prints_no_third_party_log_lines(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).resolve().parents[1] / "src"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    assert sorted(tmp_path.glob("chart_*.pdf")), "the stand-in run wrote no chart"
    assert lines == ["riskkit demo: error: stopped after the charts"], \
        f"{len(lines)} lines on stderr, e.g. {lines[:3]}"

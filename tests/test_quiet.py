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


NUMBERS = {6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten", 11: "eleven", 12: "twelve",
           13: "thirteen", 14: "fourteen"}


def test_the_readmes_describe_the_notebooks_that_exist_and_their_outputs_are_ignored() -> None:
    import re

    root = Path(__file__).resolve().parents[1]
    sources = sorted(p.name for p in (root / "notebooks").glob("[0-9][0-9]_*.py"))
    readme = (root / "README.md").read_text(encoding="utf-8")
    said = re.search(r"`notebooks/` holds (\w+) stories", readme)
    assert said and said.group(1) == NUMBERS[len(sources)], (said and said.group(1), len(sources))
    for source in sources:
        assert f" {source[:2]} " in readme.replace("\n", " "), f"README.md never names {source[:2]}"
    listed = re.findall(r"^\| `(\d\d_\w+\.py)` \|", (root / "notebooks" / "README.md")
                        .read_text(encoding="utf-8"), flags=re.M)
    assert listed == sources
    # what a notebook run from notebooks/ writes (fig_dir="figures", 07's sweep, its run)
    written = ["notebooks/figures/01_population/x.png", "notebooks/07_sweeps/nb07-a/config.yaml",
               "notebooks/runs/baseline-1/manifest.json"]
    done = subprocess.run(["git", "-C", str(root), "check-ignore", *written],
                          capture_output=True, text=True)
    assert sorted(done.stdout.split()) == sorted(written), done.stdout


def test_running_notebooks_prints_one_bar_not_a_line_per_cell(tmp_path: Path, capsys) -> None:
    """``make demo`` printed 178 lines, 115 of them papermill's nested per-cell bar (a line
    per update when stderr is not a terminal); the suite's own bar counts notebooks."""
    from riskkit.reporting import notebooks as nbr

    for name in ("01_alpha", "02_beta"):
        cells = "\n\n".join(f"# %%\nx{i} = {i}" for i in range(6))
        (tmp_path / f"{name}.py").write_text(
            f'# %% [markdown]\n# # {name}\n\n# %% tags=["parameters"]\nrows = 10\nseed = 1\n'
            f'run_dir = None\nfig_dir = "figs"\nlang = "en"\n\n{cells}\n', encoding="utf-8")
    nbr.run_notebooks(tmp_path / "out", rows=10, source_dir=tmp_path, quiet=False, timeout=120)
    err = capsys.readouterr().err
    assert "Executing" not in err, err[-500:]
    assert err.count("\n") <= 4, err  # the bar redraws in place (\r); a line per notebook at most

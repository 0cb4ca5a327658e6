"""export_all and draw_and_export_all: a forked child draws and writes some charts, and the
files are those of one process."""

from __future__ import annotations

import os
import time

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

import riskkit.charts.output as output
from riskkit.charts import draw_and_export_all, export, export_all
from riskkit.core.machinery import fork_context


def figures() -> dict[str, Figure]:
    out = {}
    for k in range(3):
        fig = Figure(figsize=(3, 2), layout="constrained")
        ax = fig.add_subplot()
        ax.plot(np.arange(10), np.arange(10) ** (k + 1))
        ax.set_title(f"chart {k}")
        out[f"chart_{k}"] = fig
    return out


def test_parallel_files_equal_sequential_files(tmp_path):
    a = export_all(figures(), tmp_path / "a", parallel=True)
    b = export_all(figures(), tmp_path / "b", parallel=False)
    assert [p.name for p in a] == [p.name for p in b] and len(a) == 9
    for x, y in zip(a, b, strict=True):
        assert x.read_bytes() == y.read_bytes(), x.name


def test_svg_is_reproducible_without_riskkits_style(tmp_path):
    with matplotlib.rc_context({"svg.hashsalt": None}):
        first = export(figures()["chart_0"], "c", tmp_path / "1", formats=("svg",))[0]
        second = export(figures()["chart_0"], "c", tmp_path / "2", formats=("svg",))[0]
    assert first.read_bytes() == second.read_bytes()


def test_a_bad_name_is_refused_before_anything_is_written(tmp_path):
    figs = figures()
    figs["bad/name"] = figs.pop("chart_2")
    with pytest.raises(ValueError, match="path separator"):
        export_all(figs, tmp_path)
    assert not tmp_path.joinpath("chart_0.png").exists()


def test_a_failing_child_is_an_error(tmp_path, monkeypatch):
    real = output.export

    def fails_in_child(fig, name, folder, formats=output.FORMATS, dpi=300):
        if name == "chart_1":
            raise OSError("disk full")
        return real(fig, name, folder, formats, dpi)

    monkeypatch.setattr(output, "export", fails_in_child)
    with pytest.raises((RuntimeError, OSError)):
        export_all(figures(), tmp_path)


def _drawn_by(marks, k: int, seconds: float):
    """A chart that notes which process drew it (a file per chart, which a second drawing
    could not create again) and takes a while."""
    def draw() -> Figure:
        time.sleep(seconds)
        with open(marks / f"chart_{k}", "x", encoding="utf-8") as mark:
            mark.write(str(os.getpid()))
        return figures()[f"chart_{k % 3}"]
    return draw


def test_each_chart_is_drawn_once_by_one_of_two_processes_and_written_whole(tmp_path):
    """draw_and_export_all: the drawing is shared too, not only the writing (a chart drawn
    in the child never exists in this process), and the files are those of one process."""
    marks = tmp_path / "marks"
    marks.mkdir()
    drawings = {f"chart_{k}": _drawn_by(marks, k, 0.3) for k in range(6)}
    shared = draw_and_export_all(drawings, tmp_path / "a", source="riskkit · test")
    alone_marks = tmp_path / "alone"
    alone_marks.mkdir()
    alone = draw_and_export_all({f"chart_{k}": _drawn_by(alone_marks, k, 0) for k in range(6)},
                                tmp_path / "b", source="riskkit · test", parallel=False)
    # (a chart drawn twice would have failed on its mark, as a failure of the drawing)
    assert len(shared) == 18 and [p.name for p in shared] == [p.name for p in alone]
    for x, y in zip(shared, alone, strict=True):
        assert x.read_bytes() == y.read_bytes(), x.name
    # the source line's text, kept in the SVG's comment even where glyphs are paths
    assert "riskkit · test" in (tmp_path / "a" / "chart_0.svg").read_text(encoding="utf-8")
    pids = {(marks / f"chart_{k}").read_text(encoding="utf-8") for k in range(6)}
    assert len(list(marks.iterdir())) == 6  # every chart drawn exactly once
    if fork_context() is not None:
        assert len(pids) == 2 and str(os.getpid()) in pids, pids

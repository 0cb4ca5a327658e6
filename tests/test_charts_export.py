"""export_all: a forked child writes some charts, and the files are those of one process."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

import riskkit.charts.output as output
from riskkit.charts import export, export_all


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

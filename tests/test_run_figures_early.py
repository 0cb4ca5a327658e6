"""A run's charts start early (forked children after the fit and the policy stage): a stage
failing afterwards must stop them before the staging folder is removed."""

from __future__ import annotations

import multiprocessing

import pytest

from riskkit.core.machinery import fork_context
from riskkit.experiment import runner
from riskkit.experiment.config import load_config


def test_a_stage_failing_after_the_charts_started_leaves_no_file_and_no_child(
        tmp_path, monkeypatch) -> None:
    if fork_context() is None:
        pytest.skip("no fork on this platform: charts are drawn at the end")
    cfg = load_config("configs/baseline.yaml", rows=3000)
    cfg["figures"]["formats"] = ["png"]
    started = []
    real = runner.start_figures

    def start_and_note(*args, **kwargs):
        handle = real(*args, **kwargs)
        started.append(handle)
        return handle

    def explain_fails(*args, **kwargs):
        raise RuntimeError("explain broke")

    monkeypatch.setattr(runner, "start_figures", start_and_note)
    monkeypatch.setattr(runner, "explain_all", explain_fails)
    with pytest.raises(RuntimeError, match="explain broke"):
        runner.run_experiment(cfg, tmp_path / "runs", quiet=True)
    assert started and started[0] is not None, "the decision charts had started"
    assert list((tmp_path / "runs").iterdir()) == []  # no staging folder, nothing rewritten
    assert multiprocessing.active_children() == []

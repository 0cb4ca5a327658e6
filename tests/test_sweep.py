"""riskkit sweep: grid parsing, one run folder per point, resume after a kill, the table."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from riskkit.core.errors import ConfigError
from riskkit.experiment import sweep as S
from riskkit.experiment.flatten import flatten_metrics

TINY = {"name": "tiny", "data": {"rows": 2000, "oot": {"rows": 1000}},
        "models": {"lgbm": {"params": {"n_estimators": 60}}},
        "figures": {"enabled": False, "formats": ["png"]}}
GRID = {"data.world": ["additive", "interacting"]}


def test_grid_parsing_and_points():
    grid = S.parse_grid(["data.rows=2000,4_000", "data.world=additive,interacting+threshold",
                         "models.lgbm.monotone=true,false"])
    assert grid["data.rows"] == [2000, 4000] and grid["models.lgbm.monotone"] == [True, False]
    points = S.grid_points(grid)
    assert len(points) == 8 and points[0] == {"data.rows": 2000, "data.world": "additive",
                                              "models.lgbm.monotone": True}
    for bad, match in [(["data.rows"], "expected KEY=V1,V2"), ([], "at least one --grid"),
                       (["a=1", "a=2"], "given twice"), (["a=1,1"], "repeated")]:
        with pytest.raises(ConfigError, match=match):
            S.parse_grid(bad)
    with pytest.raises(ConfigError, match=r"unknown key 'data.wrld'"):
        S.point_configs(TINY, {"data.wrld": ["additive"]})
    with pytest.raises(ConfigError, match=r"data.world='curvy'.*unknown world"):
        S.point_configs(TINY, {"data.world": ["additive", "curvy"]})
    cfgs = S.point_configs(TINY, {"models.lgbm.params.num_leaves": [7]})
    assert cfgs[0]["models"]["lgbm"]["params"] == {"n_estimators": 60, "num_leaves": 7}


def test_flatten_names_models_splits_explain_policy():
    metrics = {"models": {"lgbm": {"test": {"auc": 0.8, "ks": None}, "oot": {"auc": 0.7},
                                   "psi": 0.01, "psi_reference": "train vs oot",
                                   "calibration": {"slope": 1.0}}},
               "explain": {"lgbm": {"fidelity_top3": 0.7, "n_denied": 3}},
               "policy": {"model": "lgbm", "approval_rate": 0.75, "oot": {"approval_rate": 0.7}}}
    flat = flatten_metrics(metrics)
    assert flat["lgbm_test_auc"] == 0.8 and math.isnan(flat["lgbm_test_ks"])
    assert flat["lgbm_oot_auc"] == 0.7 and flat["lgbm_psi"] == 0.01
    assert flat["lgbm_test_fidelity_top3"] == 0.7 and flat["lgbm_test_n_denied"] == 3
    assert flat["policy_approval_rate"] == 0.75 and flat["policy_oot_approval_rate"] == 0.7
    assert "policy_model" not in flat and "lgbm_psi_reference" not in flat


def _manifests(out: Path) -> dict[str, float]:
    return {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/manifest.json")}


def test_sweep_resumes_after_a_kill_and_agrees_with_run_folders(tmp_path, monkeypatch):
    out = tmp_path / "sweep"
    calls: list[str] = []
    real = S.run_point

    def killed_after_first(cfg, where):
        if calls:
            raise KeyboardInterrupt  # what Ctrl-C or a kill does to a sweep in one process
        calls.append(cfg["name"])
        return real(cfg, where)

    monkeypatch.setattr(S, "run_point", killed_after_first)
    with pytest.raises(KeyboardInterrupt):
        S.run_sweep(TINY, GRID, out, quiet=True)
    first = _manifests(out)
    assert len(first) == 1 and not (out / "sweep.csv").exists()
    stale = out / ".incomplete-tiny-20260101-000000-999999999"  # a killed run's leftovers
    stale.mkdir()

    ran: list[str] = []
    monkeypatch.setattr(S, "run_point", lambda cfg, where: ran.append(cfg["name"]) or real(cfg, where))
    table = S.run_sweep(TINY, GRID, out, quiet=True)
    assert ran == ["tiny-world-interacting"], "only the unfinished point runs again"
    assert not stale.exists()
    assert {k: v for k, v in _manifests(out).items() if k in first} == first

    assert list(table["data.world"]) == ["additive", "interacting"]
    for _, row in table.iterrows():
        metrics = json.loads((out / row["run"] / "metrics.json").read_text(encoding="utf-8"))
        cfg = yaml.safe_load((out / row["run"] / "config.yaml").read_text(encoding="utf-8"))
        assert cfg["data"]["world"] == row["data.world"]
        for key, value in flatten_metrics(metrics).items():
            assert (math.isnan(value) and math.isnan(row[key])) or row[key] == value, key
    on_disk = pd.read_parquet(out / "sweep.parquet")
    assert list(on_disk["run"]) == list(table["run"])
    assert pd.read_csv(out / "sweep.csv")["lgbm_test_auc"].tolist() == pytest.approx(
        table["lgbm_test_auc"].tolist(), rel=1e-12)
    assert (out / "figures" / "sweep_auc.png").read_bytes().startswith(b"\x89PNG")

    ran.clear()
    S.run_sweep(TINY, GRID, out, quiet=True)
    assert ran == [], "a finished sweep runs nothing again"

    # figures=False (notebook 07's first two sweeps, whose charts the next sweep into the
    # same folder replaces): the same table, no sweep charts drawn
    shutil.rmtree(out / "figures")
    again = S.run_sweep(TINY, GRID, out, quiet=True, figures=False)
    assert ran == [] and not (out / "figures").exists()
    pd.testing.assert_frame_equal(again, table)


def test_cli_sweep_reports_a_bad_grid_in_one_line(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(TINY), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "riskkit.cli", "sweep", str(config), "--grid",
                           "data.rws=1000,2000", "--out", str(tmp_path / "s")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "unknown key 'data.rws'" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


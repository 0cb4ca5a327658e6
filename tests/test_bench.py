"""``riskkit bench`` and every benchmark at tiny sizes: the figures exist, are ratios > 0,
agree to 1e-9, keep the keys ``--json`` always wrote, and live in riskkit.bench alone."""

from __future__ import annotations

import ast
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskkit.bench import (
    BenchSizes,
    benchmark_interventional,
    benchmark_lifecycle,
    benchmark_treeshap,
    categorical_splits,
    main,
    scaling_table,
    synthetic_credit_frame,
)
from riskkit.bench import runner as bench
from riskkit.bench.interventional import interventional_lines
from riskkit.bench.measure import run_measured
from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.lifecycle import simulation as L
from riskkit.models import LGBMModel, make_model
from riskkit.policy import Policy
from riskkit.synth import BLOCK_ROWS, World

SRC = Path(__file__).resolve().parents[1] / "src" / "riskkit"
BASELINE = World("baseline", 0.04)  # the world the stand-alone benchmarks are run in
#: The keys ``riskkit bench --json`` wrote per section before the benchmarks moved into
#: riskkit.bench (commit 094f6a3; ``monitor`` and ``validate_power`` as main wrote them when
#: the move was merged, efc50e8): readers of old files still find every one of them.
KEYS = {
    "shap": {"rows", "shap_rows", "setup_s", "ours_rows_per_s", "shap_rows_per_s", "speedup",
             "max_abs_diff", "n_trees", "deepest_leaf", "lightgbm_rows_per_s",
             "speedup_vs_lightgbm", "max_abs_diff_lightgbm", "train_rows", "test_auc",
             "num_leaves", "max_depth", "end_to_end_rows_per_s", "seconds_per_million",
             "scaling", "status", "section_s"},
    "generator": {"rows", "blocks", "draws_per_row", "draws_by_method", "floor_s",
                  "floor_rows_per_s", "generate_s", "generate_rows_per_s", "parquet_s",
                  "parquet_rows_per_s", "ratio", "parquet_ratio", "cpu_ratio",
                  "parquet_cpu_ratio", "peak_mb", "baseline_mb", "child_parquet_s",
                  "targets", "status", "section_s"},
    "lifecycle": {"borrowers", "months", "seconds", "cpu_seconds", "borrower_months_per_s",
                  "borrower_months_per_cpu_s", "threads", "peak_rss_mb", "added_rss_mb",
                  "panel_mb", "vs_generator", "status", "section_s"},
    "run": {"rows", "oot_rows", "total_s", "wall_s", "stages", "status", "section_s"},
    "monitor": {"borrowers", "months", "downturn_from", "simulate_s", "read_s",
                "read_columns_s", "tables_s", "borrower_months_per_s", "tables_vs_simulate",
                "read_vs_floor", "tables", "status", "section_s"},
    "validate_power": {"seconds", "budget_s", "share_of_budget", "cpu_seconds",
                       "two_core_seconds", "two_core_share_of_budget", "reps", "sizes",
                       "defects", "pool_rows", "samples", "applicants_per_s",
                       "false_alarm_jeffreys_portfolio", "status", "section_s"},
}
SCALING_KEYS = {"num_leaves", "max_depth", "default", "test_auc", "auc_minus_default",
                "n_trees", "deepest_leaf", "ours_rows_per_s", "shap_rows_per_s", "speedup",
                "max_abs_diff"}

# shap's plotting module, imported with shap, uses colormap calls matplotlib will deprecate
pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

TINY = BenchSizes(train_rows=5000, explain_rows=1000, shap_rows=200, settings=((7, 3), (31, 6)),
                  scaling_rows=500, scaling_shap_rows=100, generator_rows=BLOCK_ROWS + 10,
                  lifecycle_borrowers=300, lifecycle_months=3, run_rows=1000)


TINY_MONITOR = dataclasses.replace(TINY, monitor_borrowers=600, monitor_months=6)


def positive(x: float) -> bool:
    return bool(np.isfinite(x) and x > 0)


def test_tiny_bench_writes_every_figure(tmp_path, capsys):
    path = tmp_path / "bench.json"
    code = main(json_path=path, quiet=True, sizes=TINY, sections=("shap", "generator"))
    assert code == 0
    out = json.loads(path.read_text())
    shap = out["shap"]
    assert shap["status"] == "ok"
    for key in ("ours_rows_per_s", "shap_rows_per_s", "lightgbm_rows_per_s", "speedup",
                "speedup_vs_lightgbm", "end_to_end_rows_per_s"):
        assert positive(shap[key]), key
    assert shap["max_abs_diff"] <= 1e-9
    assert shap["max_abs_diff_lightgbm"] <= 1e-9
    assert shap["speedup"] == pytest.approx(shap["ours_rows_per_s"] / shap["shap_rows_per_s"])
    assert [(r["num_leaves"], r["max_depth"]) for r in shap["scaling"]] == [(7, 3), (31, 6)]
    assert [r["default"] for r in shap["scaling"]] == [False, True]
    for row in shap["scaling"]:
        assert positive(row["speedup"]) and row["max_abs_diff"] <= 1e-9
        assert 0.5 < row["test_auc"] < 1
        assert row["deepest_leaf"] <= row["max_depth"]
    gen = out["generator"]
    assert gen["status"] == "ok"
    # every row draws at least its 12 months of income and shocks and its outcome
    assert gen["draws_per_row"] >= 25 and gen["draws_per_row"] == pytest.approx(
        sum(gen["draws_by_method"].values()))
    for key in ("ratio", "parquet_ratio", "cpu_ratio", "parquet_cpu_ratio", "floor_rows_per_s",
                "generate_rows_per_s", "peak_mb"):
        assert positive(gen[key]), key
    assert gen["baseline_mb"] < gen["peak_mb"] < 2048
    assert out["meta"]["sizes"]["train_rows"] == TINY.train_rows
    assert set(shap) >= KEYS["shap"] and set(gen) >= KEYS["generator"]
    assert all(set(row) == SCALING_KEYS for row in shap["scaling"])
    printed = capsys.readouterr().out
    assert "x faster" in printed and "the floor" in printed


def test_a_failing_section_gives_exit_code_1_and_the_reason(monkeypatch, tmp_path, capsys):
    def broken(*args, **kwargs):
        raise ValueError("disk on fire")

    monkeypatch.setattr(bench, "generator_section", broken)
    path = tmp_path / "b.json"
    assert main(json_path=path, quiet=True, sizes=TINY, sections=("generator",)) == 1
    assert json.loads(path.read_text())["generator"]["reason"] == "ValueError: disk on fire"
    assert "generator  failed: ValueError: disk on fire" in capsys.readouterr().out


def test_an_unknown_section_is_a_config_error():
    assert main(quiet=True, sizes=TINY, sections=()) == 0  # nothing to do is not an error
    with pytest.raises(ConfigError, match="unknown bench section"):
        main(quiet=True, sizes=TINY, sections=("gpu",))


def test_monitor_section_at_tiny_size(capsys):
    result = bench._guarded("monitor", lambda: bench.monitor_section(TINY_MONITOR, True))
    assert result["status"] == "ok", result.get("traceback")
    assert set(result) >= KEYS["monitor"]
    for key in ("simulate_s", "read_s", "read_columns_s", "tables_s", "borrower_months_per_s",
                "tables_vs_simulate", "read_vs_floor"):
        assert positive(result[key]), key
    assert result["tables"] >= 12
    lines = bench.format_report({"meta": {"cpus": 2, "load_avg_start": [0.0]},
                                 "monitor": result})
    assert "monitor tables 600 x 6" in lines and "of it" in lines


def test_lifecycle_and_run_sections_at_tiny_size():
    life = bench._guarded("lifecycle", lambda: bench.lifecycle_section(TINY, True, 1e6))
    assert life["status"] == "ok" and set(life) >= KEYS["lifecycle"]
    assert positive(life["borrower_months_per_s"])
    assert life["vs_generator"] == pytest.approx(life["borrower_months_per_s"] / 1e6)
    run = bench.run_section(TINY)
    assert set(run) >= KEYS["run"] - {"status", "section_s"}
    assert run["rows"] == TINY.run_rows
    assert set(run["stages"]) >= {"data", "fit", "explain", "figures"}
    assert sum(s["share"] for s in run["stages"].values()) == pytest.approx(1.0)
    assert all(s["seconds"] >= 0 for s in run["stages"].values())


def test_reject_inference_lines_name_the_better_package_either_way():
    from riskkit.bench.rejectinf import reject_inference_lines

    def result(ours_err: float, peer_err: float, ours_auc: float, peer_auc: float):
        row = lambda m, e, a: {"model": "scorecard" if m == "ours" else "rejectkit",  # noqa: E731
                               "method": m, "reject_abs_error": e, "auc_all": a}
        return {"mar": {"ours_best_error": row("ours", ours_err, ours_auc),
                        "ours_best_auc": row("ours", ours_err, ours_auc),
                        "peer_best_error": row("fuzzy", peer_err, peer_auc),
                        "peer_best_auc": row("fuzzy", peer_err, peer_auc)}}

    lines = reject_inference_lines(result(0.002, 0.008, 0.825, 0.822))
    assert [v for *_, v in lines] == ["riskkit better", "riskkit better"]
    assert lines[0][1] == "0.20%" and lines[1][2] == "0.8220"
    lines = reject_inference_lines(result(0.009, 0.008, 0.820, 0.822))
    assert [v for *_, v in lines] == ["rejectkit better or equal"] * 2


def test_validate_power_section_at_tiny_size():
    sizes = BenchSizes(**{**TINY.__dict__, "power_reps": 2, "power_sizes": (200,),
                          "power_pool": 3000})
    out = bench._guarded("validate_power", lambda: bench.validate_power_section(sizes, True))
    assert out["status"] == "ok", out.get("reason")
    assert set(out) >= KEYS["validate_power"]
    assert out["samples"] == 2 * 1 * 6 and out["defects"] == 6
    assert positive(out["seconds"]) and out["share_of_budget"] == out["seconds"] / 900
    assert "validate-power 2 reps x 1 sizes x 6 defects" in bench.format_report(
        {"meta": {"cpus": 2, "load_avg_start": [0.0]}, "validate_power": out})


def test_treeshap_benchmark_and_scaling_table_report_agreeing_numbers() -> None:
    X, y = synthetic_credit_frame(600, n_features=6, n_categorical=1, seed=3)
    assert isinstance(X["cat0"].dtype, pd.CategoricalDtype)
    assert X.iloc[:, :4].isna().mean().between(0.1, 0.3).all()
    r = benchmark_treeshap(X=X, y=y, rows=300, shap_rows=100, n_trees=5, num_leaves=7,
                           max_depth=3, with_lightgbm=True)
    assert r["max_abs_diff"] <= 1e-9 and r["max_abs_diff_lightgbm"] <= 1e-9
    assert (r["n_trees"], r["num_leaves"]) == (5, 7) and r["max_depth"] <= 3
    assert r["speedup"] == pytest.approx(r["ours_rows_per_s"] / r["shap_rows_per_s"])
    assert positive(r["speedup_vs_lightgbm"]) and r["setup_s"] == r["ours_setup_s"] > 0
    table = scaling_table([(4, 2), (7, -1)], rows=200, shap_rows=50, n_trees=3)
    assert list(table["num_leaves"]) == [4, 7]
    assert (table["max_abs_diff"] <= 1e-9).all()


def test_interventional_benchmark_reports_agreeing_numbers() -> None:
    frame = BASELINE.generate(6000, 11)
    train, valid, test = frame.iloc[:3600], frame.iloc[3600:4800], frame.iloc[4800:]
    model = LGBMModel(params={"n_estimators": 80}, num_threads=1).fit(
        train, train[F.TARGET], X_valid=valid, y_valid=valid[F.TARGET])
    r = benchmark_interventional(
        model.booster_, model._matrix(model._prepare(test)),
        X_train=model._matrix(model._prepare(train)), y_train=train[F.TARGET].to_numpy(),
        params=model.params_, backgrounds=(30,), rows=300, shap_rows=4)
    assert r["categorical_splits"] == categorical_splits(model.booster_) > 0
    assert r["plain_categorical_splits"] == 0
    (cat,), (plain,) = r["categorical"], r["plain"]
    assert cat["ours_additivity"] <= 1e-9 and plain["ours_additivity"] <= 1e-9
    assert plain["max_abs_diff_shap"] <= 1e-3 and plain["speedup_vs_shap"] > 0
    if r["woodelf"] == "ok":
        assert plain["max_abs_diff_woodelf"] <= 1e-5 and plain["speedup_vs_woodelf"] > 0
    assert len(interventional_lines(r)) >= 2


def test_lifecycle_benchmark_reports_speed_and_memory(monkeypatch):
    pop = BASELINE.generate(4000, 101)
    oracle = make_model("oracle", world=BASELINE).fit(pop, pop[F.TARGET])
    lender = oracle, Policy.from_config({}).fit(pop, oracle.predict_pd(pop), pop[F.TARGET])
    monkeypatch.setattr(L, "default_lender", lambda world, seed: lender)  # no LightGBM fit
    result = benchmark_lifecycle(BASELINE, borrowers=500, months=3)
    assert result["borrower_months_per_s"] > 0 and result["seconds"] > 0
    assert result["peak_rss_mb"] >= result["added_rss_mb"] >= 0
    assert result["panel_mb"] > 0


def test_measure_counts_the_memory_of_child_processes():
    child = ("import time; x = bytearray(80 * 2**20); x[::4096] = b'1' * len(x[::4096]); "
             "time.sleep(1)")
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"
    result = run_measured([sys.executable, "-c", parent], interval_s=0.05)
    assert result["returncode"] == 0
    assert result["peak_tree_mb"] >= 80  # the grandchild's buffer counts
    assert len(result["peak_per_process_mb"]) == 2


def test_no_benchmark_code_outside_bench():
    """Benchmarks live in riskkit.bench: no other module is named for one, defines one, or
    imports riskkit.bench (cli.py, whose ``riskkit bench`` command calls it, excepted)."""
    found = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("bench/") or rel == "cli.py":
            continue
        if any(w in path.stem for w in ("bench", "measure", "timing")):
            found.append(f"{rel}: module name")
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            name = getattr(node, "name", "")
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and "bench" in name.lower():
                found.append(f"{rel}: {name}")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "riskkit.bench"):
                found.append(f"{rel}: imports {node.module}")
    assert not found, found


def test_fairness_section_at_tiny_size():
    """The fairness section times both sides on the same applicants and reports their ratio
    (what riskkit computes there equals the reference to the bit: tests/test_fairness.py)."""
    sizes = dataclasses.replace(TINY, fairness_rows=3_000)
    result = bench._guarded("fairness", lambda: bench.fairness_section(sizes, True))
    assert result["status"] == "ok", result
    assert result["rows"] == 3_000 and result["attributes"] == 4
    assert result["ratio"] == pytest.approx(result["riskkit_s"] / result["reference_s"])
    line = bench.format_report({"meta": {"cpus": 2, "load_avg_start": [0.0]}, "fairness": result})
    assert "MetricFrame" in line and f"{result['ratio']:.3f}x" in line

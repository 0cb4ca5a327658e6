"""``riskkit bench`` at tiny sizes: the figures exist, are ratios > 0, and agree to 1e-9."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from riskkit.bench import BenchSizes, main
from riskkit.bench import runner as bench
from riskkit.core.errors import ConfigError
from riskkit.synth import BLOCK_ROWS

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
    for key in ("simulate_s", "read_s", "read_columns_s", "tables_s", "borrower_months_per_s",
                "tables_vs_simulate", "read_vs_floor"):
        assert positive(result[key]), key
    assert result["tables"] >= 12
    lines = bench.format_report({"meta": {"cpus": 2, "load_avg_start": [0.0]},
                                 "monitor": result})
    assert "monitor tables 600 x 6" in lines and "of it" in lines


def test_lifecycle_and_run_sections_at_tiny_size():
    life = bench._guarded("lifecycle", lambda: bench.lifecycle_section(TINY, True, 1e6))
    assert life["status"] == "ok"
    assert positive(life["borrower_months_per_s"])
    assert life["vs_generator"] == pytest.approx(life["borrower_months_per_s"] / 1e6)
    run = bench.run_section(TINY)
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
    assert out["samples"] == 2 * 1 * 6 and out["defects"] == 6
    assert positive(out["seconds"]) and out["share_of_budget"] == out["seconds"] / 900
    assert "validate-power 2 reps x 1 sizes x 6 defects" in bench.format_report(
        {"meta": {"cpus": 2, "load_avg_start": [0.0]}, "validate_power": out})

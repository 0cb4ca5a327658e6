"""Determinism across processes: one config, two interpreters, the same bytes.

A run is reproducible only if a fresh process, with its own hash seeds, thread pools and
solver state, gives the same answers. Two ``riskkit run`` subprocesses (started together,
so the test takes the time of one) must write byte-identical decisions, metrics, models,
reasons and tables; only the figures may differ, because each carries its run's own
timestamp in its source line. The manifest must say how to reproduce the run.

The scorecard's binning is solved by OR-tools CP-SAT through optbinning. optbinning 1.0
pins the solver to one worker (``num_search_workers = 1``) and ``random_seed = 0``, which
makes CP-SAT deterministic -- as long as no feature's solve is cut short by the wall-clock
``time_limit`` (100 s by default), after which the answer depends on machine load. Each
bin table records the solver status, so the test checks that every feature was solved to
``OPTIMAL``: if that ever fails, raise ``models.scorecard.binning_params.time_limit``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROWS = 5000
CONFIG = """\
name: det
seed: 11
data:
  rows: 5000
  oot: {rows: 1250, scenario: downturn}
"""

# two runs in fresh interpreters: an end-to-end file, started first (tests/conftest.py)
pytestmark = pytest.mark.slow


def _start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    return out


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("det")
    config = root / "det.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    procs = [_start(["-m", "riskkit.cli", "run", str(config), "--out", str(root / name),
                     "--quiet"]) for name in ("a", "b")]
    for proc in procs:
        _finish(proc)
    a, b = (next((root / name).iterdir()) for name in ("a", "b"))
    return a, b


def _manifest(run: Path) -> dict:
    return json.loads((run / "manifest.json").read_text(encoding="utf-8"))


def test_same_config_gives_identical_files_in_two_processes(two_runs: tuple[Path, Path]) -> None:
    a, b = two_runs
    for rel in ("decisions.parquet", "metrics.json", "reasons.parquet", "config.yaml",
                "datacard.json", "models/lgbm/booster.txt", "models/lgbm/model.json",
                "models/scorecard/model.json", "models/scorecard/points_table.csv",
                "models/policy.json"):
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    files_a, files_b = _manifest(a)["files"], _manifest(b)["files"]
    assert set(files_a) == set(files_b)
    differ = sorted(f for f in files_a if files_a[f] != files_b[f])
    assert all(f.startswith("figures/") for f in differ), differ
    dec = pd.read_parquet(a / "decisions.parquet")
    assert len(dec) == ROWS + 1250 and {"pd_lgbm", "pd_scorecard", "decision",
                                        "credit_line"} <= set(dec.columns)


def test_manifest_records_how_to_reproduce(two_runs: tuple[Path, Path]) -> None:
    a, b = two_runs
    ma, mb = _manifest(a), _manifest(b)
    assert ma["status"] == "complete" and ma["seed"] == 11 and ma["name"] == "det"
    for package in ("riskkit", "python", "numpy", "pandas", "lightgbm", "optbinning",
                    "scikit-learn"):
        assert ma["versions"][package], package
    assert ma["git_commit"] is None or re.fullmatch(r"[0-9a-f]{40}", ma["git_commit"])
    assert set(ma["data_fingerprints"]) == {"train", "valid", "test", "oot"}
    assert ma["data_fingerprints"] == mb["data_fingerprints"]
    assert ma["files"]["config.yaml"] == mb["files"]["config.yaml"]
    assert ma["data_stored"] is False and set(ma["timings_s"]) >= {"fit", "figures"}


def test_every_scorecard_binning_was_solved_to_optimality(two_runs: tuple[Path, Path]) -> None:
    for run in two_runs:
        state = json.loads((run / "models/scorecard/model.json").read_text())["state"]
        status = {b["name"]: b["status"] for b in state["bins"]}
        assert set(status.values()) == {"OPTIMAL"}, status


CV_SCRIPT = """\
import json, sys
from riskkit.experiment.byod import cross_validate
print(json.dumps(cross_validate(sys.argv[1], "bad", folds=2, seed=4)))
"""


def test_bring_your_own_data_split_and_fit_are_deterministic(tmp_path: Path) -> None:
    """The fit path (stratified split, small-data LightGBM, scorecard) in two processes."""
    import numpy as np

    rng = np.random.default_rng(2)
    n = 1200
    x = rng.normal(size=n)
    frame = pd.DataFrame({"x": x.round(4), "z": rng.normal(size=n).round(4),
                          "grade": rng.choice(["A", "B", "C"], n),
                          "bad": (rng.random(n) < 1 / (1 + np.exp(1 - 1.5 * x))).astype(int)})
    path = tmp_path / "small.csv"
    frame.to_csv(path, index=False)
    procs = [_start(["-c", CV_SCRIPT, str(path)]) for _ in range(2)]
    first, second = (json.loads(_finish(p)) for p in procs)
    assert first == second
    assert set(first["models"]) == {"scorecard", "lgbm"}
    assert first["models"]["lgbm"]["auc_mean"] > 0.65


def _byod_file(path: Path, sign: float, seed: int) -> Path:
    """A small user file whose column ``x`` raises risk (sign +1) or lowers it (sign -1)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = 1200
    x = rng.normal(size=n)
    frame = pd.DataFrame({"x": x.round(4), "grade": rng.choice(["A", "B", "C"], n),
                          "bad": (rng.random(n) < 1 / (1 + np.exp(1.2 - sign * 1.5 * x))
                                  ).astype(int)})
    frame.to_csv(path, index=False)
    return path


def test_loading_user_runs_never_changes_another_run(two_runs: tuple[Path, Path],
                                                     tmp_path: Path) -> None:
    """Issue 11's isolation check: after fitting and explaining two bring-your-own-data runs
    whose same-named column points in opposite directions, this process runs the synthetic
    config and writes decisions byte-identical to a fresh process's."""
    from riskkit.experiment import config as C
    from riskkit.experiment import load_run, run_experiment
    from riskkit.experiment.byod import fit_file
    from riskkit.explain.in_run import explain_in_run

    up = load_run(fit_file(_byod_file(tmp_path / "up.csv", +1, 3), "bad", tmp_path / "runs",
                           name="up", quiet=True))
    down = load_run(fit_file(_byod_file(tmp_path / "down.csv", -1, 4), "bad", tmp_path / "runs",
                             name="down", quiet=True))
    assert up.registry["x"].direction == "increasing"
    assert down.registry["x"].direction == "decreasing"
    for run in (up, down):  # each run explains with its own registry
        denied = run.decisions().query("decision == 'denied'")["applicant_id"].iloc[0]
        explanation, _ = explain_in_run(run, int(denied))
        assert explanation["decision"] == "denied"
    assert up.model("lgbm").registry_["x"].direction == "increasing"
    cfg_path = tmp_path / "det.yaml"
    cfg_path.write_text(CONFIG, encoding="utf-8")
    here = run_experiment(C.load_config(cfg_path), tmp_path / "synthetic", quiet=True)
    fresh = two_runs[0]
    for rel in ("decisions.parquet", "reasons.parquet", "metrics.json"):
        assert (here / rel).read_bytes() == (fresh / rel).read_bytes(), rel

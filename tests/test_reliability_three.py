"""Issue 25: every entry point checks everything before it works (reliability, round three).

Each test is an awkward but realistic input an analyst tried; the comment over it says what
main did with it before this work. Runs are 2,000 applicants with figures off.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from riskkit.cli import build_parser, main
from riskkit.cli_support import fairness_line, setup_logging
from riskkit.core.errors import ConfigError, DataError, RiskkitError
from riskkit.experiment import config as C
from riskkit.experiment import load_run
from riskkit.experiment.runfolder import compare
from riskkit.experiment.sweep import distinct_points, grid_points, point_configs

SMALL = {"name": "rel", "data": {"rows": 2000, "oot": {"rows": 1000}},
         "figures": {"enabled": False}}


def write_config(folder: Path, cfg: dict, name: str = "cfg.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from riskkit.experiment import run_from_config

    folder = tmp_path_factory.mktemp("rel")
    return run_from_config(write_config(folder, SMALL), folder / "runs", quiet=True)


def riskkit(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "riskkit.cli", "--quiet", *args], text=True,
                          capture_output=True, timeout=timeout)


# ----------------------------------------------------------------------------- model params
def test_misspelt_lightgbm_parameter_is_refused_naming_the_key() -> None:
    # main: num_leave went to LightGBM, which ignored it (verbosity -1 hid the warning)
    with pytest.raises(ConfigError, match=r"models\.lgbm\.params\.num_leave.*'num_leaves'"):
        C.resolve({"models": {"lgbm": {"params": {"num_leave": 7}}}}, source="my.yaml")


def test_lightgbm_values_are_checked_by_lightgbm_itself() -> None:
    # main: a negative lambda_l2 or a text num_leaves failed at the fit, minutes in
    with pytest.raises(ConfigError) as caught:
        C.resolve({"models": {"lgbm": {"params": {"lambda_l2": -1, "num_leaves": "abc",
                                                   "feature_fraction": 1.5}}}}, source="my.yaml")
    text = str(caught.value)
    assert "my.yaml" in text and "\n" not in text
    assert "lambda_l2 = -1: LightGBM requires lambda_l2 >= 0" in text
    assert "num_leaves = 'abc'" in text and "feature_fraction = 1.5" in text


def test_two_spellings_of_a_lightgbm_parameter_are_one_setting() -> None:
    # main: min_data_in_leaf and riskkit's default min_child_samples both went to LightGBM
    cfg = C.resolve({"models": {"lgbm": {"params": {"min_data_in_leaf": "50", "num_leaves": 7,
                                                    "num_leaf": 7}}}})
    assert cfg["models"]["lgbm"]["params"] == {"min_child_samples": 50, "num_leaves": 7}
    with pytest.raises(ConfigError, match="same LightGBM parameter"):
        C.resolve({"models": {"lgbm": {"params": {"num_leaves": 7, "num_leaf": 9}}}})
    with pytest.raises(ConfigError, match=r"use models\.lgbm\.num_threads"):
        C.resolve({"models": {"lgbm": {"params": {"n_jobs": 4}}}})


def test_lightgbm_names_come_from_the_installed_library() -> None:
    import lightgbm as lgb

    from riskkit.models.params import lgbm_aliases

    aliases = lgbm_aliases()
    # every name riskkit itself passes is known to LightGBM, and an alias maps to its name
    for name in ("num_leaves", "learning_rate", "deterministic", "force_row_wise", "verbosity"):
        assert name in aliases
    assert "min_child_samples" in aliases["min_data_in_leaf"]
    # and LightGBM agrees: a name from the list trains, one that is not is ignored by it
    assert lgb.basic._ConfigAliases.get("min_data_in_leaf") == {"min_data_in_leaf",
                                                               *aliases["min_data_in_leaf"]}


def test_optbinning_settings_are_checked_against_optimal_binning() -> None:
    # main: max_n_bin went to the pre-binning tree and failed at the first feature's fit
    with pytest.raises(ConfigError, match=r"binning_params\.max_n_bin.*'max_n_bins'"):
        C.resolve({"models": {"scorecard": {"binning_params": {"max_n_bin": 4}}}})
    with pytest.raises(ConfigError, match="max_n_prebins"):
        C.resolve({"models": {"scorecard": {"binning_params": {"max_n_prebins": -1}}}})
    cfg = C.resolve({"models": {"scorecard": {"binning_params": {"max_pvalue": "0.05"}}}})
    assert cfg["models"]["scorecard"]["binning_params"] == {"max_pvalue": 0.05}


# ----------------------------------------------------------------------------- written forms
def test_values_written_naturally_are_understood() -> None:
    # main: "5%", "0.05" and "20,000" were refused as not numbers
    cfg = C.resolve({"data": {"bad_rate": "5%", "rows": "20,000"},
                     "policy": {"cutoff": {"method": "approval_rate", "value": "0.7"}},
                     "figures": {"enabled": "false"}})
    assert cfg["data"]["bad_rate"] == 0.05 and cfg["data"]["rows"] == 20000
    assert cfg["policy"]["cutoff"]["value"] == 0.7 and cfg["figures"]["enabled"] is False
    with pytest.raises(ConfigError, match=r"data\.bad_rate = 'five'.*percentage such as 5%"):
        C.resolve({"data": {"bad_rate": "five"}})
    with pytest.raises(ConfigError, match=r"data\.rows = '50%'"):
        C.resolve({"data": {"rows": "50%"}})  # a percentage of a row count means nothing


def test_generate_reads_a_percentage_bad_rate() -> None:
    # main: argparse refused "--bad-rate 5%" as an invalid float
    args = build_parser().parse_args(["generate", "--rows", "1,000", "--bad-rate", "5%",
                                      "--out", "x"])
    assert args.bad_rate == pytest.approx(0.05) and args.rows == 1000


def test_simulate_reads_a_percentage_bad_rate() -> None:
    # main (0.3.0): simulate --bad-rate was type=float, so "4%" was an argparse error
    args = build_parser().parse_args(["simulate", "--bad-rate", "4%", "--world", "interacting",
                                      "--out", "x"])
    assert args.bad_rate == pytest.approx(0.04)


@pytest.mark.parametrize("command", ["generate", "simulate"])
def test_bad_rate_refused_in_one_line_naming_the_forms(command: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main([command, "--bad-rate", "five", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert caught.value.code == 2 and len(err.splitlines()) == 1
    assert "--bad-rate" in err and "percentage such as 5%" in err and "'five'" in err
    # a well-written rate outside the world's range: one line from the World, nothing written
    assert main([command, "--bad-rate", "90%", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "bad rate" in err and "0.9" in err
    assert not (tmp_path / "out").exists()


def test_every_problem_is_reported_together_before_any_work(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    cfg = {**SMALL, "data": {"rows": 2000, "bad_rate": 0.9, "oot": {"rows": 1000}},
           "models": {"lgbm": {"params": {"num_leave": 7}},
                      "scorecard": {"binning_params": {"max_n_bin": 3}}}}
    path = write_config(tmp_path, cfg)
    assert main(["run", str(path), "--out", str(tmp_path / "runs")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err
    for key in ("data.bad_rate = 0.9", "params.num_leave", "binning_params.max_n_bin"):
        assert key in err
    assert not (tmp_path / "runs").exists()


def test_splits_too_small_to_measure_are_refused_before_any_work(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]
                                                                 ) -> None:
    # main: drew and fitted everything, then failed in the metrics ("y needs both goods...")
    path = write_config(tmp_path, {**SMALL, "data": {"rows": 1000, "bad_rate": 0.001}})
    start = time.perf_counter()
    assert main(["run", str(path), "--out", str(tmp_path / "runs")]) == 2
    assert time.perf_counter() - start < 10
    err = capsys.readouterr().err
    assert "expected bads in the test split" in err and "raise data.rows or data.bad_rate" in err
    assert not (tmp_path / "runs").exists()


# ----------------------------------------------------------------------------- sweeps
def test_sweep_reports_every_invalid_point_at_once() -> None:
    # main: stopped at the first invalid point
    grid = {"data.bad_rate": [0.04, 0.9], "data.rows": ["abc"]}
    with pytest.raises(ConfigError) as caught:
        point_configs(SMALL, grid, "config base.yaml")
    text = str(caught.value)
    assert "2 of 2 sweep points are invalid" in text and "data.bad_rate = 0.9" in text
    assert text.count("data.rows = 'abc'") == 2 and "base.yaml" in text


def test_sweep_runs_each_distinct_configuration_once() -> None:
    # main: "0.04" was refused; 0.04 and 4% would have been two runs of one configuration
    grid = {"data.bad_rate": [0.04, "0.04", "4%", 0.05]}
    configs, points, merged = distinct_points(point_configs(SMALL, grid), grid_points(grid))
    assert merged == 2 and [p["data.bad_rate"] for p in points] == [0.04, 0.05]
    assert [c["data"]["bad_rate"] for c in configs] == [0.04, 0.05]
    grid = {"models.lgbm.params.num_leaves": [7], "models.lgbm.params.num_leaf": [7, 9]}
    with pytest.raises(ConfigError, match="same LightGBM parameter"):
        point_configs(SMALL, grid)


def test_sweep_runs_one_drift_spelled_five_ways_once() -> None:
    # before: none, null and 0 were three resolved configs (three runs of one world), and
    # "0%" / "25%" were refused although drift is a share of a downturn a year
    grid = {"data.oot.drift": [0, "none", None, "0%", 0.25, "25%"]}
    configs, points, merged = distinct_points(point_configs(SMALL, grid), grid_points(grid))
    assert merged == 4 and [c["data"]["oot"]["drift"] for c in configs] == [0.0, 0.25]
    assert [p["data.oot.drift"] for p in points] == [0, 0.25]  # the first spelling of each


def test_measurability_speaks_of_the_run_s_world(monkeypatch: pytest.MonkeyPatch) -> None:
    # the expected bads come from the World the run draws from (run_world), not a config key
    from riskkit.experiment import checks
    from riskkit.synth import World

    cfg = C.resolve(SMALL)
    assert checks.check_measurable(cfg) == []  # 2,000 x 0.2 x 4% = 16 expected bads
    monkeypatch.setattr(checks, "run_world", lambda c: World("baseline", 0.005))
    found = checks.check_measurable(cfg)
    assert [line.split(" expected bads in the ")[1].split(" ")[0] for line in found] == ["valid", "test"]
    assert all("data.bad_rate 0.005" in line for line in found)


# ----------------------------------------------------------------------------- tracking
def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_unreachable_tracking_server_is_found_in_seconds_before_the_run(
        tmp_path: Path, command: str) -> None:
    # main: the run finished, then MLflow retried for over four minutes, printing each retry
    uri = f"http://127.0.0.1:{_closed_port()}"
    path = write_config(tmp_path, SMALL)
    extra = ["--grid", "seed=1,2"] if command == "sweep" else []
    start = time.perf_counter()
    done = riskkit(command, str(path), *extra, "--out", str(tmp_path / "out"),
                   "--tracking-uri", uri, timeout=60)
    assert time.perf_counter() - start < 30
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert uri in done.stderr and "nothing was run" in done.stderr
    assert "Retrying" not in done.stderr and not (tmp_path / "out").exists()


def test_quiet_silences_http_retry_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    # main: urllib3's "Retrying (Retry(total=6 ...))" warnings printed under --quiet
    setup_logging(True)
    try:
        logging.getLogger("urllib3.connectionpool").warning("Retrying (Retry(total=6))")
        logging.getLogger("riskkit").warning("a riskkit warning stays")
    finally:
        logging.getLogger().handlers.clear()
    err = capsys.readouterr().err
    assert "Retrying" not in err and "a riskkit warning stays" in err


def test_a_tracking_failure_after_the_run_keeps_the_run(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from riskkit.experiment import runner, tracking

    def broken(*args: object, **kwargs: object) -> str:
        raise ConfigError("tracking of run X to http://team-server failed: ConnectionError")

    monkeypatch.setattr(tracking, "track_run", broken)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RiskkitError) as caught:
        runner.run_from_config(write_config(tmp_path, SMALL), tmp_path / "runs", quiet=True,
                               tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    kept = [p for p in (tmp_path / "runs").iterdir() if not p.name.startswith(".")]
    assert len(kept) == 1 and str(kept[0]) in str(caught.value)
    assert "complete" in str(caught.value)
    load_run(kept[0])  # complete and loadable


# ----------------------------------------------------------------------------- outputs
def test_closed_output_pipe_exits_quietly(small_run: Path) -> None:
    # main: "riskkit explain: error: Broken pipe", exit 2
    done = subprocess.run(f"{sys.executable} -m riskkit.cli explain {small_run} --applicant "
                          "zhang_san --format json | head -c 1; exit ${PIPESTATUS[0]}",
                          shell=True, executable="/bin/bash", text=True, capture_output=True,
                          timeout=120)
    assert done.returncode == 0 and done.stderr == "" and done.stdout == "{"


def test_compare_labels_runs_of_one_name_by_folder(small_run: Path, tmp_path: Path) -> None:
    # main: both columns had the run's name, one overwrote the other: "no metric differs"
    other = tmp_path / "older" / small_run.name
    shutil.copytree(small_run, other)
    table = compare(small_run, other)
    labels = [c for c in table.columns if c not in ("metric", "diff", "status")]
    assert len(labels) == 2 and labels[0] != labels[1]
    assert labels[0].endswith(small_run.name) and labels[1] == f"older/{small_run.name}"
    # the worlds header names each run by the same label as its column
    assert table.attrs["same_world"] and list(table.attrs["worlds"]) == labels
    assert [line.split(": ")[0] for line in table.attrs["header"]] == labels
    # figures neither run could measure are "not measured", not "no difference"
    assert (table["status"] == "not measured").any()
    with pytest.raises(ConfigError, match="same run folder"):
        compare(small_run, small_run)


def test_compare_cli_never_hides_unmeasured_rows(small_run: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "older" / small_run.name
    shutil.copytree(small_run, other)
    assert main(["compare", str(small_run), str(other)]) == 0
    out = capsys.readouterr().out
    assert "not measured" in out and "no metric differs" not in out


def test_four_fifths_flag_not_measured_is_neither_pass_nor_fail() -> None:
    # main: too few applicants per group gave four_fifths_flag False, printed "no flag"
    from riskkit.evaluate.fairness import split_fairness

    frame = pd.DataFrame({"gender": ["f"] * 10 + ["m"] * 10})
    y = np.array([0, 1] * 10)
    approved = np.array([True, False] * 10)
    out = split_fairness(frame, y, approved, np.full(20, 0.1), np.array([None] * 20),
                         ["gender"], [])
    assert out["four_fifths_flag"]["gender"] is None
    assert out["four_fifths_status"]["gender"] == "not measured"
    line = fairness_line({"fairness": {"splits": {"test": out}}})
    assert line is not None and "not measured 1 (gender)" in line and "passes 0" in line


def test_explain_with_another_model_uses_its_own_cutoff(small_run: Path) -> None:
    # main: the scorecard's PD was compared with LightGBM's cut-off
    from riskkit.explain.in_run import explain_in_run, model_policy

    run = load_run(small_run)
    own = model_policy(run, run.model("scorecard"), run.policy())
    assert own.cutoff != run.policy().cutoff
    low, high = sorted((own.cutoff, run.policy().cutoff))
    frame = run.data("test")
    pds = run.model("scorecard").predict_pd(frame)
    between = frame["applicant_id"].to_numpy()[(pds > low) & (pds <= high)]
    result, text = explain_in_run(run, int(between[0]) if len(between) else "zhang_san",
                                  model_name="scorecard")
    assert result["cutoff"]["model"] == "scorecard"
    assert result["cutoff"]["pd"] == pytest.approx(own.cutoff)
    if not result["knockout"]:
        assert (result["decision"] == "approved") == (result["pd"] <= own.cutoff)
    assert "scorecard's own" in text and "the run deployed lgbm" in text


# ----------------------------------------------------------------------------- bounded inputs
def test_what_if_refuses_values_no_applicant_can_have(small_run: Path) -> None:
    # main: -4 applications and an income of -5,000 were scored; "8k" was a ValueError
    from riskkit.widgets import what_if

    run = load_run(small_run)
    panel = what_if(run, "zhang_san", interactive=False)
    before = dict(panel.values)
    for change, words in (({"applications_30d": -4}, "a whole number 0 or more"),
                          ({"monthly_income": -5000}, "0 or more"),
                          ({"monthly_income": "8k"}, "is not a number"),
                          ({"monthly_income": float("nan")}, "is missing")):
        with pytest.raises(ConfigError, match=words):
            panel.set(changes=change)
        assert panel.values == before  # refused with the panel as it was
    with pytest.raises(ConfigError, match="0 to 24"):
        panel.set(months=30)
    assert panel.months == 0


def test_explaining_an_impossible_applicant_is_refused(small_run: Path) -> None:
    from riskkit.explain import explain_applicant

    run = load_run(small_run)
    row = run.data("test").head(1).copy()
    row["applications_30d"] = -3
    with pytest.raises(DataError, match=r"applicant: applications_30d = -3: .*0 or more"):
        explain_applicant(run.model("lgbm"), run.policy(), row, None, truth=run.world.truth())


def test_contributions_name_the_frame_that_misses_a_column(small_run: Path) -> None:
    # main: "X: missing model feature columns" for a background that missed one
    from riskkit.explain import contributions

    run = load_run(small_run)
    test, valid = run.data("test").head(5), run.data("valid")
    with pytest.raises(DataError, match=r"^background: missing .*monthly_income"):
        contributions(run.model("lgbm"), test, background=valid.drop(columns="monthly_income"))
    with pytest.raises(DataError, match=r"^frame: missing .*monthly_income"):
        contributions(run.model("lgbm"), test.drop(columns="monthly_income"), background=valid)


def test_simulate_refuses_a_retraining_that_never_happens(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    # main: ran, and printed every variant identical to the model never retrained
    code = main(["simulate", "--borrowers", "500", "--months", "2", "--retrain-every", "3",
                 "--out", str(tmp_path / "sim")])
    assert code == 2 and "--retrain-every 3" in capsys.readouterr().err
    assert not (tmp_path / "sim").exists()

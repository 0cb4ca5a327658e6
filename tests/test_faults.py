"""Bad input and faults: one line, exit code 2, and never a run folder that looks complete.

Every failure case checks three things: the exit code (2), the one-line message (it names
the file, column, key or value at fault), and the runs folder (nothing in it without the
``.incomplete-`` prefix, and no ``manifest.json`` anywhere). Data problems that are merely
messy -- an all-missing, constant or ID-like column, a categorical with hundreds of levels,
infinities -- are not errors: the run succeeds and ``notes.txt`` says what was done.

Most commands run in-process through ``riskkit.cli.main`` (the same code path as the
console script, minus a second of interpreter start-up each). A run killed half-way is in
``test_interrupt.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import riskkit
from riskkit.cli import main
from riskkit.core.errors import RunError
from riskkit.experiment import INCOMPLETE_PREFIX
from riskkit.experiment.runfolder import MANIFEST, load_run

ROWS = 1500


# ----------------------------------------------------------------------------- helpers
def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``riskkit ARGS`` in-process: (exit code, stdout, stderr)."""
    code = main([*args, "--quiet"])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *words: str) -> str:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], f"{word!r} not in {lines[0]!r}"
    return lines[0]


def assert_no_complete_run(runs: Path) -> None:
    """Nothing that looks like a finished run: only hidden staging folders, no manifest."""
    if not runs.exists():
        return
    for entry in runs.iterdir():
        assert entry.name.startswith(INCOMPLETE_PREFIX), f"{entry} looks like a run"
    assert not list(runs.rglob(MANIFEST)), "a manifest.json exists"




@pytest.fixture(scope="module")
def extract() -> pd.DataFrame:
    """A warehouse-style extract: Chinese names, a 违约/正常 target, and every messy column
    that must be handled with a note rather than an error."""
    pop = riskkit.generate(ROWS, seed=1, bad_rate=0.2)
    rng = np.random.default_rng(5)
    frame = pop[["applicant_id", "age", "occupation", "monthly_income", "income_volatility",
                 "applications_30d", "active_platforms", "overdue_count_24m", "max_dpd_24m",
                 "debt_to_income", "loan_purpose"]].rename(columns={
                     "occupation": "职业", "monthly_income": "月收入", "income_volatility": "收入波动",
                     "applications_30d": "近30天申请次数", "debt_to_income": "负债收入比"})
    frame.insert(1, "客户编号", [f"C{i:07d}" for i in rng.permutation(10 * ROWS)[:ROWS]])
    frame["备注"] = ""  # all missing
    frame["渠道"] = "app"  # constant
    common = [f"城市{k:02d}" for k in range(12)]
    frame["城市"] = np.where(rng.random(ROWS) < 0.6, rng.choice(common, ROWS),
                           [f"镇{k}" for k in rng.permutation(ROWS)])  # ~600 one-off levels
    dti = frame["负债收入比"].to_numpy(copy=True)
    dti[[4, 9, 99]] = np.inf
    frame["负债收入比"] = dti
    frame["是否违约"] = np.where(pop["default_12m"] == 1, "违约", "正常")
    return frame


def write_gbk(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, sep=";", index=False, encoding="gbk")
    return path


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory, extract: pd.DataFrame) -> Path:
    """One successful ``riskkit fit`` on the messy GBK extract (shared; copy before damaging)."""
    folder = tmp_path_factory.mktemp("fit")
    data = write_gbk(folder / "贷款数据.csv", extract)
    done = subprocess.run([sys.executable, "-m", "riskkit.cli", "fit", "--data", str(data),
                           "--target", "是否违约", "--out", str(folder / "runs"), "--quiet"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    runs = [p for p in (folder / "runs").iterdir()]
    assert len(runs) == 1 and (runs[0] / MANIFEST).is_file()
    assert f"run written to {runs[0]}" in done.stdout
    return runs[0]


# ----------------------------------------------------------------------------- messy data: notes
def test_messy_columns_are_excluded_or_grouped_with_a_note(finished: Path) -> None:
    notes = (finished / "notes.txt").read_text(encoding="utf-8")
    assert "gb18030" in notes and "delimiter ';'" in notes
    assert "'备注' excluded: all 1500 values missing" in notes
    assert "'渠道' excluded: constant 'app'" in notes
    assert "'客户编号' excluded: looks like an identifier" in notes
    assert "'applicant_id' excluded: looks like an identifier" in notes
    assert "'城市':" in notes and "grouped as 'other'" in notes
    assert "'负债收入比': 3 infinite value(s) at rows 5, 10, 100 treated as missing" in notes
    assert "'违约' is bad (1)" in notes
    # a column called like a built-in feature is renamed, not an error
    assert "feature 'age' is called 'age_data'" in notes
    registry = json.loads((finished / "registry.json").read_text(encoding="utf-8"))
    names = [f["name"] for f in registry["features"]]
    assert {"age_data", "月收入", "城市"} <= set(names)
    assert not {"备注", "渠道", "客户编号", "applicant_id", "age"} & set(names)
    schema = json.loads((finished / "schema.json").read_text(encoding="utf-8"))
    by_name = {c["name"]: c for c in schema["columns"]}
    assert by_name["age"]["feature"] == "age_data" and by_name["备注"]["role"] == "excluded"


def test_finished_run_loads_and_its_files_are_in_the_manifest(finished: Path) -> None:
    run = load_run(finished)
    for name in ("registry.json", "schema.json", "notes.txt", "data/test.parquet"):
        assert name in run.manifest["files"]
    assert run.manifest["data_stored"] is True
    test = run.data("test")
    assert test["applicant_id"].between(1, ROWS).all()
    assert set(run.metrics["models"]) == {"scorecard", "lgbm"}
    assert run.metrics["models"]["lgbm"]["test"]["auc"] > 0.6


# ----------------------------------------------------------------------------- bad files
def _fit(capsys: pytest.CaptureFixture[str], data: Path, target: str, runs: Path,
         *extra: str) -> tuple[int, str, str]:
    return cli(capsys, "fit", "--data", str(data), "--target", target, "--out", str(runs), *extra)


@pytest.mark.parametrize("case", ["missing", "empty", "header_only", "bad_parquet", "excel"])
def test_unreadable_files(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    path = tmp_path / {"bad_parquet": "loans.parquet", "excel": "loans.csv"}.get(case, "loans.csv")
    if case == "empty":
        path.write_bytes(b"")
    elif case == "header_only":
        path.write_text("月收入,是否违约\n", encoding="utf-8")
    elif case == "bad_parquet":
        path.write_bytes(b"PAR1" + os.urandom(200))
    elif case == "excel":
        path.write_bytes(b"PK\x03\x04" + os.urandom(200))
    words = {"missing": "file not found", "empty": "empty", "header_only": "header only",
             "bad_parquet": "cannot read as Parquet", "excel": "Excel"}[case]
    code, _, err = _fit(capsys, path, "是否违约", tmp_path / "runs")
    assert_one_line_error(code, err, path.name, words)
    assert_no_complete_run(tmp_path / "runs")


@pytest.mark.parametrize("case, words", [
    ("missing_target", ["'是否逾期' not found", "did you mean '是否违约'"]),
    ("one_class", ["one class only", "'正常' (1500 rows)"]),
    ("three_classes", ["3 classes", "'未知'"]),
    ("text_in_numeric", ["'月收入'", "expected numbers", "'12千元' (row 7)"]),
    ("duplicate_columns", ["duplicate column names", "'月收入' (columns"]),
    ("infinity_error", ["'负债收入比'", "infinite", "infinity='error'"]),
    ("too_few_rows", ["600 data rows", "at least 1000"]),
    ("too_few_bads", ["only 20 bad rows", "at least 50"]),
])
def test_bad_data_exits_2_naming_column_and_value(tmp_path: Path, extract: pd.DataFrame,
                                                  capsys: pytest.CaptureFixture[str],
                                                  case: str, words: list[str]) -> None:
    frame, target, extra = extract.copy(), "是否违约", []
    if case == "missing_target":
        target = "是否逾期"
    elif case == "one_class":
        frame["是否违约"] = "正常"
    elif case == "three_classes":
        frame.loc[[3, 8], "是否违约"] = "未知"
    elif case == "text_in_numeric":
        income = frame["月收入"].round(0).astype(str).to_numpy(copy=True)
        income[6] = "12千元"
        frame["月收入"] = income
    elif case == "duplicate_columns":
        frame.insert(3, "月收入 ", frame["月收入"])  # same name once stripped
    elif case == "infinity_error":
        config = tmp_path / "fit.yaml"
        config.write_text("ingest:\n  infinity: error\n", encoding="utf-8")
        extra = ["--config", str(config)]
    elif case == "too_few_rows":
        frame = frame.head(600)
    elif case == "too_few_bads":
        bad = np.flatnonzero(frame["是否违约"] == "违约")
        frame = frame.drop(index=bad[20:])
    data = write_gbk(tmp_path / "贷款数据.csv", frame)
    code, _, err = _fit(capsys, data, target, tmp_path / "runs", *extra)
    assert_one_line_error(code, err, "riskkit fit: error:", "贷款数据.csv", *words)
    assert_no_complete_run(tmp_path / "runs")


def test_one_error_lists_every_problem(tmp_path: Path, extract: pd.DataFrame,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    frame = extract.copy()
    frame.loc[[3, 8], "是否违约"] = "未知"
    frame["收入波动"] = frame["收入波动"].astype(str)
    frame.loc[11, "收入波动"] = "n.a."
    code, _, err = _fit(capsys, write_gbk(tmp_path / "x.csv", frame), "是否违约", tmp_path / "r")
    assert_one_line_error(code, err, "3 classes", "'收入波动'", "'n.a.' (row 12)")


# ----------------------------------------------------------------------------- bad configs
@pytest.mark.parametrize("text, words", [
    ("name: t\nsead: 3\n", ["'sead'", "did you mean 'seed'"]),
    ("name: t\nmodles:\n  lgbm: {enabled: true}\n", ["'modles'", "did you mean 'models'"]),
    ("models:\n  lgbm: {num_leafs: 3}\n", ["'models.lgbm.num_leafs'"]),
    ("seed: [1\n", ["not valid YAML", "line 2"]),
])
def test_misspelt_run_config(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
                             words: list[str]) -> None:
    config = tmp_path / "exp.yaml"
    config.write_text(text, encoding="utf-8")
    code, _, err = cli(capsys, "run", str(config), "--out", str(tmp_path / "runs"))
    assert_one_line_error(code, err, "exp.yaml", *words)
    assert_no_complete_run(tmp_path / "runs")


@pytest.mark.parametrize("text, words", [
    ("sead: 3\n", ["'sead'", "did you mean 'seed'"]),
    ("ingest:\n  id_colums: [客户编号]\n", ["'ingest.id_colums'", "did you mean 'id_columns'"]),
    ("features: [月收入, 月收]\n", ["'月收'", "not a feature of the data"]),
    ("evaluate: {segment: 城巿}\n", ["'城巿'", "did you mean '城市'"]),
    ("models:\n  oracle: {enabled: true}\n", ["models.oracle.enabled", "true PD"]),
    ("seed: 3\n", ["seed given twice"]),
])
def test_misspelt_fit_config(tmp_path: Path, extract: pd.DataFrame,
                             capsys: pytest.CaptureFixture[str], text: str,
                             words: list[str]) -> None:
    config = tmp_path / "fit.yaml"
    config.write_text(text, encoding="utf-8")
    data = write_gbk(tmp_path / "d.csv", extract)
    code, _, err = _fit(capsys, data, "是否违约", tmp_path / "runs", "--config", str(config),
                        "--seed", "5")
    assert_one_line_error(code, err, "fit.yaml", *words)
    assert_no_complete_run(tmp_path / "runs")


# ----------------------------------------------------------------------------- damaged runs
def _damage(run: Path, how: str) -> str:
    if how == "truncate":
        path = run / "decisions.parquet"
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        return "decisions.parquet"
    if how == "modify":
        path = run / "decisions.parquet"
        raw = bytearray(path.read_bytes())
        raw[len(raw) // 2] ^= 0xFF
        path.write_bytes(bytes(raw))
        return "decisions.parquet"
    if how == "delete":
        (run / "metrics.json").unlink()
        return "metrics.json is missing"
    (run / MANIFEST).unlink()
    return "manifest.json is missing"


@pytest.mark.parametrize("how", ["truncate", "modify", "delete", "no_manifest"])
def test_damaged_run_is_refused_by_load_compare_and_report(
        tmp_path: Path, finished: Path, capsys: pytest.CaptureFixture[str], how: str) -> None:
    good = shutil.copytree(finished, tmp_path / "good")
    bad = shutil.copytree(finished, tmp_path / "bad")
    words = _damage(bad, how)
    with pytest.raises(RunError, match=words.split()[0].replace(".", r"\.")):
        load_run(bad)
    for args in (["compare", str(good), str(bad)], ["report", str(bad)],
                 ["explain", str(bad), "--applicant", "1"]):
        code, _, err = cli(capsys, *args)
        assert_one_line_error(code, err, str(bad), words)
    assert not (bad / "report.html").exists()


# ----------------------------------------------------------------------------- explain
def test_unknown_applicant(finished: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "explain", str(finished), "--applicant", "999999")
    assert_one_line_error(code, err, "999999", "not in run")
    code, _, err = cli(capsys, "explain", str(finished), "--applicant", "张三")
    assert_one_line_error(code, err, "'张三'")


def test_explain_and_report_work_on_a_fit_run(finished: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    dec = load_run(finished).decisions()
    denied = int(dec.loc[dec["decision"] == "denied", "applicant_id"].iloc[0])
    code, out, err = cli(capsys, "explain", str(finished), "--applicant", str(denied),
                         "--format", "json")
    assert code == 0, err
    assert json.loads(out)["decision"] == "denied"
    code, out, err = cli(capsys, "report", str(finished), "--out", str(finished.parent / "r.html"))
    assert code == 0, err
    assert (finished.parent / "r.html").stat().st_size > 10_000

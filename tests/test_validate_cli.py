"""``riskkit validate`` and ``riskkit validate-power`` end to end, the grades a run writes,
the ``validate:`` config section, and the report's "Validation tests" section in en and zh."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from riskkit.cli import main
from riskkit.core.errors import ConfigError, RunError
from riskkit.experiment import config as C
from riskkit.experiment import load_run, runner
from riskkit.experiment.validation import VALIDATION_FILE, read_validation, validate_run
from riskkit.reporting.report import render_report
from riskkit.reporting.sections.validation import direction

QUICK = {"explain": {"splits": ["test"]}, "figures": {"enabled": False}}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A development run deploying the oracle and a current one deploying a scorecard."""
    folder = tmp_path_factory.mktemp("runs")
    dev = C.resolve({"name": "dev", **QUICK, "models": {"scorecard": {"enabled": False},
                                                        "lgbm": {"enabled": False}},
                     "policy": {"model": "oracle"}}, rows=3000, seed=5)
    cur = C.resolve({"name": "cur", **QUICK, "models": {"oracle": {"enabled": False},
                                                        "lgbm": {"enabled": False}},
                     "policy": {"model": "scorecard"}}, rows=3000, seed=6)
    return {"dev": runner.run_experiment(dev, folder, quiet=True),
            "cur": runner.run_experiment(cur, folder, quiet=True)}


def _one_line_error(capsys: pytest.CaptureFixture[str], *words: str) -> None:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err


def test_a_run_grades_every_applicant_on_its_master_scale(runs: dict[str, Path]) -> None:
    run = load_run(runs["cur"])
    dec = run.decisions()
    scale = json.loads((runs["cur"] / "models" / "master_scale.json").read_text())
    assert scale["n_grades"] == 10 and scale["method"] == "quantile"
    train = dec[dec["split"] == "train"]
    shares = train["grade"].value_counts(normalize=True)
    assert shares.between(0.08, 0.12).all()  # equal shares of the development sample
    for split, part in dec.groupby("split", observed=True):
        assert part["grade"].between(1, 10).all(), split
    assert (dec.groupby("grade")["pd_scorecard"].max().diff().dropna() > 0).all()


def test_validate_prints_the_table_and_keeps_the_run_intact(runs: dict[str, Path], capsys) -> None:
    cur = runs["cur"]
    manifest = (cur / "manifest.json").read_bytes()
    assert main(["validate", str(cur), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "split" in out and "jeffreys" in out and "hosmer_lemeshow" in out
    assert re.search(r"AUC oot: DeLong \[0\.\d{4}, 0\.\d{4}\], bootstrap", out)
    assert (cur / "manifest.json").read_bytes() == manifest
    load_run(cur)  # still complete and undamaged: validation.json is not one of its files
    record = read_validation(cur)
    assert set(record["samples"]) == {"test", "oot"}
    assert record["comparison"]["migration"]["light"] == "n/a"
    first = (cur / VALIDATION_FILE).read_bytes()
    validate_run(cur)
    assert (cur / VALIDATION_FILE).read_bytes() == first  # same run, same bytes


def test_against_a_development_run_gives_the_migration(runs: dict[str, Path]) -> None:
    record = validate_run(runs["cur"], runs["dev"])
    mig = record["comparison"]["migration"]
    assert mig["statistic"] is not None and mig["light"] in ("green", "yellow", "red")
    counts = mig["details"]["counts"]
    assert sum(map(sum, counts)) == record["current"]["n"]
    assert record["against"]["name"] == runs["dev"].name
    assert record["development"] == {"run": runs["dev"].name, "split": "test",
                                     "n": record["development"]["n"]}


def test_edited_or_foreign_validation_is_refused(runs: dict[str, Path], tmp_path: Path,
                                                 capsys) -> None:
    copy = tmp_path / "cur"
    shutil.copytree(runs["cur"], copy)
    validate_run(copy)
    path = copy / VALIDATION_FILE
    text = path.read_text()
    path.write_text(text.replace('"light": "green"', '"light": "red"', 1))
    with pytest.raises(RunError, match="changed after riskkit validate"):
        read_validation(copy)
    assert main(["report", str(copy), "--quiet"]) == 2
    _one_line_error(capsys, "validation.json")
    path.write_text(text)
    other = tmp_path / "dev"
    shutil.copytree(runs["dev"], other)
    shutil.copy(path, other / VALIDATION_FILE)
    with pytest.raises(RunError, match="another run"):
        read_validation(other)


def test_the_report_shows_the_section_in_english_and_chinese(runs: dict[str, Path]) -> None:
    validate_run(runs["cur"], runs["dev"])
    en = render_report(runs["cur"])
    section = en.split('<section id="validation"', 1)[1].split("</section>", 1)[0]
    text = " ".join(re.sub(r"<[^>]+>", " ", section).split())
    assert "Validation tests" in text and "Jeffreys test per grade" in text
    assert re.search(r"AUC on out-of-time: 0\.\d{4} \(95% interval 0\.\d{4} to 0\.\d{4} by "
                     r"DeLong, 0\.\d{4} to 0\.\d{4} by 2,000 bootstrap samples\)", text)
    assert "Graded by the development model and by this one" in text
    assert section.count('class="verdict v-') >= 30
    zh = render_report(runs["cur"], lang="zh")
    section = zh.split('<section id="validation"', 1)[1].split("</section>", 1)[0]
    text = re.sub(r"<[^>]+>", " ", section).replace(runs["dev"].name, "")  # a folder's name
    assert "验证检验" in text and "信号灯" in text and "迁移" in text
    names = {"AUC", "Gini", "Jeffreys", "Hosmer", "Lemeshow", "Spiegelhalter", "Brier", "HHI",
             "Herfindahl", "DeLong", "Holm", "Bonferroni", "Bowker", "MWB", "PSI", "CSI",
             "LightGBM"}
    words = set(re.findall(r"[A-Za-z]{3,}", text)) - names
    assert not words, sorted(words)


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys) -> None:
    assert main(["validate", str(tmp_path / "missing")]) == 2
    _one_line_error(capsys, "does not exist")
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("validate:\n  power:\n    repz: 3\n", encoding="utf-8")
    assert main(["validate-power", str(cfg), "--out", str(tmp_path / "p")]) == 2
    _one_line_error(capsys, "validate.power.repz", "reps")
    assert not (tmp_path / "p").exists()  # checked before any work
    cfg.write_text("validate:\n  grades: {boundaries: [0.05, 0.01]}\n", encoding="utf-8")
    assert main(["validate-power", str(cfg)]) == 2
    _one_line_error(capsys, "validate.grades.boundaries")
    with pytest.raises(SystemExit) as exc:
        main(["validate-power", str(cfg), "--sizes", "10"])
    assert exc.value.code == 2
    _one_line_error(capsys, "--sizes")


def test_the_validate_section_is_checked_strictly() -> None:
    with pytest.raises(ConfigError, match=r"validate\.thresholds\.auc\.green"):
        C.resolve({"validate": {"thresholds": {"auc": {"green": 0.7}}}})
    with pytest.raises(ConfigError, match="red below yellow"):
        C.resolve({"validate": {"thresholds": {"p_value": {"yellow": 0.01, "red": 0.05}}}})
    with pytest.raises(ConfigError, match=r"validate\.power\.defects\.correlation"):
        C.resolve({"validate": {"power": {"defects": {"correlation": [0.9]}}}})
    with pytest.raises(ConfigError, match=r"validate\.power\.grade = 12"):
        C.resolve({"validate": {"power": {"grade": 12}}})
    cfg = C.resolve({"validate": {"grades": {"boundaries": [0.01, 0.05]}}})
    assert cfg["validate"]["grades"]["boundaries"] == [0.01, 0.05]


def test_validate_power_writes_its_folder(tmp_path: Path, capsys) -> None:
    cfg = tmp_path / "power.yaml"
    cfg.write_text("name: tiny\nseed: 3\nfigures: {formats: [png]}\nvalidate:\n"
                   "  power:\n    pool_rows: 3000\n    workers: 1\n"
                   "    defects: {pd_scale: [0.7], grade_scale: [], lost_driver: [0.5],\n"
                   "              drift: [0.3], correlation: [0.05]}\n", encoding="utf-8")
    assert main(["validate-power", str(cfg), "--reps", "4", "--sizes", "500,1000", "--out",
                 str(tmp_path / "p"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "false alarms at the 5% level" in out and "jeffreys_portfolio" in out
    assert "smallest PD understatement detected with 80% power at n=1,000" in out
    (folder,) = (tmp_path / "p").iterdir()
    rates = pd.read_csv(folder / "rates.csv")
    assert set(rates["kind"]) == {"none", "pd_scale", "lost_driver", "drift", "correlation"}
    assert set(rates["n"]) == {500, 1000} and (rates["trials"] >= 4).all()
    meta = json.loads((folder / "power.json").read_text())["meta"]
    assert meta["reps"] == 4 and meta["pool_rows"] == 3000
    assert (folder / "figures" / "false_alarms.png").read_bytes()[:4] == b"\x89PNG"
    assert (folder / "figures" / "power_pd_scale_1000.png").is_file()


def test_direction_words_follow_the_sign() -> None:
    assert direction(0.80, 0.82) == "rose" and direction(0.82, 0.80) == "fell"
    assert direction(0.8, 0.8) == "stayed" and direction(0.8, 0.8001, tolerance=0.001) == "stayed"
    assert direction(0.82, 0.80, "zh") == "下降" and direction(0.80, 0.82, "zh") == "上升"

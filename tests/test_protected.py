"""Protected attributes of a user's file: detected by name, never a feature, never a reason,
reported in the run's fairness section."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.io import read_json
from riskkit.data.protected import detect_protected, protected_kind
from riskkit.experiment import byod, runner, stages


def test_the_synthetic_registry_cannot_be_changed() -> None:
    """Fitting a user's file never changes the synthetic registry (it is an immutable value)."""
    assert not hasattr(F.REGISTRY, "clear") and not hasattr(F.REGISTRY, "update")


@pytest.mark.parametrize("name, kind", [
    ("sex", "sex"), ("Gender", "sex"), ("personal_status_and_sex", "sex"), ("性别", "sex"),
    ("age", "age"), ("age_in_years", "age"), ("ApplicantAge", "age"), ("年龄", "age"),
    ("Date of Birth", "age"), ("race", "race"), ("民族", "race"),
    ("marital_status", "marital_status"), ("MaritalStatus", "marital_status"),
    ("婚姻状况", "marital_status"), ("nationality", "nationality"),
    ("foreign_worker", "foreign_worker"), ("religion", "religion"),
    # not people's attributes: substrings, and the age of a thing
    ("mortgage", None), ("usage_pct", None), ("percentage", None), ("stage", None),
    ("account_age_months", None), ("age_of_oldest_trade", None), ("housing", None),
    ("月收入", None),
    # race and ethnicity under short names and codes (issue 24)
    ("race_cd", "race"), ("RACE_CD", "race"), ("raceCd", "race"), ("racecd", "race"),
    ("race1", "race"), ("applicant_race_1", "race"), ("ethnic", "race"), ("ethnicity", "race"),
    ("ethnic_code", "race"), ("derived_ethnicity", "race"), ("eth", "race"), ("ETH_CODE", "race"),
    ("ethn", "race"), ("hispanic", "race"), ("hisp_flag", "race"), ("latino", "race"),
    ("minority", "race"), ("minority_ind", "race"), ("race_eth", "race"), ("种族", "race"),
    ("人种", "race"), ("民族代码", "race"),
    # ordinary names that contain those letters, and Ether or ownership, not people
    ("trace", None), ("trace_score", None), ("grace_period", None), ("grace", None),
    ("embrace", None), ("racing", None), ("raceway", None), ("ethanol", None),
    ("ethanol_spend", None), ("ethics", None), ("method", None), ("ethernet", None),
    ("teeth", None), ("wealth", None), ("eth_balance", None), ("eth_wallet_usd", None),
    ("minority_interest", None), ("place_cd", None),
])
def test_names_are_detected_as_protected(name: str, kind: str | None) -> None:
    assert protected_kind(name) == kind


def test_detect_protected_keeps_only_protected_names_in_order() -> None:
    assert detect_protected(["income", "sex", "age_in_years"]) == {"sex": "sex",
                                                                  "age_in_years": "age"}


def extract(n: int = 1500, seed: int = 5) -> pd.DataFrame:
    """Sex and marital status carry a strong signal, so a model would use them if allowed."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(8.5, 0.5, n)
    sex = rng.choice(["female", "male"], n)
    married = rng.choice(["single", "married"], n)
    logit = -1.2 - 1.2 * (np.log(income) - 8.5) + 1.5 * (sex == "male") + 1.2 * (married == "single")
    bad = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({"income": income.round(2), "apps": rng.poisson(2, n), "sex": sex,
                         "MaritalStatus": married, "age": rng.integers(20, 65, n),
                         "bad": bad.astype(int)})


@pytest.fixture(scope="module")
def fit_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("protected")
    data = folder / "loans.csv"
    extract().to_csv(data, index=False)
    config = folder / "fit.yaml"
    config.write_text("protected: {MaritalStatus: feature}\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        # charts are tested in test_fairness; drawing them all is most of a small run's time
        for module in (stages, runner):  # wherever the runner looks it up
            patch.setattr(module, "write_figures", lambda *args, **kwargs: [], raising=False)
        return byod.fit_file(data, "bad", runs_dir=folder / "runs", config_path=config,
                             quiet=True)


def test_a_sex_column_is_never_a_feature_never_a_reason_and_is_in_fairness(fit_run: Path) -> None:
    cfg = yaml.safe_load((fit_run / "config.yaml").read_text(encoding="utf-8"))
    assert "sex" not in cfg["features"] and "age_data" not in cfg["features"]
    # asked for in the config: a model feature, still protected
    assert "MaritalStatus" in cfg["features"]
    registry = {r["name"]: r for r in read_json(fit_run / "registry.json")["features"]}
    assert registry["sex"]["protected"] and not registry["sex"]["model_feature"]
    assert registry["MaritalStatus"]["protected"] and registry["MaritalStatus"]["model_feature"]
    assert registry["age_data"]["extra"]["protected_kind"] == "age"
    reasons = pd.read_parquet(fit_run / "reasons.parquet")
    assert len(reasons) and not reasons["feature"].isin(["sex", "MaritalStatus", "age_data"]).any()
    fairness = read_json(fit_run / "metrics.json")["fairness"]
    assert fairness["model"] == "lgbm"
    assert {"sex", "MaritalStatus", "age_data"} <= set(fairness["attributes"])
    test = fairness["splits"]["test"]
    assert set(test["groups"]["sex"]) == {"female", "male"}
    assert set(test["groups"]["age_data"]) <= {"under 25", "25-34", "35-44", "45-54", "55 and over"}
    assert test["groups"]["sex"]["male"]["mean_true_pd"] is None  # no truth in a data file
    # the model used marital status (it carries signal) and still never cited it
    single = test["groups"]["MaritalStatus"]["single"]["approval_rate"]
    assert single < test["groups"]["MaritalStatus"]["married"]["approval_rate"]
    notes = (fit_run / "notes.txt").read_text(encoding="utf-8")
    assert "protected attribute 'sex': its name denotes sex" in notes
    assert "'MaritalStatus'" in notes and "a model feature as the config says" in notes
    table = pd.read_csv(fit_run / "tables" / "fairness.csv")
    assert {"sex", "MaritalStatus"} <= set(table["attribute"])


@pytest.mark.parametrize("text, words", [
    ("protected: {sexx: true}\n", "did you mean 'sex'"),
    ("protected: {sex: maybe}\n", "'protected.sex' is 'maybe'"),
    ("protected: sex\n", "'protected' must be a list"),
])
def test_bad_protected_sections(tmp_path: Path, text: str, words: str) -> None:
    data = tmp_path / "loans.csv"
    extract(1100).to_csv(data, index=False)
    config = tmp_path / "fit.yaml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=words):
        byod.prepare(data, "bad", config_path=config)


def test_detection_can_be_switched_off_per_column(tmp_path: Path) -> None:
    data = tmp_path / "loans.csv"
    extract(1100).to_csv(data, index=False)
    config = tmp_path / "fit.yaml"
    config.write_text("protected: {sex: false, apps: true}\n", encoding="utf-8")
    prep = byod.prepare(data, "bad", config_path=config)
    assert "sex" in prep.config["features"] and not prep.registry["sex"].protected
    assert "apps" not in prep.config["features"] and prep.registry["apps"].protected
    assert any("config says it is not one" in n for n in prep.notes)


def test_race_codes_are_protected_and_the_notes_say_why(tmp_path: Path) -> None:
    """A file with race and ethnicity under codes, beside columns whose names only contain
    those letters: the codes are protected (not model features, never reasons) and the
    notes name the word that made each one so; the others stay ordinary features."""
    data = tmp_path / "loans.csv"
    frame = extract(1100)
    rng = np.random.default_rng(3)
    frame["race_cd"] = rng.integers(1, 6, len(frame))
    frame["ETH_CODE"] = rng.choice(["H", "N"], len(frame))
    frame["grace_period"] = rng.integers(0, 30, len(frame))
    frame["trace_score"] = rng.random(len(frame))
    frame.to_csv(data, index=False)
    prep = byod.prepare(data, "bad", config_path=None)
    for name in ("race_cd", "ETH_CODE"):
        assert prep.registry[name].protected and name not in prep.config["features"]
        assert prep.registry[name].extra["protected_kind"] == "race"
    for name in ("grace_period", "trace_score"):
        assert not prep.registry[name].protected and name in prep.config["features"]
    notes = "\n".join(prep.notes)
    assert ("protected attribute 'race_cd': its name denotes race (the word 'race' in "
            "'race_cd')") in notes
    assert "(the word 'eth' in 'ETH_CODE')" in notes
    assert "grace_period" not in " ".join(n for n in prep.notes if "protected" in n)

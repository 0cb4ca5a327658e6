"""MLflow tracking: runs logged from the command line and from run folders, sweeps as
parent and children, metric names, quiet console."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest
import yaml

from riskkit.cli import main
from riskkit.core.errors import ConfigError
from riskkit.core.io import read_json, write_json
from riskkit.experiment import runner, stages
from riskkit.experiment import tracking as T

mlflow = pytest.importorskip("mlflow")

SMALL = """
name: tracked
data: {rows: 1000, oot: {rows: 0}}
models: {scorecard: {enabled: false}}
explain: {splits: [test], max_reasons: 2}
figures: {formats: [png]}
"""


def one_figure(*args: object, **kwargs: object) -> list[Path]:
    """Stands in for ``stages.write_figures``: one small file in the run's figures/."""
    folder = Path(args[8])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fairness_approval.png").write_bytes(b"\x89PNG")
    (folder / "fairness_approval.svg").write_text("<svg/>", encoding="utf-8")
    return [folder / "fairness_approval.png", folder / "fairness_approval.svg"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One real run through `riskkit run --track`, and a second run folder made from it
    with other metrics (tracked from the folder), both into one SQLite store."""
    folder = tmp_path_factory.mktemp("tracking")
    config = folder / "small.yaml"
    config.write_text(SMALL, encoding="utf-8")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    err = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stderr(err):
        # drawing every chart is most of a small run's time and not what is tested here
        for module in (stages, runner):  # wherever the runner looks it up
            patch.setattr(module, "write_figures", one_figure, raising=False)
        code = main(["run", str(config), "--out", str(folder / "runs"), "--tracking-uri", uri])
    assert code == 0, err.getvalue()
    first = next((folder / "runs").iterdir())
    second = folder / "runs" / f"{first.name}-copy"
    shutil.copytree(first, second)
    metrics = read_json(second / "metrics.json")
    metrics["models"]["lgbm"]["test"]["auc"] = 0.5
    write_json(second / "metrics.json", metrics)
    cfg = yaml.safe_load((first / "config.yaml").read_text(encoding="utf-8"))
    T.track_run(second, T.settings_from(cfg, uri=uri))
    return {"uri": uri, "runs": [first, second], "stderr": err.getvalue(), "folder": folder}


def test_two_runs_are_found_with_the_metrics_of_their_folders(
        store: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store["uri"])
    frame = mlflow.search_runs(experiment_names=["tracked"])
    assert len(frame) == 2
    by_folder = {Path(f).name: row for f, row in zip(frame["tags.run_folder"],
                                                      frame.to_dict("records"), strict=True)}
    for run in store["runs"]:
        row = by_folder[run.name]
        metrics = read_json(run / "metrics.json")
        assert row["metrics.lgbm_test_auc"] == metrics["models"]["lgbm"]["test"]["auc"]
        assert row["metrics.policy_approval_rate"] == metrics["policy"]["approval_rate"]
        fairness = metrics["fairness"]["splits"]["test"]
        assert row["metrics.fairness/fairness_test_adverse_impact_ratio_age"] == pytest.approx(
            fairness["adverse_impact_ratio"]["age"])
        assert row["params.data.rows"] == "1000" and row["tags.seed"] == "7"
        assert row["tags.world"] == "baseline" and row["status"] == "FINISHED"
        assert len(row["tags.data_fingerprint"]) == 16
    assert {r["metrics.lgbm_test_auc"] for r in by_folder.values()} >= {0.5}


def test_artifacts_hold_figures_and_the_run_folder(store: dict) -> None:
    client = mlflow.tracking.MlflowClient(tracking_uri=store["uri"])
    run_id = client.search_runs([client.get_experiment_by_name("tracked").experiment_id])[0].info.run_id
    top = {a.path for a in client.list_artifacts(run_id)}
    assert {"figures", "run"} <= top
    inside = {a.path for a in client.list_artifacts(run_id, "run")}
    assert {"run/metrics.json", "run/config.yaml", "run/manifest.json"} <= inside
    assert any(a.path.endswith("fairness_approval.png") for a in client.list_artifacts(run_id, "figures"))
    assert (store["folder"] / "mlartifacts").is_dir()  # beside the database, not in the cwd


def test_the_ui_layout_headline_first_settings_as_params_real_duration_png_only(
        store: dict) -> None:
    """What an MLflow user sees: the deployed model's headline metrics un-prefixed (the
    UI's first section) and everything else in groups (``fairness/...`` no longer buries the
    AUC); settings (ECE bins, the target approval rate) as params, not metrics; the run's
    duration from its stages (it was the 0.4 s the logging took); only PNG under figures/."""
    client = mlflow.tracking.MlflowClient(tracking_uri=store["uri"])
    experiment = client.get_experiment_by_name("tracked").experiment_id
    first = store["runs"][0]
    run = next(r for r in client.search_runs([experiment])
               if Path(r.data.tags["run_folder"]).name == first.name)
    names = list(run.data.metrics)
    assert "lgbm_test_auc" in names and "policy_approval_rate" in names
    plain = [n for n in names if "/" not in n]
    assert plain and all(not n.startswith("fairness") for n in plain), plain
    assert {n.split("/", 1)[0] for n in names if "/" in n} >= {"fairness", "models", "policy"}
    assert not [n for n in names if n.endswith(("ece_bins", "cutoff_target"))]
    assert run.data.params["setting.policy_cutoff_target"] == "0.75"
    timings = read_json(first / "manifest.json")["timings_s"]
    took = (run.info.end_time - run.info.start_time) / 1000
    assert took == pytest.approx(sum(timings.values()), abs=1.0)
    figures = [a.path for a in client.list_artifacts(run.info.run_id, "figures")]
    assert figures and all(p.endswith(".png") for p in figures)
    kept = [a.path for a in client.list_artifacts(run.info.run_id, "run/figures")]
    assert any(p.endswith(".svg") for p in kept)


def test_console_has_no_third_party_log_lines(store: dict) -> None:
    text = store["stderr"]
    assert "tracked run" in text
    for noise in ("alembic", "INFO mlflow", "Creating initial MLflow", "🏃", "🧪"):
        assert noise not in text


def test_a_sweep_is_a_parent_with_a_child_per_point(store: dict) -> None:
    cfg = yaml.safe_load((store["runs"][0] / "config.yaml").read_text(encoding="utf-8"))
    settings = T.settings_from({**cfg, "tracking": {"experiment": "sweep"}}, uri=store["uri"])
    parent, children = T.track_sweep(store["runs"], settings, "seed-sweep",
                                     grid={"seed": [7, 8]})
    client = mlflow.tracking.MlflowClient(tracking_uri=store["uri"])
    assert len(children) == 2
    for child in children:
        assert client.get_run(child).data.tags["mlflow.parentRunId"] == parent
    parent_run = client.get_run(parent)
    assert parent_run.data.params["grid.seed"] == json.dumps([7, 8])
    assert parent_run.data.metrics["points"] == 2


def test_metric_names_and_settings() -> None:
    flat = T.flatten_metrics({
        "models": {"lgbm": {"test": {"auc": 0.8, "ks": None}, "oot": {"ks": 0.4}, "psi": 0.01}},
        "policy": {"model": "lgbm", "cutoff_pd": 0.1, "approval_rate": 0.7,
                   "oot": {"approval_rate": 0.6}},
        "fairness": {"model": "lgbm", "splits": {"test": {
            "groups": {"age": {"under 25": {"n": 5, "approval_rate": 0.4}}},
            "adverse_impact_ratio": {"age": 0.5}, "four_fifths_flag": {"age": True},
            "knockout_share": {"age_below_minimum": 0.2}}}},
        "explain": {"lgbm": {"fidelity_top3": 0.9}},
        "stability": {"csi_max": 0.02, "csi_max_feature": "x"}})
    assert flat == {"lgbm_test_auc": 0.8, "lgbm_oot_ks": 0.4, "lgbm_psi": 0.01,
                    "policy_cutoff_pd": 0.1, "policy_approval_rate": 0.7,
                    "policy_oot_approval_rate": 0.6,
                    "fairness_test_age_under_25_n": 5.0,
                    "fairness_test_age_under_25_approval_rate": 0.4,
                    "fairness_test_adverse_impact_ratio_age": 0.5,
                    "fairness_test_four_fifths_flag_age": 1.0,
                    "fairness_test_knockout_share_age_below_minimum": 0.2,
                    "lgbm_test_fidelity_top3": 0.9, "stability_csi_max": 0.02}
    params = T.run_params({"seed": 7, "features": None, "data": {"rows": 10},
                           "tracking": {"uri": "x"}})
    assert params == {"seed": "7", "features": "null", "data.rows": "10"}
    assert T.settings_from({"name": "n"}).enabled is False
    on = T.settings_from({"name": "n", "tracking": {"enabled": True, "experiment": "e"}})
    assert on.enabled and on.experiment == "e" and on.uri is None
    assert T.settings_from({"name": "n"}, track=True).experiment == "n"
    with pytest.raises(ConfigError, match=r"'tracking\.enabled' must be true or false"):
        T.settings_from({"tracking": {"enabled": "yes"}})


def test_the_deployed_model_and_the_splits_are_logged(store: dict) -> None:
    """The deployed LightGBM in MLflow's lightgbm flavour with its signature (no pickle),
    and one dataset per split whose digest is the split's fingerprint."""
    client = mlflow.tracking.MlflowClient(tracking_uri=store["uri"])
    experiment = client.get_experiment_by_name("tracked").experiment_id
    first = store["runs"][0]
    run = next(r for r in client.search_runs([experiment])
               if Path(r.data.tags["run_folder"]).name == first.name)
    files = {Path(a.path).name for a in client.list_artifacts(run.info.run_id, "model")}
    assert "MLmodel" in files and not [f for f in files if f.endswith((".pkl", ".pickle"))]
    local = Path(client.download_artifacts(run.info.run_id, "model", str(store["folder"] / "dl")))
    spec = yaml.safe_load((local / "MLmodel").read_text(encoding="utf-8"))
    assert "lightgbm" in spec["flavors"] and spec["signature"]["inputs"]
    model = mlflow.lightgbm.load_model(str(local))
    assert model.num_feature() == len(json.loads(spec["signature"]["inputs"]))
    card = read_json(first / "datacard.json")
    logged = {d.dataset.digest: d for d in client.get_run(run.info.run_id).inputs.dataset_inputs}
    assert set(logged) == {fp[:16] for fp in card["fingerprints"].values()}

"""One world, everywhere: every path that needs the truth takes the run's World.

The suite runs once in a world that differs from the default in every dial (shape, bad
rate, label noise, drift) and checks, path by path, that the truth used is the run's: the
true log-odds of the same rows, compared with the world's own. On riskkit 0.2.0 each of
these paths fell back to the baseline world at a 4 % bad rate.
"""

from __future__ import annotations

import ast
import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import riskkit
from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.io import write_json
from riskkit.evaluate import effects
from riskkit.experiment import config as C
from riskkit.experiment import load_run, run_experiment
from riskkit.experiment.runfolder import MANIFEST, _sha256
from riskkit.experiment.splits import run_world
from riskkit.explain import recourse
from riskkit.explain.in_run import explain_in_run
from riskkit.lifecycle.analysis import run_simulation
from riskkit.lifecycle.monitor.book import read_book
from riskkit.lifecycle.simulation import simulate_from_run
from riskkit.models import make_model
from riskkit.policy import drift
from riskkit.rejectinf import sample as S
from riskkit.reporting.in_notebook import load_population
from riskkit.reporting.report import write_report
from riskkit.synth import DEFAULT_BAD_RATE, SCENARIOS, World, fingerprint, truth_model
from riskkit.synth.personas import persona
from riskkit.synth.world import drifted

SRC = Path(riskkit.__file__).resolve().parent
#: Unlike the default in every dial: shape, bad rate, label noise and the economy's drift.
ODD = World("interacting+nonmonotone", 0.08, label_noise=0.1, drift=0.5)
BASELINE = World("baseline", DEFAULT_BAD_RATE)


# ----------------------------------------------------------------------------- the value
def test_a_world_round_trips_through_json_and_names_itself() -> None:
    again = World.from_dict(json.loads(json.dumps(ODD.to_dict())))
    assert again == ODD and hash(again) == hash(ODD)
    assert ODD.label() == ("the interacting+nonmonotone world at an 8% bad rate "
                           "(label noise 0.1, drift 0.5 a year)")
    assert World("nonmonotone+interacting", 0.08).shape == "interacting+nonmonotone"


@pytest.mark.parametrize("record, match", [
    ({"shape": "spiky", "bad_rate": 0.04}, "unknown world"),
    ({"shape": "baseline", "bad_rate": 0.9}, "bad_rate"),
    ({"shape": "baseline", "bad_rate": "4%"}, "bad_rate"),
    ({"shape": "baseline", "bad_rate": 0.04, "dials": {"label_noise": 0.9}}, "label_noise"),
    ({"shape": "baseline", "bad_rate": 0.04, "drift": -1}, "drift"),
    ({"shape": "baseline", "bad_rate": 0.04, "changes": [[0, "downturn"]]}, "changes"),
    ({"shape": "baseline", "bad_rate": 0.04, "changes": [[12, "boom"]]}, "boom"),
    ({"shape": "baseline"}, "missing keys"),
    ({"shape": "baseline", "bad_rate": 0.04, "colour": "red"}, "unknown keys"),
])
def test_a_bad_world_is_refused_naming_the_value(record: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        World.from_dict(record, "world.json")


def test_the_calendar_changes_scenario_and_drifts() -> None:
    world = World("baseline", 0.04, changes=((12, "downturn"),), drift=0.25)
    assert world.scenario_at(0) is SCENARIOS["baseline"]  # no drift yet: the named one itself
    assert world.scenario_name_at(11) == "baseline" and world.in_downturn(12)
    assert world.downturn_from == 12 and world.with_downturn(6).downturn_from == 6
    # a whole year's drift of 1 is exactly the downturn's knobs, from the baseline
    full = drifted(SCENARIOS["baseline"], 1.0)
    down = SCENARIOS["downturn"]
    for knob in ("shock_multiplier", "income_multiplier", "strain_shift", "macro_logit"):
        assert getattr(full, knob) == pytest.approx(getattr(down, knob), abs=1e-12)
    later = world.scenario_at(12)
    assert later.macro_logit == pytest.approx(down.macro_logit + 0.25 * 0.25)
    assert later.stream == down.stream  # drift moves the draws' parameters, not the stream
    assert world.truth(12).macro_logit == later.macro_logit
    assert world.truth(12).intercept == world.truth(0).intercept  # one fit serves every month


def test_the_truth_has_no_default() -> None:
    with pytest.raises(TypeError):
        truth_model()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        riskkit.synth.population.iter_blocks(10, 1)  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match="needs the World"):
        make_model("oracle").fit(BASELINE.generate(2000, 1), np.r_[np.zeros(1999), 1])


def _calls_without_world(tree: ast.AST) -> list[int]:
    """Lines calling ``truth_model`` with fewer than its three arguments, or the convenience
    ``generate`` (``riskkit.generate``/``synth.generate``) instead of a World's."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else (
            node.func.attr if isinstance(node.func, ast.Attribute) else "")
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        if name == "truth_model" and len(node.args) + len(node.keywords) < 3:
            lines.append(node.lineno)
        if name == "generate" and (isinstance(node.func, ast.Name) or (
                isinstance(receiver, ast.Name) and receiver.id in ("riskkit", "synth"))):
            lines.append(node.lineno)
    return lines


def test_no_path_outside_synth_takes_the_truth_without_a_world() -> None:
    found = {}
    for path in SRC.rglob("*.py"):
        if "synth" in path.relative_to(SRC).parts:
            continue
        lines = _calls_without_world(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            found[str(path.relative_to(SRC))] = lines
    assert found == {}


# ----------------------------------------------------------------------------- a run in it
@pytest.fixture(scope="module")
def odd_run(tmp_path_factory: pytest.TempPathFactory):
    cfg = C.resolve({
        "name": "odd", "seed": 5,
        "data": {"rows": 6000, "world": ODD.shape, "bad_rate": ODD.bad_rate,
                 "truth": {"label_noise": ODD.label_noise},
                 "oot": {"rows": 2000, "drift": ODD.drift}},
        "figures": {"enabled": False},
        "reject_inference": {"enabled": True, "methods": ["accepted_only"],
                             "models": ["scorecard"], "fidelity": False,
                             "incumbent": {"rows": 2000}},
    })
    assert run_world(cfg) == ODD
    return load_run(run_experiment(cfg, tmp_path_factory.mktemp("runs"), quiet=True))


def _same_truth(frame: pd.DataFrame, world: World, month: int = 0) -> None:
    """The frame's true log-odds are ``world``'s at ``month``, and not the baseline's."""
    own = world.truth(month).logit(frame)
    np.testing.assert_allclose(frame["true_logit"].to_numpy(), own, rtol=0, atol=1e-12)
    assert not np.allclose(BASELINE.truth(0).logit(frame), own, atol=1e-3)


def test_the_run_carries_its_world(odd_run) -> None:
    assert odd_run.world == ODD
    assert (odd_run.path / "world.json").is_file()
    _same_truth(odd_run.data("test"), ODD)
    later = odd_run.config["data"]["oot"]["months_later"]
    _same_truth(odd_run.data("oot"), ODD, later)
    assert odd_run.datacard["world"]["value"] == ODD.to_dict()
    for name in ("oracle", "scorecard", "lgbm"):
        assert odd_run.model(name).world_ == ODD  # fitted models carry the world they saw


def test_the_oracle_is_the_world_s_predictor_of_the_recorded_label(odd_run) -> None:
    test = odd_run.data("test")
    oracle = odd_run.model("oracle")
    expected = ODD.recorded_pd(ODD.truth().pd(test))
    np.testing.assert_allclose(oracle.predict_pd(test), expected, rtol=1e-12)
    # its contributions still add up to its own log-odds (the rescale rule)
    total = oracle.contributions(test).sum(axis=1) + oracle.expected_value()
    np.testing.assert_allclose(total, oracle.predict_logit(test), atol=1e-9)
    # and keep each applicant's true reasons in order
    true = test[[F.contrib_column(f) for f in oracle.features_]].to_numpy()
    mine = oracle.contributions(test).to_numpy()
    np.testing.assert_array_equal(np.argsort(-true, axis=1)[:, :3], np.argsort(-mine, axis=1)[:, :3])
    block = odd_run.metrics["models"]["oracle"]
    assert block["test"]["brier"] <= block["true_pd"]["test"]["brier"]


def test_explain_and_recourse_use_the_run_s_truth(odd_run) -> None:
    result, _ = explain_in_run(odd_run, "zhang_san")
    row = persona("zhang_san", ODD)
    _same_truth(row, ODD)
    assert result["true_pd"] == pytest.approx(float(row["true_pd"].iloc[0]), abs=1e-12)
    if result["recourse"] is not None and result["recourse"]["found"]:
        assert result["recourse"]["true_pd_before"] == pytest.approx(result["true_pd"])
    found = recourse(odd_run.model("lgbm"), odd_run.policy(), row, truth=odd_run.world.truth())
    assert found.true_pd_before == pytest.approx(float(row["true_pd"].iloc[0]), abs=1e-12)
    with pytest.raises(TypeError):
        recourse(odd_run.model("lgbm"), odd_run.policy(), row)  # type: ignore[call-arg]


def test_simulate_from_the_run_lives_in_its_world(odd_run) -> None:
    panel = simulate_from_run(odd_run, 3000, 2, seed=3)
    month0 = panel.frame[panel.frame["month"] == 0]
    own = ODD.truth(0).pd(month0)
    np.testing.assert_allclose(month0["true_pd"].to_numpy(), own, rtol=2e-6)  # stored float32
    assert abs(month0["true_pd"].mean() - ODD.bad_rate) < 0.005
    assert panel.summary["world"] == ODD.to_dict()


def test_simulate_run_carries_the_run_s_world_and_grades_to_the_monitor(odd_run,
                                                                       tmp_path: Path) -> None:
    summary = run_simulation(tmp_path / "sim", 2000, 2, 3, run=odd_run, quiet=True)
    assert summary["world"] == ODD.to_dict() and summary["master_scale"] == odd_run.master_scale()
    book = read_book(tmp_path / "sim")
    assert list(book.scale.edges) == pytest.approx(odd_run.master_scale()["boundaries"])


def test_reject_inference_draws_the_incumbent_s_cohort_from_the_run_s_world(odd_run,
                                                                            monkeypatch) -> None:
    applicants = odd_run.data("train")  # before the spy: regenerating the run draws too
    drawn: list[World] = []
    real = World.generate

    def spy(self: World, *args, **kwargs):
        drawn.append(self)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(World, "generate", spy)
    spec = S.IncumbentSpec(rows=2000)
    S.fit_incumbent(spec, applicants, 5, world=odd_run.world)
    assert drawn == [ODD]
    assert "reject_inference" in odd_run.metrics


def test_notebook_loader_drift_cohort_and_effects_use_the_run_s_world(odd_run) -> None:
    pop = load_population(500, seed=99, run_dir=odd_run.path)
    _same_truth(pop, ODD)
    with pytest.raises(ConfigError, match="comes from"):
        load_population(500, seed=5, run_dir=odd_run.path, world=BASELINE)
    with pytest.raises(ConfigError, match="needs a run folder or the World"):
        load_population(500, seed=5)
    cohort = drift.downturn_cohort(odd_run.world, 5, 1500)
    _same_truth(cohort, ODD.with_scenario("downturn"))
    test = odd_run.data("test")
    truth = odd_run.world.truth()
    grid, _, curve = effects.true_effect(test, "applications_30d", sample=200, truth=truth)
    rows = effects.sample_rows(test, 200, 0)
    by_hand = [float(np.mean(truth.pd(rows.assign(applications_30d=g)))) for g in grid]
    np.testing.assert_allclose(curve, by_hand, rtol=1e-12)
    with pytest.raises(TypeError):
        effects.true_effect(test, "applications_30d")  # type: ignore[call-arg]


def test_the_report_and_compare_name_the_world(odd_run, tmp_path: Path) -> None:
    html = write_report(odd_run.path, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "interacting" in html and "8%" in html and "drift" in html
    # a copy, not the folder itself: a run compared with itself is refused (issue 25)
    copy = tmp_path / "older" / odd_run.path.name
    shutil.copytree(odd_run.path, copy)
    table = riskkit.compare(odd_run.path, copy)
    assert table.attrs["same_world"] and ODD.label() in table.attrs["header"][0]


# ----------------------------------------------------------------------------- label noise
def test_under_label_noise_no_model_beats_the_oracle(tmp_path: Path) -> None:
    cfg = C.resolve({"name": "noisy", "seed": 3,
                     "data": {"rows": 30_000, "world": "interacting", "bad_rate": 0.08,
                              "truth": {"label_noise": 0.3}, "oot": {"rows": 0}},
                     "figures": {"enabled": False}})
    run = load_run(run_experiment(cfg, tmp_path, quiet=True))
    models = run.metrics["models"]
    oracle = models["oracle"]["test"]
    for name in ("scorecard", "lgbm"):
        for metric in ("brier", "log_loss", "ece"):
            assert models[name]["test"][metric] >= oracle[metric], (name, metric)
    # the noiseless true PD, kept beside it, is not the ceiling on recorded labels
    assert models["oracle"]["true_pd"]["test"]["log_loss"] > oracle["log_loss"]


# ----------------------------------------------------------------------------- out of time
#: ``fingerprint`` of decisions.parquet from tests' ``base_small`` config on riskkit 0.2.0
#: (commit 094f6a3): with no drift the out-of-time cohort is the same second draw as then.
#: Issue 24 added the ``missing_value`` column (no synthetic applicant has one missing): the
#: pin holds for the columns 0.2.0 wrote.
DECISIONS_0_2_0 = "a50823bd8d5b0f5c2494b032df7cb4ef638c160ba92f76d418e0b1ed6cb8fe09"


def _base_small(drift_value: object) -> dict:
    return C.resolve({"name": "base_small", "seed": 7,
                      "data": {"rows": 8000, "valid_roles": "shared",
                               "oot": {"rows": 2000, "scenario": "baseline",
                                       "seed_offset": 1000, "drift": drift_value}},
                      "figures": {"enabled": False}})


def test_no_drift_gives_riskkit_0_2_0_s_decisions_and_drift_moves_the_oot(tmp_path: Path) -> None:
    still = load_run(run_experiment(_base_small(0), tmp_path, quiet=True))
    decisions = still.decisions()
    assert not decisions.pop("missing_value").any()
    # issue 28 added each applicant's grade on the master scale: the pin holds for the
    # columns 0.2.0 wrote
    assert decisions.pop("grade").between(1, 10).all()
    assert fingerprint(decisions) == DECISIONS_0_2_0
    none = C.resolve({"data": {"oot": {"drift": None}}})
    assert run_world(none).drift == 0.0
    moved = load_run(run_experiment(_base_small(C.DEFAULT_OOT_DRIFT), tmp_path, quiet=True))
    for name in ("scorecard", "lgbm"):
        assert moved.metrics["models"][name]["psi"] > still.metrics["models"][name]["psi"]
    assert moved.metrics["stability"]["csi_max"] > still.metrics["stability"]["csi_max"]
    assert moved.datacard["oot_drift"] == C.DEFAULT_OOT_DRIFT


def test_a_run_written_by_0_2_0_still_loads_with_its_world(odd_run, tmp_path: Path) -> None:
    """A 0.2.0 folder: no world.json, no months_later/drift in its config, an oracle saved
    with bad_rate/scenario/world/truth parameters. Its world is rebuilt from config.yaml."""
    old = tmp_path / "old-run"
    shutil.copytree(odd_run.path, old)
    (old / "world.json").unlink()
    cfg = C.dump({**odd_run.config, "data": {**odd_run.config["data"], "oot": {
        k: v for k, v in odd_run.config["data"]["oot"].items()
        if k not in ("months_later", "drift")}}})
    (old / "config.yaml").write_text(cfg, encoding="utf-8")
    sidecar = old / "models" / "oracle" / "model.json"
    payload = json.loads(sidecar.read_text(encoding="utf-8"))
    payload["params"] = {"bad_rate": 0.08, "scenario": "baseline", "world": ODD.shape,
                         "truth": ODD.dials(), "features": None, "calibrate": False,
                         "base_score": 600.0, "base_odds": 50.0, "pdo": 20.0}
    payload.pop("world")
    write_json(sidecar, payload)
    manifest = json.loads((old / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"] = {rel: _sha256(old / rel) for rel in manifest["files"] if (old / rel).exists()}
    write_json(old / MANIFEST, manifest)
    run = load_run(old)
    assert run.world == replace(ODD, drift=0.0)  # 0.2.0 drew its out-of-time cohort without drift
    oracle = run.model("oracle")
    test = odd_run.data("test")
    np.testing.assert_allclose(oracle.predict_pd(test), odd_run.model("oracle").predict_pd(test))

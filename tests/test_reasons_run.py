"""A run's reason accuracy: like for like on each model's own denials, stability, the letters
by driver group, ``riskkit explain``'s truth check, and the names sweeps see.

Fail on the code before issue 27: the run had no ``ebm`` model, no ``explain.unit`` or
``explain.stability`` keys, graded every model on the deployed model's denials and wrote no
``like_for_like`` or ``stability`` blocks.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from riskkit.core import features as F
from riskkit.experiment import config as C
from riskkit.experiment import load_run, run_experiment
from riskkit.experiment.flatten import flatten_metrics
from riskkit.explain.groups import group_contributions
from riskkit.explain.in_run import explain_in_run
from riskkit.synth.background import true_contributions

ACCURACY = {"background", "background_rows", "top1", "top2", "top3", "top4", "first_reason",
            "first_reason_in_true_top3", "sign_agreement", "reasons_raise_true_risk",
            "rank_correlation", "mae_logit", "mae_pd", "reason_size_error_logit",
            "reason_size_error_pd", "n_rows", "n_scored"}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cfg = C.resolve({
        "name": "reasons", "seed": 5, "data": {"rows": 5000, "oot": {"rows": 1000}},
        "models": {"ebm": {"enabled": True, "outer_bags": 2}},
        "explain": {"background_rows": 300, "unit": "group",
                    "stability": {"retrain_seeds": [8]}},
        "figures": {"enabled": False}})
    return run_experiment(cfg, tmp_path_factory.mktemp("runs"), quiet=True)


def test_every_model_is_graded_like_for_like(run: Path) -> None:
    explain = json.loads((run / "metrics.json").read_text())["explain"]
    assert set(explain) == {"oracle", "scorecard", "lgbm", "ebm"}
    for name, entry in explain.items():
        assert {"fidelity_top3", "rank_correlation", "n_denied"} <= set(entry)  # kept
        assert set(entry["like_for_like"]) == ACCURACY, name
        assert set(entry["like_for_like_groups"]) == ACCURACY, name
        assert entry["letter_unit"] == "group"
        assert entry["letter_fidelity_top3"] == entry["like_for_like_groups"]["top3"]
        assert entry["like_for_like"]["n_rows"] == entry["n_denied"]
    assert explain["oracle"]["like_for_like"]["top3"] == 1.0
    assert explain["oracle"]["like_for_like_groups"]["mae_logit"] < 1e-10
    assert explain["lgbm"]["like_for_like"]["background"] == "approved"
    assert explain["scorecard"]["like_for_like"]["background"] == "best bin"


def test_every_model_carries_the_runs_world(run: Path) -> None:
    """fit_all sets ``world_`` on every model it fits, the EBM too, and it survives
    save and load (main's issue 22 rule: fitted models carry the world they came from)."""
    loaded = load_run(run)
    assert loaded.world.drift == 0.25  # data.oot.drift's default: a drifting later cohort
    for name in ("oracle", "scorecard", "lgbm", "ebm"):
        assert loaded.model(name).world_ == loaded.world, name


def test_each_model_is_graded_on_its_own_denials(run: Path) -> None:
    loaded = load_run(run)
    explain = loaded.metrics["explain"]
    valid, test = loaded.data("valid"), loaded.data("test")
    policy = loaded.policy()
    for name in ("scorecard", "ebm"):
        model = loaded.model(name)
        own = policy.fit(valid, model.predict_pd(valid), valid[F.TARGET].to_numpy())
        denied = (own.decide(test, model.predict_pd(test))["decision"] == "denied").sum()
        assert explain[name]["n_denied"] == denied, name
    deployed = loaded.decisions()
    assert explain["lgbm"]["n_denied"] == ((deployed["split"] == "test")
                                           & (deployed["decision"] == "denied")).sum()


def test_stability_is_measured_and_retraining_is_the_deployed_models(run: Path) -> None:
    explain = json.loads((run / "metrics.json").read_text())["explain"]
    retrain = explain["lgbm"]["stability"]["retrain"]
    assert retrain["seeds"] == [8] and len(retrain["per_seed"]) == 1
    for key in ("same_top3", "same_first", "same_top3_groups", "same_first_groups"):
        assert 0.0 <= retrain[key] <= 1.0
    assert retrain["same_top3"] < 1.0, "another seed fits other trees"
    for name in ("lgbm", "ebm", "oracle"):
        assert 0.0 < explain[name]["stability"]["background_redraw"]["same_top3"] <= 1.0
    assert "retrain" not in explain["ebm"]["stability"]
    assert "stability" not in explain["scorecard"]  # no background to redraw, not deployed
    flat = flatten_metrics({"explain": explain})
    assert flat["lgbm_test_like_for_like_top3"] == explain["lgbm"]["like_for_like"]["top3"]
    assert flat["lgbm_test_stability_retrain_same_top3"] == retrain["same_top3"]
    assert flat["ebm_test_like_for_like_groups_top3"] == \
        explain["ebm"]["like_for_like_groups"]["top3"]


def test_letters_speak_in_driver_groups(run: Path) -> None:
    reasons = load_run(run).reasons()
    scored = reasons[reasons["kind"] == "scored"]
    assert len(scored) and scored.groupby("applicant_id")["group"].apply(
        lambda g: g.is_unique).all()
    heads = scored["text_en"].str.split(":").str[0].str.lower()
    assert (heads == scored["group"].map(lambda g: F.GROUPS[g]["en"])).all()


def test_explain_checks_the_letter_against_the_truth(run: Path) -> None:
    loaded = load_run(run)
    dec = loaded.decisions()
    who = int(dec[(dec["split"] == "test") & (dec["decision"] == "denied")
                  & (dec["knockout"] == "")]["applicant_id"].iloc[0])
    result, text = explain_in_run(loaded, who)
    check = result["truth_check"]
    assert check["unit"] == "group" and check["background"] == "approved"
    row, _ = loaded.applicant(who)
    true, _ = true_contributions(loaded.world.truth(), row, loaded.explain_background())
    groups = group_contributions(true[list(F.MODEL_FEATURES)], F.SYNTHETIC).iloc[0]
    expected = list(groups[groups > 0].sort_values(ascending=False).index[:3])
    assert check["true_reasons"][:3] == expected
    letter = [r["group"] for r in result["reasons"] if r["kind"] == "scored"][:3]
    assert check["agree"] == len(set(letter) & set(expected))
    assert "Checked against the truth, measured from the same approved applicants" in text
    assert np.isclose(check["run_letter_fidelity_top3"],
                      loaded.metrics["explain"]["lgbm"]["letter_fidelity_top3"])

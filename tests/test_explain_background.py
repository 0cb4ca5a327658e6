"""Explanations against a background: reasons add up, the background is the one asked for
(approved applicants of train, or the truth's reference sample), a run keeps it and
``riskkit explain`` reuses it, and fidelity is reported under both definitions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import riskkit
from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.experiment import config as C
from riskkit.experiment import runner
from riskkit.experiment.flatten import flatten_metrics
from riskkit.experiment.runfolder import load_run
from riskkit.explain import (
    BACKGROUND_FILE,
    approved_background,
    contributions,
    draw_background,
    reason_codes,
    reference_background,
)
from riskkit.explain.in_run import explain_in_run
from riskkit.models import make_model
from riskkit.policy import APPROVED, DENIED, Policy
from riskkit.synth.truth import reference_features

ROWS = 6000
BACKGROUND_ROWS = 400
INTERVENTIONAL_KEYS = {"fidelity_top3", "rank_correlation", "null_attribution_share",
                       "additivity_max_err", "background_rows"}


@pytest.fixture(scope="module")
def world() -> dict[str, object]:
    frame = riskkit.generate(ROWS, seed=21)
    a, b = int(0.6 * ROWS), int(0.8 * ROWS)
    train, valid, test = (frame.iloc[:a].reset_index(drop=True),
                          frame.iloc[a:b].reset_index(drop=True), frame.iloc[b:].reset_index(drop=True))
    fit = {"X_valid": valid, "y_valid": valid[F.TARGET]}
    lgbm = make_model("lgbm", params={"learning_rate": 0.1}).fit(train, train[F.TARGET], **fit)
    card = make_model("scorecard").fit(train, train[F.TARGET], **fit)
    policy = Policy.from_config({}).fit(valid, lgbm.predict_pd(valid), valid[F.TARGET])
    train_dec = policy.decide(train, lgbm.predict_pd(train), lgbm.points(train))
    test_dec = policy.decide(test, lgbm.predict_pd(test), lgbm.points(test))
    background = approved_background(train, train_dec, rows=BACKGROUND_ROWS, seed=1,
                                     features=lgbm.features_)
    return {"train": train, "test": test, "lgbm": lgbm, "card": card, "policy": policy,
            "train_dec": train_dec, "test_dec": test_dec, "background": background}


def _scored(reasons: pd.DataFrame) -> pd.DataFrame:
    return reasons[reasons["kind"] == "scored"]


def test_reasons_against_a_background_add_up_and_differ_from_path_dependent(world) -> None:
    """The reasons quote exact shares of the log-odds measured from the approved applicants."""
    lgbm, test, dec, bg = world["lgbm"], world["test"], world["test_dec"], world["background"]
    denied = test[dec["decision"].to_numpy() == DENIED]
    contrib, base = contributions(lgbm, denied, background=bg)
    total = contrib.to_numpy().sum(axis=1) + base
    assert np.max(np.abs(total - lgbm.predict_logit(denied))) <= 1e-9
    # the base is the background's mean log-odds: "those we approve", not everyone
    assert base == pytest.approx(float(np.mean(lgbm.predict_logit(bg))), abs=1e-9)
    reasons = _scored(reason_codes(lgbm, world["policy"], test, dec, None, background=bg))
    assert len(reasons) and (reasons["contribution"] > 0).all()
    lookup = contrib.set_axis(denied[F.ID_COLUMN].to_numpy())
    quoted = [lookup.at[i, f] for i, f in zip(reasons["applicant_id"], reasons["feature"],
                                                strict=True)]
    np.testing.assert_allclose(reasons["contribution"].to_numpy(), quoted, atol=1e-12)
    plain = _scored(reason_codes(lgbm, world["policy"], test, dec, None))
    # another comparison, other reasons: the same applicants, not the same (feature, rank)
    keys = ["applicant_id", "rank", "feature"]
    assert not reasons[keys].reset_index(drop=True).equals(plain[keys].reset_index(drop=True))
    # the approved are less risky than the average applicant, so a denial's gap is wider
    _, plain_base = contributions(lgbm, denied)
    assert base < plain_base


def test_a_background_of_the_applicants_twins_leaves_nothing_to_explain(world) -> None:
    """Compared with people exactly like them, nothing sets an applicant apart."""
    lgbm, test, dec = world["lgbm"], world["test"], world["test_dec"]
    plain = _scored(reason_codes(lgbm, world["policy"], test, dec, None))
    who = int(plain["applicant_id"].iloc[0])
    row = test[test[F.ID_COLUMN] == who]
    twins = pd.concat([row] * 3, ignore_index=True)
    contrib, base = contributions(lgbm, row, background=twins)
    assert np.max(np.abs(contrib.to_numpy())) <= 1e-12
    assert base == pytest.approx(float(lgbm.predict_logit(row)[0]), abs=1e-12)
    one_dec = dec[test[F.ID_COLUMN].to_numpy() == who].reset_index(drop=True)
    again = reason_codes(lgbm, world["policy"], row.reset_index(drop=True), one_dec, None,
                         background=twins)
    assert _scored(again).empty


def test_the_scorecard_keeps_its_own_reference(world) -> None:
    """A run deploying the scorecard passes the run's background too; it changes nothing."""
    card, test, dec = world["card"], world["test"], world["test_dec"]
    with_bg = reason_codes(card, world["policy"], test, dec, None, background=world["background"])
    pd.testing.assert_frame_equal(with_bg, reason_codes(card, world["policy"], test, dec, None))
    with pytest.raises(ConfigError, match="background mode"):
        contributions(card, test.iloc[:5], background=world["background"])


def test_the_approved_background_is_approved_training_rows_only(world) -> None:
    train, bg, train_dec = world["train"], world["background"], world["train_dec"]
    assert len(bg) == BACKGROUND_ROWS
    assert list(bg.columns) == [F.ID_COLUMN, *world["lgbm"].features_]
    approved = set(train.loc[train_dec["decision"].to_numpy() == APPROVED, F.ID_COLUMN])
    assert set(bg[F.ID_COLUMN]) <= approved
    again = approved_background(train, train_dec, rows=BACKGROUND_ROWS, seed=1,
                                features=world["lgbm"].features_)
    pd.testing.assert_frame_equal(bg, again)
    other = approved_background(train, train_dec, rows=BACKGROUND_ROWS, seed=2)
    assert set(other[F.ID_COLUMN]) != set(bg[F.ID_COLUMN])


def test_draw_background_modes(world) -> None:
    train, train_dec = world["train"], world["train_dec"]
    assert draw_background("none", train, train_dec) is None
    ref = draw_background("reference", train, train_dec, rows=50, seed=3)
    pd.testing.assert_frame_equal(ref, reference_background(rows=50, seed=3))
    full = reference_features()
    assert len(ref) == 50 and ref.merge(full.drop_duplicates(), how="inner").shape[0] == 50
    with pytest.raises(ConfigError, match=re.escape("explain.background = 'reference' needs")):
        draw_background("reference", train, train_dec, has_truth=False)
    with pytest.raises(ConfigError, match="expected one of approved, reference, none"):
        draw_background("approve", train, train_dec)


@pytest.mark.parametrize(("explain", "message"), [
    ({"background": "approve"}, "explain.background = 'approve': expected one of approved, "
                                "reference, none"),
    ({"background": None}, "explain.background = None: expected one of"),
    ({"background_rows": 0}, "explain.background_rows = 0: expected a whole number >= 1"),
    ({"background_rows": 2.5}, "explain.background_rows = 2.5: expected a whole number"),
    ({"backgrund": "none"}, "did you mean 'background'"),
])
def test_config_rejects_a_bad_background(explain, message) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        C.resolve({"explain": explain})


def test_config_defaults_to_the_approved_applicants() -> None:
    explain = C.resolve({})["explain"]
    assert (explain["background"], explain["background_rows"]) == ("approved", 1000)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cfg = C.resolve({"name": "bg", "models": {"lgbm": {"params": {"learning_rate": 0.1}}},
                     "figures": {"enabled": False},
                     "explain": {"splits": ["test"], "background_rows": 300}}, rows=4000, seed=3)
    return runner.run_experiment(cfg, tmp_path_factory.mktemp("runs"), quiet=True)


def test_the_run_keeps_its_background_and_explain_reuses_it(run: Path) -> None:
    loaded = load_run(run)
    assert (run / BACKGROUND_FILE).is_file()
    bg = loaded.explain_background()
    decisions = loaded.decisions()
    train = decisions[decisions["split"] == "train"]
    assert len(bg) == 300
    assert set(bg[F.ID_COLUMN]) <= set(train.loc[train["decision"] == APPROVED, "applicant_id"])
    reasons = _scored(loaded.reasons())
    who = int(reasons["applicant_id"].iloc[0])
    mine = reasons[reasons["applicant_id"] == who]
    explanation, text = explain_in_run(loaded, who)
    told = [r for r in explanation["reasons"] if r["kind"] == "scored"]
    assert [r["feature"] for r in told] == list(mine["feature"])
    assert str(mine["text_en"].iloc[0]) in text  # the letter printed quotes the same reason
    np.testing.assert_allclose([r["contribution"] for r in told], mine["contribution"],
                               atol=1e-9)
    # and those are the contributions against the background, not the path-dependent ones
    model, row = loaded.model("lgbm"), loaded.applicant(who)[0]
    against, _ = contributions(model, row, background=bg)
    np.testing.assert_allclose(mine["contribution"], against.loc[0, mine["feature"]], atol=1e-9)
    plain, _ = contributions(model, row)
    assert not np.allclose(mine["contribution"], plain.loc[0, mine["feature"]], atol=1e-6)


def test_fidelity_is_reported_under_both_definitions(run: Path) -> None:
    explain = json.loads((run / "metrics.json").read_text())["explain"]
    lgbm = explain["lgbm"]
    assert {"fidelity_top3", "rank_correlation", "null_attribution_share",
            "additivity_max_err", "n_denied"} <= set(lgbm)
    inter = lgbm["interventional"]
    assert set(inter) == INTERVENTIONAL_KEYS
    for key in ("fidelity_top3", "rank_correlation", "null_attribution_share"):
        assert 0.0 <= inter[key] <= 1.0, key
    assert inter["additivity_max_err"] <= 1e-9
    assert inter["background_rows"] == 300
    flat = flatten_metrics({"explain": explain})  # sweeps and MLflow see both definitions
    assert flat["lgbm_test_interventional_fidelity_top3"] == inter["fidelity_top3"]
    assert flat["lgbm_test_fidelity_top3"] == lgbm["fidelity_top3"]
    # the scorecard has no background mode: no second definition to report; the oracle
    # has one (the truth's closed form) and, like for like, is the truth exactly
    assert "interventional" not in explain["scorecard"]
    assert explain["oracle"]["like_for_like"]["top3"] == 1.0


def test_a_run_without_background_explains_path_dependently(tmp_path: Path) -> None:
    cfg = C.resolve({"name": "nobg", "models": {"lgbm": {"params": {"learning_rate": 0.1}},
                                                "scorecard": {"enabled": False}},
                     "figures": {"enabled": False},
                     "explain": {"splits": ["test"], "background": "none"}}, rows=2000, seed=4)
    loaded = load_run(runner.run_experiment(cfg, tmp_path, quiet=True))
    assert loaded.explain_background() is None
    reasons = _scored(loaded.reasons())
    who = int(reasons["applicant_id"].iloc[0])
    mine = reasons[reasons["applicant_id"] == who]
    plain, _ = contributions(loaded.model("lgbm"), loaded.applicant(who)[0])
    np.testing.assert_allclose(mine["contribution"], plain.loc[0, mine["feature"]], atol=1e-12)

"""Reason accuracy in full, like for like: the measures, the bases, the truth gets 1.0.

Fail on the code before issue 27 (no ``accuracy``/``likeforlike``/``groups`` modules, no
background mode for the oracle, no scorecard best-bin mask): every test here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskkit.core import features as F
from riskkit.core.mathx import logit, sigmoid
from riskkit.explain import approved_background, contributions, reference_background
from riskkit.explain.accuracy import reason_accuracy, same_reasons
from riskkit.explain.groups import group_contributions, leading_features
from riskkit.explain.likeforlike import (
    best_bin_background,
    grade,
    letter_basis,
    letter_contributions,
    own_denials,
)
from riskkit.models import make_model
from riskkit.policy import Policy
from riskkit.synth import World
from riskkit.synth.background import true_contributions
from riskkit.synth.truth import reference_features

BASELINE = World("baseline", 0.04)  # the world these tests draw from
COLS = ["a", "b", "c", "d"]


def test_measures_on_hand_made_rows() -> None:
    """Three applicants, four features, every number worked out by hand."""
    model = pd.DataFrame([[3.0, 2.0, 1.0, -1.0],     # true order a, c, b: top-3 set right
                          [0.5, 2.0, 1.0, 0.1],      # model first b; true first a
                          [-1.0, -2.0, 0.2, -0.1]], columns=COLS)  # one reason only: c
    truth = pd.DataFrame([[3.0, 1.0, 2.0, -0.5],
                          [2.0, 1.0, -0.5, 0.2],
                          [-1.0, -1.0, 0.3, 0.5]], columns=COLS)
    out = reason_accuracy(model, truth, model_base=0.0, true_base=0.0, nulls=["d"],
                          max_reasons=4)
    assert out["n_rows"] == 3 and out["n_scored"] == 3
    # top-1: row 0 a=a, row 1 b vs a, row 2 c vs d -> 1/3
    assert out["top1"] == pytest.approx(1 / 3)
    assert out["first_reason"] == pytest.approx(1 / 3)
    # top-3: row 0 {a,b,c} vs {a,c,b} = 1; row 1 {b,c,a} vs true positives {a,b,d} -> 2/3;
    # row 2 {c} vs {d,c} -> 1
    assert out["top3"] == pytest.approx((1 + 2 / 3 + 1) / 3)
    # first reason among the true top 3: a yes, b yes, c yes
    assert out["first_reason_in_true_top3"] == 1.0
    # sign agreement over a, b, c (d has no true effect): row 0 3/3, row 1 2/3, row 2 3/3
    assert out["sign_agreement"] == pytest.approx(8 / 9)
    # reasons given (positive, up to 4): row 0 a,b,c; row 1 a,b,c,d; row 2 c -> 8 reasons,
    # of which the truth says row 1's c lowers the risk
    assert out["reasons_raise_true_risk"] == pytest.approx(7 / 8)
    assert out["mae_logit"] == pytest.approx(np.abs(model - truth).to_numpy().mean())


def test_probability_space_rescales_each_row_to_its_pd_change() -> None:
    model = pd.DataFrame([[1.0, 0.5, 0.0, 0.0]], columns=COLS)
    truth = pd.DataFrame([[0.5, 1.0, 0.0, 0.0]], columns=COLS)
    base = -3.0
    out = reason_accuracy(model, truth, model_base=base, true_base=base)
    scale = (sigmoid(base + 1.5) - sigmoid(base)) / 1.5  # both rows add up to 1.5
    assert out["mae_pd"] == pytest.approx(scale * out["mae_logit"], rel=1e-12)
    # rescaling is positive: the ranking, hence every top-k, is that of the log-odds
    assert out["top1"] == 0.0


def test_same_reasons_compares_sets_and_first() -> None:
    a = pd.DataFrame([[3, 2, 1, 0], [3, 2, 1, 0], [1, 2, 3, 4.0]], columns=COLS)
    b = pd.DataFrame([[2, 3, 1, 0], [3, 2, 0, 1], [1, 2, 3, 4.0]], columns=COLS)
    out = same_reasons(a, b, k=3)
    assert out["same_top3"] == pytest.approx(2 / 3)  # row 0 same set, row 1 not, row 2 same
    assert out["same_first"] == pytest.approx(2 / 3)  # row 0 differs first


def test_group_contributions_sum_and_lead() -> None:
    contrib = pd.DataFrame([[0.2, 0.5, -0.1, 0.3]],
                           columns=["applications_30d", "applications_90d", "loans_12m",
                                    "income_volatility"])
    groups = group_contributions(contrib, F.SYNTHETIC)
    assert list(groups.columns) == ["borrowing_frequency", "income_stability"]
    assert groups.iloc[0].tolist() == pytest.approx([0.6, 0.3])
    lead = leading_features(contrib, F.SYNTHETIC)
    assert lead.iloc[0].tolist() == ["applications_90d", "income_volatility"]


@pytest.fixture(scope="module")
def world() -> dict:
    pop = BASELINE.generate(12_000, 17)
    train, valid, test = pop.iloc[:7000], pop.iloc[7000:9500], pop.iloc[9500:]
    models = {name: make_model(name, **({"world": BASELINE} if name == "oracle" else {})).fit(
        train, train[F.TARGET], X_valid=valid, y_valid=valid[F.TARGET])
        for name in ("oracle", "scorecard", "lgbm")}
    policy = Policy().fit(valid, models["lgbm"].predict_pd(valid))
    return {"train": train, "valid": valid, "test": test, "models": models, "policy": policy,
            "truth": BASELINE.truth()}


def _backgrounds(world: dict) -> dict[str, pd.DataFrame]:
    train = world["train"]
    dec = world["policy"].decide(train, world["models"]["lgbm"].predict_pd(train))
    return {"approved": approved_background(train, dec, rows=300, seed=1),
            "reference": reference_background(rows=300, seed=2),
            "random": train.sample(200, random_state=3),
            "one_applicant": train.iloc[[42]],
            "best_bin": best_bin_background(world["models"]["scorecard"], train, rows=300,
                                            seed=4)}


def test_a_model_equal_to_the_truth_is_graded_one_under_every_background(world) -> None:
    oracle, test = world["models"]["oracle"], world["test"]
    denied = test[test["true_pd"] > test["true_pd"].quantile(0.7)]
    for name, bg in _backgrounds(world).items():
        basis = letter_basis(oracle, bg, name, world["train"], rows=300, seed=0)
        assert basis.kind == "background"
        graded = grade(oracle, denied, basis, world["truth"], nulls=("city_tier",))
        for unit in ("feature", "group"):
            out = graded[unit]
            for key in ("top1", "top2", "top3", "top4", "first_reason", "sign_agreement",
                        "reasons_raise_true_risk", "rank_correlation"):
                assert out[key] == pytest.approx(1.0, abs=1e-12), (name, unit, key)
            assert out["mae_logit"] < 1e-10 and out["mae_pd"] < 1e-12, (name, unit)


def test_grading_letters_the_caller_measured_equals_grading_from_scratch(world) -> None:
    """A run measures each model's letters once and hands them to grade (it needs them
    again for stability): the grades must be those grade computes itself."""
    lgbm, test = world["models"]["lgbm"], world["test"]
    denied = test[test["true_pd"] > test["true_pd"].quantile(0.8)]
    basis = letter_basis(lgbm, _backgrounds(world)["approved"], "approved", world["train"],
                         rows=300, seed=0)
    letters = letter_contributions(lgbm, denied, basis)
    assert grade(lgbm, denied, basis, world["truth"], nulls=("city_tier",), letters=letters) \
        == grade(lgbm, denied, basis, world["truth"], nulls=("city_tier",))


def test_unlike_definitions_are_what_made_the_truth_look_wrong(world) -> None:
    """The oracle's own reasons (against the reference population) graded against the
    truth measured from the approved applicants: the comparison the old metric made for
    LightGBM's letters. The truth itself scores below 1 -- the gap is the definitions."""
    oracle, test = world["models"]["oracle"], world["test"]
    denied = test[test["true_pd"] > test["true_pd"].quantile(0.7)]
    bg = _backgrounds(world)["approved"]
    own, _ = contributions(oracle, denied)  # the reference-sample definition
    true_bg, base = true_contributions(world["truth"], denied, bg)
    unlike = reason_accuracy(own, true_bg, model_base=oracle.expected_value(), true_base=base)
    assert unlike["top3"] < 0.97


def test_the_scorecard_is_graded_against_its_best_bins(world) -> None:
    card, train, test = world["models"]["scorecard"], world["train"], world["test"]
    bg = best_bin_background(card, train, rows=500, seed=5)
    assert len(bg) == 500
    mask = card.best_bin_mask(bg)
    scored = [n for n, c in zip(card.features_, card.coef_, strict=True) if c != 0]
    assert mask[scored].all().all(), "every scored feature is drawn from its best bin"
    basis = letter_basis(card, None, "approved", train, rows=500, seed=5)
    assert basis.kind == "best_bin" and basis.label == "best bin"
    contrib, base = letter_contributions(card, test.head(50), basis)
    best, best_base = contributions(card, test.head(50), reference="best")
    pd.testing.assert_frame_equal(contrib, best)
    assert base == best_base


def test_each_model_is_graded_on_its_own_denials(world) -> None:
    models, policy, valid, test = world["models"], world["policy"], world["valid"], world["test"]
    deployed = policy.decide(test, models["lgbm"].predict_pd(test))["decision"].to_numpy()
    own = own_denials(models, policy, valid, test, "lgbm", deployed)
    assert np.array_equal(own["lgbm"], deployed == "denied")
    for name in ("oracle", "scorecard"):
        mine = policy.fit(valid, models[name].predict_pd(valid))
        expected = mine.decide(test, models[name].predict_pd(test))["decision"] == "denied"
        assert np.array_equal(own[name], expected.to_numpy()), name
    assert not np.array_equal(own["scorecard"], own["lgbm"])


def test_the_oracle_under_label_noise_is_rescaled_against_any_background(world) -> None:
    """Under label noise the oracle predicts the recorded label and rescales the truth's
    contributions by DeepLIFT's rule (main's oracle, issue 22); against a background it does
    the same with the background's mean true log-odds as the base. So its letters add up to
    its own log-odds, keep the truth's signs and ranks (rank measures grade 1.0), only the
    sizes shrink, and against the truth's reference sample they are its ``contributions``.
    Fails before the port: the background version returned the noiseless truth's values,
    which add up to the true log-odds, not the oracle's."""
    noisy = World("baseline", 0.04, label_noise=0.2)
    train, test = world["train"], world["test"]
    oracle = make_model("oracle", world=noisy).fit(train, train[F.TARGET])
    denied = test[test["true_pd"] > test["true_pd"].quantile(0.7)]
    truth = noisy.truth()
    for name, bg in _backgrounds(world).items():
        mine, base = contributions(oracle, denied, background=bg)
        np.testing.assert_allclose(mine.sum(axis=1).to_numpy() + base,
                                   oracle.predict_logit(denied), rtol=0, atol=1e-9)
        true, true_base = true_contributions(truth, denied, bg)
        t = true.to_numpy()
        ratio = mine.to_numpy() / np.where(np.abs(t) > 1e-9, t, np.nan)
        row_ratio = np.nanmedian(ratio, axis=1)
        assert np.all((row_ratio > 0) & (row_ratio < 1)), name  # one shrink factor a row
        where = ~np.isnan(ratio)
        np.testing.assert_allclose(ratio[where], np.broadcast_to(row_ratio[:, None],
                                                                 ratio.shape)[where], rtol=1e-9)
        assert base == pytest.approx(float(logit(noisy.recorded_pd(sigmoid(true_base)))))
        graded = grade(oracle, denied, letter_basis(oracle, bg, name, train, rows=300, seed=0),
                       truth, nulls=("city_tier",))
        for key in ("top1", "top3", "first_reason", "sign_agreement"):
            assert graded["feature"][key] == pytest.approx(1.0, abs=1e-12), (name, key)
        # one multiplication a row can round two contributions 1 ulp apart into a tie
        assert graded["feature"]["rank_correlation"] == pytest.approx(1.0, abs=1e-5), name
        assert graded["feature"]["mae_logit"] > 1e-3, name  # the sizes are the recorded risk's
    # against the truth's own reference sample it is the oracle's plain contributions
    against_ref, base_ref = oracle.background_contributions(denied, reference_features())
    np.testing.assert_allclose(against_ref.to_numpy(), oracle.contributions(denied).to_numpy(),
                               rtol=0, atol=1e-9)
    assert base_ref == pytest.approx(oracle.expected_value(), abs=1e-9)

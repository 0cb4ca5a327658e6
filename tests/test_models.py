"""The common model interface: every model adds up, round-trips, validates and ranks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

import riskkit
from riskkit.core import features as F
from riskkit.core.errors import ConfigError, DataError, RunError
from riskkit.data.validate import ScoringWarning
from riskkit.evaluate import ece as ece_local
from riskkit.models import (
    MODEL_NAMES,
    LGBMModel,
    OracleModel,
    PointsScaling,
    ScorecardModel,
    load_model,
    make_model,
)
from riskkit.models.calibration import PlattScaling, fit_platt
from riskkit.synth import World

ROWS = 30_000
TARGET = F.TARGET

BASELINE = World("baseline", 0.04)  # the world these tests draw from


def _world(name: str) -> dict:
    """The oracle stands for a world; the fitted models need none."""
    return {"world": BASELINE} if name == "oracle" else {}


@pytest.fixture(scope="module")
def splits() -> dict[str, pd.DataFrame]:
    frame = riskkit.generate(ROWS, seed=3)
    a, b = int(0.6 * ROWS), int(0.8 * ROWS)
    return {"train": frame.iloc[:a], "valid": frame.iloc[a:b], "test": frame.iloc[b:]}


@pytest.fixture(scope="module")
def fitted(splits: dict[str, pd.DataFrame]) -> dict[str, object]:
    tr, va = splits["train"], splits["valid"]
    return {name: make_model(name, **_world(name)).fit(tr, tr[TARGET], X_valid=va, y_valid=va[TARGET]) for name in MODEL_NAMES}


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_contributions_add_up_to_the_log_odds(fitted, splits, name):
    model, test = fitted[name], splits["test"]
    contrib = model.contributions(test)
    assert list(contrib.columns) == list(F.MODEL_FEATURES)
    assert contrib.index.equals(test.index)
    total = contrib.sum(axis=1).to_numpy() + model.expected_value()
    np.testing.assert_allclose(total, model.predict_logit(test), rtol=0, atol=1e-6)
    assert model.expected_value(test) == model.expected_value()


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_pd_and_score_follow_the_log_odds(fitted, splits, name):
    model, test = fitted[name], splits["test"]
    logit = model.predict_logit(test)
    np.testing.assert_allclose(model.predict_pd(test), 1 / (1 + np.exp(-logit)), rtol=1e-12)
    np.testing.assert_allclose(model.points(test), PointsScaling().points(logit), rtol=1e-12)
    # higher score = safer: the score is a decreasing function of the PD
    assert roc_auc_score(test[TARGET], -model.points(test)) == pytest.approx(
        roc_auc_score(test[TARGET], logit), abs=1e-12)


def test_points_scaling_is_the_textbook_one():
    scale = PointsScaling(base_score=600, base_odds=50, pdo=20)
    assert float(scale.points(math.log(1 / 50))) == pytest.approx(600)
    assert float(scale.points(math.log(1 / 100))) == pytest.approx(620)
    assert float(scale.points(math.log(1 / 25))) == pytest.approx(580)
    with pytest.raises(ConfigError):
        PointsScaling(pdo=0)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_save_and_load_reproduce_predictions_exactly(fitted, splits, name, tmp_path):
    model, test = fitted[name], splits["test"]
    paths = model.save(tmp_path / name)
    assert all(p.exists() for p in paths) and paths[-1].name == "model.json"
    assert not list((tmp_path / name).glob(".tmp-*"))
    assert not list((tmp_path / name).glob("*.pkl"))
    loaded = load_model(tmp_path / name)
    assert type(loaded) is type(model) and loaded.name == name
    assert np.array_equal(loaded.predict_pd(test), model.predict_pd(test))
    assert np.array_equal(loaded.points(test), model.points(test))
    some = test.head(1000)  # TreeSHAP is the slow part; a thousand rows prove equality
    pd.testing.assert_frame_equal(loaded.contributions(some), model.contributions(some),
                                  check_exact=True)
    assert loaded.expected_value() == model.expected_value()
    assert loaded.calibration_report_ == pytest.approx(model.calibration_report_)
    assert type(model).load(tmp_path / name).features_ == model.features_


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_calibration_report_and_ece_not_worse(fitted, name):
    report = fitted[name].calibration_report_
    for key in ("method", "applied", "slope", "intercept", "ece_before", "ece_after"):
        assert key in report
    assert report["ece_after"] <= report["ece_before"] + 0.002
    assert report["applied"] is (name != "oracle")  # the oracle is calibrated by construction


def test_models_rank_close_to_the_oracle(fitted, splits):
    test = splits["test"]
    auc = {n: roc_auc_score(test[TARGET], m.predict_logit(test)) for n, m in fitted.items()}
    assert 0.75 < auc["oracle"] < 0.90
    assert auc["lgbm"] > auc["oracle"] - 0.02, auc
    assert auc["scorecard"] > auc["oracle"] - 0.05, auc


def test_oracle_is_the_truth_and_reads_only_features(fitted, splits):
    oracle, test = fitted["oracle"], splits["test"]
    np.testing.assert_array_equal(oracle.predict_logit(test), test["true_logit"].to_numpy())
    contrib = oracle.contributions(test)
    for name in F.MODEL_FEATURES:
        np.testing.assert_array_equal(contrib[name].to_numpy(),
                                      test[F.contrib_column(name)].to_numpy())
    # wrong truth columns make no difference: they are never read
    features_only = test[list(F.MODEL_FEATURES)]
    poisoned = test.assign(true_logit=0.0, true_pd=0.5)
    assert np.array_equal(oracle.predict_logit(features_only), oracle.predict_logit(poisoned))


def test_oracle_records_its_truth_and_scenario(splits):
    tr = splits["train"]
    downturn = OracleModel(world=World("baseline", 0.04, scenario="downturn")).fit(tr, tr[TARGET])
    baseline = OracleModel(world=BASELINE).fit(tr, tr[TARGET])
    shift = downturn.predict_logit(tr.head(50)) - baseline.predict_logit(tr.head(50))
    np.testing.assert_allclose(shift, 0.25, atol=1e-9)  # the downturn's macro shift
    assert baseline.observed_bad_rate_ == pytest.approx(tr[TARGET].mean())
    with pytest.raises(ConfigError):
        OracleModel(world=BASELINE, features=["monthly_income"]).fit(tr, tr[TARGET])


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_inputs_are_validated_and_never_written_to(fitted, splits, name):
    model, test = fitted[name], splits["test"].head(500)
    before = test.copy()
    model.predict_pd(test)
    model.contributions(test)
    pd.testing.assert_frame_equal(test, before)

    with pytest.raises(DataError, match="missing model feature columns"):
        model.predict_pd(test.drop(columns=["monthly_income", "occupation"]))
    bad = test.assign(occupation=test["occupation"].astype(str).replace("student", "astronaut"))
    # an unseen level is missing with a warning, as in every scoring path (issue 12)
    with pytest.warns(ScoringWarning, match="astronaut"):
        if name == "oracle":  # the truth has no missing branch: an error naming the column
            with pytest.raises(DataError, match="needs a known level in 'occupation'"):
                model.predict_pd(bad)
        else:
            assert len(model.predict_pd(bad)) == len(bad)

    # the same levels in another order, or as plain strings, score identically
    reordered = test.assign(occupation=test["occupation"].cat.reorder_categories(
        list(reversed(F.OCCUPATIONS))), loan_purpose=test["loan_purpose"].astype(str))
    assert np.array_equal(model.predict_pd(reordered), model.predict_pd(test))


def test_factory_and_loader_errors(tmp_path):
    assert isinstance(make_model("lgbm", seed=3), LGBMModel)
    assert isinstance(make_model("scorecard"), ScorecardModel)
    with pytest.raises(ConfigError, match="unknown model"):
        make_model("forest")
    with pytest.raises(ConfigError):
        make_model("oracle", num_leaves=3)
    with pytest.raises(RunError, match=r"no model\.json"):
        load_model(tmp_path)
    (tmp_path / "model.json").write_text("{not json")
    with pytest.raises(RunError, match="not valid JSON"):
        load_model(tmp_path)


def test_wrong_kind_and_unfitted_models_are_refused(fitted, tmp_path):
    fitted["oracle"].save(tmp_path)
    with pytest.raises(RunError, match="not 'lgbm'"):
        LGBMModel.load(tmp_path)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        make_model("lgbm").predict_pd(pd.DataFrame())


def test_fit_target_is_checked(splits):
    tr = splits["train"].head(2000)
    with pytest.raises(DataError, match="only 0 and 1"):
        LGBMModel().fit(tr, tr[TARGET] * 2)
    with pytest.raises(DataError, match="rows"):
        LGBMModel().fit(tr, tr[TARGET].iloc[:-1])
    with pytest.raises(ConfigError, match="both"):
        LGBMModel().fit(tr, tr[TARGET], X_valid=tr)


def test_platt_scaling_recovers_a_known_distortion():
    rng = np.random.default_rng(0)
    true_logit = rng.normal(-3.0, 1.2, 200_000)
    y = (rng.random(true_logit.size) < 1 / (1 + np.exp(-true_logit))).astype(int)
    raw = (true_logit - 0.5) / 1.6  # a model that is over-confident-shy and biased
    platt = fit_platt(raw, y)
    assert platt.slope == pytest.approx(1.6, rel=0.03)
    assert platt.intercept == pytest.approx(0.5, abs=0.05)
    before = ece_local(y, 1 / (1 + np.exp(-raw)))
    after = ece_local(y, 1 / (1 + np.exp(-platt.apply(raw))))
    assert after < before / 3
    assert np.array_equal(PlattScaling().apply(raw), raw)


def test_calibration_never_inverts_the_ranking(caplog):
    """One feature whose risk direction flips between train and valid: the Platt slope fitted
    on valid is negative, and applying it would turn the ranking upside down (issue 12)."""
    rng = np.random.default_rng(0)
    frame = riskkit.generate(4000, seed=1)
    x = rng.uniform(0, 1, len(frame))
    frame["income_volatility"] = x
    train, valid = frame.iloc[:2000], frame.iloc[2000:]
    y_train = (rng.uniform(size=2000) < 0.03 + 0.1 * x[:2000]).astype(int)
    y_valid = (rng.uniform(size=2000) < 0.13 - 0.1 * x[2000:]).astype(int)

    def fit(calibrate: bool) -> ScorecardModel:
        return ScorecardModel(features=("income_volatility",), calibrate=calibrate).fit(
            train, y_train, X_valid=valid, y_valid=y_valid)

    raw = fit(calibrate=False)
    assert fit_platt(raw.predict_logit(valid), y_valid).slope < 0
    with caplog.at_level("WARNING"):
        model = fit(calibrate=True)
    assert not model.calibration_.applied
    assert "calibration refused" in model.calibration_report_["note"]
    assert any("would invert the model's ranking" in r.getMessage() for r in caplog.records)
    assert roc_auc_score(y_train, model.predict_pd(train)) == pytest.approx(
        roc_auc_score(y_train, raw.predict_pd(train)))
    assert roc_auc_score(y_train, model.predict_pd(train)) > 0.6


def test_a_model_of_a_users_own_columns_is_refused_for_the_synthetic_world_in_one_line():
    """Personas and the simulation on a `riskkit fit` run used to fail with a list of every
    missing column (568 characters for a real credit file)."""
    from types import SimpleNamespace

    from riskkit.models.synthetic_features import require_synthetic_features

    own = SimpleNamespace(features_=tuple(f"column_{i}" for i in range(40)))
    with pytest.raises(ConfigError) as exc:
        require_synthetic_features(own, "the persona 'zhang_san'", "runs/own-1")
    text = str(exc.value)
    assert text.startswith("runs/own-1: the persona 'zhang_san' needs riskkit's synthetic world")
    assert "column_0, column_1, column_2, ..." in text and "column_3" not in text
    assert "40 other column(s)" in text and len(text) < 360
    require_synthetic_features(SimpleNamespace(features_=F.MODEL_FEATURES), "x", "y")  # fine

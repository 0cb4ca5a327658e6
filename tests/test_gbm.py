"""Monotone LightGBM: constraints hold, fits repeat, contribution engines agree."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import riskkit
from riskkit.core import features as F
from riskkit.core.errors import ConfigError, RunError
from riskkit.models import LGBMModel, load_model

ROWS = 30_000
TARGET = F.TARGET
DIRECTIONAL = [f.name for f in F.FEATURES if f.model_feature and f.direction != "none"]


@pytest.fixture(scope="module")
def splits() -> dict[str, pd.DataFrame]:
    frame = riskkit.generate(ROWS, seed=9)
    a, b = int(0.6 * ROWS), int(0.8 * ROWS)
    return {"train": frame.iloc[:a], "valid": frame.iloc[a:b], "test": frame.iloc[b:]}


@pytest.fixture(scope="module")
def gbm(splits) -> LGBMModel:
    tr, va = splits["train"], splits["valid"]
    return LGBMModel().fit(tr, tr[TARGET], X_valid=va, y_valid=va[TARGET])


def test_booster_is_cut_at_the_early_stopping_iteration(gbm):
    assert 10 < gbm.best_iteration_ < 1000  # early stopping did stop
    assert gbm.booster_.num_trees() == gbm.best_iteration_
    assert gbm.params_["monotone_constraints"] == F.monotone_constraints(F.MODEL_FEATURES)
    assert gbm.params_["deterministic"] is True and gbm.params_["num_threads"] == 2
    assert gbm.booster_.feature_name() == list(F.MODEL_FEATURES)
    importance = gbm.feature_importance()
    assert importance.index[0] in F.MODEL_FEATURES and importance.iloc[0] > 0


def _grid_logits(model, rows: pd.DataFrame, name: str, values: np.ndarray) -> np.ndarray:
    grid = rows.loc[rows.index.repeat(len(values))].reset_index(drop=True)
    grid[name] = np.tile(values, len(rows))
    return model.predict_logit(grid).reshape(len(rows), len(values))


@pytest.mark.parametrize("name", DIRECTIONAL)
def test_risk_is_monotone_in_every_directional_feature(gbm, splits, name):
    rows = splits["test"].head(200)
    values = np.unique(np.nanquantile(splits["train"][name].to_numpy(dtype=float),
                                      np.linspace(0, 1, 41)))
    steps = np.diff(_grid_logits(gbm, rows, name, values), axis=1)
    sign = 1 if F.get(name).direction == "increasing" else -1
    assert np.all(sign * steps >= -1e-12)


def test_overdue_count_moves_risk(gbm, splits):
    logits = _grid_logits(gbm, splits["test"].head(200), "overdue_count_24m", np.arange(0, 6))
    # the constraint is not vacuous: for many applicants more overdue history raises risk
    # (modestly: max_dpd_24m and months_since_last_overdue carry most of that signal)
    assert (logits[:, -1] > logits[:, 0] + 1e-3).mean() > 0.25


@settings(max_examples=60, deadline=None)
@given(row=st.integers(0, ROWS // 5 - 1),
       counts=st.lists(st.integers(0, 20), min_size=2, max_size=6, unique=True))
def test_risk_never_falls_as_overdue_count_grows(gbm, splits, row, counts):
    rows = splits["test"].iloc[[row]]
    logits = _grid_logits(gbm, rows, "overdue_count_24m", np.sort(counts))[0]
    assert np.all(np.diff(logits) >= -1e-12)


def test_fitting_twice_gives_identical_predictions(gbm, splits):
    tr, va, test = splits["train"], splits["valid"], splits["test"]
    again = LGBMModel().fit(tr, tr[TARGET], X_valid=va, y_valid=va[TARGET])
    assert again.best_iteration_ == gbm.best_iteration_
    assert np.array_equal(again.predict_pd(test), gbm.predict_pd(test))


def test_contributions_are_pred_contrib_scaled_by_the_platt_slope(gbm, splits):
    test = splits["test"].head(500)
    raw = gbm.booster_.predict(gbm._matrix(gbm._prepare(test)), pred_contrib=True)
    slope = gbm.calibration_.slope
    np.testing.assert_allclose(gbm.contributions(test).to_numpy(), slope * raw[:, :-1],
                               rtol=0, atol=1e-12)
    assert gbm.expected_value() == pytest.approx(slope * raw[0, -1] + gbm.calibration_.intercept)


def _with_engine(model: LGBMModel, engine: str) -> LGBMModel:
    """The same fitted model with another contribution engine (no refit)."""
    other = copy.copy(model)
    other.set_params(contrib_engine=engine)
    other._fast_engine = None
    return other


def test_fast_engine_agrees_with_lightgbm(gbm, splits):
    test = splits["test"].head(300)
    native = _with_engine(gbm, "lightgbm")
    reference = native.contributions(test)
    assert native.active_contrib_engine == "lightgbm"
    assert gbm.active_contrib_engine == "fast"  # the default, as a run's explanations use
    np.testing.assert_allclose(gbm.contributions(test), reference, rtol=0, atol=1e-9)


def test_unknown_engine_and_objective_are_refused(splits):
    tr = splits["train"].head(3000)
    with pytest.raises(ConfigError, match="contrib_engine"):
        LGBMModel(contrib_engine="gpu").fit(tr, tr[TARGET])
    with pytest.raises(ConfigError, match="binary"):
        LGBMModel(params={"objective": "regression"}).fit(tr, tr[TARGET])


def test_without_validation_no_early_stopping_and_no_calibration(splits):
    tr = splits["train"].head(3000)
    model = LGBMModel(params={"n_estimators": 25}).fit(tr, tr[TARGET])
    assert model.best_iteration_ == 25
    assert model.calibration_report_["applied"] is False


def test_a_tampered_booster_file_is_refused(gbm, splits, tmp_path):
    gbm.save(tmp_path)
    text = (tmp_path / "booster.txt").read_text()
    assert "pandas_categorical" not in text or "pandas_categorical:null" in text
    (tmp_path / "booster.txt").write_text(text.replace("shrinkage=0.05", "shrinkage=0.5", 1))
    with pytest.raises(RunError, match="checksum"):
        load_model(tmp_path)
    (tmp_path / "booster.txt").unlink()
    with pytest.raises(RunError, match="damaged"):
        load_model(tmp_path)


def test_categoricals_are_coded_by_value_not_position(gbm, splits):
    test = splits["test"].head(400)
    levels = list(reversed(F.LOAN_PURPOSES))
    shuffled = test.assign(loan_purpose=pd.Categorical(test["loan_purpose"].astype(str),
                                                       categories=levels))
    assert np.array_equal(gbm.predict_pd(shuffled), gbm.predict_pd(test))
    missing = test.assign(occupation=pd.Categorical([None] * len(test),
                                                    categories=F.OCCUPATIONS))
    assert np.isfinite(gbm.predict_pd(missing)).all()  # missing is scored as missing

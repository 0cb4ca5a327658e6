"""The WoE scorecard: bins, points, monotonicity, and loading without optbinning."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from optbinning import OptimalBinning

import riskkit
from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.models import FeatureBins, ScorecardModel, load_model
from riskkit.models.scorecard import INTERCEPT_LABEL, bins_from_optbinning, optbinning_woe

ROWS = 30_000
TARGET = F.TARGET
DIRECTIONAL = [f.name for f in F.FEATURES if f.model_feature and f.direction != "none"]


@pytest.fixture(scope="module")
def splits() -> dict[str, pd.DataFrame]:
    frame = riskkit.generate(ROWS, seed=5)
    a, b = int(0.6 * ROWS), int(0.8 * ROWS)
    return {"train": frame.iloc[:a], "valid": frame.iloc[a:b], "test": frame.iloc[b:]}


@pytest.fixture(scope="module")
def card(splits) -> ScorecardModel:
    tr, va = splits["train"], splits["valid"]
    return ScorecardModel().fit(tr, tr[TARGET], X_valid=va, y_valid=va[TARGET])


#: Features that duplicate "ever overdue": with them in the model, overdue_count_24m's WoE
#: coefficient comes out positive and the feature is (rightly) dropped, which would make a
#: monotonicity test on it vacuous.
OVERDUE_TWINS = ("months_since_last_overdue", "max_dpd_24m")


@pytest.fixture(scope="module")
def fine_card(splits) -> ScorecardModel:
    """Smaller bins and no overdue twins: overdue_count_24m has 3+ bins and a coefficient."""
    tr, va = splits["train"], splits["valid"]
    features = [n for n in F.MODEL_FEATURES if n not in OVERDUE_TWINS]
    return ScorecardModel(min_bin_size=0.01, max_n_bins=8, features=features).fit(
        tr, tr[TARGET], X_valid=va, y_valid=va[TARGET])


def test_points_of_the_applicants_bins_add_up_to_the_score(card, splits):
    test = splits["test"]
    table = card.points_table()
    assert {"feature", "bin", "points", "woe", "count", "event_rate"} <= set(table.columns)
    base = table.loc[table["feature"] == INTERCEPT_LABEL, "points"].item()
    lookup = {(f, b): p for f, b, p in table[["feature", "bin", "points"]].itertuples(index=False)}
    assigned = card.assign_bins(test)
    total = np.full(len(test), base)
    for name in F.MODEL_FEATURES:
        total += np.array([lookup[(name, label)] for label in assigned[name]])
    np.testing.assert_allclose(total, card.points(test), rtol=0, atol=1e-9)
    # every feature's bins are counted once per training row
    counts = table[table["feature"] != INTERCEPT_LABEL].groupby("feature")["count"].sum()
    assert (counts == len(splits["train"])).all()


def test_bin_event_rates_follow_the_registry_direction(card, fine_card):
    for model in (card, fine_card):
        for name in [n for n in DIRECTIONAL if n in model.features_]:
            bins = model.bins_[name]
            assert bins.trend == {"increasing": "ascending", "decreasing": "descending"}[
                F.get(name).direction]
            n = bins.n_clean
            rate = np.asarray(bins.n_event[:n]) / (
                np.asarray(bins.n_event[:n]) + np.asarray(bins.n_nonevent[:n]))
            woe = np.asarray(bins.woe[:n])
            if F.get(name).direction == "increasing":
                assert np.all(np.diff(rate) >= 0) and np.all(np.diff(woe) <= 0), name
            else:
                assert np.all(np.diff(rate) <= 0) and np.all(np.diff(woe) >= 0), name
    assert fine_card.bins_["overdue_count_24m"].n_clean >= 3
    assert fine_card.coef_[fine_card.features_.index("overdue_count_24m")] < 0


def test_coefficients_never_reverse_a_feature(card, fine_card):
    for model in (card, fine_card):
        assert np.all(model.coef_ <= 0)  # optbinning WoE is high for *safe* bins
        for name, reason in model.dropped_.items():
            assert model.coef_[model.features_.index(name)] == 0, reason
    # the rare "currently overdue" flag keeps its own bin despite min_bin_size=0.05
    assert card.bins_["current_overdue"].n_clean == 2
    assert "current_overdue" not in card.dropped_


def _grid_logits(model, rows: pd.DataFrame, name: str, values: np.ndarray) -> np.ndarray:
    grid = rows.loc[rows.index.repeat(len(values))].reset_index(drop=True)
    grid[name] = np.tile(values, len(rows))
    return model.predict_logit(grid).reshape(len(rows), len(values))


@pytest.mark.parametrize("name", DIRECTIONAL)
def test_risk_is_monotone_in_every_directional_feature(card, fine_card, splits, name):
    rows = splits["test"].head(200)
    values = np.unique(np.nanquantile(splits["train"][name].to_numpy(dtype=float),
                                      np.linspace(0, 1, 41)))
    sign = 1 if F.get(name).direction == "increasing" else -1
    for model in (card, fine_card):
        if name in model.features_:
            steps = np.diff(_grid_logits(model, rows, name, values), axis=1)
            assert np.all(sign * steps >= -1e-12)


@settings(max_examples=60, deadline=None)
@given(row=st.integers(0, ROWS // 5 - 1),
       counts=st.lists(st.integers(0, 20), min_size=2, max_size=6, unique=True))
def test_risk_never_falls_as_overdue_count_grows(fine_card, splits, row, counts):
    rows = splits["test"].iloc[[row]]
    logits = _grid_logits(fine_card, rows, "overdue_count_24m", np.sort(counts))[0]
    assert np.all(np.diff(logits) >= -1e-12)


def test_contributions_against_best_bin_and_mean(card, splits):
    test = splits["test"]
    best = card.contributions(test)
    assert (best.to_numpy() >= -1e-12).all()  # "points below maximum": never helps
    np.testing.assert_allclose(best.sum(axis=1) + card.expected_value(), card.predict_logit(test),
                               rtol=0, atol=1e-6)
    mean = card.contributions(test, reference="mean")
    np.testing.assert_allclose(mean.sum(axis=1) + card.expected_value(reference="mean"),
                               card.predict_logit(test), rtol=0, atol=1e-6)
    # against the training mean, contributions average to ~0 over the training rows
    train_mean = card.contributions(splits["train"], reference="mean").mean()
    assert np.abs(train_mean.to_numpy()).max() < 1e-10
    # points lost against the best bin are the scaled contributions
    lost = card.scaling.factor * best.sum(axis=1).to_numpy()
    best_score = card.scaling.points(card.expected_value())
    np.testing.assert_allclose(best_score - lost, card.points(test), atol=1e-8)
    with pytest.raises(ConfigError):
        card.contributions(test, reference="median")


def _optb(x: np.ndarray, y: np.ndarray, **kw) -> OptimalBinning:
    return OptimalBinning(name="x", solver="cp", **kw).fit(x, y)


def test_numpy_bins_match_optbinning_at_edges_missing_and_special():
    rng = np.random.default_rng(1)
    x = np.round(rng.gamma(2.0, 3.0, 20_000), 1)
    x[rng.random(x.size) < 0.05] = np.nan
    x[rng.random(x.size) < 0.03] = -1.0  # a special code, e.g. "not applicable"
    y = (rng.random(x.size) < 1 / (1 + np.exp(2.5 - 0.15 * np.nan_to_num(x)))).astype(int)
    optb = _optb(x, y, monotonic_trend="ascending", special_codes=[-1.0], max_n_bins=6)
    bins = bins_from_optbinning(optb)
    splits = np.asarray(bins.splits)
    assert len(splits) >= 2
    probe = np.concatenate([splits, np.nextafter(splits, -np.inf), np.nextafter(splits, np.inf),
                            [np.nan, -1.0, -np.inf, np.inf, 0.0, 1e9], x[:2000]])
    assert np.array_equal(bins.transform(probe), optbinning_woe(optb, probe))
    # a value equal to a split point goes to the bin on its right
    assert np.array_equal(bins.bin_index(splits), np.arange(1, len(splits) + 1))
    assert bins.bin_index(np.array([np.nan, -1.0])).tolist() == [bins.n_clean + 1, bins.n_clean]


def test_numpy_bins_match_optbinning_for_categories_and_unknown_levels():
    rng = np.random.default_rng(2)
    levels = np.array(["a", "b", "c", "d", "e"], dtype=object)
    x = levels[rng.integers(0, 5, 10_000)].astype(object)
    x[rng.random(x.size) < 0.04] = np.nan
    risk = pd.Series(x).map({"a": -3.5, "b": -3.0, "c": -2.5, "d": -2.0, "e": -1.5}).fillna(-2.0)
    y = (rng.random(x.size) < 1 / (1 + np.exp(-risk.to_numpy()))).astype(int)
    optb = _optb(x, y, dtype="categorical")
    bins = bins_from_optbinning(optb)
    probe = np.array(["a", "b", "c", "d", "e", "zzz", np.nan, None], dtype=object)
    assert np.array_equal(bins.transform(probe), optbinning_woe(optb, probe))
    assert bins.bin_index(probe)[5] == -1


def test_bins_round_trip_through_plain_dicts(card):
    for bins in card.bins_.values():
        again = FeatureBins(**bins.to_dict())
        assert again == bins


def test_loading_needs_no_optbinning(card, splits, tmp_path, monkeypatch):
    card.save(tmp_path)
    expected = card.predict_pd(splits["test"])
    monkeypatch.setitem(sys.modules, "optbinning", None)  # any import of it now fails
    with pytest.raises(ImportError):
        import optbinning  # noqa: F401
    loaded = load_model(tmp_path)
    assert np.array_equal(loaded.predict_pd(splits["test"]), expected)
    pd.testing.assert_frame_equal(loaded.points_table(), card.points_table())
    csv = pd.read_csv(tmp_path / "points_table.csv")
    np.testing.assert_allclose(csv["points"], card.points_table()["points"], rtol=1e-12)


def test_fitting_twice_gives_identical_predictions(card, splits):
    tr, va, test = splits["train"], splits["valid"], splits["test"]
    again = ScorecardModel().fit(tr, tr[TARGET], X_valid=va, y_valid=va[TARGET])
    assert np.array_equal(again.predict_pd(test), card.predict_pd(test))


def test_binning_settings_must_name_features(splits):
    tr = splits["train"]
    with pytest.raises(ConfigError, match="non-features"):
        ScorecardModel(feature_binning_params={"salary": {"max_n_bins": 3}}).fit(tr, tr[TARGET])

"""The fast lifecycle gives the old lifecycle's bytes: LightGBM's scores bit for bit, a panel
pinned to the value the code gave before it was made fast, and the same file on 1 or 2 threads.
"""

from __future__ import annotations

import hashlib

import lightgbm as lgb
import numba
import numpy as np
import pandas as pd
import pytest

from riskkit.lifecycle import analysis as A
from riskkit.lifecycle import lender as LL
from riskkit.lifecycle import simulation as L
from riskkit.models._forest import flatten, predict_raw
from riskkit.synth import World
from riskkit.synth import truth as T

#: ``content_hash`` of the panel below, computed with the code of commit dcff3fd (before the
#: numba predictor, on LightGBM's own predict): a change of any value, dtype or column fails.
#: It covers every column but ``days_past_due``, which came later (the monitor's roll rates).
PINNED_PANEL = "7a18abe5b1a1d3c21f4fe8a144ef58bccac095895f18b6cd1db83a10b364acf4"
#: The same panel with ``days_past_due`` (the only column added since): so adding it moved
#: no other value, and its own values are pinned from now on.
PINNED_PANEL_WITH_DPD = "dcbec019a77177d0757180fb882e3c97fd817258a3c3de50ca447f7d8eb8ebb4"

BASELINE = World("baseline", 0.04)  # the world these tests draw from


def content_hash(frame: pd.DataFrame) -> str:
    """SHA-256 of column names, dtypes, categories and value bytes (not of the Parquet file,
    whose bytes also carry the pyarrow version that wrote it)."""
    h = hashlib.sha256()
    for name in frame.columns:
        col = frame[name]
        h.update(f"{name}:{col.dtype}".encode())
        if isinstance(col.dtype, pd.CategoricalDtype):
            h.update("|".join(map(str, col.cat.categories)).encode())
            h.update(np.ascontiguousarray(col.cat.codes.to_numpy()).tobytes())
        else:
            h.update(np.ascontiguousarray(col.to_numpy()).tobytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def lender():
    return L.default_lender(BASELINE, 11, rows=6_000)


@pytest.fixture(scope="module")
def booster():
    """Numerical splits with every missing type, and a categorical feature with 40 codes."""
    rng = np.random.default_rng(0)
    n = 4_000
    X = rng.normal(size=(n, 5))
    X[:, 1] = rng.integers(0, 40, n)
    X[rng.random(n) < 0.1, 2] = np.nan
    X[rng.random(n) < 0.3, 3] = 0.0
    y = (X[:, 0] + (X[:, 1] % 3 == 0) + np.nan_to_num(X[:, 2]) + rng.normal(size=n) > 0.5)
    params = {"objective": "binary", "num_leaves": 40, "min_data_in_leaf": 5, "verbosity": -1,
              "num_threads": 1, "zero_as_missing": False, "max_cat_to_onehot": 2}
    data = lgb.Dataset(X, y.astype(int), categorical_feature=[1])
    return lgb.train(params, data, num_boost_round=30), X


def awkward_rows(X: np.ndarray, forest) -> np.ndarray:
    """Rows on, just above and just below every threshold, NaN, 0, -0, 1e-36, +-inf and
    categorical codes that are negative, fractional or beyond the bitsets."""
    rng = np.random.default_rng(1)
    rows = X[rng.integers(0, len(X), 20_000)].copy()
    numeric = forest.node_kind == 0
    for j in range(rows.shape[1]):
        u = rng.random(len(rows))
        rows[u < 0.05, j] = np.nan
        rows[(u >= 0.05) & (u < 0.08), j] = 0.0
        special = (u >= 0.08) & (u < 0.12)
        rows[special, j] = rng.choice([-0.0, 1e-36, -1e-36, np.inf, -np.inf, -3.0, -0.5, 2.5,
                                       63.0, 64.0, 1e300, 2.0**31], special.sum())
        thresholds = forest.node_threshold[numeric & (forest.node_feature == j)]
        near = (u >= 0.12) & (u < 0.5)
        if len(thresholds):
            pick = thresholds[rng.integers(0, len(thresholds), near.sum())]
            way = np.where(rng.random(near.sum()) < 0.5, np.inf, -np.inf)
            rows[near, j] = np.where(rng.random(near.sum()) < 0.4, pick, np.nextafter(pick, way))
    return rows


def test_forest_predicts_lightgbms_raw_scores_bit_for_bit(booster):
    model, X = booster
    forest = flatten(model)
    assert forest is not None and forest.node_kind.any()  # categorical splits are in it
    rows = awkward_rows(X, forest)
    expected = model.predict(rows, raw_score=True)
    assert np.array_equal(predict_raw(forest, rows), expected)
    assert np.array_equal(predict_raw(forest, X[:0]), model.predict(X[:1], raw_score=True)[:0])


def test_forest_declines_trees_it_cannot_evaluate(booster):
    _, X = booster
    y = np.random.default_rng(2).integers(0, 2, len(X))
    big = lgb.train({"objective": "binary", "num_leaves": 200, "min_data_in_leaf": 1,
                     "min_sum_hessian_in_leaf": 0.0, "verbosity": -1, "num_threads": 1},
                    lgb.Dataset(X, y), num_boost_round=2)
    assert max(t["num_leaves"] for t in big.dump_model()["tree_info"]) > 64
    assert flatten(big) is None  # more than 64 leaves: LGBMModel keeps booster.predict


def test_lgbm_model_scores_as_lightgbm_does(lender):
    model, _ = lender
    frame = BASELINE.generate(3_000, 12)
    raw = model.booster_.predict(model._matrix(model._prepare(frame)), raw_score=True)
    assert model._forest is not None
    assert np.array_equal(model.predict_logit(frame), model.calibration_.apply(raw))


def test_panel_is_the_one_the_code_gave_before_it_was_made_fast(lender):
    panel = L.simulate(2_000, 6, 11, *lender, downturn_from=3, world=BASELINE)
    assert content_hash(panel.frame.drop(columns="days_past_due")) == PINNED_PANEL
    assert content_hash(panel.frame) == PINNED_PANEL_WITH_DPD


def test_panel_bytes_do_not_depend_on_the_thread_count(lender, tmp_path):
    threads = min(2, numba.config.NUMBA_NUM_THREADS)
    if threads < 2:
        pytest.skip("one CPU: nothing to compare")
    before = numba.get_num_threads()
    files = []
    try:
        for k in (1, threads):
            numba.set_num_threads(k)
            panel = L.simulate(2_000, 4, 13, *lender, world=BASELINE)
            files.append(panel.write_frame(tmp_path / f"threads{k}").read_bytes())
    finally:
        numba.set_num_threads(before)
    assert files[0] == files[1]


def test_run_simulation_streams_the_panel_write_frame_writes(lender, tmp_path, monkeypatch):
    """The panel encoded month by month beside the simulation is Panel.write_frame's file,
    and the selection-bias models fitted from month 0 alone give the same table."""
    monkeypatch.setattr(A, "simulate", lambda *a, **k: L.simulate(*a, **{**k, "model": lender[0],
                                                                        "policy": lender[1]}))
    summary = A.run_simulation(tmp_path / "run", 1_500, 5, 11, quiet=True, world=BASELINE)
    panel = L.simulate(1_500, 5, 11, *lender, world=BASELINE)
    written = panel.write_frame(tmp_path / "direct")
    assert (tmp_path / "run" / L.PANEL_FILE).read_bytes() == written.read_bytes()
    expected = A.selection_bias_experiment(panel, seed=11).reset_index().to_dict(orient="records")
    assert summary["selection_bias"] == expected
    assert sorted(p.name for p in (tmp_path / "run" / "figures").iterdir())[:3] == [
        "approval_and_cutoff.pdf", "approval_and_cutoff.png", "approval_and_cutoff.svg"]


def test_a_lender_started_early_is_the_lender_fitted_directly(monkeypatch) -> None:
    """``start_default_lender`` (what ``riskkit simulate`` calls before its chart imports)
    fits on a thread; ``default_lender`` then returns that fit, the same trees and cut-off a
    direct fit gives; a failed fit leaves the cache so that a retry fits anew."""
    monkeypatch.setattr(LL, "_LENDERS", {})
    LL.start_default_lender(BASELINE, 13, rows=4_000)
    early_model, early_policy = LL.default_lender(BASELINE, 13, rows=4_000)
    assert LL.default_lender(BASELINE, 13, rows=4_000)[0] is early_model  # cached, not refitted
    monkeypatch.setattr(LL, "_LENDERS", {})
    model, policy = LL.default_lender(BASELINE, 13, rows=4_000)
    assert early_model.booster_.model_to_string() == model.booster_.model_to_string()
    assert early_policy.cutoff == policy.cutoff

    def broken(population, seed, model, world):
        raise RuntimeError("no fit")

    monkeypatch.setattr(LL, "_fit_lender", broken)
    LL.start_default_lender(BASELINE, 14, rows=4_000)
    with pytest.raises(RuntimeError, match="no fit"):
        LL.default_lender(BASELINE, 14, rows=4_000)
    assert (BASELINE, 14, 4_000, "lgbm") not in LL._LENDERS


def test_releasing_the_reference_sample_keeps_every_truth() -> None:
    """The lifecycle lets the 200,000-row reference sample go once its truths are fitted; a
    truth fitted afterwards draws the same sample again and is the same truth."""
    spec = BASELINE.spec
    before = T.truth_model(0.07, 0.3, spec)
    T.release_reference_sample()
    assert T.reference_features.cache_info().currsize == 0
    hits = T._cached_truth.cache_info().hits
    assert T.truth_model(0.07, 0.3, spec) == before
    assert T._cached_truth.cache_info().hits == hits + 1  # fitted truths stay cached
    T._cached_truth.cache_clear()
    assert T.truth_model(0.07, 0.3, spec) == before  # a refit from the redrawn sample


def test_a_truth_fit_started_early_is_the_truth_asked_for_later() -> None:
    """``riskkit simulate`` starts the truth's fit on a thread before importing the models;
    asking for the truth then waits for that fit and gets the truth a direct fit gives."""
    spec = BASELINE.spec
    T._cached_truth.cache_clear()
    T.start_truth_fit(0.055, spec)
    early = T.truth_model(0.055, 0.0, spec)
    assert T.truth_model(0.055, 0.0, spec) is early
    T._cached_truth.cache_clear()
    assert T.truth_model(0.055, 0.0, spec) == early

"""riskkit explanations as shap.Explanation objects, and shap's five plots in riskkit's style.

Every model kind (oracle, scorecard, LightGBM, a bring-your-own-data LightGBM) goes through
``to_shap``; its values must add up to the model's calibrated log-odds, and each of
waterfall, beeswarm, bar, scatter and heatmap must draw from it, restyled and written to a
file, without leaving a figure in pyplot's registry.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import shap
from matplotlib import colors as mcolors
from matplotlib.patches import Patch

import riskkit
from riskkit import charts
from riskkit.charts.shap_plots import KINDS
from riskkit.core import features as F
from riskkit.core.registry import Registry
from riskkit.experiment import byod
from riskkit.experiment.run_figures import shap_beeswarms
from riskkit.explain import display_value, to_shap
from riskkit.explain.shap_objects import additivity_gap, design_values
from riskkit.models import make_model
from riskkit.synth import World

ROWS = 3000
EXPLAINED = 150
MODELS = ("oracle", "scorecard", "lgbm", "byod")
#: A categorical, numbers, counts and two features with missing values.
SCORECARD_FEATURES = ("occupation", "monthly_income", "income_volatility", "applications_30d",
                      "active_platforms", "overdue_count_24m", "credit_utilization",
                      "months_since_last_overdue")

BASELINE = World("baseline", 0.04)  # the world these tests draw from


@pytest.fixture(scope="module")
def splits() -> dict[str, pd.DataFrame]:
    frame = riskkit.generate(ROWS, seed=21)
    a, b = int(0.6 * ROWS), int(0.8 * ROWS)
    return {"train": frame.iloc[:a], "valid": frame.iloc[a:b],
            "test": frame.iloc[b:b + EXPLAINED].reset_index(drop=True)}


def _byod_csv(path: Path, n: int = 1200, seed: int = 4) -> Path:
    """A user's extract: own column names (Chinese too), a category, a real signal."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(8.5, 0.5, n)
    apps = rng.poisson(2, n)
    logit = -1.0 - 1.5 * (np.log(income) - 8.5) + 0.6 * (apps - 2)
    bad = rng.random(n) < 1 / (1 + np.exp(-logit))
    pd.DataFrame({"月收入": income.round(2), "inquiries_30d": apps,
                  "branch": rng.choice(["north", "south", "east"], n),
                  "bad": bad.astype(int)}).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def byod_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, pd.DataFrame]]:
    """A LightGBM fitted the way ``riskkit fit`` fits one, with the file's own registry."""
    prep = byod.prepare(_byod_csv(tmp_path_factory.mktemp("byod") / "loans.csv"), "bad")
    index = byod.stratified_split(prep.frame[F.TARGET].to_numpy(), prep.config["data"]["split"], 3)
    parts = {k: prep.frame.iloc[idx].reset_index(drop=True) for k, idx in index.items()}
    model = make_model("lgbm", features=prep.features, params={"n_estimators": 60},
                       registry=Registry(prep.registry.values()))
    model.fit(parts["train"], parts["train"][F.TARGET], X_valid=parts["valid"],
              y_valid=parts["valid"][F.TARGET])
    yield model, parts["test"].head(EXPLAINED)


@pytest.fixture(scope="module")
def fitted(splits: dict[str, pd.DataFrame], byod_model: tuple[object, pd.DataFrame]
           ) -> dict[str, tuple[object, pd.DataFrame]]:
    tr, va, te = splits["train"], splits["valid"], splits["test"]
    out: dict[str, tuple[object, pd.DataFrame]] = {}
    params_of = {"oracle": {"world": BASELINE}, "lgbm": {"params": {"n_estimators": 80}},
                 "scorecard": {"features": SCORECARD_FEATURES}}  # binning is the slow part
    for name in ("oracle", "scorecard", "lgbm"):
        params = params_of[name]
        out[name] = (make_model(name, **params).fit(tr, tr[F.TARGET], X_valid=va, y_valid=va[F.TARGET]), te)
    out["byod"] = byod_model
    return out


@pytest.fixture(scope="module")
def explanations(fitted: dict[str, tuple[object, pd.DataFrame]]) -> dict[str, shap.Explanation]:
    return {name: to_shap(model, frame) for name, (model, frame) in fitted.items()}


@pytest.mark.parametrize("name", MODELS)
def test_values_plus_base_are_the_models_log_odds(fitted, explanations, name):
    model, frame = fitted[name]
    exp = explanations[name]
    assert isinstance(exp, shap.Explanation)
    assert exp.values.shape == (len(frame), len(model.features_))
    total = exp.values.sum(axis=1) + exp.base_values
    np.testing.assert_allclose(total, model.predict_logit(frame), rtol=0, atol=1e-9)
    assert additivity_gap(exp, model, frame) < 1e-9
    assert np.unique(exp.base_values).size == 1  # one base for every row


@pytest.mark.parametrize("name", MODELS)
def test_data_are_design_values_and_names_come_from_the_registry(fitted, explanations, name):
    model, frame = fitted[name]
    exp = explanations[name]
    assert exp.data.dtype == float and exp.data.shape == exp.values.shape
    registry = model.registry_
    assert exp.feature_names == [registry[n].label("en") for n in model.features_]
    for j, feature in enumerate(model.features_):
        if registry[feature].is_categorical:  # codes on the model's own levels
            levels = model.levels_[feature]
            codes = exp.data[:, j]
            decoded = [levels[int(c)] for c in codes[np.isfinite(codes)]]
            assert decoded == list(frame[feature].dropna().astype(str))
        else:
            np.testing.assert_array_equal(exp.data[:, j], frame[feature].to_numpy(dtype=float))
    assert exp.display_data.shape == exp.values.shape
    assert all(isinstance(v, str) and v for v in exp.display_data.ravel())


def test_lgbm_contributions_of_the_fast_and_native_engines_agree(fitted):
    model, frame = fitted["lgbm"]
    fast, native = to_shap(model, frame, engine="fast"), to_shap(model, frame, engine="native")
    np.testing.assert_allclose(fast.values, native.values, rtol=0, atol=1e-9)


def test_scorecard_reference_moves_the_base_not_the_total(fitted):
    model, frame = fitted["scorecard"]
    mean, best = to_shap(model, frame), to_shap(model, frame, reference="best")
    assert mean.base_values[0] != pytest.approx(best.base_values[0])
    np.testing.assert_allclose(mean.values.sum(1) + mean.base_values,
                               best.values.sum(1) + best.base_values, atol=1e-9)
    assert (best.values >= -1e-12).all()  # against the best bin a feature can only add risk


def test_chinese_names_and_readable_values_with_units(fitted):
    model, frame = fitted["lgbm"]
    exp = to_shap(model, frame.head(3), lang="zh")
    assert exp.feature_names == [F.get(n).label_zh for n in model.features_]
    assert display_value("monthly_income", 7500.0) == "7,500 CNY/month"
    assert display_value("monthly_income", 7500.0, "zh") == "7,500 元/月"
    assert display_value("income_volatility", 0.4) == "40%"
    assert display_value("city_tier", 2, "zh") == "2线"
    assert display_value("occupation", "internet_industry", "zh") == "互联网行业"
    assert display_value("has_housing_fund", 0) == "no"
    assert display_value("credit_utilization", np.nan) == "none"
    assert display_value("credit_utilization", np.nan, sentence=True) == "No credit card on record"
    with pytest.raises(riskkit.core.errors.ConfigError, match="lang"):
        to_shap(model, frame.head(3), lang="fr")


def test_byod_names_are_the_users_own(explanations, byod_model):
    model, _ = byod_model
    names = explanations["byod"].feature_names
    assert len(names) == len(model.features_) and "月收入" in " ".join(names)


def test_design_values_reject_a_frame_without_the_features(fitted):
    model, frame = fitted["lgbm"]
    with pytest.raises(riskkit.core.errors.DataError, match="missing model feature"):
        design_values(model, frame.drop(columns=["monthly_income"]))


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # byod: Chinese column names
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", MODELS)
def test_each_shap_plot_renders_restyled_to_a_file(explanations, name, kind, tmp_path):
    before = plt.get_fignums()
    with charts.style_context("report"):
        fig = charts.plot_shap(explanations[name], kind)
        charts.add_source_line(fig, "riskkit · test")
        paths = charts.export(fig, f"shap_{kind}", tmp_path, formats=("png",), dpi=100)
    assert plt.get_fignums() == before, "a shap figure was left in pyplot's registry"
    assert paths[0].read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert paths[0].stat().st_size > 5_000  # a drawn chart, not an empty canvas
    assert fig.get_size_inches()[0] == pytest.approx(6.3)  # the report width, not shap's 8 in
    assert any(ax.get_title(loc="left") for ax in fig.axes)


def _facecolours(fig) -> set[str]:
    return {mcolors.to_hex(p.get_facecolor()) for p in fig.findobj(Patch)
            if p.get_visible() and p.get_facecolor()[3] > 0}


def test_raises_risk_is_riskkits_colour_and_shaps_red_is_gone(explanations):
    from shap.plots import colors as shap_colors

    exp = explanations["lgbm"]
    row = int(np.argmax((exp.values > 0).sum(axis=1)))  # an applicant with risk-raising bars
    with charts.style_context("report"):
        fig = charts.plot_shap(exp, "waterfall", row=row)
    faces = _facecolours(fig)
    assert charts.RISK_UP in faces and charts.RISK_DOWN in faces
    assert mcolors.to_hex(shap_colors.red_rgb) not in faces
    assert mcolors.to_hex(shap_colors.blue_rgb) not in faces


def test_scatter_of_a_number_has_a_numeric_axis_and_a_category_its_levels(explanations):
    exp = explanations["lgbm"]
    with charts.style_context("report"):
        numeric = charts.plot_shap(exp, "scatter", feature="Monthly income (CNY)")
        category = charts.plot_shap(exp, "scatter", feature="Occupation")
    numeric_ticks = [t.get_text() for t in numeric.axes[0].get_xticklabels()]
    category_ticks = {t.get_text() for t in category.axes[0].get_xticklabels()}
    assert len(numeric_ticks) < 15
    assert category_ticks & {"internet industry", "freelancer", "state-owned employer"}
    with pytest.raises(ValueError, match="not in the explanation"):
        charts.plot_shap(exp, "scatter", feature="no such feature")
    with pytest.raises(ValueError, match="unknown shap plot"):
        charts.plot_shap(exp, "violin")


def test_export_shap_writes_every_format(explanations, tmp_path):
    with charts.style_context("report"):
        paths = charts.export_shap(explanations["lgbm"], "bar", "shap_bar", tmp_path,
                                   source="riskkit · test")
    assert sorted(p.name for p in paths) == ["shap_bar.pdf", "shap_bar.png", "shap_bar.svg"]


def test_the_figure_stage_draws_a_beeswarm_per_fitted_model(fitted):
    models = {name: fitted[name][0] for name in ("oracle", "scorecard", "lgbm")}
    with charts.style_context("report"):
        figs = shap_beeswarms(models, fitted["lgbm"][1], seed=1, rows=100)
    assert set(figs) == {"shap_beeswarm_scorecard", "shap_beeswarm_lgbm"}
    dots = [c for c in figs["shap_beeswarm_lgbm"].axes[0].collections if c.get_offsets().size]
    # one dot per sampled applicant in each of the ten rows (nine features, "the other ten")
    assert sum(len(c.get_offsets()) for c in dots) == 100 * 10


def test_same_explanation_same_figure_and_the_callers_random_state_is_kept(explanations):
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    with charts.style_context("report"):
        a, b = (charts.plot_shap(explanations["lgbm"], "beeswarm") for _ in range(2))
    assert np.random.random() == expected
    for ca, cb in zip(a.axes[0].collections, b.axes[0].collections, strict=True):
        np.testing.assert_array_equal(ca.get_offsets(), cb.get_offsets())

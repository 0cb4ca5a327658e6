"""Reject inference: every method fits every model kind, grading uses the truth, runs repeat.

Small populations and module-scoped fixtures keep this file fast; LightGBM learns fast
where the test is about plumbing, not accuracy. The defects of the earlier version have
their own tests (``test_reject_inference_defects.py``), the selection model its textbook
check (``test_reject_inference_heckman.py``) and the grades by the truth theirs
(``test_reject_inference_grades.py``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskkit.core import features as F
from riskkit.core.errors import ConfigError, DataError
from riskkit.core.io import read_json
from riskkit.experiment import config as C
from riskkit.experiment import run_experiment
from riskkit.lifecycle.simulation import default_lender
from riskkit.models import make_model
from riskkit.rejectinf import (
    GRADE_KEYS,
    METHODS,
    MODEL_KINDS,
    IncumbentSpec,
    LogisticModel,
    accepted_sample,
    fit_method,
    grade,
    run_study,
)
from riskkit.rejectinf.loop import retraining_lines, simulate_retraining
from riskkit.synth import World

WEAK = ("monthly_income", "income_volatility", "applications_90d", "overdue_count_24m",
        "max_dpd_24m", "debt_to_income", "credit_history_months")
#: Plumbing, not accuracy: few trees, and a scorecard on few features (binning dominates).
FAST = {"lgbm": {"params": {"learning_rate": 0.2, "min_child_samples": 50}},
        "scorecard": {"features": list(WEAK)}, "logistic": {"C": 0.1}}

BASELINE = World("baseline", 0.04)  # the world these tests draw from


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    return BASELINE.generate(9000, 11)


@pytest.fixture(scope="module")
def sample(population: pd.DataFrame):
    train, valid, test = population.iloc[:5000], population.iloc[5000:6500], population.iloc[6500:]
    spec = IncumbentSpec(model="scorecard", features=WEAK, rows=3000, acceptance_rate=0.5)
    return accepted_sample(train, valid, test, spec, seed=3, world=BASELINE)


def test_the_lender_sees_no_outcome_and_no_truth_for_its_rejects(sample) -> None:
    view = sample.train
    assert 0.45 < view.accepted.mean() < 0.55
    assert (view.y[~view.accepted] == -1).all() and set(view.y[view.accepted]) <= {0, 1}
    assert not [c for c in view.frame.columns if c.startswith("true_") or c == F.TARGET]
    assert "true_pd" in sample.test.columns  # grading keeps the truth


@pytest.fixture(scope="module")
def bases(sample):
    return {kind: fit_method("accepted_only", sample, kind, base=None, seed=3,
                             model_params=FAST[kind]).model
            for kind in MODEL_KINDS}


@pytest.mark.parametrize("method", [m for m in METHODS if m != "accepted_only"])
@pytest.mark.parametrize("kind", ["scorecard", "lgbm"])
def test_every_method_fits_a_model_that_scores_everyone(sample, bases, method, kind) -> None:
    fitted = fit_method(method, sample, kind, base=bases[kind], seed=3,
                        model_params=FAST[kind])
    assert fitted.model.name == kind and fitted.method == method
    p = fitted.model.predict_pd(sample.test)
    assert p.shape == (len(sample.test),) and np.isfinite(p).all() and (p > 0).all()
    n_accepted = int(sample.train.accepted.sum() + sample.valid.accepted.sum())
    if not method.startswith("reweighting"):  # every other method adds (some) rejects
        assert fitted.rows > n_accepted


def test_reweighting_oof_refuses_a_zero_floor(sample) -> None:
    with pytest.raises(ConfigError, match="min_probability"):
        METHODS["reweighting_oof"](sample, None, seed=3, min_probability=0.0)


def test_the_logistic_model_explains_additively_and_saves_as_json(sample, bases,
                                                                   tmp_path: Path) -> None:
    model = bases["logistic"]
    assert isinstance(model, LogisticModel)
    test = sample.test
    contrib = model.contributions(test)
    np.testing.assert_allclose(contrib.sum(axis=1) + model.expected_value(),
                               model.predict_logit(test), atol=1e-10)
    model.save(tmp_path / "m")
    again = LogisticModel.load(tmp_path / "m")
    np.testing.assert_array_equal(again.predict_pd(test), model.predict_pd(test))


def test_sample_weights_change_the_fit_and_none_leaves_it_unchanged(population) -> None:
    tr, va = population.iloc[:4000], population.iloc[4000:6000]
    plain = make_model("scorecard", features=WEAK).fit(tr, tr[F.TARGET], X_valid=va,
                                                        y_valid=va[F.TARGET])
    ones = make_model("scorecard", features=WEAK).fit(tr, tr[F.TARGET], X_valid=va,
                                                      y_valid=va[F.TARGET],
                                                      sample_weight=np.ones(len(tr)),
                                                      valid_sample_weight=np.ones(len(va)))
    np.testing.assert_array_equal(plain.predict_pd(va), ones.predict_pd(va))
    heavy_bads = np.where(tr[F.TARGET] == 1, 5.0, 1.0)
    weighted = make_model("scorecard", features=WEAK).fit(tr, tr[F.TARGET], sample_weight=heavy_bads)
    assert weighted.predict_pd(va).mean() > 2 * plain.predict_pd(va).mean()
    with pytest.raises(DataError, match="sample_weight"):
        make_model("lgbm").fit(tr, tr[F.TARGET], sample_weight=-np.ones(len(tr)))


class _Constant:
    """A 'model' with a known PD per row, to grade against a crafted truth."""

    def __init__(self, p: np.ndarray) -> None:
        self.p = p

    def predict_pd(self, frame: pd.DataFrame) -> np.ndarray:
        return self.p


def test_grading_against_a_crafted_truth() -> None:
    test = pd.DataFrame({F.TARGET: [0, 0, 1, 0, 1, 1, 0, 1],
                         "true_pd": [.1, .1, .1, .1, .5, .5, .5, .5]})
    rejected = np.array([False] * 4 + [True] * 4)
    p = np.array([.05, .05, .2, .05, .1, .1, .1, .3])
    out = grade(_Constant(p), test, rejected, cutoff=0.1)
    assert list(out)[: len(GRADE_KEYS)] == list(GRADE_KEYS)
    assert out["pred_bad_rate_rejects"] == pytest.approx(0.15)
    assert out["true_bad_rate_rejects"] == pytest.approx(0.5)
    assert out["observed_bad_rate_rejects"] == pytest.approx(0.75)
    assert out["reject_bias"] == pytest.approx(-0.35)
    assert out["auc_rejects"] == pytest.approx(2 / 3)  # the one good ties two bads, below one
    assert out["approval_rate"] == pytest.approx(6 / 8)  # p <= 0.1
    assert out["bad_rate_approved"] == pytest.approx(2 / 6)
    assert out["true_bad_rate_approved"] == pytest.approx((0.1 * 3 + 0.5 * 3) / 6)
    with pytest.raises(DataError, match="truth"):
        grade(_Constant(p), test.drop(columns="true_pd"), rejected, 0.1)


SECTION = {"incumbent": {"features": list(WEAK), "rows": 3000}, "models": ["scorecard"],
           "methods": ["accepted_only", "extrapolation"], "fidelity": True}


def test_a_study_grades_every_method_and_beats_accepted_only(population) -> None:
    study = run_study(population.iloc[:5000], population.iloc[5000:6500],
                      population.iloc[6500:], SECTION, seed=3, world=BASELINE,
                      model_params={"scorecard": FAST["scorecard"]})
    metrics = study.metrics()
    assert set(metrics["methods"]) == {"accepted_only", "extrapolation"}
    for entry in metrics["methods"].values():
        assert set(GRADE_KEYS) <= set(entry) and "fidelity_top3" in entry
    assert "full_information" in metrics["reference"]
    acc = metrics["methods"]["accepted_only"]
    ext = metrics["methods"]["extrapolation"]
    assert acc["pred_bad_rate_rejects"] < acc["true_bad_rate_rejects"]  # the selection bias
    assert abs(ext["reject_bias"]) < abs(acc["reject_bias"])
    table = study.table()
    assert list(table["method"]) == ["accepted_only", "extrapolation", "full_information",
                                     "incumbent"]
    assert set(table["selection"]) == {"mar"}


def test_config_section_is_validated_strictly() -> None:
    assert C.resolve({})["reject_inference"]["enabled"] is False
    with pytest.raises(ConfigError, match="unknown method"):
        C.resolve({"reject_inference": {"methods": ["accepted_only", "magic"]}})
    with pytest.raises(ConfigError, match=r"reject_inference\.incumbent.*did you mean 'features'"):
        C.resolve({"reject_inference": {"incumbent": {"featurs": ["age"]}}})
    with pytest.raises(ConfigError, match="acceptance_rate"):
        C.resolve({"reject_inference": {"acceptance_rate": 1.5}})
    with pytest.raises(ConfigError, match=r"reject_inference\.models"):
        C.resolve({"reject_inference": {"models": ["oracle"]}})
    with pytest.raises(ConfigError, match=r"reject_inference\.selection"):
        C.resolve({"reject_inference": {"selection": ["mar", "nmar"]}})
    with pytest.raises(ConfigError, match=r"mnar\.correlation"):
        C.resolve({"reject_inference": {"mnar": {"correlation": 1.5}}})


def test_two_runs_of_the_same_config_are_identical(tmp_path: Path) -> None:
    cfg = C.resolve({"name": "ri", "data": {"rows": 4000, "oot": {"rows": 0}},
                     "features": list(WEAK),
                     "models": {"oracle": {"enabled": False}, "lgbm": {"enabled": False}},
                     "policy": {"model": "scorecard"},
                     "figures": {"formats": ["svg"]},
                     "reject_inference": {**SECTION, "enabled": True, "reference": False,
                                          "fidelity": False}})
    runs = [run_experiment(cfg, tmp_path / name, quiet=True) for name in ("a", "b")]
    metrics = [read_json(r / "metrics.json")["reject_inference"] for r in runs]
    assert metrics[0] == metrics[1]
    tables = [(r / "tables" / "reject_inference.csv").read_bytes() for r in runs]
    assert tables[0] == tables[1]
    assert (runs[0] / "figures" / "reject_inference_bad_rates.svg").exists()


def test_the_retraining_loop_reports_month_by_month() -> None:
    lender = default_lender(BASELINE, 5, rows=4000, model="lgbm")
    panel, by_month = simulate_retraining(1500, 4, 5, 2, "extrapolation", world=BASELINE, model=lender[0],
                                          policy=lender[1])
    assert list(by_month["month"]) == [0, 1, 2, 3]
    for column in ("auc_all", "reject_pd_bias", "approval_rate", "book_true_bad_rate"):
        assert by_month[column].notna().all(), column
    assert list(by_month["retrained"]) == [False, True, False, True]
    # each month's AUC with its 95 % DeLong interval (08's AUC by month swung 0.79-0.86
    # with no interval), and the chart shades it
    assert ((by_month["auc_low"] < by_month["auc_all"]) & (by_month["auc_all"] < by_month["auc_high"])).all()
    assert (by_month["auc_high"] - by_month["auc_low"]).min() > 0.01
    from riskkit.rejectinf.figures import loop_figures

    auc = loop_figures({"never": by_month, "other": by_month})["retrain_auc_all"]
    assert len([c for c in auc.axes[0].collections if len(c.get_paths())]) == 2
    assert list(by_month["model_version"]) == [0, 0, 1, 1]
    assert panel.months == 4
    with pytest.raises(ConfigError, match="unknown method"):
        simulate_retraining(100, 1, 5, 1, "magic", world=BASELINE, model=lender[0], policy=lender[1])


def test_retraining_lines_print_each_variants_mean_and_last_month() -> None:
    """What ``riskkit simulate --retrain-every`` prints, from a summary written out by hand:
    the mean leaves out a month without a figure (None), the last month is the last."""
    rows = {"auc_all": [0.70, 0.80], "reject_pd_bias": [None, 0.02],
            "approval_rate": [0.5, 0.7], "book_true_bad_rate": [0.02, 0.04]}
    summary = {"borrowers": 1500, "months": 2, "retraining": {
        "retrain_every": 1, "variants": ["never", "accepted_only"],
        "by_month": {"never": rows, "accepted_only": {**rows, "reject_pd_bias": [-0.01, -0.03]}}}}
    lines = retraining_lines(summary, "sim")
    assert lines[0] == "1,500 borrowers x 2 months, retraining every 1 months -> sim"
    assert lines[2].split() == ["never", "0.7500", "+0.0200", "60.0%", "3.00%", "last:", "AUC",
                                "0.8000,", "bias", "+0.0200"]
    assert lines[3].split()[:3] == ["accepted_only", "0.7500", "-0.0200"]
    assert lines[3].endswith("bias -0.0300")


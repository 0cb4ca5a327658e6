"""The known good/bad model and its penalty (issue 24), checked against the truth.

* Siddiqi (2006, ch. 6) and Anderson (2007, ch. 10) label the rejects with the *known
  good/bad* model, a logistic regression on the accepted, before the final model of any
  kind is fitted on accepts and inferred rejects; before this change each kind labelled
  with its own accepted-only model (a LightGBM with a LightGBM, which is flat beyond the
  accepted's range). Both tests of it fail on the code before the change.
* The logistic regression is fitted by maximum likelihood when the rows hold at least ten
  events per design column (Peduzzi et al. 1996) and penalised by cross-validation only
  below that: a penalty chosen on the accepted flattens the slopes and pulls the rejects'
  predictions toward the accepted bad rate. The test of it fails on the code before (which
  always cross-validated ``C``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from riskkit.rejectinf import IncumbentSpec, accepted_sample, fit_method, run_studies
from riskkit.rejectinf.augment import TrainingSet
from riskkit.rejectinf.fitting import C_GRID, fit_kind
from riskkit.rejectinf.logistic import LogisticModel
from riskkit.synth import World

BASELINE = World("baseline", 0.04)  # the world these tests draw from
WEAK = ("monthly_income", "income_volatility", "applications_90d", "overdue_count_24m",
        "max_dpd_24m", "debt_to_income", "credit_history_months")
SMALL_LGBM = {"params": {"learning_rate": 0.1, "min_child_samples": 50}}
#: Peduzzi et al. (1996): events per variable from which maximum likelihood is trusted.
EPV = 10


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    return BASELINE.generate(12_000, 11)


@pytest.fixture(scope="module")
def sample(population: pd.DataFrame):
    spec = IncumbentSpec(model="scorecard", features=WEAK, rows=3000, acceptance_rate=0.5)
    return accepted_sample(population.iloc[:7000], population.iloc[7000:9000],
                           population.iloc[9000:], spec, seed=3, world=BASELINE)


def _lender_rejects_true_pd(population: pd.DataFrame, sample) -> np.ndarray:
    parts = ((population.iloc[:7000], sample.train), (population.iloc[7000:9000], sample.valid))
    return np.concatenate([f["true_pd"].to_numpy()[~v.accepted] for f, v in parts])


def _reject_pd(model, sample) -> np.ndarray:
    return np.concatenate([model.predict_pd(v.rejects) for v in (sample.train, sample.valid)])


def test_the_labelling_methods_use_the_same_logistic_labeller_for_every_kind(
        population: pd.DataFrame) -> None:
    section = {"incumbent": {"features": list(WEAK), "rows": 3000}, "fidelity": False,
               "reference": False, "methods": ["accepted_only", "hard_cutoff", "fuzzy"],
               "models": ["scorecard", "lgbm"]}
    study = run_studies(population.iloc[:7000], population.iloc[7000:9000],
                        population.iloc[9000:], section, seed=3, world=BASELINE,
                        model_params={"lgbm": SMALL_LGBM})["mar"]
    cut = [study.info[kind]["hard_cutoff"] for kind in ("scorecard", "lgbm")]
    # one labeller: the same PD threshold splits the rejects whichever kind is fitted after
    assert cut[0]["threshold_pd"] == cut[1]["threshold_pd"]
    assert {c["labeller"] for c in cut} == {"logistic accepted_only"}
    assert study.info["labeller"]["kind"] == "logistic"
    assert study.info["lgbm"]["fuzzy"]["labeller"] == "logistic accepted_only"


def test_the_known_good_bad_model_ranks_the_rejects_better_than_a_tree(population, sample
                                                                      ) -> None:
    # why the labeller is a logistic regression: by the truth, it orders the rejects (whom
    # it never saw) better than the accepted-only LightGBM the lgbm kind used to label with
    true = _lender_rejects_true_pd(population, sample)
    kgb = fit_method("accepted_only", sample, "logistic", base=None, seed=3).model
    tree = fit_method("accepted_only", sample, "lgbm", base=None, seed=3,
                      model_params=SMALL_LGBM).model
    rho_kgb = spearmanr(_reject_pd(kgb, sample), true).statistic
    rho_tree = spearmanr(_reject_pd(tree, sample), true).statistic
    assert rho_kgb > rho_tree + 0.05  # 0.83 against 0.73 at this size
    labelled = fit_method("hard_cutoff", sample, "lgbm", base=tree, seed=3,
                          model_params=SMALL_LGBM)
    direct = fit_method("hard_cutoff", sample, "lgbm", base=tree, seed=3,
                        model_params=SMALL_LGBM, labeller=kgb)
    assert labelled.info["labeller"] == "logistic accepted_only"
    assert labelled.info["threshold_pd"] == direct.info["threshold_pd"]


# ----------------------------------------------------------------------------- the penalty
F3 = ("debt_to_income", "credit_history_months", "applications_90d")  # no missing values


@pytest.fixture(scope="module")
def known_logit() -> tuple[TrainingSet, pd.DataFrame, float]:
    """A truth that *is* a logistic regression in three features, selected on the same
    features (missing at random): the accepted half's outcomes, the rejects, their true
    bad rate."""
    pop = BASELINE.generate(20_000, 11)
    z = (pop[list(F3)] - pop[list(F3)].mean()) / pop[list(F3)].std()
    eta = (-3.6 + 0.9 * z[F3[0]] - 0.7 * z[F3[1]] + 0.6 * z[F3[2]]).to_numpy()
    p = 1.0 / (1.0 + np.exp(-eta))
    y = (np.random.default_rng(5).random(len(p)) < p).astype(np.int64)
    accepted = eta <= np.median(eta)
    data = TrainingSet(pop.loc[accepted].reset_index(drop=True), y[accepted], None,
                       np.arange(int(accepted.sum())))
    return data, pop.loc[~accepted], float(p[~accepted].mean())


def test_enough_events_fit_by_maximum_likelihood_and_reach_the_rejects(known_logit) -> None:
    data, rejects, true_rate = known_logit
    model, info = fit_kind("logistic", data, 3, {"features": F3})
    assert info["C"] is None and info["events_per_variable"] >= EPV
    unpenalised = float(model.predict_pd(rejects).mean())
    shrunk = float(fit_kind("logistic", data, 3, {"features": F3, "C": 0.01})[0]
                   .predict_pd(rejects).mean())
    # the rejects' true bad rate is 10.2 %: maximum likelihood 9.0 %, C = 0.01 1.8 %
    assert abs(unpenalised - true_rate) < 0.2 * true_rate
    assert shrunk < 0.5 * true_rate


def test_too_few_events_keep_the_cross_validated_penalty(known_logit) -> None:
    data, _, _ = known_logit
    few = TrainingSet(data.X.iloc[:1000], data.y[:1000], None, np.arange(1000))
    _, info = fit_kind("logistic", few, 3, {"features": F3})
    assert info["events_per_variable"] < EPV
    assert info["C"] in C_GRID and info["folds"] == 3


def test_an_unpenalised_logistic_model_saves_as_json(known_logit, tmp_path: Path) -> None:
    data, rejects, _ = known_logit
    model = LogisticModel(C=None, features=F3).fit(data.X, data.y)
    model.save(tmp_path / "m")
    again = LogisticModel.load(tmp_path / "m")
    assert again.C is None
    np.testing.assert_array_equal(again.predict_pd(rejects), model.predict_pd(rejects))

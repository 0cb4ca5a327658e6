"""Levers that make reasons true: the EBM as tables, LightGBM's interaction constraints,
reasons by driver group, and waterfalls drawn from the letters' contributions.

Fail on the code before issue 27: there was no ``ebm`` model, no ``interactions`` for
LightGBM, no ``unit`` for reasons, and the waterfall ignored the letters' background.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.experiment import config as C
from riskkit.explain import approved_background, approved_reference, contributions, reason_codes
from riskkit.explain import figures as explain_figures
from riskkit.explain.groups import group_contributions
from riskkit.models import EBMModel, load_model, make_model
from riskkit.models import ebm as ebm_module
from riskkit.policy import Policy
from riskkit.synth import World

ROWS = 9000
BASELINE = World("baseline", 0.04)  # the world these tests draw from


@pytest.fixture(scope="module")
def data() -> dict[str, pd.DataFrame]:
    pop = BASELINE.generate(ROWS, 23)
    return {"train": pop.iloc[:5500], "valid": pop.iloc[5500:7500], "test": pop.iloc[7500:]}


def _fit(model, data):
    train, valid = data["train"], data["valid"]
    return model.fit(train, train[F.TARGET], X_valid=valid, y_valid=valid[F.TARGET])


@pytest.fixture(scope="module")
def ebm_pairs(data, tmp_path_factory) -> tuple[EBMModel, object]:
    """An EBM with pairs within driver groups, and interpret's own fitted object."""
    captured = {}
    original = EBMModel._tables_from

    def keep(self, ebm):
        captured["ebm"] = ebm
        return original(self, ebm)

    mp = pytest.MonkeyPatch()
    mp.setattr(EBMModel, "_tables_from", keep)
    try:
        model = _fit(EBMModel(interactions="groups", outer_bags=2, seed=3), data)
    finally:
        mp.undo()
    return model, captured["ebm"]


def test_ebm_tables_score_as_interpret_does_bit_for_bit(ebm_pairs, data, tmp_path) -> None:
    model, ebm = ebm_pairs
    test = data["test"].copy()
    test.loc[test.index[:7], "monthly_income"] = np.nan  # a missing value takes bin 0
    raw = model.predict_logit(test, raw=True)
    assert np.array_equal(raw, ebm.decision_function(model.interpret_frame(test)))
    # ... and round-trips through JSON without pickle, bit for bit
    model.world_ = BASELINE  # what a run's fit_all sets: the world the data came from
    model.save(tmp_path / "ebm")
    loaded = load_model(tmp_path / "ebm")
    assert isinstance(loaded, EBMModel)
    assert loaded.world_ == BASELINE
    assert np.array_equal(loaded.predict_logit(test, raw=True), raw)
    assert np.array_equal(loaded.predict_pd(test), model.predict_pd(test))
    assert not list((tmp_path / "ebm").glob("*.pkl"))


def test_ebm_groups_pairs_stay_within_a_driver_group(ebm_pairs) -> None:
    model, _ = ebm_pairs
    pairs = [t for t in model.tables()["terms"] if len(t["features"]) == 2]
    assert pairs, "the groups setting fits pairs"
    for term in pairs:
        a, b = (model.features_[j] for j in term["features"])
        assert F.get(a).group == F.get(b).group, (a, b)


def _brute(model: EBMModel, row: pd.DataFrame, background: pd.DataFrame,
           players: list[str]) -> dict[str, float]:
    """Interventional Shapley values of the EBM's raw log-odds by enumeration."""
    n = len(players)

    def value(coalition):
        frame = row.loc[row.index.repeat(len(background))].reset_index(drop=True)
        for name in players:
            if name not in coalition:
                frame[name] = background[name].to_numpy()
        return float(model.predict_logit(frame, raw=True).mean())

    cache = {c: value(c) for k in range(n + 1) for c in itertools.combinations(players, k)}
    phi = {}
    for p in players:
        total = 0.0
        others = [q for q in players if q != p]
        for k in range(n):
            for c in itertools.combinations(others, k):
                with_p = tuple(q for q in players if q in c or q == p)
                total += math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n) * (
                    cache[with_p] - cache[c])
        phi[p] = total
    return phi


def test_ebm_background_contributions_are_exact_shapley_values(ebm_pairs, data) -> None:
    model, _ = ebm_pairs
    model = EBMModel(**{**model.get_params(), "calibrate": False})  # raw log-odds
    model = _fit(model, data)
    bg = data["train"].sample(60, random_state=1)
    rows = data["test"].iloc[[3, 50]]
    contrib, base = model.background_contributions(rows, bg)
    np.testing.assert_allclose(contrib.sum(axis=1) + base, model.predict_logit(rows),
                               rtol=0, atol=1e-10)
    # players: the income-stability group, whose pairs stay within it: no pair partner of a
    # player is held fixed
    players = ["occupation", "income_volatility", "has_housing_fund"]
    for i in range(len(rows)):
        brute = _brute(model, rows.iloc[[i]].reset_index(drop=True), bg, players)
        for p in players:
            assert abs(brute[p] - contrib[p].iloc[i]) < 1e-10, p


def test_lgbm_interaction_constraints(data) -> None:
    def tree_features(model) -> list[set[str]]:
        dump = model.booster_.dump_model()
        out = []
        for tree in dump["tree_info"]:
            seen, stack = set(), [tree["tree_structure"]]
            while stack:
                node = stack.pop()
                if "split_feature" in node:
                    seen.add(model.features_[node["split_feature"]])
                    stack += [node["left_child"], node["right_child"]]
            out.append(seen)
        return out

    params = {"n_estimators": 60, "early_stopping_rounds": None}
    additive = _fit(make_model("lgbm", params=params, interactions="additive", num_threads=1), data)
    assert all(len(t) <= 1 for t in tree_features(additive))
    groups = _fit(make_model("lgbm", params=params, interactions="groups", num_threads=1), data)
    assert all(len({F.get(f).group for f in t}) <= 1 for t in tree_features(groups))
    assert any(len(t) > 1 for t in tree_features(groups)), "within a group, features meet"
    free = _fit(make_model("lgbm", params=params, num_threads=1), data)
    assert any(len({F.get(f).group for f in t}) > 1 for t in tree_features(free))
    with pytest.raises(ConfigError, match="interactions"):
        _fit(make_model("lgbm", params=params, interactions="pairs"), data)


@pytest.fixture(scope="module")
def lgbm_world(data) -> dict:
    model = _fit(make_model("lgbm", num_threads=1), data)
    train, test = data["train"], data["test"]
    policy = Policy().fit(data["valid"], model.predict_pd(data["valid"]))
    background = approved_background(train, policy.decide(train, model.predict_pd(train)),
                                     rows=200, seed=1, features=list(model.features_))
    decisions = policy.decide(test, model.predict_pd(test))
    return {"model": model, "policy": policy, "background": background, "decisions": decisions}


def test_reasons_by_driver_group(lgbm_world, data) -> None:
    model, test, bg = lgbm_world["model"], data["test"], lgbm_world["background"]
    dec = lgbm_world["decisions"]
    reasons = reason_codes(model, None, test, dec, approved_reference(test, dec),
                           background=bg, unit="group")
    contrib, _ = contributions(model, test, background=bg)
    # a feature scored but never cited (city tier) is never a group's reason either
    citable = [f for f in contrib.columns if F.SYNTHETIC[f].citable]
    groups = group_contributions(contrib[citable], F.SYNTHETIC)
    by_id = groups.set_axis(test["applicant_id"].to_numpy())
    for who, letter in list(reasons.groupby("applicant_id"))[:150]:
        row = by_id.loc[who]
        expected = row[row > 0].sort_values(ascending=False, kind="stable").index[:4]
        assert list(letter["group"]) == list(expected)
        np.testing.assert_allclose(letter["contribution"], row[expected], rtol=1e-12)
        # the quoted feature is the group's largest contributor, named after the group
        for rec in letter.itertuples():
            assert F.get(rec.feature).group == rec.group
            assert rec.text_en.split(":")[0].lower() == F.GROUPS[rec.group]["en"]
    with pytest.raises(ConfigError, match=r"explain\.unit"):
        reason_codes(model, None, test, dec, None, unit="sentence")


def test_waterfall_draws_what_the_letter_quotes(lgbm_world, data, monkeypatch) -> None:
    """Issue 24: a run's waterfall and its letter of one applicant must agree."""
    model, bg, dec, test = (lgbm_world["model"], lgbm_world["background"],
                            lgbm_world["decisions"], data["test"])
    drawn = {}
    monkeypatch.setattr(explain_figures, "plot_waterfall",
                        lambda contrib, base, **kw: drawn.setdefault("c", (contrib, base)))
    denied = np.flatnonzero(dec["decision"].to_numpy() == "denied")
    row = test.iloc[[denied[0]]].reset_index(drop=True)
    explain_figures.explanation_figures(model, test, dec, None, {"example": row},
                                        background=bg)
    letter = reason_codes(model, None, row, dec.iloc[[denied[0]]].reset_index(drop=True), None,
                          background=bg)
    bars = drawn["c"][0]
    for rec in letter.itertuples():
        assert bars[rec.feature] == pytest.approx(rec.contribution, abs=1e-12)
    _, base = contributions(model, row, background=bg)
    assert drawn["c"][1] == base


@pytest.mark.parametrize(("override", "message"), [
    ({"models": {"lgbm": {"interactions": "pairs"}}}, "models.lgbm.interactions"),
    ({"models": {"ebm": {"interactions": "all"}}}, "models.ebm.interactions"),
    ({"models": {"ebm": {"outer_bags": 0}}}, "models.ebm.outer_bags"),
    ({"explain": {"unit": "sentence"}}, "explain.unit"),
    ({"models": {"ebm": {"params": {"random_state": 3}}}}, "riskkit sets those"),
    ({"explain": {"stability": {"retrain_seeds": [7]}}}, "other than the run's seed"),
    ({"explain": {"stability": {"retrain_seeds": "8"}}}, "explain.stability.retrain_seeds"),
    ({"explain": {"stability": {"background_redraw": "sometimes"}}}, "background_redraw"),
])
def test_config_names_bad_lever_values(override, message) -> None:
    with pytest.raises(ConfigError, match=message):
        C.resolve(override)


def test_ebm_params_cannot_override_riskkit_keys(data) -> None:
    with pytest.raises(ConfigError, match="random_state"):
        _fit(EBMModel(params={"random_state": 1}), data)
    assert ebm_module.EBM_INTERACTIONS == ("additive", "groups")


def test_ebm_fits_are_deterministic(data) -> None:
    first = _fit(EBMModel(outer_bags=2, seed=4), data)
    second = _fit(EBMModel(outer_bags=2, seed=4), data)
    assert first.tables() == second.tables()
    other = _fit(EBMModel(outer_bags=2, seed=5), data)
    assert other.tables() != first.tables()

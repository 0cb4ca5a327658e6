"""riskkit.validate.stability and grades: PSI/CSI tests, HHI, migration, the master scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.contingency_tables import SquareTable

import riskkit.evaluate as ev
from riskkit.core.errors import ConfigError, DataError
from riskkit.validate import MasterScale, build_scale, csi_test, hhi_test, migration_test, psi_test
from riskkit.validate.stability import bowker, concentration, migration_matrix, psi_p_value


def test_psi_matches_riskkit_evaluate_and_its_test_is_the_chi_square() -> None:
    rng = np.random.default_rng(0)
    dev, cur = rng.normal(size=4000), rng.normal(0.1, 1, 3000)
    result = psi_test(dev, cur)
    assert result.statistic == pytest.approx(ev.psi(dev, cur), abs=1e-12)
    # Yurdakul & Naranjo: PSI / (1/M + 1/N) ~ chi-square with B - 1 degrees of freedom
    assert psi_p_value(0.01, 10, 1000, 1000) == pytest.approx(stats.chi2.sf(5.0, 9))
    assert result.p_value == pytest.approx(
        stats.chi2.sf(result.statistic / (1 / 4000 + 1 / 3000), result.details["bins"] - 1))


def test_psi_test_holds_its_level_on_samples_of_one_population() -> None:
    rng = np.random.default_rng(5)
    p = [psi_test(rng.normal(size=2000), rng.normal(size=2000)).p_value for _ in range(300)]
    assert 0.02 <= np.mean(np.array(p) < 0.05) <= 0.10


def test_a_large_shift_on_a_tiny_sample_is_at_most_yellow() -> None:
    rng = np.random.default_rng(1)
    small = psi_test(rng.normal(size=30), rng.normal(0.8, 1, 30), n_bins=3)
    big = psi_test(rng.normal(size=30_000), rng.normal(0.8, 1, 30_000))
    assert small.statistic >= 0.25 and small.p_value > 0.05 and small.light == "yellow"
    assert big.light == "red"


def test_csi_ranks_the_features_and_names_the_mover() -> None:
    rng = np.random.default_rng(2)
    dev = pd.DataFrame({"a": rng.normal(size=3000), "b": rng.normal(size=3000),
                        "c": rng.choice(["x", "y"], 3000)})
    cur = dev.assign(b=dev["b"] + 0.8)
    result = csi_test(dev, cur, ["a", "b", "c"])
    assert result.details["max_feature"] == "b" and result.light == "red"
    assert result.details["features"][0]["feature"] == "b"
    with pytest.raises(DataError, match="'d' is missing"):
        csi_test(dev, cur, ["d"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 1000), min_size=2, max_size=20).filter(lambda c: sum(c) > 0))
def test_hhi_bounds(counts: list[int]) -> None:
    k = len(counts)
    c = concentration(counts)
    assert 1 / k - 1e-12 <= c["hhi"] <= 1 + 1e-12
    assert -1e-12 <= c["hi"] <= 1 + 1e-12
    assert c["cv"] ** 2 + 1 == pytest.approx(k * c["hhi"])


def test_hhi_ecb_test_by_hand() -> None:
    """Shares 4/6, 2/6 at development and 5/6, 1/6 now, K = 2: CV 1/3 and 2/3, so
    z = (2/3 - 1/3) / sqrt((4/9)(1/2 + 4/9)) = 3 / sqrt(34); HHI now 26/36."""
    result = hhi_test(np.array([1] * 5 + [2]), 2, np.array([1] * 4 + [2] * 2))
    assert result.details["z"] == pytest.approx(3 / np.sqrt(34))
    assert result.statistic == pytest.approx(26 / 36)
    assert result.p_value == pytest.approx(stats.norm.sf(3 / np.sqrt(34)))


def test_the_ecb_hhi_test_rejects_any_change_from_equal_grades() -> None:
    """With development grades of equal size its z is sqrt(K - 1) / sqrt(0.5 + CV^2)."""
    dev = np.repeat(np.arange(1, 11), 100)
    rng = np.random.default_rng(3)
    now = rng.integers(1, 11, 1000)
    result = hhi_test(now, 10, dev)
    cv = result.details["cv"]
    assert result.details["z"] == pytest.approx(3 / np.sqrt(0.5 + cv**2))
    assert result.p_value < 0.001 and result.light == "green"  # the light reads the level


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 8), st.integers(1, 400), st.integers(0, 2**31 - 1))
def test_migration_rows_sum_to_one_and_bowker_is_statsmodels(k: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, k + 1, n)
    b = np.clip(a + rng.integers(-1, 2, n), 1, k)
    result = migration_test(a, b, k)
    shares = np.array(result.details["row_shares"])
    rows = np.array(result.details["counts"]).sum(axis=1)
    np.testing.assert_allclose(shares.sum(axis=1)[rows > 0], 1.0)
    ref = SquareTable(migration_matrix(a, b, k).astype(float), shift_zeros=False).symmetry()
    assert bowker(migration_matrix(a, b, k)) == pytest.approx((ref.statistic, ref.df, ref.pvalue))
    assert result.p_value == pytest.approx(ref.pvalue)
    assert 0 <= result.details["mwb_upper"] <= 1 and 0 <= result.details["mwb_lower"] <= 1


def test_migration_measures_by_hand() -> None:
    """Three grades, ten applicants each; from grade 1 two move to 2 and one to 3, from
    grade 2 one moves to 3: upper MWB = (2*1 + 1*2 + 1*1) / (2*2 + 1*2 + 1*1) = 5/7 (the
    ECB's normaliser: each mover weighted by its row's largest possible distance)."""
    a = np.repeat([1, 2, 3], 10)
    b = np.array([1] * 7 + [2, 2, 3] + [2] * 9 + [3] + [3] * 10)
    r = migration_test(a, b, 3)
    assert r.details["mwb_upper"] == pytest.approx(5 / 7)
    assert r.details["mwb_lower"] == 0.0
    assert r.details["diagonal_share"] == pytest.approx(26 / 30)
    assert r.details["to_riskier"] == pytest.approx(4 / 30)
    same = migration_test(a, a, 3)
    assert same.statistic == 0.0 and same.details["diagonal_share"] == 1.0 and same.p_value == 1.0


def test_master_scale_grades_on_its_boundaries() -> None:
    scale = MasterScale((0.01, 0.05))
    np.testing.assert_array_equal(scale.grade([0.0, 0.01, 0.0100001, 0.05, 0.5, 1.0]),
                                  [1, 1, 2, 2, 3, 3])
    assert scale.n_grades == 3 and scale.ranges()[1] == (0.01, 0.05)
    assert MasterScale.from_dict(scale.to_dict()) == scale
    with pytest.raises(ConfigError, match="increasing"):
        MasterScale((0.05, 0.01))
    with pytest.raises(DataError, match="probabilities"):
        scale.grade([1.5])


def test_quantile_scale_gives_equal_shares_of_the_development_sample() -> None:
    rng = np.random.default_rng(4)
    pd_ = rng.beta(1, 20, 10_000)
    scale = build_scale(pd_, 10)
    shares = np.bincount(scale.grade(pd_), minlength=11)[1:] / pd_.size
    np.testing.assert_allclose(shares, 0.1, atol=0.001)
    assert build_scale(boundaries=[0.02, 0.1]).method == "fixed"
    coarse = build_scale(np.repeat([0.01, 0.02, 0.05], 100), 10)  # ties never straddle
    assert coarse.n_grades <= 3

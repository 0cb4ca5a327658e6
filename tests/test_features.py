"""The registry is the one source of truth: check that it is complete and consistent."""

from __future__ import annotations

import string

import pytest

from riskkit.core import features as F


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_population_column_is_known(population):
    assert list(population.columns) == F.population_columns()


def test_protected_attributes_are_never_model_features():
    assert {"gender", "age"} <= set(F.PROTECTED)
    assert not set(F.PROTECTED) & set(F.MODEL_FEATURES)


@pytest.mark.parametrize("feature", F.FEATURES, ids=lambda f: f.name)
def test_feature_entry_is_complete(feature):
    assert feature.description_en and feature.description_zh
    assert feature.direction in {"increasing", "decreasing", "none"}
    assert feature.kind in {"actionable", "time_decaying", "immutable"}
    assert feature.group in F.GROUPS
    if feature.model_feature:
        assert feature.reason_en and feature.reason_zh
        # English and Chinese reasons quote the same facts
        assert _fields(feature.reason_en) == _fields(feature.reason_zh)
        assert _fields(feature.reason_en) <= {"value", "reference"}
    if feature.is_categorical:
        assert feature.categories and feature.direction == "none"
    if feature.kind == "time_decaying" and feature.dtype == "int" and feature.window_months:
        assert feature.step == 1


def test_monotone_constraints_follow_directions():
    signs = F.monotone_constraints(F.MODEL_FEATURES)
    by_name = dict(zip(F.MODEL_FEATURES, signs, strict=True))
    assert by_name["overdue_count_24m"] == 1
    assert by_name["monthly_income"] == -1
    assert by_name["occupation"] == 0


def test_unknown_feature_error_lists_known_names():
    with pytest.raises(KeyError, match="income_volatility"):
        F.get("income_stabilty")


def test_format_value_handles_missing_and_percentages():
    assert F.get("income_volatility").format_value(0.45) == "45%"
    assert F.get("months_since_last_overdue").format_value(float("nan")) == "none"
    assert F.get("monthly_income").format_value(12345.6) == "12,346"

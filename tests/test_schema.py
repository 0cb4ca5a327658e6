"""Column schemas: inference on messy extracts, population checks, scoring-frame checks."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import riskkit
from riskkit.core.errors import ConfigError, DataError, RiskkitError
from riskkit.core.features import MODEL_FEATURES, TARGET
from riskkit.data.infer import infer_schema
from riskkit.data.schema import OTHER_LEVEL, InferredSchema
from riskkit.data.validate import ScoringWarning, check_scoring_frame, validate_population

N = 200


def base(n: int = N, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "收入": rng.lognormal(8, 0.5, n).round(2),
        "y": rng.integers(0, 2, n),
    })


def notes_of(schema: object) -> str:
    return "\n".join(schema.notes)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- infer_schema


def test_all_missing_column_excluded_with_note() -> None:
    frame = base().assign(空列=["NULL", "", "\\N", None] * (N // 4))
    schema = infer_schema(frame, "y")
    assert "空列" not in schema.frame.columns
    assert schema.columns["空列"].role == "excluded"
    assert f"'空列' excluded: all {N} values missing" in notes_of(schema)


def test_constant_column_excluded_with_note() -> None:
    frame = base().assign(渠道="APP", 版本=3)
    frame.loc[:9, "版本"] = np.nan
    schema = infer_schema(frame, "y")
    assert schema.features == ["收入"]
    assert "'渠道' excluded: constant 'APP' (0 missing)" in notes_of(schema)
    assert "'版本' excluded: constant 3 (10 missing)" in notes_of(schema)


def test_infinities_become_missing_with_note_or_are_rejected() -> None:
    frame = base().assign(负债收入比=np.linspace(0, 2, N))
    frame["负债收入比"] = frame["负债收入比"].astype("str")
    frame.loc[[3, 50], "负债收入比"] = ["inf", "#DIV/0!"]
    schema = infer_schema(frame, "y")
    assert schema.frame["负债收入比"].isna().tolist()[3] and schema.frame["负债收入比"].isna().sum() == 2
    assert "'负债收入比': 2 infinite value(s) at rows 4, 51 treated as missing" in notes_of(schema)
    with pytest.raises(DataError, match=r"'负债收入比': 2 infinite value\(s\) at rows 4, 51") as err:
        infer_schema(frame, "y", infinity="error", source="loans.csv")
    assert str(err.value).startswith("loans.csv: ")


def test_text_in_numeric_column_reports_values_and_rows() -> None:
    frame = base().assign(年龄=np.arange(N).astype(str))
    frame.loc[[4, 120], "年龄"] = ["三十", "40岁"]
    with pytest.raises(DataError) as err:
        infer_schema(frame, "y", source="extract.csv")
    msg = str(err.value)
    assert "extract.csv" in msg and "'年龄'" in msg
    assert "'三十' (row 5)" in msg and "'40岁' (row 121)" in msg and "2 of 200 values" in msg
    schema = infer_schema(frame, "y", missing_values=["三十", "40岁"])  # declared missing: fine
    assert schema.frame["年龄"].isna().sum() == 2


def test_numbers_with_a_few_text_codes_are_an_error_not_categories() -> None:
    income = (np.arange(N) * 13.7).astype(str).astype(object)
    income[::4] = "未知"  # a quarter of rows: too many for the 90 % rule, still not categories
    with pytest.raises(DataError, match=r"'收入2': expected numbers.*'未知' \(row 1\)"):
        infer_schema(base().assign(收入2=income), "y")
    grade = np.array(["1", "2", "3", "A"] * (N // 4))  # numeric codes plus a letter: categories
    schema = infer_schema(base().assign(等级=grade), "y")
    assert list(schema.frame["等级"].cat.categories) == ["1", "2", "3", "A"]


def test_duplicate_names_in_a_frame() -> None:
    frame = pd.concat([base(), base()[["收入"]]], axis=1)
    with pytest.raises(DataError, match="duplicate column names: '收入'"):
        infer_schema(frame, "y")


def test_id_like_columns_excluded_with_note() -> None:
    frame = base().assign(
        申请编号=[f"A{i:05d}" for i in range(N)],  # unique text
        user_id=np.arange(N) * 7 + 1000,  # id by name, not consecutive
        row=np.arange(1, N + 1),  # a row counter
        amount=np.arange(N) * 37 + 11,  # unique integers without an id name: kept
    )
    schema = infer_schema(frame, "y", id_columns=None)
    assert schema.features == ["收入", "amount"]
    notes = notes_of(schema)
    for name in ("申请编号", "user_id", "row"):
        assert f"'{name}' excluded: looks like an identifier" in notes


def test_id_columns_option_and_unknown_names() -> None:
    frame = base().assign(客户=np.arange(N) % 7)
    schema = infer_schema(frame, "y", id_columns=["客户"])
    assert "'客户' excluded: identifier (id_columns)" in notes_of(schema)
    with pytest.raises(DataError, match=r"id_columns names missing column\(s\): '客户号' \(did you mean '客户'\?\)"):
        infer_schema(frame, "y", id_columns=["客户号"])


def test_high_cardinality_grouped_as_other_or_excluded() -> None:
    rng = np.random.default_rng(3)
    common = rng.choice(["北京", "上海", "广州"], N)
    rare = np.array([f"县{i}" for i in range(N)])
    frame = base().assign(城市=np.where(np.arange(N) % 4 == 0, rare, common))
    schema = infer_schema(frame, "y")
    col = schema.frame["城市"]
    assert list(col.cat.categories) == ["上海", "北京", "广州", OTHER_LEVEL]
    assert (col == OTHER_LEVEL).sum() == N // 4
    assert f"'城市': {3 + N // 4} levels; kept the 3 most frequent (75% of values)" in notes_of(schema)
    excluded = infer_schema(frame, "y", high_cardinality="exclude")
    assert "城市" not in excluded.features
    assert f"'城市' excluded: {3 + N // 4} levels" in notes_of(excluded)


def test_dates_converted_to_days_before_reference() -> None:
    dates = pd.date_range("2024-01-01", periods=N, freq="D")
    frame = base().assign(
        申请日期=dates.strftime("%Y/%m/%d"),
        放款日期=dates.strftime("%Y%m%d").astype(int),  # yyyymmdd integers, named as a date
        开户时间=dates.strftime("%Y年%m月%d日"),
    )
    schema = infer_schema(frame, "y")
    days = schema.frame["申请日期"]
    assert days.iloc[-1] == 0 and days.iloc[0] == N - 1
    assert schema.frame["放款日期"].equals(days) and schema.frame["开户时间"].equals(days)
    last = dates[-1].strftime("%Y-%m-%d")
    assert f"'申请日期': dates converted to days before {last} (the latest date in the column)" in notes_of(schema)
    fixed = infer_schema(frame, "y", as_of="2025-01-01")
    assert fixed.frame["申请日期"].iloc[0] == (pd.Timestamp("2025-01-01") - dates[0]).days
    with pytest.raises(ConfigError, match="as_of 'soon'"):
        infer_schema(frame, "y", as_of="soon")


def test_unparseable_dates_are_reported() -> None:
    dates = pd.date_range("2024-01-01", periods=N, freq="D").strftime("%Y-%m-%d").tolist()
    dates[7] = "2024-02-30"
    with pytest.raises(DataError, match=r"'申请日期': expected dates.*'2024-02-30' \(row 8\)"):
        infer_schema(base().assign(申请日期=dates), "y")


def test_sentinels_and_conditional_minus_one() -> None:
    rng = np.random.default_rng(5)
    counts = rng.integers(0, 10, N).astype(float)
    counts[[1, 2]] = -1
    code = rng.choice([-1, 0, 1], N)  # -1 is a real value here
    income = rng.lognormal(8, 0.5, N)
    income[[0, 9]] = [-999, -9999]
    frame = base().assign(次数=counts, 方向=code, 月收入=income)
    schema = infer_schema(frame, "y")
    assert schema.frame["次数"].isna().sum() == 2 and schema.frame["月收入"].isna().sum() == 2
    assert schema.frame["方向"].isna().sum() == 0
    notes = notes_of(schema)
    assert "'月收入': special values treated as missing: -9999 (1 rows), -999 (1 rows)" in notes
    assert "'次数': special values treated as missing: -1 (2 rows)" in notes
    plain = infer_schema(frame, "y", sentinels=[], conditional_sentinels=[])
    assert plain.frame[["次数", "月收入"]].isna().sum().sum() == 0


def test_numeric_text_with_thousands_and_percent() -> None:
    frame = base(4).assign(金额=["1,234.5", "12", "１,０００", "-3,000"], 比例=["12.5%", "3%", "100%", "0%"])
    frame = pd.concat([frame] * 10, ignore_index=True)
    schema = infer_schema(frame, "y")
    assert schema.frame["金额"].iloc[:4].tolist() == [1234.5, 12.0, 1000.0, -3000.0]
    assert schema.frame["比例"].iloc[:4].tolist() == [0.125, 0.03, 1.0, 0.0]
    assert "percent signs removed" in notes_of(schema)


def test_unknown_schema_option() -> None:
    with pytest.raises(ConfigError, match="unknown option"):
        infer_schema(base(), "y", max_level=3)
    with pytest.raises(ConfigError, match="infinity must be"):
        infer_schema(base(), "y", infinity="zero")


def test_transform_repeats_training_cleaning_on_new_data() -> None:
    dates = pd.date_range("2024-01-01", periods=N, freq="D")
    rng = np.random.default_rng(9)
    train = base().assign(
        日期=dates.strftime("%Y-%m-%d"),
        城市=np.where(np.arange(N) % 4 == 0, [f"县{i}" for i in range(N)], rng.choice(["北京", "上海"], N)),
        逾期=np.where(np.arange(N) % 10 == 0, -999, np.arange(N) % 5),
    )
    schema = infer_schema(train, "y")
    again = schema.transform(train)
    pd.testing.assert_frame_equal(again, schema.frame)
    new = pd.DataFrame({
        "日期": ["2024-12-31", "2023-12-31"], "城市": ["北京", "新县"], "逾期": [-999, 3],
        "收入": ["1,000", "2000"], "多余": [1, 2],
    })
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # grouped columns send unseen levels to "other": no warning
        out = schema.transform(new, source="new.csv")
    last = (dates[-1] - pd.Timestamp("2024-12-31")).days
    assert out["日期"].tolist() == [last, last + 366]  # training reference date, not the new max
    assert out["城市"].tolist() == ["北京", OTHER_LEVEL]
    assert np.isnan(out["逾期"].iloc[0]) and out["收入"].tolist() == [1000.0, 2000.0]
    assert any("'多余'" in n for n in out.attrs["notes"])
    with pytest.raises(DataError, match=r"new.csv: missing column\(s\): '收入'"):
        schema.transform(new.drop(columns="收入"), source="new.csv")
    saved = InferredSchema.from_dict(json.loads(json.dumps(schema.to_dict(), ensure_ascii=False)))
    assert saved.features == schema.features and len(saved.frame) == 0
    pd.testing.assert_frame_equal(saved.transform(new), out)


# --------------------------------------------------------------------------- population


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    return riskkit.generate(rows=400, seed=5)


def test_generated_population_is_valid(population: pd.DataFrame) -> None:
    validate_population(population)


def test_population_problems_all_listed(population: pd.DataFrame) -> None:
    bad = population.drop(columns=["debt_to_income"]).copy()
    bad["occupation"] = bad["occupation"].astype("str")
    bad.loc[3, "occupation"] = "astronaut"
    bad.loc[5, "city_tier"] = 9
    bad["applications_30d"] = bad["applications_30d"].astype("float64")
    bad.loc[7, "applications_30d"] = 1.5
    bad.loc[8, "monthly_income"] = -10.0
    bad.loc[9, TARGET] = 2
    with pytest.raises(DataError) as err:
        validate_population(bad, source="pop.parquet")
    problems = err.value.problems
    assert err.value.source == "pop.parquet"
    expected = [
        "missing column(s): 'debt_to_income'",
        "'occupation': unknown categories 'astronaut' (row 4)",
        "'city_tier': 1 values above 4: 9 (row 6)",
        "'applications_30d': expected whole numbers, found 1.5 (row 8)",
        "'monthly_income': 1 values below 0: -10 (row 9)",
        f"'{TARGET}': expected 0 or 1, found 2 (row 10)",
    ]
    for text in expected:
        assert any(text in p for p in problems), (text, problems)


def test_population_text_where_numbers_expected(population: pd.DataFrame) -> None:
    bad = population.assign(loans_12m=population["loans_12m"].astype("str"))
    with pytest.raises(DataError, match="'loans_12m': expected numbers, found dtype str"):
        validate_population(bad, required=list(MODEL_FEATURES))


# --------------------------------------------------------------------------- scoring frames

SPEC = {
    "feature_names": ["income", "city", "apps"],
    "categorical_levels": {"city": ["北京", "上海"]},
    "numeric": ["income", "apps"],
}


def scoring() -> pd.DataFrame:
    return pd.DataFrame({
        "apps": [1, 2, 3],
        "city": ["上海", "北京", "上海"],
        "income": [1000.0, 2000.0, 3000.0],
        "applicant": ["a", "b", "c"],
    }, index=[10, 11, 12])


def test_scoring_frame_ordered_coerced_and_extra_noted() -> None:
    out = check_scoring_frame(scoring(), **SPEC)
    assert list(out.columns) == SPEC["feature_names"] and list(out.index) == [10, 11, 12]
    assert out["apps"].dtype == "float64"
    assert isinstance(out["city"].dtype, pd.CategoricalDtype)
    assert list(out["city"].cat.categories) == ["北京", "上海"]
    assert out.attrs["notes"] == ["ignored 1 column(s) the model does not use: 'applicant'"]


def test_scoring_frame_missing_column_named() -> None:
    with pytest.raises(DataError, match=r"score.csv: missing column\(s\): 'income'"):
        check_scoring_frame(scoring().drop(columns="income"), source="score.csv", **SPEC)


def test_scoring_frame_unseen_category_becomes_missing_with_note() -> None:
    frame = scoring()
    frame.loc[11, "city"] = "深圳"
    with pytest.warns(ScoringWarning, match="'深圳' \\(1 rows\\)"):
        out = check_scoring_frame(frame, **SPEC)
    assert out["city"].isna().tolist() == [False, True, False]
    assert any("unseen in training set to missing" in n for n in out.attrs["notes"])


def test_scoring_frame_text_in_numeric_shows_values() -> None:
    frame = scoring().astype({"income": "str"})
    frame.loc[12, "income"] = "三千"
    with pytest.raises(DataError, match=r"'income': expected numbers.*'三千' \(row 3\)"):
        check_scoring_frame(frame, **SPEC)
    frame.loc[12, "income"] = "3,000"  # numbers written as text are parsed as in training
    assert check_scoring_frame(frame, **SPEC)["income"].tolist() == [1000.0, 2000.0, 3000.0]


def test_scoring_frame_keeps_non_text_training_levels() -> None:
    frame = pd.DataFrame({"tier": ["1", "3", 2.0]})
    out = check_scoring_frame(frame, ["tier"], {"tier": [1, 2, 3]}, [])
    assert list(out["tier"].cat.categories) == [1, 2, 3] and out["tier"].tolist() == [1, 3, 2]


def test_scoring_spec_must_cover_every_feature() -> None:
    with pytest.raises(RiskkitError, match="'apps' neither numeric nor categorical"):
        check_scoring_frame(scoring(), ["income", "apps"], {}, ["income"])

"""Bring-your-own-data: every way a real extract goes wrong gets a message naming the
file, the column and the value; every way it is merely messy gets cleaned with a note."""

from __future__ import annotations

import string
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskkit.core.errors import ConfigError, DataError
from riskkit.core.features import Feature
from riskkit.data.ingest import (
    infer_schema,
    load_dataset,
    map_target,
    read_table,
    registry_for,
    safe_name,
    safe_names,
)
from riskkit.data.read import DELIMITERS


def applicants(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """A small extract with a real signal: low income and many applications raise risk."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(8.5, 0.5, n)
    apps = rng.poisson(2, n)
    logit = -1.0 - 1.5 * (np.log(income) - 8.5) + 0.6 * (apps - 2)
    bad = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({
        "客户编号": [f"C{i:06d}" for i in range(n)],
        "月收入": income.round(2),
        "近30天申请次数": apps,
        "城市": rng.choice(["北京", "上海", "广州", "成都"], n),
        "噪声": rng.normal(size=n),
        "违约标志": np.where(bad, "违约", "正常"),
    })


def write_csv(path: Path, frame: pd.DataFrame, sep: str = ",", encoding: str = "utf-8") -> Path:
    frame.to_csv(path, sep=sep, index=False, encoding=encoding)
    return path


# --------------------------------------------------------------------------- files


def test_missing_file_names_the_file_and_similar_ones(tmp_path: Path) -> None:
    (tmp_path / "loans.csv").write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="file not found") as err:
        read_table(tmp_path / "loan.csv")
    assert "loan.csv" in str(err.value) and "loans.csv" in str(err.value)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(DataError, match=r"empty \(0 bytes\)") as err:
        read_table(path)
    assert err.value.source == str(path)


def test_header_only_lists_the_header(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("月收入,违约标志\n", encoding="utf-8")
    with pytest.raises(DataError, match="header only") as err:
        read_table(path)
    assert "月收入" in str(err.value) and str(path) in str(err.value)


@pytest.mark.parametrize("content", [b"this is not parquet", "truncate"])
def test_unreadable_parquet(tmp_path: Path, content: bytes | str) -> None:
    path = tmp_path / "data.parquet"
    if content == "truncate":
        pd.DataFrame({"a": range(100)}).to_parquet(path)
        path.write_bytes(path.read_bytes()[:60])
    else:
        path.write_bytes(content)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="cannot read as Parquet") as err:
        read_table(path)
    assert str(path) in str(err.value)


def test_parquet_round_trip_keeps_chinese_names(tmp_path: Path) -> None:
    frame = applicants(50)
    frame.to_parquet(tmp_path / "x.parquet")
    back = read_table(tmp_path / "x.parquet")
    pd.testing.assert_frame_equal(back, frame)
    # content sniffing: Parquet bytes under another name are still Parquet
    (tmp_path / "x.dat").write_bytes((tmp_path / "x.parquet").read_bytes())
    pd.testing.assert_frame_equal(read_table(tmp_path / "x.dat"), frame)


def test_excel_workbook_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(DataError, match="Excel"):
        read_table(path)


def test_duplicate_column_names_detected_on_the_raw_header(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("收入,年龄,收入,x.1\n1,2,3,4\n", encoding="utf-8")
    with pytest.raises(DataError, match="duplicate column names") as err:
        read_table(path)
    assert "'收入' (columns 1, 3)" in str(err.value)
    assert "'x.1'" not in str(err.value)


def test_rows_with_too_many_fields_give_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("a,b\n1,2\n3,4\n1,234,5\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"line 4: 3 fields"):
        read_table(path)


def test_gbk_semicolon_chinese_columns(tmp_path: Path) -> None:
    frame = applicants(80)
    path = write_csv(tmp_path / "gbk.csv", frame, sep=";", encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    back = read_table(path)
    assert back.attrs["riskkit_read"].items() >= {"format": "text", "encoding": "gb18030", "delimiter": ";"}.items()
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)


def test_utf8_bom_and_tab_and_pipe(tmp_path: Path) -> None:
    frame = applicants(30)
    for sep in ("\t", "|"):
        path = write_csv(tmp_path / "f.txt", frame, sep=sep, encoding="utf-8-sig")
        back = read_table(path)
        assert list(back.columns) == list(frame.columns)  # no BOM glued to the first name
        pd.testing.assert_frame_equal(back, frame, check_dtype=False)


def test_forced_encoding_that_does_not_fit_names_encoding_and_offset(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("id,城市\n1,北京\n".encode("gbk"))
    with pytest.raises(DataError) as err:
        read_table(path, encoding="utf-8")
    msg = str(err.value)
    assert "utf-8" in msg and "offset 3" in msg and "line 1" in msg and "--encoding gb18030" in msg
    assert read_table(path, encoding="gbk")["城市"].tolist() == ["北京"]


def test_bad_encoding_and_delimiter_options(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", applicants(5))
    with pytest.raises(ConfigError, match="unknown encoding 'klingon'"):
        read_table(path, encoding="klingon")
    with pytest.raises(ConfigError, match="one character"):
        read_table(path, delimiter=";;")
    tab = write_csv(tmp_path / "b.csv", applicants(5), sep="\t")
    assert read_table(tab, delimiter="\\t").shape == (5, 6)


def test_missing_tokens_codes_and_whitespace(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "code,amount,note\n007, 12 ,NULL\n012,\\N, x \n013,-,N/A\n", encoding="utf-8"
    )
    back = read_table(path)
    assert back["code"].tolist() == ["007", "012", "013"]  # leading zeros kept: a code
    assert back["amount"].dtype == "float64" and back["amount"].isna().sum() == 2
    assert back["note"].isna().tolist() == [True, False, True] and back["note"][1] == "x"


def test_western_and_utf16_files_are_detected_with_a_note(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    cities = ["Zürich", "São Paulo", "Crème", "Genève", "Besançon", "Québec"]
    frame = pd.DataFrame({"ville": rng.choice(cities, 120), "défaut": rng.integers(0, 2, 120)})
    back = read_table(write_csv(tmp_path / "latin.csv", frame, sep=";", encoding="cp1252"))
    pd.testing.assert_frame_equal(back, frame)
    assert "encoding guessed as cp1252" in " ".join(back.attrs["notes"])
    utf16 = read_table(write_csv(tmp_path / "u16.csv", applicants(20), encoding="utf-16"))
    pd.testing.assert_frame_equal(utf16, applicants(20), check_dtype=False)


def test_unnamed_columns_and_short_rows_are_noted(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("a,b,\n1,2,3\n4\n5,6,7\n", encoding="utf-8")
    back = read_table(path)
    assert list(back.columns) == ["a", "b", "column_3"]
    assert back["b"].isna().tolist() == [False, True, False]
    notes = " ".join(back.attrs["notes"])
    assert "column 3 has no name" in notes and "1 rows have fewer fields than the header (lines 3)" in notes


def test_wrong_forced_delimiter_hints_at_it(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "semi.csv", applicants(40), sep=";")
    with pytest.raises(DataError, match="wrong delimiter"):
        load_dataset(path, "违约标志", delimiter=",")


ALPHABET = string.ascii_letters + string.digits + " _-.,;|\t\"'" + "北京上海收入年龄违约正常客户编号城市职业"
NAME = st.text(alphabet=string.ascii_letters + "收入年龄城市职业_", min_size=1, max_size=6)
TEXT = st.text(alphabet=ALPHABET, min_size=0, max_size=8).map(lambda s: "x" + s.strip() + "y")
FLOAT = st.floats(allow_nan=False, allow_infinity=False, width=64) | st.none()
INT = st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1)  # longer: an ID, kept as text


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(min_value=1, max_value=8))
    names = draw(st.lists(NAME, min_size=1, max_size=4, unique=True))
    data = {"违约客户": draw(st.lists(TEXT, min_size=n, max_size=n))}
    for name in names:
        kind = draw(st.sampled_from(["int", "float", "text"]))
        strategy = {"int": INT, "float": FLOAT, "text": TEXT}[kind]
        data[name] = draw(st.lists(strategy, min_size=n, max_size=n))
    frame = pd.DataFrame(data)
    return frame.astype({c: "float64" for c in frame.columns if frame[c].isna().all()})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=frames(), encoding=st.sampled_from(["utf-8", "gb18030"]), sep=st.sampled_from(DELIMITERS))
def test_any_frame_round_trips_through_csv(
    tmp_path: Path, frame: pd.DataFrame, encoding: str, sep: str
) -> None:
    """Encoding and delimiter are detected; the first column's Chinese name is what a
    Chinese extract always has, and what makes GB18030 bytes invalid UTF-8."""
    path = write_csv(tmp_path / "round.csv", frame, sep=sep, encoding=encoding)
    back = read_table(path)
    assert back.attrs["riskkit_read"]["encoding"] == encoding
    pd.testing.assert_frame_equal(back, frame, check_dtype=False, rtol=1e-12, atol=0)


# --------------------------------------------------------------------------- target


@pytest.mark.parametrize(
    ("values", "bad"),
    [
        (["Y", "N", "n", "y"], "y"),  # spellings of one known pair merge
        ([1, 0, 0, 1], "1"),
        ([1.0, 0.0, 0.0, 1.0], "1"),
        ([True, False, False, True], "true"),
        (["yes", "no", "no", "yes"], "yes"),
        (["是", "否", "否", "是"], "是"),
        (["bad", "good", "good", "bad"], "bad"),
        (["违约", "正常", "正常", "违约"], "违约"),
    ],
)
def test_known_target_codings(values: list[object], bad: str) -> None:
    y, mapping = map_target(pd.Series(values, name="target"))
    assert y.dtype == np.int8 and y.tolist() == [1, 0, 0, 1]
    assert mapping[bad] == 1


def test_y_n_target_mapped() -> None:
    y, mapping = map_target(pd.Series(["Y", "N", "N", "Y", "N"], name="是否违约"))
    assert y.tolist() == [1, 0, 0, 1, 0] and mapping == {"Y": 1, "N": 0}


def test_two_unknown_labels_need_bad_label() -> None:
    s = pd.Series(["A类", "B类", "B类", "A类"], name="结果")
    with pytest.raises(DataError) as err:
        map_target(s)
    msg = str(err.value)
    assert "'结果'" in msg and "'A类' (2 rows)" in msg and "--bad-label 'A类' or --bad-label 'B类'" in msg
    y, mapping = map_target(s, bad_label="B类")
    assert y.tolist() == [0, 1, 1, 0] and mapping == {"B类": 1, "A类": 0}
    with pytest.raises(DataError, match="'C类' is not one of them"):
        map_target(s, bad_label="C类")


def test_bad_label_numeric_spelling() -> None:
    y, _ = map_target(pd.Series([2, 1, 1, 2], name="flag"), bad_label="2.0")
    assert y.tolist() == [1, 0, 0, 1]


def test_target_one_class_only() -> None:
    with pytest.raises(DataError, match=r"'y' has one class only: '0' \(3 rows\)"):
        map_target(pd.Series([0, 0, 0], name="y"))


def test_target_more_than_two_classes_lists_them() -> None:
    with pytest.raises(DataError, match="3 classes") as err:
        map_target(pd.Series(["M0", "M1", "M2", "M1"], name="逾期阶段"))
    assert "'M0' (1 rows)" in str(err.value) and "'M2'" in str(err.value)


def test_target_missing_values_give_rows() -> None:
    with pytest.raises(DataError, match=r"2 missing values at rows 2, 4"):
        map_target(pd.Series(["Y", None, "N", "NULL"], name="bad"))


def test_missing_target_column_suggests_close_names(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", applicants(40))
    with pytest.raises(DataError, match="target column '违约标识' not found; did you mean '违约标志'") as err:
        load_dataset(path, "违约标识")
    assert str(path) in str(err.value)


# --------------------------------------------------------------------------- dataset


def test_load_dataset_end_to_end(tmp_path: Path) -> None:
    frame = applicants(600)
    frame["月收入"] = [f"{v:,.2f}" for v in frame["月收入"]]  # thousands separators
    frame.loc[[5, 9], "近30天申请次数"] = -999
    path = write_csv(tmp_path / "extract.csv", frame, sep=";", encoding="gb18030")
    ds = load_dataset(path, "违约标志")
    assert list(ds.frame.columns) == ["月收入", "近30天申请次数", "城市", "噪声"]
    assert ds.y.dtype == np.int8 and ds.y.tolist() == (frame["违约标志"] == "违约").astype(int).tolist()
    assert ds.target_mapping == {"违约": 1, "正常": 0}
    assert ds.frame["近30天申请次数"].isna().tolist()[5] and ds.frame["近30天申请次数"].isna().sum() == 2
    assert ds.frame["月收入"].iloc[0] == pytest.approx(float(frame["月收入"][0].replace(",", "")))
    notes = "\n".join(ds.notes)
    assert "'客户编号' excluded: looks like an identifier" in notes
    assert "-999 (2 rows)" in notes and "thousands separators" in notes and "gb18030" in notes
    reg = ds.registry
    assert reg["月收入"].direction == "decreasing" and reg["近30天申请次数"].direction == "increasing"
    assert reg["噪声"].direction == "none" and reg["城市"].direction == "none"
    assert reg["城市"].categories == ("上海", "北京", "广州", "成都")
    assert all(isinstance(f, Feature) and f.group == "data" and f.kind == "actionable" for f in reg.values())
    assert reg["月收入"].reason_zh.format(value="3,000", reference="8,000") == (
        "月收入为3,000；获批申请人的中位数为8,000"
    )


def test_load_dataset_reports_every_problem_at_once(tmp_path: Path) -> None:
    path = tmp_path / "messy.csv"
    rows = ["id,收入,收入,年龄,状态"] + [f"{i},{i},{i},{20 + i % 40},A" for i in range(30)]
    rows[7] = "6,6,6,未知,A"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_dataset(path, "状态", id_columns=["编号"])
    problems = err.value.problems
    assert err.value.source == str(path)
    assert any("duplicate column names: '收入' (columns 2, 3)" in p for p in problems)
    assert any("'年龄'" in p and "'未知' (row 7)" in p for p in problems)
    assert any("one class only" in p for p in problems)
    assert any("id_columns names missing column(s): '编号'" in p for p in problems)


def test_unknown_option_is_a_config_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", applicants(40))
    with pytest.raises(ConfigError, match=r"unknown option.*colour"):
        load_dataset(path, "违约标志", colour="red")


def test_overrides_of_kind_and_direction(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", applicants(300))
    ds = load_dataset(
        path, "违约标志", kinds={"城市": "immutable"}, directions={"噪声": "increasing"}
    )
    assert ds.registry["城市"].kind == "immutable" and ds.registry["噪声"].direction == "increasing"
    with pytest.raises(DataError, match=r"kinds names '成市'.*did you mean '城市'"):
        load_dataset(path, "违约标志", kinds={"成市": "immutable"})
    with pytest.raises(ConfigError, match="expected one of increasing"):
        registry_for(ds.frame, ds.y, ds.schema, directions={"噪声": "up"})


def test_nothing_left_to_model(tmp_path: Path) -> None:
    path = tmp_path / "thin.csv"
    path.write_text("编号,常数,y\n" + "".join(f"{i},1,{i % 2}\n" for i in range(30)), encoding="utf-8")
    with pytest.raises(DataError, match=r"no usable feature columns.*constant"):
        load_dataset(path, "y")


# --------------------------------------------------------------------------- names


def test_safe_name_maps_what_lightgbm_rejects() -> None:
    assert safe_name('收入{元}: "月", [均值]') == "收入_元____月____均值_"
    assert safe_name("月 收入\t(元)") == "月_收入_(元)"
    assert safe_name("") == "column"
    assert safe_names(["a b", "a_b", "a:b"]) == {"a b": "a_b", "a_b": "a_b_2", "a:b": "a_b_3"}


def test_safe_names_are_accepted_by_lightgbm() -> None:
    originals = ['收入{元}', "a,b", "负债:比", "x y", "x_y", "[c]"]
    mapping = safe_names(originals)
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(60, len(originals))), columns=list(mapping.values()))
    y = (X.iloc[:, 0] > 0).astype(int)
    model = lgb.LGBMClassifier(n_estimators=2, min_child_samples=5, verbose=-1).fit(X, y)
    assert model.booster_.feature_name() == list(mapping.values())


def test_infer_schema_renames_to_safe_names_and_keeps_display_names() -> None:
    frame = pd.DataFrame({"收入:月": np.arange(40) * 1.5, "y": [0, 1] * 20})
    schema = infer_schema(frame, "y")
    assert schema.features == ["收入_月"] and schema.display_names == {"收入_月": "收入:月"}
    assert any("'收入:月' is called '收入_月'" in n for n in schema.notes)

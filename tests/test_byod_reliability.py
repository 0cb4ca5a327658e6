"""Issue 12, the user's-file side: no leakage, no silently wrong answers, honest messages.

Each test here failed on the code before the fix it names (see the lead's note); files are
small and crafted in ``tmp_path`` so the whole module runs in well under a minute.
"""

from __future__ import annotations

import gzip
import logging
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskkit import cli
from riskkit.core import features as F
from riskkit.core.errors import DataError
from riskkit.core.registry import Registry
from riskkit.data.ingest import fit_dataset, read_dataset, spearman_direction
from riskkit.data.read import read_table
from riskkit.data.validate import ScoringWarning, check_scoring_frame
from riskkit.data.values import parse_numbers
from riskkit.experiment import byod
from riskkit.explain.recourse import recourse
from riskkit.models.base import prepare_frame
from riskkit.policy import Policy


def extract(n: int = 1200, seed: int = 5) -> pd.DataFrame:
    """A file with a real signal in ``income`` and ``apps``, and a 3-level category."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(8.5, 0.5, n).round(2)
    apps = rng.poisson(2, n)
    logit = -1.0 - 1.5 * (np.log(income) - 8.5) + 0.6 * (apps - 2)
    bad = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({"income": income, "apps": apps,
                         "segment": rng.choice(["a", "b", "c"], n),
                         "bad": bad.astype(int)})


def write(tmp_path: Path, frame: pd.DataFrame, name: str = "loans.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


# ----------------------------------------------------------------------------- leakage
def test_directions_and_levels_are_learned_from_the_training_rows_only(tmp_path: Path) -> None:
    frame = extract()
    n = len(frame)
    rest = np.arange(n) >= n // 2
    # 'late' tracks the outcome only outside the training rows, 'rare' has a level there only
    frame["late"] = np.where(rest, frame["bad"] * 10 + np.arange(n) % 7, np.arange(n) % 7)
    frame["rare"] = np.where(rest & (np.arange(n) % 50 == 0), "z", np.where(np.arange(n) % 2, "x", "y"))
    raw = read_dataset(write(tmp_path, frame), "bad")
    train = np.flatnonzero(~rest)
    ds = fit_dataset(raw, train)
    assert ds.registry["late"].direction == "none"  # on every row it is strongly 'increasing'
    assert spearman_direction(frame["late"].to_numpy(float), frame["bad"].to_numpy(float))[0] == "increasing"
    assert ds.schema.info("rare").levels == ("x", "y")
    assert ds.frame.loc[rest & (np.arange(n) % 50 == 0), "rare"].isna().all()
    assert any("unseen in training" in note for note in ds.notes)
    # prepare: the registry's rho is the training split's, not the whole file's
    prep = byod.prepare(write(tmp_path, extract()), "bad")
    rows = prep.split["train"]
    x, y = prep.frame["income"].to_numpy(float), prep.frame["default_12m"].to_numpy(float)
    rho_train = spearman_direction(x[rows], y[rows])[1]
    assert prep.registry["income"].extra["spearman_rho"] == f"{rho_train:.4f}"
    assert rho_train != pytest.approx(spearman_direction(x, y)[1], abs=1e-4)


def test_cross_validate_learns_again_in_every_fold(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, extract(1000))
    seen: list[int] = []
    real = byod.fit_dataset

    def spy(data: object, rows: np.ndarray | None = None) -> object:
        seen.append(len(rows) if rows is not None else -1)
        return real(data, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(byod, "fit_dataset", spy)
    cfg = tmp_path / "cv.yaml"
    cfg.write_text("models: {lgbm: {enabled: false}}\npolicy: {model: scorecard}\n", encoding="utf-8")
    out = byod.cross_validate(path, "bad", folds=2, config_path=cfg)
    assert len(seen) == 2 and all(0 < k < 0.6 * 1000 for k in seen)
    assert 0.6 < out["models"]["scorecard"]["auc_mean"] < 0.9


def test_target_copy_is_excluded_as_probable_leakage(tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    frame = extract()
    frame["outcome_copy"] = frame["bad"] * 3 + 1
    frame["status_text"] = np.where(frame["bad"] == 1, "collections", "current")
    with caplog.at_level(logging.INFO, logger="riskkit"):
        prep = byod.prepare(write(tmp_path, frame), "bad")
    assert "outcome_copy" not in prep.registry and "status_text" not in prep.registry
    assert set(prep.dataset.leakage) == {"outcome_copy", "status_text"}
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("'outcome_copy' excluded as probable leakage" in m for m in warned)
    assert any("probable leakage" in n and "status_text" in n for n in prep.notes)


def test_duplicate_rows_are_reported_and_kept_in_one_split(tmp_path: Path) -> None:
    frame = extract(1000)
    frame = pd.concat([frame, frame.iloc[:300]], ignore_index=True)
    prep = byod.prepare(write(tmp_path, frame), "bad")
    assert any("300 rows repeat another row" in w for w in prep.dataset.warnings)
    where = np.empty(len(frame), dtype=object)
    for name, idx in prep.split.items():
        where[idx] = name
    assert (where[:300] == where[1000:]).all()


def test_riskkit_output_columns_are_never_features(tmp_path: Path) -> None:
    import riskkit

    pop = riskkit.generate(rows=1500, seed=3)
    pop["pd_lgbm"] = pop["true_pd"]
    pop["decision"] = np.where(pop["true_pd"] > 0.05, "denied", "approved")
    path = tmp_path / "population.parquet"
    pop.to_parquet(path)
    raw = read_dataset(path, F.TARGET)
    features = raw.structure.features
    assert not [f for f in features if f.startswith("true_") or f in ("pd_lgbm", "decision")]
    assert "monthly_income" in features
    assert any("riskkit itself writes" in w and "true_contrib__" in w for w in raw.warnings)


# ----------------------------------------------------------------------------- messages
@pytest.mark.parametrize("content, words", [
    (b'[{"income": 1, "bad": 0}]', "is JSON, not a table"),
    (b'{"income": [1, 2]}', "is JSON, not a table"),
    (b"\xd0\xcf\x11\xe0" + b"\0" * 64, r"Excel 97-2003 workbook \(\.xls\)"),
])
def test_file_formats_are_named(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=words):
        read_table(path)


def test_xlsx_and_gzip(tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(DataError, match=r"Excel workbook \(\.xlsx\).*CSV UTF-8"):
        read_table(book)
    packed = tmp_path / "loans.csv.gz"
    packed.write_bytes(gzip.compress(b"income,bad\n1,0\n2,1\n"))
    frame = read_table(packed)
    assert frame["income"].tolist() == [1, 2]
    assert "gzip-compressed" in frame.attrs["notes"][0]


def test_no_header_option_and_hint(tmp_path: Path) -> None:
    frame = extract()
    path = tmp_path / "bare.csv"
    frame.to_csv(path, index=False, header=False)
    with pytest.raises(DataError, match=r"looks like data, not a header.*--no-header"):
        read_dataset(path, "bad")
    prep = byod.prepare(path, "column_4", header=False)
    assert set(prep.registry) == {"column_1", "column_2", "column_3"}
    args = cli.build_parser().parse_args(["fit", "--data", str(path), "--target", "column_4",
                                          "--no-header"])
    assert args.header is False


def test_values_beyond_float32_name_the_column(tmp_path: Path) -> None:
    frame = extract()
    frame.loc[7, "income"] = 1e39
    with pytest.raises(DataError, match=r"column 'income': 1 value\(s\) beyond the range.*row 8"):
        byod.prepare(write(tmp_path, frame), "bad")


def test_impossible_values_are_a_visible_warning(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    frame = extract()
    frame["age"] = np.random.default_rng(0).integers(20, 60, len(frame))
    frame.loc[[3, 9, 11], "age"] = [-5, -30, -2]
    with caplog.at_level(logging.WARNING, logger="riskkit"):
        byod.prepare(write(tmp_path, frame), "bad")
    assert any("column 'age': 3 negative values" in r.getMessage() for r in caplog.records)


def test_decimal_commas_currency_and_percent_are_parsed() -> None:
    cases = {
        ("12,5%", "3,25%", "0,5%"): [0.125, 0.0325, 0.005],
        ("¥1,200", "¥35", "1200元"): [1200.0, 35.0, 1200.0],
        ("3.5%", "10%", "0.25%"): [0.035, 0.1, 0.0025],
        ("1.234,5", "12,5", "7"): [1234.5, 12.5, 7.0],
        ("1,234", "5,000.5", "12"): [1234.0, 5000.5, 12.0],
    }
    for texts, expected in cases.items():
        values, bad, _ = parse_numbers(pd.Series(list(texts)), ())
        assert not bad.any(), texts
        assert values.tolist() == pytest.approx(expected), texts


def test_unreadable_numbers_and_dates_are_dropped_with_the_reason_at_the_console(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    frame = extract()
    n = len(frame)
    frame["mixed"] = np.where(np.arange(n) % 2, "1,5", "2.5")
    frame["when"] = [f"{1 + i % 12:02d}/{1 + i % 12:02d}/2024" for i in range(n)]
    with caplog.at_level(logging.INFO, logger="riskkit"):
        prep = byod.prepare(write(tmp_path, frame), "bad")
    assert "mixed" not in prep.registry and "when" not in prep.registry
    warned = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "'mixed' excluded: numbers written with both decimal commas and decimal points" in warned
    assert "'when' excluded" in warned and "YYYY-MM-DD" in warned


def test_decisions_are_logged_and_fonttools_is_silent(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    frame = extract()
    frame["ref"] = np.arange(len(frame))  # a row counter
    cli._setup_logging(False)
    try:
        logging.getLogger("fontTools.subset").info("subsetting glyph 1")
        logging.getLogger("matplotlib.font_manager").info("findfont: ...")
        byod.prepare(write(tmp_path, frame), "bad")
    finally:
        logging.getLogger().handlers.clear()
    err = capsys.readouterr().err
    assert "subsetting glyph" not in err and "findfont" not in err
    assert "'ref' excluded: looks like an identifier" in err
    assert "treated as categorical: segment" in err
    assert "minimum line" in err


# ----------------------------------------------------------------------------- recourse
class _Model:
    """log-odds = x - 5 on a user's feature ``x_data``; ``fixed`` does nothing."""

    features_ = ("x_data", "fixed")

    def predict_pd(self, frame: pd.DataFrame) -> np.ndarray:
        return 1 / (1 + np.exp(-(frame["x_data"].to_numpy(float) - 5)))


def _entry(name: str, kind: str, direction: str) -> F.Feature:
    return F.Feature(name, "int", "", name, name, direction, kind, "data",  # type: ignore[arg-type]
                     "{feature} is {value}", "", step=1.0,
                     extra={"train_min": "0.0", "train_max": "10.0"})


def test_recourse_searches_a_users_own_features_from_their_registry_entries() -> None:
    policy = Policy(cutoff_method="fixed", cutoff=0.1, knockouts=())
    row = pd.DataFrame({"applicant_id": [1], "x_data": [8], "fixed": [3]})
    model = _Model()
    model.registry_ = Registry([_entry("x_data", "actionable", "increasing"),
                                _entry("fixed", "immutable", "none")])
    found = recourse(model, policy, row, truth=None)
    assert found.found and found.verified
    assert [c["feature"] for c in found.changes] == ["x_data"] and found.changes[0]["to"] == 2
    assert found.not_searched == {"fixed": "cannot be changed"}
    model.registry_ = Registry([_entry("x_data", "immutable", "increasing"),
                                _entry("fixed", "actionable", "none")])
    stuck = recourse(model, policy, row, truth=None)
    assert not stuck.found
    assert stuck.reason.startswith("nothing was searched")
    assert "x_data (cannot be changed)" in stuck.reason
    assert "fixed (no known risk direction)" in stuck.reason


# ----------------------------------------------------------------------------- unseen levels
def test_unseen_categories_become_missing_with_a_warning_in_every_path() -> None:
    frame = pd.DataFrame({"grade": ["a", "b", "zz"], "x": [1.0, 2.0, 3.0]})
    levels = {"grade": ["a", "b"]}
    with pytest.warns(ScoringWarning, match=r"'grade': 1 values of categories unseen .*'zz' \(1 rows\)"):
        model_frame = prepare_frame(frame, ("grade", "x"), levels)
    with pytest.warns(ScoringWarning, match="'zz'"):
        checked = check_scoring_frame(frame, ["grade", "x"], levels, ["x"])
    for out in (model_frame, checked):
        assert out["grade"].isna().tolist() == [False, False, True]
        assert list(out["grade"].cat.categories) == ["a", "b"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prepare_frame(frame.iloc[:2], ("grade", "x"), levels)  # nothing unseen: no warning

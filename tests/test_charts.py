"""Tests for riskkit.charts and the shipped style sheets (Agg backend, no display)."""

from __future__ import annotations

import io
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from PIL import Image

from riskkit import charts as ch
from riskkit import evaluate as ev
from riskkit.charts import style
from riskkit.core.errors import RiskkitError
from riskkit.styles import style_path


@pytest.fixture(autouse=True)
def clean_state(monkeypatch: pytest.MonkeyPatch):
    """Each test gets pristine rcParams and warn-once state, and must leave no figure open."""
    monkeypatch.setattr(style, "_warned", False)
    with matplotlib.rc_context():
        yield
    assert plt.get_fignums() == []


@pytest.fixture(scope="module")
def data() -> dict[str, object]:
    rng = np.random.default_rng(11)
    n = 800
    x = rng.normal(size=n)
    p = 1 / (1 + np.exp(-(x - 1.5)))
    y = (rng.random(n) < p).astype(int)
    p2 = np.clip(p + rng.normal(0, 0.05, n), 0.001, 0.999)
    segment = pd.Series(np.where(np.arange(n) < 10, "tiny", np.where(x > 0, "a", "b")), name="tier")
    counts = rng.poisson(3, n).astype(float)
    counts[:20] = np.nan
    grid = np.linspace(0, 10, 15)
    ice = 1 / (1 + np.exp(-(0.3 * grid[None, :] - 3 + rng.normal(0, 1, (50, 1)))))
    return {
        "y": y, "p": p, "p2": p2, "segment": segment, "counts": counts, "grid": grid, "ice": ice,
        "contrib": pd.Series({"monthly_income": -0.4, "applications_30d": 0.9,
                              "overdue_count_24m": 0.5, "debt_to_income": 0.2, "loans_12m": 0.05}),
        "values": pd.Series({"monthly_income": 8200.0, "applications_30d": 6, "overdue_count_24m": 2,
                             "debt_to_income": 0.8, "loans_12m": 3}, dtype=object),
        "occupation": pd.Series(rng.choice(["student", "freelancer"], n)),
        "model_contrib": pd.DataFrame({"monthly_income": rng.normal(0, 0.5, n),
                                       "applications_30d": rng.normal(0, 1.0, n)}),
        "true_contrib": pd.DataFrame({"true_contrib__monthly_income": rng.normal(2, 0.4, n),
                                      "true_contrib__applications_30d": rng.normal(0, 1.1, n)}),
    }


def _title(ax) -> str:
    """The title wherever the active style puts it (riskkit's sheets align it left)."""
    return "".join(ax.get_title(loc=loc) for loc in ("left", "center", "right"))


def _models(d):
    return {"scorecard": (d["y"], d["p2"]), "lgbm": (d["y"], d["p"])}


PLOTS: dict[str, Callable[[dict], Figure]] = {
    "roc": lambda d: ch.plot_roc(_models(d)),
    "ks": lambda d: ch.plot_ks(d["y"], d["p"]),
    "reliability": lambda d: ch.plot_reliability(
        {"raw": (d["y"], d["p2"]), "calibrated": ev.reliability_table(d["y"], d["p"])}),
    "score_distribution": lambda d: ch.plot_score_distribution(d["y"], d["p"]),
    "gains": lambda d: ch.plot_gains(_models(d)),
    "strategy": lambda d: ch.plot_strategy_curve(_models(d), approval_rate=0.7),
    "psi": lambda d: ch.plot_psi(pd.Series({"monthly_income": 0.02, "debt_to_income": 0.3})),
    "segments": lambda d: ch.plot_segment_metrics(ev.metrics_by_segment(d["y"], d["p"], d["segment"])),
    "waterfall": lambda d: ch.plot_waterfall(d["contrib"], -2.0, d["values"], max_features=3),
    "reasons": lambda d: ch.plot_reason_frequency(pd.Series({"applications_30d": 40, "free text": 5})),
    "contrib_vs_truth": lambda d: ch.plot_contrib_vs_truth(
        d["model_contrib"], d["true_contrib"], ["monthly_income", "applications_30d"]),
    "dependence": lambda d: ch.plot_dependence(
        d["counts"], 0.3 * np.nan_to_num(d["counts"]), 0.3 * np.nan_to_num(d["counts"]) + 1,
        feature="applications_30d"),
    "dependence_categorical": lambda d: ch.plot_dependence(
        d["occupation"], (d["occupation"] == "student") * 0.5, (d["occupation"] == "student") * 0.5,
        feature="occupation"),
    "pdp_ice": lambda d: ch.plot_pdp_ice(d["grid"], d["ice"], d["ice"].mean(0),
                                         d["ice"].mean(0) * 0.9, feature="applications_90d"),
    "line": lambda d: ch.plot_line(
        pd.DataFrame({"month": pd.date_range("2025-01-01", periods=6, freq="MS"),
                      "bad": [0.05, 0.06, 0.055, 0.07, 0.065, 0.06]}),
        "month", "bad", title="Bad rate by month", ylabel="Bad rate (%)", percent_y=True,
        events={"policy change": pd.Timestamp("2025-04-01")}),
}
#: charts whose y axis is a list of named bars, so the tick labels are the y label
CATEGORICAL_Y = {"waterfall", "reasons", "contrib_vs_truth"}


@pytest.mark.parametrize("name", list(PLOTS))
def test_plot_returns_labelled_figure_outside_pyplot(name: str, data) -> None:
    fig = PLOTS[name](data)
    assert isinstance(fig, Figure)
    assert fig.axes
    ax = fig.axes[0]
    assert _title(ax)
    assert ax.get_xlabel()
    if name not in CATEGORICAL_Y:
        assert ax.get_ylabel()
    assert plt.get_fignums() == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. a missing glyph would fail here
        fig.savefig(io.BytesIO(), format="png", dpi=40)


def test_plot_draws_into_callers_axes(data) -> None:
    fig = Figure()
    left, right = fig.subplots(1, 2)
    assert ch.plot_ks(data["y"], data["p"], ax=right) is fig
    assert ch.plot_roc(_models(data), ax=left) is fig
    assert len(fig.axes) == 2 and _title(right) and _title(left)


def test_waterfall_colours_order_and_total(data) -> None:
    fig = ch.plot_waterfall(data["contrib"], -2.0, data["values"], max_features=3)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "Average applicant (base)" and labels[-1] == "This applicant"
    assert labels[1] == "Applications, last 30 days = 6"  # largest |contribution| first
    assert labels[4] == "2 other features"
    widths = [bar.get_width() for bar in ax.patches]
    colours = [matplotlib.colors.to_hex(bar.get_facecolor()) for bar in ax.patches]
    assert widths == pytest.approx([0.9, 0.5, -0.4, 0.25])
    assert colours == [ch.RISK_UP, ch.RISK_UP, ch.RISK_DOWN, ch.RISK_UP]
    final = 1 / (1 + np.exp(-(-2.0 + data["contrib"].sum())))
    assert f"{final:.1%}" in _title(ax)


def test_segment_chart_marks_missing_metrics(data) -> None:
    table = ev.metrics_by_segment(data["y"], data["p"], data["segment"])
    fig = ch.plot_segment_metrics(table)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("n/a") == 2  # AUC and KS of the 10-row segment
    with pytest.raises(ValueError, match="lacks columns"):
        ch.plot_segment_metrics(table.drop(columns="ks"))


def test_line_chart_events_and_missing_columns() -> None:
    frame = pd.DataFrame({"q": [1, 2, 3], "psi": [0.01, 0.05, 0.2]})
    fig = ch.plot_line(frame, "q", {"psi": "PSI"}, title="PSI by quarter", ylabel="PSI (unitless)",
                       events=[(2, "new model")])
    assert [t.get_text() for t in fig.axes[0].texts] == ["new model"]
    with pytest.raises(KeyError, match="nope"):
        ch.plot_line(frame, "q", ["nope"], title="t", ylabel="y")


# ----------------------------------------------------------------- export


def test_export_writes_three_valid_files(tmp_path: Path, data) -> None:
    fig = ch.plot_roc(_models(data))
    ch.add_source_line(fig, "riskkit · run baseline-2026 · seed 7")
    paths = ch.export(fig, "roc", tmp_path / "charts")
    assert [p.name for p in paths] == ["roc.png", "roc.svg", "roc.pdf"]
    with Image.open(paths[0]) as image:
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        assert image.size[0] == pytest.approx(fig.get_figwidth() * 300, abs=2)
    assert ET.parse(paths[1]).getroot().tag.endswith("svg")
    assert paths[2].read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in (tmp_path / "charts").iterdir()) == ["roc.pdf", "roc.png", "roc.svg"]
    assert fig.axes  # still usable by the caller
    ch.export(fig, "roc_again", tmp_path / "charts", formats=("png",))


def test_export_is_reproducible(tmp_path: Path, data) -> None:
    ch.use_style("report")
    fig = ch.plot_ks(data["y"], data["p"])
    first = ch.export(fig, "ks", tmp_path / "a", formats=("svg", "pdf"))
    second = ch.export(fig, "ks", tmp_path / "b", formats=("svg", "pdf"))
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


@pytest.mark.parametrize("bad", ["a/b", "..", ".hidden", "", " roc", "roc.png", "x\\y"])
def test_export_rejects_bad_names(bad: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError) as info:
        ch.export(Figure(), bad, tmp_path)
    assert repr(bad) in str(info.value)
    assert isinstance(info.value, RiskkitError)
    assert list(tmp_path.iterdir()) == []


def test_source_line_is_replaced_and_reserves_space() -> None:
    ch.use_style("report")
    fig = Figure()
    fig.add_subplot()
    ch.add_source_line(fig, "first")
    ch.add_source_line(fig, "second")
    assert [t.get_text() for t in fig.texts] == ["second"]
    assert fig.get_layout_engine().get()["rect"][1] > 0


# ----------------------------------------------------------------- style sheets and fonts


def test_style_sheets_load_by_dotted_name() -> None:
    plt.style.use("riskkit.styles.report")
    rc = matplotlib.rcParams
    assert tuple(rc["figure.figsize"]) == (6.3, 3.9)
    assert rc["pdf.fonttype"] == 42 and rc["svg.fonttype"] == "path"
    assert rc["figure.constrained_layout.use"] is True
    assert not rc["axes.spines.top"] and not rc["axes.spines.right"]
    petroff = plt.style.library["petroff10"]["axes.prop_cycle"].by_key()["color"]
    colours = matplotlib.colors.to_hex
    assert [colours(c) for c in rc["axes.prop_cycle"].by_key()["color"]] == [colours(c) for c in petroff]
    assert list(ch.PALETTE) == [colours(c) for c in petroff]
    assert ch.RISK_UP in ch.PALETTE and ch.RISK_DOWN in ch.PALETTE
    plt.style.use("riskkit.styles.slides")
    width, height = rc["figure.figsize"]
    assert width / height == pytest.approx(16 / 9)


def test_report_and_slides_differ_only_in_size() -> None:
    sizes = {"figure.figsize", "font.size", "axes.titlesize", "axes.labelsize", "xtick.labelsize",
             "ytick.labelsize", "legend.fontsize", "figure.titlesize", "lines.linewidth",
             "lines.markersize", "axes.linewidth", "grid.linewidth"}
    report = matplotlib.rc_params_from_file(style_path("report"), use_default_template=False)
    slides = matplotlib.rc_params_from_file(style_path("slides"), use_default_template=False)
    assert set(report) == set(slides)
    assert {k for k in report if report[k] != slides[k]} == sizes


def test_use_style_variants() -> None:
    assert ch.use_style("slides") == ["riskkit.styles.slides"]
    assert matplotlib.rcParams["font.size"] == 14
    with ch.style_context("report") as names:
        assert names == ["riskkit.styles.report"]
        assert matplotlib.rcParams["font.size"] == 9
    assert matplotlib.rcParams["font.size"] == 14
    with pytest.raises(ValueError, match="poster"):
        ch.use_style("poster")
    with pytest.raises(ValueError, match="fr"):
        ch.resolve_lang("fr")


def test_chinese_falls_back_to_english_when_no_cjk_font(monkeypatch, data) -> None:
    monkeypatch.setattr(style, "find_cjk_font", lambda: None)
    with pytest.warns(ch.MissingFontWarning, match="no CJK font"):
        ch.use_style("report", lang="zh")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once only
        assert ch.label("age", "zh") == "Age (years)"
        fig = ch.plot_roc(_models(data), lang="zh")
    assert _title(fig.axes[0]) == "ROC curve"


def test_chinese_labels_and_font_when_cjk_font_present(monkeypatch, tmp_path: Path) -> None:
    fake = ch.CJKFont("Fake CJK Sans", tmp_path / "fake.otf", truetype=False)
    monkeypatch.setattr(style, "find_cjk_font", lambda: fake)
    ch.use_style("report", lang="zh")
    assert matplotlib.rcParams["font.sans-serif"][0] == "Fake CJK Sans"
    assert matplotlib.rcParams["pdf.fonttype"] == 3  # CFF outlines cannot be Type 42
    assert ch.label("age", "zh") == "年龄（岁）"
    ch.use_style("report", lang="en")
    assert matplotlib.rcParams["font.sans-serif"][-1] == "Fake CJK Sans"  # glyph fallback only
    assert ch.label("age", "en") == "Age (years)"
    assert ch.label("not_a_feature", "zh") == "not_a_feature"


def test_outline_detection(tmp_path: Path) -> None:
    ttf, otf, ttc = tmp_path / "a.ttf", tmp_path / "b.otf", tmp_path / "c.ttc"
    ttf.write_bytes(b"\x00\x01\x00\x00" + bytes(12))
    otf.write_bytes(b"OTTO" + bytes(12))
    ttc.write_bytes(b"ttcf" + b"\x00\x01\x00\x00" + (1).to_bytes(4, "big") + (16).to_bytes(4, "big") + b"OTTO")
    assert style.outline_is_truetype(ttf)
    assert not style.outline_is_truetype(otf)
    assert not style.outline_is_truetype(ttc)


def test_dependence_shows_missing_rows_as_their_own_strip(data) -> None:
    fig = PLOTS["dependence"](data)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "missing (n=20)" in labels
    assert "True effect" in labels

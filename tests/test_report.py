"""Tests for riskkit.reporting.report: one self-contained HTML file per run folder."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from matplotlib.figure import Figure

from riskkit.charts import export
from riskkit.core import features as F
from riskkit.core.errors import RiskkitError, RunError
from riskkit.core.io import write_json
from riskkit.experiment.runfolder import write_manifest
from riskkit.reporting.report import figure_files, render_report, write_report

CONFIG = """\
# baseline experiment; cut-off keeps approvals < 80 %
name: base
seed: 7
data:
  rows: 5000
  scenario: baseline
"""
METRICS = {
    "models": {
        "oracle": {"test": {"auc": 0.8312, "gini": 0.6624, "ks": 0.51, "brier": 0.035,
                            "log_loss": 0.14, "ece": 0.004},
                   "psi": 0.001, "psi_reference": "train vs oot"},
        "lgbm": {"test": {"auc": 0.8123, "gini": 0.6246, "ks": 0.49, "brier": 0.036,
                          "log_loss": 0.15, "ece": 0.006},
                 "oot": {"auc": 0.8011, "gini": 0.6022, "ks": 0.47, "brier": 0.037,
                         "log_loss": 0.16, "ece": 0.009},
                 "psi": 0.012, "psi_reference": "train vs oot",
                 "calibration": {"applied": True, "method": "platt"}},
    },
    "policy": {"approval_rate": 0.75, "bad_rate_approved": 0.0213, "cutoff": 0.061,
               "oot": {"approval_rate": 0.74}},
    "explain": {"lgbm": {"fidelity_top3": 0.91, "additivity_max_err": 1e-9}},
    "stability": {"csi_max": 0.02, "csi_max_feature": "income_volatility"},
}


def _chart(title: str) -> Figure:
    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_title(title)
    return fig


def make_run(folder: Path, with_card: bool = True) -> Path:
    """A small but complete run folder, manifest (with hashes) written last as a run does."""
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(CONFIG, encoding="utf-8")
    write_json(folder / "metrics.json", METRICS)
    if with_card:
        write_json(folder / "datacard.json", {"name": "base", "seed": 7,
                                              "rows": {"train": 3000, "test": 1000},
                                              "bad_rate": {"train": 0.04, "test": 0.041},
                                              "features": F.describe()})
    pd.DataFrame({"applicant_id": range(6), "split": ["test"] * 4 + ["oot"] * 2,
                  "pd_lgbm": [0.01, 0.2, 0.03, 0.5, 0.02, 0.3],
                  "decision": ["approved", "declined", "approved", "declined", "approved", "declined"],
                  "credit_line": [3000.0, 0.0, 2000.0, 0.0, 1000.0, 0.0]}
                 ).to_parquet(folder / "decisions.parquet")
    pd.DataFrame({"applicant_id": [2, 2, 4, 6], "rank": [1, 2, 1, 1],
                  "feature": ["applications_30d", "income_volatility", "applications_30d",
                              "overdue_count_24m"],
                  "contribution": [0.8, 0.3, 0.7, 0.9], "text": ["a", "b", "a", "c"]}
                 ).to_parquet(folder / "reasons.parquet")
    export(_chart("ROC curve"), "roc", folder / "figures")
    export(_chart("KS"), "ks_lgbm", folder / "figures")
    write_manifest(folder, {"name": "base", "seed": 7}, {"test": "abc123"},
                   {"fit": 1.5, "figures": 2.0}, stored_data=False)
    return folder


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run(tmp_path_factory.mktemp("runs") / "base-20261130-101500")


@pytest.fixture(scope="module")
def page(run_dir: Path) -> str:
    path = write_report(run_dir)
    assert path == run_dir / "report.html"
    return path.read_text(encoding="utf-8")


def test_report_is_self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "url(" not in page and "@import" not in page
    images = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert len(images) == 2
    for uri in images:
        assert uri.startswith("data:image/svg+xml;base64,")
        svg = base64.b64decode(uri.split(",", 1)[1])
        assert b"<svg" in svg[:2000]
    assert re.findall(r'<img alt="([^"]+)"', page) == ["ROC", "KS LightGBM"]  # reading order


def test_report_has_the_metrics_tables(page: str) -> None:
    assert "<th>auc</th><th>gini</th><th>ks</th><th>brier</th><th>log_loss</th><th>ece</th>" in page
    assert "<td>lgbm</td><td>oot</td><td class=\"num\">0.8011</td>" in page
    assert "75.00%" in page and "2.13%" in page  # rates in percent
    assert "fidelity_top3" in page and "csi_max_feature" in page
    assert "<h3>Calibration</h3>" in page and "platt" in page  # nested per-model sections shown
    # decisions per split and the most frequent first reason
    assert "<td>test</td><td class=\"num\">4</td><td class=\"num\">2</td><td class=\"num\">2</td>" in page
    assert "<td>applications_30d</td><td class=\"num\">2</td>" in page


def test_report_has_config_datacard_and_manifest(page: str) -> None:
    assert "cut-off keeps approvals &lt; 80 %" in page  # the YAML as written, comments too
    assert "scenario: baseline" in page
    assert "Data card" in page and F.get("income_volatility").description_en in page
    assert "rows.train" in page
    assert "files each checked" not in page and "each checked against its SHA-256" in page
    assert "versions.riskkit" in page


def test_png_images_and_another_target(run_dir: Path, tmp_path: Path) -> None:
    out = write_report(run_dir, tmp_path / "mail" / "report.html", images="png")
    page = out.read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 2
    with pytest.raises(ValueError, match="image format"):
        render_report(run_dir, images="gif")


def test_without_a_datacard_the_section_is_left_out(tmp_path: Path) -> None:
    page = render_report(make_run(tmp_path / "run", with_card=False))
    assert "Data card" not in page and "Model performance" in page


def test_figure_files_pick_one_format_per_chart(tmp_path: Path) -> None:
    folder = tmp_path / "figures"
    (folder / "sub").mkdir(parents=True)
    for name in ("a.png", "a.svg", "a.pdf", "b.png", "sub/c.svg", ".tmp-d.svg-x", "e.txt",
                 "ks_lgbm.svg", "roc.svg"):
        (folder / name).write_bytes(b"")
    assert [p.relative_to(folder).as_posix() for p in figure_files(folder)] == [
        "roc.svg", "ks_lgbm.svg", "a.svg", "b.png", "sub/c.svg"]
    assert [p.name for p in figure_files(folder, "png")][2:] == ["a.png", "b.png", "c.svg"]


def test_not_a_run(tmp_path: Path) -> None:
    with pytest.raises(RunError, match="does not exist"):
        write_report(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RunError, match=r"manifest\.json is missing"):
        write_report(tmp_path / "empty")
    assert not (tmp_path / "empty" / "report.html").exists()


def test_damaged_files_are_named(tmp_path: Path) -> None:
    run = make_run(tmp_path / "edited")
    (run / "metrics.json").write_text('{"models": {}}', encoding="utf-8")
    with pytest.raises(RunError, match=r"metrics\.json was changed or damaged"):
        write_report(run)

    def rewrite(name: str, text: str) -> Path:
        folder = make_run(tmp_path / f"case{len(list(tmp_path.iterdir()))}")
        (folder / name).write_text(text, encoding="utf-8")
        (folder / "manifest.json").unlink()  # re-hash, so only our own checks can object
        write_manifest(folder, {"name": "base", "seed": 7}, {}, {}, stored_data=False)
        return folder

    with pytest.raises(RunError, match=r"metrics\.json is damaged"):
        write_report(rewrite("metrics.json", '{"models": '))
    with pytest.raises(RunError, match="'models' must map"):
        write_report(rewrite("metrics.json", '{"models": [1, 2]}'))
    with pytest.raises(RunError, match=r"config\.yaml is damaged"):
        write_report(rewrite("config.yaml", "name: [unclosed\n"))
    with pytest.raises(RunError, match=r"roc\.svg is damaged: not a SVG image"):
        write_report(rewrite("figures/roc.svg", "garbage"))
    broken = rewrite("decisions.parquet", "not parquet")
    with pytest.raises(RiskkitError, match=r"decisions\.parquet is damaged"):
        write_report(broken)
    assert not (broken / "report.html").exists()

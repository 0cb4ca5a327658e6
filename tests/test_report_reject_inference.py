"""The report's reject-inference section for a run that studied both selection settings
(metrics.json["reject_inference"]["by_selection"], as `riskkit run configs/reject_inference.yaml`
writes it): one part per setting, the finding rebuilt in the report's language from the grades,
the literature's prediction beside it, and one table with the bound and the peer's rows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from report_fixture import make_run
from riskkit.experiment.runfolder import write_manifest
from riskkit.rejectinf.summary import compare, literature, summarise
from riskkit.reporting.report import write_report
from test_report import section_html, visible_text


def _g(pred: float, true: float, auc: float) -> dict[str, float]:
    return {"pred_bad_rate_rejects": pred, "true_bad_rate_rejects": true,
            "reject_abs_error": abs(pred - true), "auc_all": auc}


def _setting(selection: str, heckman: float) -> dict:
    return {"selection": selection,
            "by_model": {"logistic": {"accepted_only": _g(0.0602, 0.0696, 0.8223),
                                      "heckman": _g(heckman, 0.0696, 0.8240)},
                         "lgbm": {"hard_cutoff": _g(0.0598, 0.0696, 0.7298)}},
            "reference": {"full_information": {"logistic": _g(0.0688, 0.0696, 0.8238)}},
            "peer": {"accepted_only": _g(0.0613, 0.0696, 0.8225), "fuzzy": _g(0.0612, 0.0696, 0.8226),
                     "reweighting": _g(0.0211, 0.0696, 0.6888)}}


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = make_run(tmp_path_factory.mktemp("runs") / "ri-20261206-060000", charts=("roc",))
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    metrics["reject_inference"]["by_selection"] = {"mar": _setting("mar", 0.0650),
                                                   "mnar": _setting("mnar", 0.0490)}
    (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    (folder / "manifest.json").unlink()
    write_manifest(folder, {"name": "base", "seed": 7}, {}, {}, stored_data=False)
    return {lang: write_report(folder, lang=lang).read_text(encoding="utf-8") for lang in ("en", "zh")}


def test_each_selection_setting_has_its_part_its_finding_and_the_literature(pages) -> None:
    ri = " ".join(visible_text(section_html(pages["en"], "reject_inference")).split())
    assert "Selection on recorded information only (missing at random)" in ri
    assert "Selection also on information the new model lacks (missing not at random)" in ri
    # MAR: the Heckman model (0.46 pt) beats every reference on both measures
    assert ("MAR: the rejects' bad-rate error of the best method (Logistic regression / Heckman "
            "selection model) is 0.46 pt, smaller than the best accepted-only model's (Logistic "
            "regression, 0.94 pt)") in ri
    assert "1 row(s) beat the best reference (0.83 pt error, AUC 0.8226" in ri
    # MNAR: 2.06 pt, worse than the references: no single row
    assert "no single row beats the best reference (0.83 pt error, AUC 0.8226" in ri
    assert literature("mar") in ri and literature("mnar") in ri
    # the table: the bound and the peer's rows, error in points
    assert "everyone's outcomes (no lender has)" in ri and "rejectkit (peer package)" in ri
    assert "2.06" in ri and "0.8238" in ri
    # rejectkit's methods by their own names, not riskkit's words for its own versions
    assert "rejectkit (peer package) reweighting 2.11% 6.96% 4.85 0.6888" in ri
    assert ri.count("reweighting (score bands)") == 0


def test_the_part_speaks_the_reports_language_without_config_names(pages) -> None:
    zh = " ".join(visible_text(section_html(pages["zh"], "reject_inference")).split())
    assert "仅依据已记录信息的选择（随机缺失）" in zh and literature("mnar", "zh") in zh
    assert "Heckman 样本选择模型" in zh and "0.46 个百分点" in zh
    for lang, page in pages.items():
        text = visible_text(section_html(page, "reject_inference"))
        assert not re.findall(r"\b[A-Za-z]+_[A-Za-z0-9_]+\b", text), lang
    assert not re.search(r"[\u4e00-\u9fff]", visible_text(pages["en"]))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_compare_words_follow_the_sign(lang: str) -> None:
    smaller, larger, same = (compare(1.0, 2.0, lang=lang), compare(2.0, 1.0, lang=lang),
                             compare(1.0, 1.05, tolerance=0.1, lang=lang))
    assert len({smaller, larger, same}) == 3
    assert (smaller, larger, same) == (("smaller than", "larger than", "the same as") if lang == "en"
                                       else ("小于", "大于", "等于"))


def test_the_sentence_turns_with_the_numbers() -> None:
    grades = {"logistic": {"accepted_only": _g(0.0602, 0.0696, 0.8223),
                           "heckman": _g(0.0650, 0.0696, 0.8226)}}
    peer = {"fuzzy": _g(0.0612, 0.0696, 0.8225)}
    out = summarise(grades, peer, "mar")["sentence"]
    assert "0.46 pt, smaller than the best accepted-only model's (logistic, 0.94 pt)" in out
    assert "0.8226 (logistic / heckman), is larger than rejectkit's best 0.8225 (fuzzy)" in out
    grades["logistic"] = {"accepted_only": _g(0.0690, 0.0696, 0.8223)}
    out = summarise(grades, peer, "mar")["sentence"]
    assert "(logistic / accepted_only) is 0.06 pt, the same as the best accepted-only" in out
    assert "0.8223 (logistic / accepted_only), is smaller than rejectkit's best 0.8225" in out


def test_the_literature_is_said_in_both_languages() -> None:
    assert "Heckman 1979" in literature("mnar") and "Heckman 1979" in literature("mnar", "zh")
    assert literature("mar") != literature("mnar")
    with pytest.raises(KeyError):
        literature("sometimes")


def test_an_older_run_without_settings_keeps_its_one_table(tmp_path: Path) -> None:
    page = write_report(make_run(tmp_path / "old", charts=("roc",))).read_text(encoding="utf-8")
    ri = " ".join(visible_text(section_html(page, "reject_inference")).split())
    assert "Parcelling ranks the rejected applicants best" in ri
    assert "missing at random" not in ri

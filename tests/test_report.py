"""Tests for riskkit.reporting.report: a validation report of a run folder, in en and zh."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import pandas as pd
import pytest

from report_fixture import METRICS, make_run
from riskkit.core import features as F
from riskkit.core.errors import ConfigError, RiskkitError, RunError
from riskkit.experiment.runfolder import write_manifest
from riskkit.explain import format_text, human_review_text
from riskkit.reporting import numbers as fmt
from riskkit.reporting.findings import (
    calibration_verdict,
    ece_noise,
    stability_verdict,
    summary_facts,
)
from riskkit.reporting.report import render_report, write_report
from riskkit.reporting.sections import SECTIONS
from riskkit.reporting.view import figure_files, load_view
from riskkit.texts import Words


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run(tmp_path_factory.mktemp("runs") / "base-20261130-101500")


@pytest.fixture(scope="module")
def pages(run_dir: Path) -> dict[str, str]:
    en, zh = write_report(run_dir), write_report(run_dir, lang="zh")
    assert (en, zh) == (run_dir / "report.html", run_dir / "report.zh.html")
    return {"en": en.read_text(encoding="utf-8"), "zh": zh.read_text(encoding="utf-8")}


def visible_text(page: str, keep_code: bool = False) -> str:
    """What a reader sees as prose: no CSS, no images, no <pre>/<code> blocks."""
    for tag in ("style", *(() if keep_code else ("pre", "code"))):
        page = re.sub(rf"<{tag}[^>]*>.*?</{tag}>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def section_html(page: str, sid: str) -> str:
    found = re.search(rf'<section id="{sid}"[^>]*>(.*?)</section>', page, flags=re.S)
    assert found, f"section {sid} missing"
    return found.group(1)


# ----------------------------------------------------------------------------- formatting
@pytest.mark.parametrize(("value", "digits", "text"), [
    (0.8096, 4, "0.8096"), (0.80957, 3, "0.810"), (0.0003873, 3, "0.000387"),
    (12000, 3, "12,000"), (28439100.0, 3, "28,439,100"), (9964.6, 4, "9,965"),
    (0.09996, 3, "0.100"), (99.996, 3, "100"), (-0.0123, 3, "-0.0123"), (0, 3, "0"),
    (3.9968e-15, 3, "4.00 × 10⁻¹⁵"), (None, 3, "–"), (float("nan"), 3, "–")])
def test_significant_digits_and_thousands(value, digits, text) -> None:
    assert fmt.sig(value, digits) == text


@pytest.mark.parametrize(("value", "text"), [
    (0.7135, "71.4%"), (0.017869, "1.79%"), (0.0003873, "0.0387%"), (1.0, "100%"),
    (0.75, "75.0%"), (0.99996, "100%"), (0.0, "0%"), (None, "–")])
def test_percent(value, text) -> None:
    assert fmt.percent(value) == text


def test_metric_keys_choose_their_format() -> None:
    assert fmt.metric("approval_rate", 0.7135) == "71.4%"
    assert fmt.metric("oot.bad_rate_denied", 0.1143) == "11.4%"
    assert fmt.metric("cutoff_pd", 0.0382) == "3.82%"
    assert fmt.metric("ece", 0.0092) == "0.920 pp" and fmt.metric("ece", 0.0092, "zh") == "0.920个百分点"
    assert fmt.metric("auc", 0.80957) == "0.8096"
    assert fmt.metric("n_denied", 1146) == "1,146" and fmt.metric("ece_bins", 10) == "10"
    assert fmt.metric("mean_credit_line", 9964.6) == "9,965 CNY"
    assert fmt.metric("tpr_decline", 0.7) == "70.0%" and fmt.metric("fpr_decline", 0.25) == "25.0%"
    assert fmt.metric("mean_credit_line", 9964.6, "zh") == "9,965元"
    assert fmt.metric("applied", True, yes_no=("是", "否")) == "是"
    assert fmt.pp(0.00647) == "0.647 pp" and fmt.integer(1234567) == "1,234,567"


# ----------------------------------------------------------------------------- verdicts
def test_verdict_thresholds() -> None:
    assert [stability_verdict(v) for v in (0.05, 0.1, 0.25, 0.26)] == ["good", "watch", "watch", "bad"]
    noise = ece_noise(0.0455, 4000, 10)
    assert noise == pytest.approx(0.0083, abs=2e-4)  # what the oracle scores on such a split
    assert calibration_verdict(0.009, noise) == ("good", pytest.approx(2 * noise))
    assert calibration_verdict(0.02, noise)[0] == "watch"
    assert calibration_verdict(0.04, noise)[0] == "bad"
    assert calibration_verdict(0.004, ece_noise(0.04, 1e7))[1] == 0.005  # the floor


# ----------------------------------------------------------------------------- summary
def test_summary_figures_equal_metrics_json(run_dir: Path, pages: dict[str, str]) -> None:
    facts = summary_facts(load_view(run_dir))
    policy, lgbm = METRICS["policy"], METRICS["models"]["lgbm"]
    assert facts["model"] == "lgbm"
    assert facts["approval_rate"] == policy["approval_rate"]
    assert facts["bad_rate_approved_oot"] == policy["oot"]["bad_rate_approved"]
    assert facts["oracle_gap"] == pytest.approx(
        METRICS["models"]["oracle"]["test"]["auc"] - lgbm["test"]["auc"])
    assert facts["ece"] == lgbm["test"]["ece"] and facts["psi"] == lgbm["psi"]
    summary = visible_text(section_html(pages["en"], "summary"))
    for expected in ("LightGBM", "71.4% on test, 71.4% out of time", "1.79% on test",
                     "all applicants: 4.55%", "0.00590 below the oracle (0.8096 against 0.8155",
                     "ECE 0.920 pp on test (tolerance", "0.590 pp out of time (tolerance", "score PSI 0.137", "watch",
                     "close to the truth", "well calibrated"):
        assert expected in summary, expected
    # drivers of declines: first reasons of declined test applicants, knock-outs apart
    reasons = pd.read_parquet(run_dir / "reasons.parquet")
    decisions = pd.read_parquet(run_dir / "decisions.parquet")
    test_ids = decisions.loc[decisions["split"] == "test", "applicant_id"]
    first = reasons[(reasons["rank"] == 1) & reasons["applicant_id"].isin(test_ids)]
    top = (first.value_counts(["kind", "feature"]).rename("n").reset_index()  # ties: by name
           .sort_values(["n", "feature", "kind"], ascending=[False, True, True]).head(3))
    for kind, feature, count in top.itertuples(index=False):
        name = F.get(feature).label("en") + (" (knock-out)" if kind == "knockout" else "")
        assert f"{name} {fmt.percent(count / len(first))}" in summary
    # fairness flags: the attributes flagged in metrics.json, with their AIR
    assert ("interval below four-fifths: Age band (AIR 0.632, 95% interval 0.550 to 0.720; "
            "among knock-out passers 0.930); Occupation (AIR 0.477") in summary


def test_summary_without_fairness_says_so(tmp_path: Path) -> None:
    page = render_report(make_run(tmp_path / "run", fairness=False, reject_inference=False,
                                  charts=("roc",)))
    assert "Fairness flags not computed for this run" in " ".join(visible_text(
        section_html(page, "summary")).split())
    assert "Fairness was not computed for this run" in visible_text(section_html(page, "fairness"))
    assert 'id="reject_inference"' not in page  # only for runs that studied it
    zh = render_report(tmp_path / "run", lang="zh")
    assert "本次运行未计算" in visible_text(section_html(zh, "summary"))


# ----------------------------------------------------------------------------- sections
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_section_is_present_with_its_title(pages: dict[str, str], lang: str) -> None:
    page = pages[lang]
    assert SECTIONS[0][0] == "summary"
    for sid, _ in SECTIONS:
        body = section_html(page, sid)
        assert f"<h2>{Words('report')(f'sec.{sid}', lang)}</h2>" in page
        assert len(visible_text(body).strip()) > 40, sid
    assert page.count("<section ") == len(SECTIONS)


def test_figures_are_numbered_and_interpreted_from_the_numbers(pages: dict[str, str],
                                                              run_dir: Path) -> None:
    page = pages["en"]
    captions = re.findall(r'<p class="fignum">Figure (\d+)\. ([^<]+)</p>', page)
    assert [int(n) for n, _ in captions] == list(range(1, 13))
    text = " ".join(visible_text(page).split())
    # each sentence carries the run's own numbers
    assert "The riskiest 10% of applicants by LightGBM hold 48.0% of the bads" in text
    assert "the riskiest 30% hold 74.0%" in text
    assert "1.18% (state-owned employer) to 17.7% (student)" in text
    assert "Months since last overdue (0.00670)" in text
    reasons = pd.read_parquet(run_dir / "reasons.parquet")
    per = reasons.groupby("feature")["applicant_id"].nunique().sort_values(ascending=False)
    share = fmt.percent(per.iloc[0] / reasons["applicant_id"].nunique())
    assert f"{F.get(per.index[0]).label()} appears in the letters of {share}" in text
    # the unknown chart lands in the appendix, captioned, with no invented interpretation
    appendix = section_html(page, "appendix")
    assert "Zz custom" in appendix and Words("report")("fig.no_text") in appendix
    # fairness: per-attribute sentences from metrics.json["fairness"]
    fair = " ".join(visible_text(section_html(page, "fairness")).split())
    assert ("Under the whole policy, approval rates by Age band range from 48.0% (18-24) to "
            "76.0% (35-44): an adverse impact ratio of 0.632 (95% interval 0.550 to 0.720), "
            "flagged: the whole interval lies below four-fifths") in fair
    assert ("Among applicants who pass the knock-out rules (the model's part), they range from "
            "58.0% (18-24) to 86.0% (35-44): a ratio of 0.930") in fair
    assert "The knock-out rules lower the ratio: 0.930 among passers, 0.632 for the policy" in fair
    # a ratio below four-fifths whose interval reaches above it is not flagged, and says so
    assert "not flagged: below four-fifths at the estimate, but the interval reaches 0.860" in fair
    assert ("The adverse impact ratio among knock-out passers by City tier is not measured: "
            "fewer than two groups have 30 or more knock-out passers") in fair
    assert "“Below the product's minimum age of 20” causes 10.4% of declines" in fair
    assert "state-owned employer" in fair and "tier 2" in fair
    assert "the mean credit line ranges from 9,000 CNY (female) to 9,400 CNY (male)" in fair
    assert "line per yuan of monthly income from 1.15 (male) to 1.20 (female)" in fair
    assert "73.0%" in fair and "0.730" not in fair  # rates in percent, ratios as numbers
    ri = " ".join(visible_text(section_html(page, "reject_inference")).split())
    assert "Parcelling ranks the rejected applicants best (AUC on rejects 0.7300)" in ri


def test_no_raw_keys_in_the_text(pages: dict[str, str], run_dir: Path) -> None:
    keys = {k for k in re.findall(r'"([a-z0-9]+(?:_[a-z0-9]+)+)"', (run_dir / "metrics.json").read_text())}
    keys |= {"ece_bins", "csi_reference", "bad_rate_denied", "data_fingerprints", "timings_s"}
    for lang, page in pages.items():
        text = visible_text(page)
        snake = set(re.findall(r"\b[A-Za-z]+_[A-Za-z0-9_]+\b", text))
        assert not snake, (lang, sorted(snake))
        assert not keys & set(re.findall(r"[\w.]+", text)), lang
        assert "oot." not in text and "0.0003873" not in text


def test_the_chinese_report_has_no_english_prose(pages: dict[str, str]) -> None:
    page = pages["zh"]
    body = page.split('<section id="appendix"', 1)[0]  # config and manifest are quoted as is
    words = set(re.findall(r"[A-Za-z]{3,}", visible_text(body)))
    allowed = {"LightGBM", "AUC", "ECE", "CSI", "PSI", "ROC", "Brier", "Platt", "Hanley",
               "McNeil", "SHA", "riskkit", "base", "lang", "figures", "thin", "file", "Gini",
               "BCa", "Efron", "Tibshirani", "CFR"}  # a method and its sources, cited as named
    assert words <= allowed, sorted(words - allowed)
    assert '<html lang="zh-CN">' in page
    for phrase in ("摘要", "上线模型", "不利影响比", "模型卡", "如何复现", "人工复核"):
        assert phrase in page


def test_model_card_has_the_command_that_reproduces_the_run(pages: dict[str, str]) -> None:
    card = section_html(pages["en"], "model_card")
    commit = re.search(r"git checkout ([0-9a-f]+|\w+)", card)
    assert "riskkit run base-20261130-101500/config.yaml --out runs" in card
    assert "Intended use" in card and "thin file" in card and "downturn" in card
    assert commit is None or len(commit.group(1)) >= 7


def test_report_is_self_contained_and_print_ready(pages: dict[str, str]) -> None:
    page = pages["en"]
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "url(" not in page and "@import" not in page
    images = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert len(images) == 12
    for uri in images:
        assert b"<svg" in base64.b64decode(uri.split(",", 1)[1])[:2000]
    assert "@page{size:A4" in page and "break-inside:avoid" in page
    assert "section{break-before:page}" in page


# ----------------------------------------------------------------------------- denial letter
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_denial_letter_ends_with_the_human_review_text(pages: dict[str, str], lang: str) -> None:
    letter = re.search(r'<pre class="letter">(.*?)</pre>', pages[lang], flags=re.S)
    assert letter
    text = html.unescape(letter.group(1))
    applicant = int(re.match(r"\D+(\d+)", text).group(1))
    assert text.rstrip().endswith(human_review_text(applicant, lang))
    assert ("human review" if lang == "en" else "人工复核") in text.splitlines()[-1]


def test_explain_text_closes_denials_only_with_the_review_line() -> None:
    denied = {"applicant_id": 9, "decision": "denied", "pd": 0.2, "score": None,
              "credit_line": 0.0, "reasons": [], "recourse": None, "true_pd": None}
    for lang in ("en", "zh"):
        assert format_text(denied, lang).splitlines()[-1] == human_review_text(9, lang)
        assert format_text({**denied, "decision": "approved", "credit_line": 3000.0}, lang
                           ).splitlines()[-1] != human_review_text(9, lang)
    with pytest.raises(ConfigError):
        human_review_text(9, "fr")


# ----------------------------------------------------------------------------- inputs
def test_png_images_and_another_target(run_dir: Path, tmp_path: Path) -> None:
    out = write_report(run_dir, tmp_path / "mail" / "report.html", images="png")
    assert out.read_text(encoding="utf-8").count("data:image/png;base64,") == 12
    with pytest.raises(ValueError, match="image format"):
        render_report(run_dir, images="gif")
    with pytest.raises(ConfigError, match="language"):
        render_report(run_dir, lang="fr")


def test_without_a_datacard_the_report_still_renders(tmp_path: Path) -> None:
    page = render_report(make_run(tmp_path / "run", with_card=False, charts=()))
    assert "Model validation report" in page and F.get("income_volatility").label() in page


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
    run = make_run(tmp_path / "edited", charts=("roc",))
    (run / "metrics.json").write_text('{"models": {}}', encoding="utf-8")
    with pytest.raises(RunError, match=r"metrics\.json was changed or damaged"):
        write_report(run)

    def rewrite(name: str, text: str) -> Path:
        folder = make_run(tmp_path / f"case{len(list(tmp_path.iterdir()))}", charts=("roc",))
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


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_model_above_the_oracle_by_chance_is_not_said_to_be_below_it(run_dir: Path,
                                                                        lang: str) -> None:
    """Words from numbers: on a small test split the deployed model's AUC can exceed the
    oracle's by chance; the summary and the discrimination section then say "above" with
    the positive difference (fails before: "-0.004 below the oracle ... the most any model
    can reach")."""
    import dataclasses

    from riskkit.reporting.sections.discrimination import discrimination_section
    from riskkit.reporting.sections.summary import summary_section
    from riskkit.reporting.view import Figures

    view = load_view(run_dir, lang)
    model = view.deployed
    oracle = view.score("oracle", "test", "auc")
    metrics = {**view.metrics, "models": {
        **view.models, model: {**view.models[model],
                               "test": {**view.models[model]["test"], "auc": oracle + 0.004}}}}
    above = dataclasses.replace(view, metrics=metrics)
    for page in (summary_section(above, Figures(above)),
                 discrimination_section(above, Figures(above))):
        words = " ".join(visible_text(page).split())
        assert "-0.004" not in words and "−0.004" not in words
        assert "0.004" in words
    said = " ".join(visible_text(discrimination_section(above, Figures(above))).split())
    if lang == "en":
        assert re.search(r"0\.004\d* above the oracle", said)
        assert "the most any model can reach" not in said
    else:
        assert re.search(r"高0\.004", said) and "低0.004" not in said and "低-" not in said
    # the usual case keeps its words
    usual = " ".join(visible_text(discrimination_section(view, Figures(view))).split())
    assert ("below the oracle" if lang == "en" else "低") in usual

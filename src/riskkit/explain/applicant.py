"""One applicant's decision, explained: decision, PD, reasons, recourse, the truth.

:func:`explain_applicant` is what the CLI's ``explain`` output and a report's applicant
panel are built from: a plain JSON-serialisable dict, so it can be written next to the run
and read back without riskkit. :func:`format_text` turns it into a short readable block
in English or Chinese.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import ConfigError, DataError
from riskkit.core.mathx import sigmoid
from riskkit.explain.inputs import check_applicants
from riskkit.explain.reasons import reason_codes
from riskkit.explain.recourse import _plain, recourse
from riskkit.policy import APPROVED


def _row(row: pd.DataFrame | pd.Series) -> pd.DataFrame:
    if isinstance(row, pd.Series):
        row = row.to_frame().T.infer_objects()
    if not isinstance(row, pd.DataFrame) or len(row) != 1:
        raise DataError("row", ["expected exactly one applicant (a one-row DataFrame)"])
    return row


def explain_applicant(model: Any, policy: Any, row: pd.DataFrame | pd.Series,
                      reference: Mapping[str, Any] | None, *, lang_texts: bool = True,
                      max_reasons: int = 4, truth: Any, max_changes: int = 3,
                      max_wait_months: int = 24,
                      background: pd.DataFrame | None = None,
                      unit: str = "feature") -> dict[str, Any]:
    """Everything said to (or about) one applicant, as plain JSON-ready values.

    ``background`` is the population a tree model's reasons are measured against (a run's
    recorded one: :mod:`riskkit.explain.background`); None explains path-dependently. It
    changes the reasons only: recourse searches on the model's scores and the policy,
    never on contributions, so what would have to change is the same either way.
    ``unit`` is the run's ``explain.unit``: ``"group"`` gives reasons by driver group.

    Keys: ``applicant_id, decision, pd, score, credit_line, knockout, reasons`` (knock-out
    first, then scored reasons, each ``{rank, kind, feature, contribution, value, text_en,
    text_zh}``), ``recourse`` (:meth:`Recourse.to_dict`, None when approved),
    ``recourse_verified`` and ``true_pd`` (the row's own ``true_pd`` when it has one,
    otherwise ``truth``'s; None for data of one's own). ``truth`` is the applicant's world's
    true risk function, or None where none is known: required, never a default world's.
    ``lang_texts=False`` leaves the sentences out.
    """
    one = _row(row)
    check_applicants(one, getattr(model, "registry_", None))  # no PD for impossible values
    pd_ = np.asarray(model.predict_pd(one), dtype=float)
    score = np.asarray(model.points(one), dtype=float) if hasattr(model, "points") else None
    decision = policy.decide(one, pd_, score)
    first = decision.iloc[0]
    reasons = reason_codes(model, policy, one, decision, reference, max_reasons,
                           background=background, unit=unit)
    reason_list = []
    for rec in reasons.to_dict("records"):
        item = {"rank": int(rec["rank"]), "kind": rec["kind"], "feature": rec["feature"],
                "group": rec["group"],
                "contribution": _plain(rec["contribution"]), "value": _plain(rec["value"])}
        if lang_texts:
            item["text_en"], item["text_zh"] = rec["text_en"], rec["text_zh"]
        reason_list.append(item)
    help_ = None
    if first["decision"] != APPROVED:
        found = recourse(model, policy, one, truth=truth, max_changes=max_changes,
                         max_wait_months=max_wait_months)
        help_ = found.to_dict()
        if not lang_texts:
            for entry in help_["changes"] + help_["actions"]:
                entry.pop("text_en", None)
                entry.pop("text_zh", None)
    if "true_pd" in one.columns:
        true_pd = _plain(one["true_pd"].iloc[0])
    elif truth is not None and all(n in one.columns for n in F.MODEL_FEATURES):
        true_pd = float(sigmoid(np.asarray(truth.logit(one), dtype=float)[0]))
    else:
        true_pd = None
    return {
        "applicant_id": _plain(one[F.ID_COLUMN].iloc[0]) if F.ID_COLUMN in one.columns else None,
        "decision": str(first["decision"]),
        "pd": float(first["pd"]),
        "score": _plain(first["score"]) if "score" in decision.columns else None,
        "credit_line": float(first["credit_line"]),
        "knockout": str(first["knockout"]) or None,
        "reasons": reason_list,
        "recourse": help_,
        "recourse_verified": bool(help_["verified"]) if help_ else False,
        "true_pd": true_pd,
    }


_WORDS = {
    "en": {"approved": "APPROVED", "denied": "DENIED", "referred": "REFERRED TO A CREDIT OFFICER",
           "applicant": "Applicant",
           "pd": "PD", "score": "score", "line": "credit line", "true_pd": "true PD",
           "reasons": "Main reasons", "knockout": "knock-out", "change": "What would have to change",
           "verified": "verified by model and policy", "unverified": "NOT verified",
           "new_pd": "new PD", "no_recourse": "No realistic change found",
           "fools": "warning: this change lowers the model's PD but not the true PD",
           "none": "none",
           "review": ("This decision was made by an automated system. You may ask for a human "
                      "review: reply to this notice or contact customer service within 30 days, "
                      "quoting applicant number {id}. A credit officer who took no part in the "
                      "decision will look at your application again, with any new documents "
                      "you send (for example proof of income or savings), and tell you the "
                      "outcome in writing.")},
    "zh": {"approved": "批准", "denied": "拒绝", "referred": "转人工审核", "applicant": "申请人", "pd": "违约概率",
           "score": "评分", "line": "授信额度", "true_pd": "真实违约概率", "reasons": "主要原因",
           "knockout": "硬性拒绝", "change": "需要做出的改变", "verified": "已经模型与策略复核",
           "unverified": "未通过复核", "new_pd": "新违约概率", "no_recourse": "未找到可行的改变",
           "fools": "注意：该改变只降低了模型的违约概率，并未降低真实违约概率", "none": "无",
           "review": ("本决定由自动化系统作出。您有权要求人工复核：请在30天内回复本通知或联系客服，"
                      "并注明申请编号{id}。未参与本次决定的信贷人员将重新审核您的申请及您补充提供"
                      "的材料（如收入或资产证明），并以书面形式告知复核结果。")},
}


#: What a letter's reasons are measured from, in words.
_BASES = {"approved": ("approved applicants", "获批申请人"),
          "reference": ("reference population", "参考人群"),
          "best bin": ("best-bin applicants", "最优分箱申请人"),
          "training (path-dependent)": ("training applicants (path-dependent)",
                                        "训练样本申请人（路径依赖）")}


def truth_check_text(check: Mapping[str, Any], lang: str = "en") -> list[str]:
    """Lines saying how one letter's reasons compare with the truth, from the numbers.

    Parameters
    ----------
    check:
        :func:`riskkit.explain.likeforlike.truth_check`'s dict, with ``true_labels`` and
        optionally ``run_letter_fidelity_top3``.
    lang:
        ``"en"`` or ``"zh"``.

    Returns
    -------
    list of str
    """
    zh = lang == "zh"
    basis = _BASES.get(str(check.get("background")), (str(check.get("background")),) * 2)[zh]
    n, agree = int(check["compared"]), int(check["agree"])
    labels = check.get("true_labels", {}).get(lang) or check.get("true_reasons", [])
    if zh:
        first = "是" if check["first_is_true"] else "不是"
        lines = [f"与真实值对照（同一对照人群：{basis}）：前{n}个原因中有{agree}个属于真实的前{n}个"
                 f"主要原因；第一原因{first}真实的第一原因。",
                 f"真实主要原因：{'、'.join(labels) if labels else '无'}。"]
    else:
        first = "is" if check["first_is_true"] else "is not"
        lines = [f"Checked against the truth, measured from the same {basis}: {agree} of the "
                 f"first {n} reasons {'is' if agree == 1 else 'are'} among the true first {n}; "
                 f"the first reason {first} the true first.",
                 f"True principal reasons: {', '.join(labels) if labels else 'none'}."]
    run = check.get("run_letter_fidelity_top3")
    if run is not None and run == run:
        lines.append(f"本次运行全部拒绝中，信函前三原因属于真实前三的比例为{run:.1%}。" if zh else
                     f"Across the run's denials, {run:.1%} of the letters' top-3 reasons are "
                     "among the true top 3.")
    return lines


def human_review_text(applicant_id: Any, lang: str = "en") -> str:
    """How to ask for a human review of an automated decision: the last line of a denial.

    Data-protection law gives an applicant declined by an automated decision the right to
    have a person look at it (GDPR art. 22, China's PIPL art. 24), so every denial letter
    riskkit writes says how, in the applicant's language.
    """
    if lang not in _WORDS:
        raise ConfigError(f"lang must be 'en' or 'zh', got {lang!r}")
    return _WORDS[lang]["review"].format(id=applicant_id)


def format_text(explanation: Mapping[str, Any], lang: str = "en") -> str:
    """A readable block: decision, PD, top reasons, what would have to change, and (for a
    denial) how to ask for a human review (:func:`human_review_text`)."""
    if lang not in _WORDS:
        raise ConfigError(f"lang must be 'en' or 'zh', got {lang!r}")
    w = _WORDS[lang]
    zh = lang == "zh"
    sep, colon, semi = ("：", "：", "；") if zh else (": ", ":", "; ")
    e = explanation
    lines = [f"{w['applicant']} {e.get('applicant_id')}{sep}{w[e['decision']]}"]
    facts = [f"{w['pd']} {e['pd']:.1%}"]
    if e.get("score") is not None:
        facts.append(f"{w['score']} {e['score']:.0f}")
    if e["decision"] == APPROVED:
        facts.append(f"{w['line']} {e['credit_line']:,.0f}")
    if e.get("true_pd") is not None:
        facts.append(f"{w['true_pd']} {e['true_pd']:.1%}")
    lines.append(semi.join(facts))
    text_key = f"text_{lang}"
    if e["reasons"]:
        lines.append(f"{w['reasons']}{colon}")
        for item in e["reasons"]:
            text = item.get(text_key) or item["feature"]
            if item["kind"] == "knockout":
                lines.append(f"  {item['rank']}. [{w['knockout']}] {text}")
            else:
                lines.append(f"  {item['rank']}. {text} ({item['contribution']:+.2f})")
    if e.get("truth_check"):
        lines.extend(truth_check_text(e["truth_check"], lang))
    help_ = e.get("recourse")
    if help_:
        if help_["found"] and help_["actions"]:
            status = w["verified"] if help_["verified"] else w["unverified"]
            status = f"（{status}）" if zh else f" ({status})"
            lines.append(f"{w['change']}{status}{colon}")
            lines.extend(f"  - {a.get(text_key, a['action'])}" for a in help_["actions"])
            tail = f"  {w['new_pd']} {help_['new_pd']:.1%}"
            if help_.get("true_pd_before") is not None and help_.get("true_pd_after") is not None:
                tail += (f"{semi}{w['true_pd']} {help_['true_pd_before']:.1%} → "
                         f"{help_['true_pd_after']:.1%}")
            lines.append(tail)
            if help_.get("lowers_true_pd") is False:
                lines.append(f"  {w['fools']}")
        elif not help_["found"]:
            lines.append(f"{w['no_recourse']}{sep}{help_['reason']}")
    if e["decision"] != APPROVED:
        lines.append(human_review_text(e.get("applicant_id"), lang))
    return "\n".join(lines)

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
from riskkit.texts import LANGS, Words


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

    Parameters
    ----------
    model : CreditModel
        The fitted model that scores.
    policy : Policy
        The fitted policy that decides.
    row : pandas.DataFrame or pandas.Series
        The applicant (one row).
    reference : mapping, optional
        The approved applicants' medians the reasons quote (:func:`approved_reference`).
    lang_texts : bool
        Include the reason and recourse sentences (en and zh).
    max_reasons : int
        Most scored reasons.
    truth : TruthModel or None
        The applicant's world's true risk (required; None for data of one's own).
    max_changes : int
        Most changes a recourse combines.
    max_wait_months : int
        Longest wait a recourse may ask for.
    background : pandas.DataFrame, optional
        The population a tree model's reasons are measured against.
    unit : {"feature", "group"}
        Reasons by feature or by driver group.

    Returns
    -------
    dict
        The explanation (keys above).
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


LETTERS = Words("letters")
#: What a letter's reasons are measured from (a basis's label), as a catalogue key.
_BASES = {"approved": "basis.approved", "reference": "basis.reference",
          "best bin": "basis.best_bin", "training (path-dependent)": "basis.training"}


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ConfigError(f"lang must be 'en' or 'zh', got {lang!r}")
    return lang


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
    background = str(check.get("background"))
    basis = LETTERS(_BASES[background], lang) if background in _BASES else background
    n, agree = int(check["compared"]), int(check["agree"])
    labels = check.get("true_labels", {}).get(lang) or check.get("true_reasons", [])
    first = LETTERS("truth.is" if check["first_is_true"] else "truth.is_not", lang)
    lines = [LETTERS.plural("truth.check", agree, lang, basis=basis, agree=agree, compared=n,
                            first=first),
             LETTERS("truth.labels", lang, labels=LETTERS("list", lang).join(labels) if labels
                     else LETTERS("none", lang))]
    run = check.get("run_letter_fidelity_top3")
    if run is not None and run == run:
        lines.append(LETTERS("truth.run", lang, share=f"{run:.1%}"))
    return lines


def human_review_text(applicant_id: Any, lang: str = "en") -> str:
    """How to ask for a human review of an automated decision: the last line of a denial.

    Data-protection law gives an applicant declined by an automated decision the right to
    have a person look at it (GDPR art. 22, China's PIPL art. 24), so every denial letter
    riskkit writes says how, in the applicant's language.

    Parameters
    ----------
    applicant_id : object
        The applicant number the letter quotes.
    lang : {"en", "zh"}
        Language.

    Returns
    -------
    str
    """
    return LETTERS("review", _check_lang(lang), id=applicant_id)


def format_text(explanation: Mapping[str, Any], lang: str = "en") -> str:
    """A readable block: decision, PD, top reasons, what would have to change, and (for a
    denial) how to ask for a human review (:func:`human_review_text`).

    Parameters
    ----------
    explanation : mapping
        :func:`explain_applicant`'s dict (with ``truth_check`` when a run's letter is checked).
    lang : {"en", "zh"}
        Language.

    Returns
    -------
    str
        The block, lines joined by newlines.
    """
    w = LETTERS.texts(_check_lang(lang))
    sep, colon, semi = w["sep"], w["colon"], w["semi"]
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
            status = LETTERS("status", lang, status=status)
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

"""The report's "Explanations" section: how true each model's reasons are, the most frequent
reasons, and a denial letter as the applicant receives it.

The letter is the one ``riskkit explain`` prints (:func:`riskkit.explain.format_text`), built
here from the reasons the run recorded, so the report shows an applicant exactly what they
would read, human-review line included.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from riskkit.explain import format_text
from riskkit.policy import APPROVED
from riskkit.reporting import numbers as fmt
from riskkit.reporting.findings import (
    first_reasons,
)
from riskkit.reporting.page import esc, table
from riskkit.reporting.sections.reason_accuracy import reasons_accuracy_section
from riskkit.reporting.view import Figures, RunView, place

__all__ = ["denial_letter", "explanations_section", "letter_explanation"]

def explanations_section(view: RunView, figs: Figures) -> str:
    """How faithful the reasons are, which reasons decline most, and one denial letter."""
    t, model = view.t, view.deployed
    explain = view.metrics.get("explain") if isinstance(view.metrics.get("explain"), Mapping) else {}
    mine = explain.get(model) if isinstance(explain.get(model), Mapping) else {}
    parts = []
    if "fidelity_top3" in mine:
        parts.append(view.para(t(
            "exp.text", n=fmt.integer(mine.get("n_denied")), model=view.model(model),
            fid=fmt.percent(mine["fidelity_top3"]), rho=fmt.sig(mine.get("rank_correlation")),
            err=fmt.sig(mine.get("additivity_max_err")))))
    elif "additivity_max_err" in mine:
        parts.append(view.para(t("exp.no_truth", model=view.model(model),
                                  err=fmt.sig(mine.get("additivity_max_err")))))
    records = {m: rec for m, rec in explain.items() if isinstance(rec, Mapping)}
    keys = list(dict.fromkeys(k for rec in records.values() for k, v in rec.items()
                              if not isinstance(v, Mapping)))
    if keys:
        parts.append(table([view.label("model"), *(view.label(k) for k in keys)],
                           [[view.model(m), *(view.fmt(k, rec.get(k)) for k in keys)]
                            for m, rec in records.items()]))
    parts.append(_interventional(view, records))
    parts.append(reasons_accuracy_section(view, records))
    first = first_reasons(view)
    if len(first):
        parts.append(f"<h3>{esc(t('sub.reasons'))}</h3>")
        parts.append(view.para(t("exp.reasons", top=first["label"].iloc[0],
                                  share=fmt.percent(first["share"].iloc[0]),
                                  top3=fmt.percent(first["share"].head(3).sum()))))
        parts.append(table([view.label("feature"), view.label("declined"), view.label("share")],
                           [[r.label, fmt.integer(r.count), fmt.percent(r.share)]
                            for r in first.head(10).itertuples()]))
    # the waterfalls draw what the letters quote: their accuracy like for like, when measured
    fid = mine.get("letter_fidelity_top3", mine.get("fidelity_top3"))

    def interpret(stem: str, prefix: str) -> str:
        if prefix == "reason_frequency" and view.reasons is not None and len(view.reasons):
            r = view.reasons
            per = r.groupby("feature")["applicant_id"].nunique().sort_values(ascending=False)
            return t("fig.reasons.text", top=view.feature(str(per.index[0])),
                     share=fmt.percent(per.iloc[0] / r["applicant_id"].nunique()),
                     n=fmt.integer(r["applicant_id"].nunique()))
        if prefix == "contrib_vs_truth" and "rank_correlation" in mine:
            return t("fig.contrib.text", model=view.model(model), rho=fmt.sig(mine["rank_correlation"]),
                     null=fmt.percent(mine.get("null_attribution_share")))
        if prefix == "waterfall" and fid is not None:
            rest = stem[len(prefix) + 1:]
            return t("fig.waterfall.text", fid=fmt.percent(fid), model=view.model(model),
                     who=view.label(f"who.{rest}"))
        return ""

    parts.append(place(view, figs, ("reason_frequency", "contrib_vs_truth", "waterfall"), interpret))
    letter = denial_letter(view)
    if letter:
        parts.append(f"<h3>{esc(t('sub.letter'))}</h3>{letter}")
    return "".join(parts)


def _interventional(view: RunView, records: Mapping[str, Any]) -> str:
    """Fidelity of the tree models explained the truth's way (interventional TreeSHAP
    against the truth's reference sample), when the run measured it."""
    inter = {m: rec["interventional"] for m, rec in records.items()
             if isinstance(rec.get("interventional"), Mapping)}
    if not inter:
        return ""
    first = inter.get(view.deployed) or next(iter(inter.values()))
    model = view.deployed if view.deployed in inter else next(iter(inter))
    keys = list(dict.fromkeys(k for rec in inter.values() for k in rec))
    return (view.para(view.t("exp.interventional", model=view.model(model),
                             rows=fmt.integer(first.get("background_rows")),
                             fid=fmt.percent(first.get("fidelity_top3")),
                             rho=fmt.sig(first.get("rank_correlation"))))
            + table([view.label("model"), *(view.label(k) for k in keys)],
                    [[view.model(m), *(view.fmt(k, rec.get(k)) for k in keys)]
                     for m, rec in inter.items()]))


def letter_explanation(view: RunView) -> dict[str, Any] | None:
    """The explanation :func:`riskkit.explain.format_text` needs, for the first declined test
    applicant with a scored reason (the lowest id: the same applicant on every rerun)."""
    test, reasons = view.split_frame("test"), view.reasons
    if test is None or reasons is None or reasons.empty or "decision" not in test:
        return None
    denied = test[test["decision"] != APPROVED]
    mine = reasons[reasons["applicant_id"].isin(denied["applicant_id"])]
    first = mine[mine["rank"] == mine["rank"].min()] if "rank" in mine else mine
    if "kind" in first:  # declined by the score, the usual case, rather than by a knock-out
        first = first[first["kind"] == "scored"]
    if first.empty:
        return None
    who = int(first["applicant_id"].min())
    row = denied[denied["applicant_id"] == who].iloc[0]
    pd_col = f"pd_{view.deployed}"
    items = []
    for rec in mine[mine["applicant_id"] == who].sort_values("rank").to_dict("records"):
        items.append({"rank": int(rec["rank"]), "kind": str(rec.get("kind", "scored")),
                      "feature": str(rec["feature"]),
                      "contribution": float(rec["contribution"]) if pd.notna(rec.get("contribution"))
                      else 0.0,
                      "text_en": rec.get("text_en"), "text_zh": rec.get("text_zh")})
    return {"applicant_id": who, "decision": str(row["decision"]),
            "pd": float(row[pd_col]) if pd_col in row else float("nan"),
            "score": float(row["score"]) if "score" in row and pd.notna(row["score"]) else None,
            "credit_line": float(row.get("credit_line", 0.0)), "reasons": items,
            "recourse": None, "true_pd": None}


def denial_letter(view: RunView) -> str:
    """One declined applicant's letter, as ``riskkit explain`` prints it, with a sentence on it."""
    explanation = letter_explanation(view)
    if explanation is None:
        return ""
    n = (view.split_frame("test")["decision"] != APPROVED).sum()
    return (view.para(view.t("exp.letter", id=explanation["applicant_id"], n=fmt.integer(n)))
            + f'<pre class="letter">{esc(format_text(explanation, view.lang))}</pre>')

"""Report sections on decisions: the policy, the explanations, and a denial letter.

As in :mod:`riskkit.reporting.report_sections`, every sentence's numbers are computed from
the run. The denial letter is the one ``riskkit explain`` prints
(:func:`riskkit.explain.format_text`), built here from the reasons the run recorded, so the
report shows an applicant exactly what they would read, human-review line included.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from riskkit.explain import format_text
from riskkit.policy import APPROVED
from riskkit.reporting import report_format as fmt
from riskkit.reporting.report_html import esc, table
from riskkit.reporting.report_reasons import reasons_accuracy_section
from riskkit.reporting.report_sections import place
from riskkit.reporting.report_summary import first_reasons
from riskkit.reporting.report_view import Figures, RunView

__all__ = ["denial_letter", "explanations_section", "policy_section"]

POLICY_KEYS = ("approval_rate", "bad_rate_approved", "bad_rate_denied", "knockout_rate",
               "referral_rate", "missing_decided_rate", "mean_credit_line", "total_credit_line")


def _policy(view: RunView) -> Mapping[str, Any]:
    policy = view.metrics.get("policy")
    return policy if isinstance(policy, Mapping) else {}


def _at_approval(curve: pd.DataFrame, share: float) -> float | None:
    """Bad rate among approved at approval rate ``share``, read off the strategy curve."""
    if not {"approval_rate", "bad_rate_approved"} <= set(curve) or curve.empty:
        return None
    c = curve.sort_values("approval_rate")
    return float(np.interp(share, c["approval_rate"], c["bad_rate_approved"]))


def policy_section(view: RunView, figs: Figures) -> str:
    """Cut-off, knock-outs, what the policy approves and whom it keeps out."""
    t, policy, model = view.t, _policy(view), view.deployed
    oot = policy.get("oot") if isinstance(policy.get("oot"), Mapping) else {}
    parts, sentences = [], []
    method = str(policy.get("cutoff_method") or "")
    if "cutoff_pd" in policy:
        target = view.fmt(method, policy.get("cutoff_target")) if method != "fixed" else \
            fmt.percent(policy.get("cutoff_target"))
        sentences.append(t("pol.cut", cut=fmt.percent(policy["cutoff_pd"]), model=view.model(model),
                           method=view.value_text(method), target=target,
                           ko=fmt.percent(policy.get("knockout_rate")),
                           appr=fmt.percent(policy.get("approval_rate"))))
    test = view.split_frame("test")
    if test is not None and {"decision", "default_12m"} <= set(test):
        bad = test["default_12m"].astype(bool)
        denied = test["decision"] != APPROVED
        sentences.append(t("pol.effect", bra=fmt.percent(policy.get("bad_rate_approved")),
                           brd=fmt.percent(policy.get("bad_rate_denied")),
                           declined=fmt.percent(denied.mean()),
                           caught=fmt.percent(denied[bad].mean() if bad.any() else float("nan"))))
    missing = _missing_sentence(view, policy)
    if missing:
        sentences.append(missing)
    parts.append(view.para(*sentences))
    rows = [[view.label(k), view.fmt(k, policy.get(k)), *([view.fmt(k, oot.get(k))] if oot else [])]
            for k in POLICY_KEYS if k in policy or k in oot]
    if rows:
        parts.append(table(["", view.split("test"), *([view.split("oot")] if oot else [])], rows,
                           row_headers=True))
    if test is not None and "knockout" in test:
        hits = test["knockout"].astype(str)
        counts = hits[hits != ""].value_counts()
        if len(counts):
            parts.append(f"<h3>{esc(t('sub.knockouts'))}</h3>")
            parts.append(view.para(t("pol.ko", rule=view.knockout(counts.index[0]),
                                      n=fmt.integer(counts.iloc[0]),
                                      share=fmt.percent(counts.iloc[0] / len(test)))))
            parts.append(table([view.label("rule"), view.label("n"), view.label("share")],
                               [[view.knockout(r), fmt.integer(n), fmt.percent(n / len(test))]
                                for r, n in counts.items()]))
    parts.append(_decisions(view))

    def interpret(stem: str, prefix: str) -> str:
        curve = view.tables.get(f"strategy_{model}")
        if prefix == "strategy" and curve is not None:
            lo, hi = _at_approval(curve, 0.5), _at_approval(curve, 0.9)
            if lo is None:
                return ""
            return t("fig.strategy.text", lo=fmt.percent(lo), hi=fmt.percent(hi),
                     appr=fmt.percent(policy.get("approval_rate")),
                     bra=fmt.percent(policy.get("bad_rate_approved")))
        m = stem[len(prefix) + 1:] if stem.startswith(f"{prefix}_") else model
        seg = view.tables.get(f"segments_{m}")
        if prefix == "segments" and seg is not None and {"bad_rate", "auc"} <= set(seg):
            name = seg.columns[0]
            s = seg.sort_values(["bad_rate", name])
            return t("fig.segments.text", attr=view.attribute(name),
                     lo=fmt.percent(s["bad_rate"].iloc[0]), lo_name=view.level(name, s[name].iloc[0]),
                     hi=fmt.percent(s["bad_rate"].iloc[-1]), hi_name=view.level(name, s[name].iloc[-1]),
                     model=view.model(m), auc_lo=fmt.sig(seg["auc"].min(), 3),
                     auc_hi=fmt.sig(seg["auc"].max(), 3))
        return ""

    parts.append(place(view, figs, ("strategy", "segments"), interpret))
    return "".join(parts)


def _missing_sentence(view: RunView, policy: Mapping[str, Any]) -> str:
    """The policy's choices for missing values and how often they decided (runs that say)."""
    choices = policy.get("missing_values")
    if not isinstance(choices, Mapping) or "missing_decided_rate" not in policy:
        return ""
    rules = {str(r): str(o) for r, o in (choices.get("knockouts") or {}).items()}
    outcomes = set(rules.values())
    if len(outcomes) <= 1:  # one choice for every rule (a policy without rules: the default)
        ko = view.t(f"pol.miss.{outcomes.pop() if outcomes else 'decline'}")
    else:
        ko = view.t("pol.miss.mixed", rules=view.join(
            [f"{view.knockout(r)}: {view.t(f'pol.miss.{o}')}" for r, o in rules.items()]))
    return view.t("pol.missing", ko=ko, income=view.t(f"pol.inc.{choices.get('income', 'refer')}"),
                  share=fmt.percent(policy.get("missing_decided_rate")),
                  referred=fmt.percent(policy.get("referral_rate")))


def _decisions(view: RunView) -> str:
    frame = view.decisions
    if frame is None or "decision" not in frame or "split" not in frame:
        return ""
    rows, rates = [], {}
    for split in [s for s in ("train", "valid", "test", "oot") if s in set(frame["split"].astype(str))]:
        part = frame[frame["split"].astype(str) == split]
        approved = part["decision"] == APPROVED
        rates[split] = approved.mean()
        line = part.loc[approved, "credit_line"].mean() if "credit_line" in part else float("nan")
        rows.append([view.split(split), fmt.integer(len(part)), fmt.integer(approved.sum()),
                     fmt.integer((~approved).sum()), fmt.percent(approved.mean()),
                     fmt.money(line, view.lang)])
    if not rows:
        return ""
    lo, hi = min(rates, key=rates.get), max(rates, key=rates.get)
    return (f"<h3>{esc(view.t('sub.decisions'))}</h3>"
            + view.para(view.t("pol.splits", lo=fmt.percent(rates[lo]), lo_split=view.split(lo),
                                hi=fmt.percent(rates[hi]), hi_split=view.split(hi)))
            + table([view.label("split"), view.label("rows"), view.label("approved"),
                     view.label("declined"), view.label("approval_rate"),
                     view.label("mean_credit_line")], rows))


# ----------------------------------------------------------------------------- explanations
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

"""The report's "Policy" section: the cut-off, the knock-out rules, what they decide, and how
missing values are treated, every sentence filled from the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from riskkit.policy import APPROVED
from riskkit.reporting import numbers as fmt
from riskkit.reporting.page import esc, table
from riskkit.reporting.view import Figures, RunView, place

__all__ = ["POLICY_KEYS", "policy_section"]

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
            # read off the curve, not typed: a curve that falls (or is flat) is said so
            return view.choose(hi, lo, ("fig.strategy.text", "fig.strategy.text_down",
                                        "fig.strategy.text_same"), shown=fmt.percent,
                               table=None, lo=fmt.percent(lo), hi=fmt.percent(hi),
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

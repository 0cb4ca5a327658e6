"""The report's "Reject inference" section: the methods side by side, graded by the truth
(only for runs that studied them: ``metrics.json["reject_inference"]``).
"""

from __future__ import annotations

from collections.abc import Mapping

from riskkit.reporting import numbers as fmt
from riskkit.reporting.numbers import as_number
from riskkit.reporting.page import table
from riskkit.reporting.view import Figures, RunView, place

__all__ = ["REJECT_KEYS", "reject_inference_section"]

REJECT_KEYS = ("auc_all", "auc_rejects", "pred_bad_rate_rejects", "true_bad_rate_rejects",
               "ece_all", "approval_rate", "bad_rate_approved")


def reject_inference_section(view: RunView, figs: Figures) -> str:
    """The reject-inference methods side by side (only for runs that studied them)."""
    t = view.t
    block = view.metrics.get("reject_inference")
    methods = block.get("methods") if isinstance(block, Mapping) else None
    if not isinstance(methods, Mapping) or not methods:
        return ""
    methods = {m: r for m, r in methods.items() if isinstance(r, Mapping)}
    keys = [k for k in REJECT_KEYS if any(k in r for r in methods.values())]
    keys += sorted({k for r in methods.values() for k in r} - set(keys))
    sentences = []
    auc = {m: as_number(r.get("auc_rejects")) for m, r in methods.items()}
    auc = {m: v for m, v in auc.items() if v is not None}
    if auc:
        best = max(auc.items(), key=lambda kv: (kv[1], kv[0]))
        sentences.append(t("ri.best", method=view.value_text(best[0]), auc=fmt.sig(best[1], 4),
                           worst=view.value_text(min(auc, key=auc.get)), low=fmt.sig(min(auc.values()), 4)))
    err = {m: (as_number(r.get("pred_bad_rate_rejects")), as_number(r.get("true_bad_rate_rejects")))
           for m, r in methods.items()}
    err = {m: e for m, e in err.items() if None not in e}
    if err:
        m, (p, q) = min(err.items(), key=lambda kv: (abs(kv[1][0] - kv[1][1]), kv[0]))
        sentences.append(t("ri.closest", method=view.value_text(m), pred=fmt.percent(p), true=fmt.percent(q)))
    parts = [view.para(*sentences),
             table([view.label("reject_method"), *(view.label(k) for k in keys)],
                   [[view.value_text(m), *(view.fmt(k, r.get(k)) for k in keys)] for m, r in methods.items()])]
    parts.append(place(view, figs, ("reject",), lambda stem, prefix: " ".join(sentences)))
    return "".join(parts)

"""The report's "Reject inference" section: the methods side by side, graded by the truth
(only for runs that studied them: ``metrics.json["reject_inference"]``).

A run that studied more than one selection setting (``by_selection``: missing at random,
missing not at random) gets one part per setting: the finding in words rebuilt in the
report's language from the same grades (:func:`riskkit.rejectinf.summary.summarise`), the
literature's prediction beside it, and one compact table of every model kind and method
with the bound (everyone's outcomes) and the peer package's rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from riskkit.rejectinf.summary import WORDS as REJECT
from riskkit.rejectinf.summary import summarise
from riskkit.reporting import numbers as fmt
from riskkit.reporting.numbers import as_number
from riskkit.reporting.page import esc, table
from riskkit.reporting.view import Figures, RunView, place

__all__ = ["COMPACT_KEYS", "REJECT_KEYS", "reject_inference_section"]

REJECT_KEYS = ("auc_all", "auc_rejects", "pred_bad_rate_rejects", "true_bad_rate_rejects",
               "ece_all", "approval_rate", "bad_rate_approved")
#: The columns of a selection setting's table (issue 24's measures).
COMPACT_KEYS = ("pred_bad_rate_rejects", "true_bad_rate_rejects", "reject_abs_error", "auc_all")


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
        worst = min(auc.items(), key=lambda kv: (kv[1], kv[0]))
        sentences.append(view.choose(best[1], worst[1], ("ri.best", "ri.best", "ri.best_tie"),
                                     shown=lambda v: fmt.sig(v, 4), method=_name(view, best[0]), auc=fmt.sig(best[1], 4),
                                     worst=_name(view, worst[0]), low=fmt.sig(worst[1], 4)))
    err = {m: (as_number(r.get("pred_bad_rate_rejects")), as_number(r.get("true_bad_rate_rejects")))
           for m, r in methods.items()}
    err = {m: e for m, e in err.items() if None not in e}
    if err:
        m, (p, q) = min(err.items(), key=lambda kv: (abs(kv[1][0] - kv[1][1]), kv[0]))
        # closest is not close: the gap is said, its direction in the verb
        sentences.append(view.choose(p, q, ("ri.closest_over", "ri.closest_under", "ri.closest_match"),
                                     shown=fmt.percent, method=_name(view, m),
                                     pred=fmt.percent(p), true=fmt.percent(q),
                                     d=fmt.pp(abs(p - q), view.lang)))
    by_selection = block.get("by_selection")
    if isinstance(by_selection, Mapping) and by_selection:
        parts = [view.para(t("ri.table"))]  # each setting says its own finding
        parts += [_selection_part(view, sel, b) for sel, b in by_selection.items()
                  if isinstance(b, Mapping)]
    else:
        parts = [view.para(*sentences),
                 table([view.label("reject_method"), *(view.label(k) for k in keys)],
                       [[view.value_text(m), *(view.fmt(k, r.get(k)) for k in keys)]
                        for m, r in methods.items()])]
    parts.append(place(view, figs, ("reject",), lambda stem, prefix: " ".join(sentences)))
    return "".join(parts)


def _name(view: RunView, name: str) -> str:
    """A method's or model kind's config name in the report's words."""
    return REJECT.get(f"method.{name}", view.lang) or view.model(name)


def _peer_name(name: str) -> str:
    """A rejectkit method by its own name: riskkit's words for a method of the same name
    would describe riskkit's version of it."""
    return name.replace("_", " ")


def _cell(view: RunView, key: str, value: Any) -> str:
    number = as_number(value)
    if number is None:
        return view.fmt(key, value)
    if key == "reject_abs_error":  # points of bad rate, as the sentences say them
        return f"{100 * number:.2f}"
    return view.fmt(key, number)


def _selection_part(view: RunView, selection: str, block: Mapping[str, Any]) -> str:
    """One selection setting: heading, the finding and the literature, the table."""
    by_model = block.get("by_model")
    if not isinstance(by_model, Mapping) or not by_model:
        return ""
    peer = block.get("peer") if isinstance(block.get("peer"), Mapping) else {}
    grades = {k: {m: g for m, g in ms.items() if isinstance(g, Mapping)}
              for k, ms in by_model.items() if isinstance(ms, Mapping)}
    found = summarise(grades, dict(peer), selection, view.lang, name=lambda n: _name(view, n),
                      peer_name=_peer_name)
    reference = (block.get("reference") or {}).get("full_information") or {}
    rows = [(k, m, g) for k, ms in grades.items() for m, g in ms.items()]
    rows += [(k, "full_information", g) for k, g in reference.items() if isinstance(g, Mapping)]
    rows += [("rejectkit", m, g) for m, g in peer.items() if isinstance(g, Mapping)]
    method = {"rejectkit": _peer_name}
    heading = view.t(f"ri.sub.{selection}") if selection in ("mar", "mnar") else selection
    return (f"<h3>{esc(heading)}</h3>"
            + view.para(found.get("sentence", ""), found.get("literature", ""))
            + table([view.label("model"), view.label("reject_method"),
                     *(view.label(k) for k in COMPACT_KEYS)],
                    [[view.model(k), method.get(k, lambda n: _name(view, n))(m), *(_cell(view, c, g.get(c)) for c in COMPACT_KEYS)]
                     for k, m, g in rows], numeric=[False, False, *([True] * len(COMPACT_KEYS))],
                    keep=False))

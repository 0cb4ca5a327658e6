"""Report sections on fairness and reject inference, read from metrics.json.

The fairness figures are computed by the run (``metrics.json["fairness"]``, fairlearn's
``MetricFrame`` by protected attribute); this module only presents them, with sentences
computed from them. A run without the section says so in words rather than leaving the
section out: a validator must see that fairness was not assessed, not miss it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from riskkit.reporting import report_format as fmt
from riskkit.reporting.report_html import esc, table
from riskkit.reporting.report_sections import place
from riskkit.reporting.report_summary import FOUR_FIFTHS
from riskkit.reporting.report_view import Figures, RunView

__all__ = ["GROUP_KEYS", "REJECT_KEYS", "fairness_section", "reject_inference_section"]

GROUP_KEYS = ("n", "approval_rate", "bad_rate_approved", "tpr_decline", "fpr_decline", "mean_pd",
              "mean_true_pd")
REJECT_KEYS = ("auc_all", "auc_rejects", "pred_bad_rate_rejects", "true_bad_rate_rejects",
               "ece_all", "approval_rate", "bad_rate_approved")


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _range(view: RunView, attr: str, groups: Mapping[str, Mapping[str, Any]], key: str
           ) -> tuple[tuple[str, float], tuple[str, float]] | None:
    values = {lvl: _num(rec.get(key)) for lvl, rec in groups.items() if isinstance(rec, Mapping)}
    values = {lvl: v for lvl, v in values.items() if v is not None}
    if len(values) < 2:
        return None
    lo = min(values.items(), key=lambda kv: (kv[1], kv[0]))
    hi = max(values.items(), key=lambda kv: (kv[1], kv[0]))
    return (view.level(attr, lo[0]), lo[1]), (view.level(attr, hi[0]), hi[1])


def _flag(part: Mapping[str, Any], attr: str, air: float | None) -> bool | None:
    """The four-fifths flag: True fails, False passes, None not measured (no ratio)."""
    flag = (part.get("four_fifths_flag") or {}).get(attr)
    if air is None:
        return None
    return bool(flag) if flag is not None else air < FOUR_FIFTHS


def _attribute_text(view: RunView, attr: str, groups: Mapping[str, Any], air: float | None,
                    flagged: bool | None) -> str:
    t, sentences = view.t, []
    appr = _range(view, attr, groups, "approval_rate")
    if appr:
        sentences.append(t("fair.appr", attr=view.attribute(attr), lo=fmt.percent(appr[0][1]),
                           lo_lvl=appr[0][0], hi=fmt.percent(appr[1][1]), hi_lvl=appr[1][0],
                           air=fmt.sig(air), verdict=t({True: "fair.below", False: "fair.above",
                                                         None: "fair.unmeasured"}[flagged])))
    bad = _range(view, attr, groups, "bad_rate_approved")
    if bad:
        sentences.append(t("fair.bad", lo=fmt.percent(bad[0][1]), lo_lvl=bad[0][0],
                           hi=fmt.percent(bad[1][1]), hi_lvl=bad[1][0]))
    tpr, fpr = _range(view, attr, groups, "tpr_decline"), _range(view, attr, groups, "fpr_decline")
    if tpr and fpr:
        sentences.append(t("fair.rates", tlo=fmt.percent(tpr[0][1]), thi=fmt.percent(tpr[1][1]),
                           flo=fmt.percent(fpr[0][1]), fhi=fmt.percent(fpr[1][1])))
    gaps = {lvl: (_num(r.get("mean_pd")), _num(r.get("mean_true_pd"))) for lvl, r in groups.items()
            if isinstance(r, Mapping)}
    gaps = {lvl: g for lvl, g in gaps.items() if None not in g}
    if gaps:
        lvl, (p, q) = max(gaps.items(), key=lambda kv: (abs(kv[1][0] - kv[1][1]), kv[0]))
        sentences.append(t("fair.pd", lvl=view.level(attr, lvl), pd=fmt.percent(p),
                           true=fmt.percent(q)))
    return view.para(*sentences)


def fairness_section(view: RunView, figs: Figures) -> str:
    """Approval, bad rates and error rates by protected group; adverse impact; knock-outs."""
    t = view.t
    fair = view.metrics.get("fairness")
    if not isinstance(fair, Mapping) or not isinstance(fair.get("splits"), Mapping):
        return view.para(t("fair.absent"))
    splits = {s: v for s, v in fair["splits"].items() if isinstance(v, Mapping)}
    attrs = list(fair.get("attributes") or dict.fromkeys(
        a for v in splits.values() for a in (v.get("groups") or {})))
    model = str(fair.get("model") or view.deployed)
    parts = [view.para(t("fair.intro", model=view.model(model),
                          attrs=view.join([view.attribute(a) for a in attrs]),
                          splits=view.join([view.split(s) for s in splits])))]
    rows, worst, flagged_n, total = [], None, 0, 0
    for attr in attrs:
        row = [view.attribute(attr)]
        for split, part in splits.items():
            air = _num((part.get("adverse_impact_ratio") or {}).get(attr))
            flag = _flag(part, attr, air)
            mark = {True: " · " + t("v.fair.bad"), None: " · " + t("v.fair.unmeasured")}
            row.append(f"{fmt.sig(air)}{mark.get(flag, '')}")
            if air is not None:
                total += 1
                flagged_n += flag
                if worst is None or air < worst[0]:
                    worst = (air, attr, split)
        rows.append(row)
    parts.append(f"<h3>{esc(t('sub.air'))}</h3>")
    if worst:
        parts.append(view.para(t("fair.air", air=fmt.sig(worst[0]), attr=view.attribute(worst[1]),
                                  split=view.split(worst[2]), k=flagged_n, n=total)))
    parts.append(table([view.label("attribute"), *(view.split(s) for s in splits)], rows))
    detail = next((s for s in ("test", "oot") if s in splits), next(iter(splits), None))
    part = splits.get(detail) or {}
    for attr in attrs:
        groups = (part.get("groups") or {}).get(attr)
        if not isinstance(groups, Mapping) or not groups:
            continue
        keys = [k for k in GROUP_KEYS if any(k in (r or {}) for r in groups.values())]
        air = _num((part.get("adverse_impact_ratio") or {}).get(attr))
        flag = _flag(part, attr, air)
        parts.append(f"<h3>{esc(t('sub.by', attr=view.attribute(attr), split=view.split(detail)))}</h3>")
        parts.append(_attribute_text(view, attr, groups, air, flag))
        parts.append(table([view.label("level"), *(view.label(k) for k in keys)],
                           [[view.level(attr, lvl), *(view.fmt(k, (rec or {}).get(k)) for k in keys)]
                            for lvl, rec in groups.items()]))
    knock = part.get("knockout_share") or {}
    knock = {r: _num(v) for r, v in knock.items() if _num(v) is not None}
    if knock:
        top = max(knock.items(), key=lambda kv: (kv[1], kv[0]))
        parts.append(f"<h3>{esc(t('sub.knockouts'))}</h3>")
        parts.append(view.para(t("fair.ko", rule=view.knockout(top[0]), share=fmt.percent(top[1]),
                                  total=fmt.percent(sum(knock.values())))))
        parts.append(table([view.label("rule"), view.label("knockout_share")],
                           [[view.knockout(r), fmt.percent(v)] for r, v in
                            sorted(knock.items(), key=lambda kv: -kv[1])]))

    def interpret(stem: str, prefix: str) -> str:
        return t("fig.fairness.text", attr=view.attribute(worst[1]), air=fmt.sig(worst[0])) \
            if worst else ""

    parts.append(place(view, figs, ("fairness",), interpret))
    return "".join(parts)


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
    auc = {m: _num(r.get("auc_rejects")) for m, r in methods.items()}
    auc = {m: v for m, v in auc.items() if v is not None}
    if auc:
        best = max(auc.items(), key=lambda kv: (kv[1], kv[0]))
        sentences.append(t("ri.best", method=view.value_text(best[0]), auc=fmt.sig(best[1], 4),
                           worst=view.value_text(min(auc, key=auc.get)), low=fmt.sig(min(auc.values()), 4)))
    err = {m: (_num(r.get("pred_bad_rate_rejects")), _num(r.get("true_bad_rate_rejects")))
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

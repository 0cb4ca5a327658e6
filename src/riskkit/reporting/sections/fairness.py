"""The report's "Fairness" section, read from metrics.json.

The fairness figures are computed by the run (``metrics.json["fairness"]``,
:mod:`riskkit.evaluate.fairness`); this module only presents them, with sentences chosen
and filled from them (:func:`verdict_key`; what the knock-out rules do to the ratio through
:meth:`~riskkit.reporting.view.RunView.choose`). A run without the section says so in words
rather than leaving the section out: a validator must see that fairness was not assessed, not miss it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from riskkit.reporting import numbers as fmt
from riskkit.reporting.findings import FOUR_FIFTHS, MIN_GROUP, fairness_table, flag_claim
from riskkit.reporting.numbers import as_number
from riskkit.reporting.page import esc, table
from riskkit.reporting.view import Figures, RunView, place

__all__ = ["GROUP_KEYS", "fairness_section", "impact_records", "verdict_key"]

GROUP_KEYS = ("n", "approval_rate", "n_passers", "approval_rate_passers", "bad_rate_approved",
              "tpr_decline", "fpr_decline", "mean_pd", "mean_true_pd", "n_approved", "mean_line",
              "line_per_income")


def _range(view: RunView, attr: str, groups: Mapping[str, Mapping[str, Any]], key: str,
           left_out: Sequence[str] = ()) -> tuple[tuple[str, float], tuple[str, float]] | None:
    """The lowest and highest ``key`` across the groups (``left_out`` aside), with the
    groups' names in words; None with fewer than two."""
    values = {lvl: as_number(rec.get(key)) for lvl, rec in groups.items()
              if isinstance(rec, Mapping) and str(lvl) not in left_out}
    values = {lvl: v for lvl, v in values.items() if v is not None}
    if len(values) < 2:
        return None
    lo = min(values.items(), key=lambda kv: (kv[1], kv[0]))
    hi = max(values.items(), key=lambda kv: (kv[1], kv[0]))
    return (view.level(attr, lo[0]), lo[1]), (view.level(attr, hi[0]), hi[1])


def _left_out(groups: Mapping[str, Any], record: Mapping[str, Any], base: str,
              min_group: Any) -> list[str]:
    """The groups the ratio of ``base`` leaves out as too small: the run's own list, else
    (a run that did not write one) those under ``min_group`` applicants or passers."""
    found = record.get("left_out")
    if isinstance(found, (list, tuple)):
        return [str(g) for g in found]
    count = "n" if base == "policy" else "n_passers"
    least = as_number(min_group) or MIN_GROUP
    return [str(lvl) for lvl, rec in groups.items() if isinstance(rec, Mapping)
            and as_number(rec.get(count)) is not None and as_number(rec.get(count)) < least]


def impact_records(part: Mapping[str, Any], attr: str) -> dict[str, dict[str, Any]]:
    """The attribute's ``policy`` and ``passers`` ratio records of one split.

    A run made before intervals has only ``adverse_impact_ratio`` and ``four_fifths_flag``:
    its record carries the ratio, no interval, and the status ``"legacy"``.
    """
    found = (part.get("adverse_impact") or {}).get(attr)
    if isinstance(found, Mapping):
        return {k: dict(v) for k, v in found.items() if isinstance(v, Mapping)}
    air = as_number((part.get("adverse_impact_ratio") or {}).get(attr))
    flag = (part.get("four_fifths_flag") or {}).get(attr)
    flag = bool(flag) if flag is not None else (air is not None and air < FOUR_FIFTHS)
    status = "not measured" if air is None else "legacy"
    return {"policy": {"ratio": air, "low": None, "high": None, "status": status,
                       "legacy_flag": flag, "reason": "too_few_groups" if air is None else None}}


def verdict_key(record: Mapping[str, Any]) -> str | None:
    """The catalogue key of a ratio's four-fifths verdict, chosen from its numbers.

    Flagged only when the whole interval is below four-fifths; a ratio below four-fifths
    whose interval reaches above it is "not flagged, but below at the estimate"; None when
    not measured.
    """
    status, ratio = record.get("status"), as_number(record.get("ratio"))
    if status == "not measured" or ratio is None:
        return None
    if status == "legacy":
        return "fair.v.legacy_below" if record.get("legacy_flag") else "fair.v.legacy_above"
    if status == "flagged":
        return "fair.v.flagged"
    return "fair.v.straddles" if ratio < FOUR_FIFTHS else "fair.v.clear"


def _interval(view: RunView, record: Mapping[str, Any]) -> str:
    low, high = as_number(record.get("low")), as_number(record.get("high"))
    if low is None or high is None:
        return view.t("fair.no_interval")
    return view.t("fair.interval", low=fmt.sig(low), high=fmt.sig(high))


def _verdict(view: RunView, record: Mapping[str, Any]) -> str:
    key = verdict_key(record)
    return view.t(key, high=fmt.sig(as_number(record.get("high")))) if key else view.t("v.fair.none")


def _ratio_sentence(view: RunView, template: str, record: Mapping[str, Any], **fields: Any) -> str:
    """A ratio's sentence, its verdict recorded as a claim: "flagged" is where the interval
    lies against 4/5 (:func:`flag_claim`); "at or above" / "below four-fifths at the estimate"
    a comparison of the ratio with 4/5."""
    ratio, key = as_number(record.get("ratio")), verdict_key(record)
    high = fmt.sig(as_number(record.get("high")))
    if key == "fair.v.flagged":
        return flag_claim(view, record, lambda k: view.t(template, verdict=view.t(k, high=high),
                                                          **fields))
    if key not in ("fair.v.clear", "fair.v.straddles") or ratio is None:
        return view.t(template, verdict=_verdict(view, record), **fields)
    return view.choose(ratio, FOUR_FIFTHS, ("fair.v.clear", "fair.v.straddles", "fair.v.clear"),
                       decimals=9, table="fairness", say=lambda key: view.t(template, verdict=view.t(key, high=high),
                                                          **fields))


def _cell(view: RunView, record: Mapping[str, Any] | None) -> str:
    """An AIR table cell: ratio (interval) · verdict word."""
    if not record:
        return fmt.DASH
    status = record.get("status")
    word = {"flagged": "v.fair.bad", "not flagged": "v.fair.good", "not measured": "v.fair.none"}
    if status == "legacy":
        word_key = "v.fair.bad" if record.get("legacy_flag") else "v.fair.good"
    else:
        word_key = word.get(str(status), "v.fair.none")
    low, high = as_number(record.get("low")), as_number(record.get("high"))
    ci = f" ({fmt.sig(low)}–{fmt.sig(high)})" if low is not None and high is not None else ""
    ratio = as_number(record.get("ratio"))
    return f"{fmt.sig(ratio) if ratio is not None else fmt.DASH}{ci} · {view.t(word_key)}"


def _not_measured(view: RunView, attr: str, base: str, record: Mapping[str, Any],
                  min_group: Any) -> str:
    reason = view.t(f"fair.r.{record.get('reason') or 'too_few_groups'}", min=min_group,
                    who=view.t(f"fair.who.{base}"))
    return view.t("fair.not_measured", base=view.t(f"fair.base.{base}"),
                  attr=view.attribute(attr), reason=reason)


def _attribute_text(view: RunView, attr: str, groups: Mapping[str, Any],
                    impact: Mapping[str, Mapping[str, Any]], min_group: Any) -> str:
    t, sentences = view.t, []
    for base, key, template in (("policy", "approval_rate", "fair.appr"),
                                ("passers", "approval_rate_passers", "fair.appr_pass")):
        record = impact.get(base)
        if record is None:
            continue
        left = _left_out(groups, record, base, min_group)  # the range is the ratio's groups
        span = _range(view, attr, groups, key, left)
        if verdict_key(record) is None:
            sentences.append(_not_measured(view, attr, base, record, min_group))
        elif span:
            sentences.append(_ratio_sentence(
                view, template, record, attr=view.attribute(attr), lo=fmt.percent(span[0][1]),
                lo_lvl=span[0][0], hi=fmt.percent(span[1][1]), hi_lvl=span[1][0],
                air=fmt.sig(as_number(record.get("ratio"))), interval=_interval(view, record)))
            if left:
                sentences.append(t("fair.left_out", min=min_group, who=t(f"fair.who.{base}"),
                                   levels=view.join([view.level(attr, g) for g in left])))
    pol = as_number((impact.get("policy") or {}).get("ratio"))
    pas = as_number((impact.get("passers") or {}).get("ratio"))
    if pol is not None and pas is not None:  # higher among passers: the rules lower it
        sentences.append(view.choose(pas, pol, ("fair.ko_lowers", "fair.ko_raises", "fair.ko_same"),
                                     shown=fmt.sig, pol=fmt.sig(pol), pas=fmt.sig(pas)))
    line, per = _range(view, attr, groups, "mean_line"), _range(view, attr, groups, "line_per_income")
    if line and per:
        ratio = as_number(per[0][1] / per[1][1]) if per[1][1] > 0 else None
        sentences.append(t("fair.line", lo=fmt.money(line[0][1], view.lang), lo_lvl=line[0][0],
                           hi=fmt.money(line[1][1], view.lang), hi_lvl=line[1][0],
                           ilo=fmt.sig(per[0][1]), ilo_lvl=per[0][0], ihi=fmt.sig(per[1][1]),
                           ihi_lvl=per[1][0],
                           ratio=t("fair.line_ratio", ratio=fmt.percent(ratio)) if ratio else ""))
    bad = _range(view, attr, groups, "bad_rate_approved")
    if bad:
        sentences.append(t("fair.bad", lo=fmt.percent(bad[0][1]), lo_lvl=bad[0][0],
                           hi=fmt.percent(bad[1][1]), hi_lvl=bad[1][0]))
    tpr, fpr = _range(view, attr, groups, "tpr_decline"), _range(view, attr, groups, "fpr_decline")
    if tpr and fpr:
        sentences.append(t("fair.rates", tlo=fmt.percent(tpr[0][1]), thi=fmt.percent(tpr[1][1]),
                           flo=fmt.percent(fpr[0][1]), fhi=fmt.percent(fpr[1][1])))
    gaps = {lvl: (as_number(r.get("mean_pd")), as_number(r.get("mean_true_pd"))) for lvl, r in groups.items()
            if isinstance(r, Mapping)}
    gaps = {lvl: g for lvl, g in gaps.items() if None not in g}
    if gaps:
        lvl, (p, q) = max(gaps.items(), key=lambda kv: (abs(kv[1][0] - kv[1][1]), kv[0]))
        sentences.append(view.choose(p, q, ("fair.pd_over", "fair.pd_under", "fair.pd"),
                                     shown=fmt.percent, lvl=view.level(attr, lvl), pd=fmt.percent(p),
                                     true=fmt.percent(q), d=fmt.pp(abs(p - q), view.lang)))
    return view.para(*sentences)


def fairness_section(view: RunView, figs: Figures) -> str:
    """Approval by protected group for the policy and among knock-out passers, with
    intervals and verdicts; bad rates, error rates and credit lines; knock-outs."""
    t = view.t
    fair = view.metrics.get("fairness")
    if not isinstance(fair, Mapping) or not isinstance(fair.get("splits"), Mapping):
        return view.para(t("fair.absent"))
    splits = {s: v for s, v in fair["splits"].items() if isinstance(v, Mapping)}
    # the fairness figures and the line they are read against: a claim's two numbers
    fairness_table(view)
    attrs = list(fair.get("attributes") or dict.fromkeys(
        a for v in splits.values() for a in (v.get("groups") or {})))
    model = str(fair.get("model") or view.deployed)
    parts = [view.para(t("fair.intro", model=view.model(model),
                          attrs=view.join([view.attribute(a) for a in attrs]),
                          splits=view.join([view.split(s) for s in splits])))]
    setup = next((v.get("interval") for v in splits.values() if isinstance(v.get("interval"), Mapping)),
                 None)
    if setup:
        parts.append(view.para(t("fair.method", method=t(f"fair.{setup.get('method', 'bca')}"),
                                 reps=fmt.integer(setup.get("replicates")),
                                 min=setup.get("min_group", MIN_GROUP))))
    rows, worst, flagged_n, measured, unmeasured = [], None, 0, 0, 0
    for attr in attrs:
        row = [view.attribute(attr)]
        for split, part in splits.items():
            impact = impact_records(part, attr)
            row += [_cell(view, impact.get("policy")), _cell(view, impact.get("passers"))]
            record = impact.get("policy") or {}
            air = as_number(record.get("ratio"))
            if verdict_key(record) is None:
                unmeasured += 1
                continue
            measured += 1
            flagged_n += record.get("status") == "flagged" or bool(record.get("legacy_flag"))
            if air is not None and (worst is None or air < worst[0]):
                worst = (air, attr, split, as_number((impact.get("passers") or {}).get("ratio")))
        rows.append(row)
    parts.append(f"<h3>{esc(t('sub.air'))}</h3>")
    sentences = []
    if worst:
        sentences.append(t("fair.air", air=fmt.sig(worst[0]), attr=view.attribute(worst[1]),
                           split=view.split(worst[2]), k=flagged_n, n=measured))
    if unmeasured:
        sentences.append(t("fair.unmeasured_n", k=unmeasured))
    if sentences:
        parts.append(view.para(*sentences))
    header = [view.label("attribute")]
    for s in splits:
        header += [f"{view.split(s)}: {view.label('air_policy')}",
                   f"{view.split(s)}: {view.label('air_passers')}"]
    parts.append(table(header, rows))
    detail = next((s for s in ("test", "oot") if s in splits), next(iter(splits), None))
    part = splits.get(detail) or {}
    min_group = (part.get("interval") or {}).get("min_group", MIN_GROUP)
    for attr in attrs:
        groups = (part.get("groups") or {}).get(attr)
        if not isinstance(groups, Mapping) or not groups:
            continue
        keys = [k for k in GROUP_KEYS if any(k in (r or {}) for r in groups.values())]
        parts.append(f"<h3>{esc(t('sub.by', attr=view.attribute(attr), split=view.split(detail)))}</h3>")
        parts.append(_attribute_text(view, attr, groups, impact_records(part, attr), min_group))
        parts.append(table([view.label("level"), *(view.label(k) for k in keys)],
                           [[view.level(attr, lvl), *(view.fmt(k, (rec or {}).get(k)) for k in keys)]
                            for lvl, rec in groups.items()]))
    knock = part.get("knockout_share") or {}
    knock = {r: as_number(v) for r, v in knock.items() if as_number(v) is not None}
    if knock:
        top = max(knock.items(), key=lambda kv: (kv[1], kv[0]))
        parts.append(f"<h3>{esc(t('sub.knockouts'))}</h3>")
        parts.append(view.para(t("fair.ko", rule=view.knockout(top[0]), share=fmt.percent(top[1]),
                                  total=fmt.percent(sum(knock.values())))))
        parts.append(table([view.label("rule"), view.label("knockout_share")],
                           [[view.knockout(r), fmt.percent(v)] for r, v in
                            sorted(knock.items(), key=lambda kv: -kv[1])]))

    def interpret(stem: str, prefix: str) -> str:
        return t("fig.fairness.text", attr=view.attribute(worst[1]), air=fmt.sig(worst[0]),
                 pas=fmt.sig(worst[3])) if worst else ""

    parts.append(place(view, figs, ("fairness",), interpret))
    return "".join(parts)

"""The report's first screen: one row per question a validator asks first, with a verdict.

The verdicts and their thresholds are :mod:`riskkit.reporting.findings`'; this module lays
them out.
"""

from __future__ import annotations

from riskkit.reporting import numbers as fmt
from riskkit.reporting.findings import (
    GAP_CLOSE,
    GAP_LARGE,
    PSI_SHIFT,
    PSI_STABLE,
    auc_tolerance,
    banded,
    ece_tolerance,
    fairness_summary,
    first_reasons,
    stability_table,
    summary_facts,
)
from riskkit.reporting.page import esc
from riskkit.reporting.view import Figures, RunView

__all__ = ["summary_section"]

def _badge(view: RunView, verdict: str, kind: str | None = None) -> str:
    word = view.t(f"v.{kind}.{verdict}") if kind and verdict != "none" else view.t(f"v.{verdict}")
    return f'<span class="verdict v-{verdict}">{esc(word)}</span>'


def _worst(*verdicts: str) -> str:
    order = ["none", "good", "watch", "bad"]
    return max(verdicts, key=order.index)


def summary_section(view: RunView, figs: Figures) -> str:
    """The one-screen summary: one row per question a validator asks first, with a verdict."""
    f = summary_facts(view)
    rows: list[tuple[str, str, str]] = []
    method = view.value_text(str(f["cutoff_method"])) if f["cutoff_method"] else ""
    target = view.fmt(str(f["cutoff_method"] or ""), f["cutoff_target"]) \
        if f["cutoff_method"] != "fixed" else ""
    rows.append((view.t("sum.deployed"), view.t(
        "sum.deployed_v", model=view.model(f["model"]), cut=fmt.percent(f["cutoff_pd"]),
        method=method, target=target), ""))
    rows.append((view.t("sum.approval"), view.t(
        view.oot("sum.approval_v"), test=fmt.percent(f["approval_rate"]),
        oot=fmt.percent(f["approval_rate_oot"])), ""))
    rows.append((view.t("sum.bad"), view.t(
        view.oot("sum.bad_v"), test=fmt.percent(f["bad_rate_approved"]), all=fmt.percent(f["bad_rate_all"]),
        oot=fmt.percent(f["bad_rate_approved_oot"])), ""))
    if f["oracle_gap"] is not None:
        gap = f["oracle_gap"]  # negative: above the oracle by chance, said as such
        noise = auc_tolerance(view)
        rows.append((view.t("sum.gap"), view.choose(
            f["auc"], f["oracle_auc"], ("sum.gap_above_v", "sum.gap_v", "sum.gap_same_v"),
            shown=lambda v: fmt.sig(v, 4),
            gap=fmt.sig(abs(gap), 2 if abs(gap) < 0.001 else 3),
            auc=fmt.sig(f["auc"], 4), oracle=fmt.sig(f["oracle_auc"], 4)),
            # judged by its size: far above the oracle is no closer to the truth than below;
            # and never "large" within the AUC noise the limitations section states
            _badge(view, banded(view, abs(gap), max(GAP_CLOSE, noise), max(GAP_LARGE, 2 * noise),
                                kind="gap"), "gap")))
    else:
        rows.append((view.t("sum.gap"), view.t("sum.no_oracle", auc=fmt.sig(f["auc"], 4)),
                     _badge(view, "none")))
    tol, tol_oot = ece_tolerance(view, f["model"], "test")[1], ece_tolerance(view, f["model"], "oot")[1]
    verdict = banded(view, f["ece"], tol, 2 * tol, kind="ece", low_inclusive=True)
    verdict_oot = banded(view, f["ece_oot"], tol_oot, 2 * tol_oot, kind="ece", low_inclusive=True)
    rows.append((view.t("sum.calibration"), view.t(
        view.oot("sum.calibration_v"), test=fmt.pp(f["ece"], view.lang), oot=fmt.pp(f["ece_oot"], view.lang),
        tol=fmt.pp(tol, view.lang), tol_oot=fmt.pp(tol_oot, view.lang)), _badge(view, _worst(verdict, verdict_oot), "ece")))
    where = stability_table(view)
    stab = _worst(banded(view, f["psi"], PSI_STABLE, PSI_SHIFT, kind="psi", table=where),
                  banded(view, f["csi_max"], PSI_STABLE, PSI_SHIFT, kind="psi", table=where))
    rows.append((view.t("sum.stability"), view.t(
        "sum.stability_v", psi=fmt.sig(f["psi"]), csi=fmt.sig(f["csi_max"]),
        feature=view.feature(str(f["csi_max_feature"])) if f["csi_max_feature"] else fmt.DASH),
        _badge(view, stab, "psi")))
    drivers = first_reasons(view).head(3)
    rows.append((view.t("sum.drivers"), view.join(semi=True, items=[
        view.t("sum.driver", feature=r.label, share=fmt.percent(r.share))
        for r in drivers.itertuples()]) or view.t("not_computed"), ""))
    fair_text, fair_verdict = fairness_summary(view)
    rows.append((view.t("sum.fairness"), fair_text, _badge(view, fair_verdict, "fair")))
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td><td>{badge}</td></tr>"
                   for k, v, badge in rows)
    return (f'<div class="summary"><table><tbody>{body}</tbody></table>'
            f'<p class="note">{esc(view.t("sum.thresholds"))}</p></div>')

"""Charts of the lifecycle simulation: a persona's months, the cohort, the causes, the lender.

Every function returns a ``Figure`` built outside pyplot (as all riskkit charts are), with
a title and units, so the set can be exported with :func:`riskkit.charts.export` or shown
inline without touching global state.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from riskkit.charts import NEUTRAL, RISK_DOWN, RISK_UP, WARN, plot_line, resolve_lang
from riskkit.core import features as F
from riskkit.texts import Words

CHARTS = Words("charts")
#: Display names of the causes that are not registry groups.
CAUSE_LABELS: dict[str, str] = {"lender_tightening": CHARTS("lifecycle.cause.lender_tightening")}


def _events(story: Any) -> list[tuple[int, str]]:
    """One marker per month: events of the same month share a label."""
    merged: dict[int, list[str]] = {}
    for month, text in story.events:
        merged.setdefault(month, []).append(text)
    return [(month, "; ".join(texts)) for month, texts in sorted(merged.items())]


def _name(story: Any) -> str:
    return str(story.persona).replace("_", " ").title()


def persona_line(story: Any, lang: str = "en") -> Figure:
    """The persona's credit line month by month, with borrowing, repayment and the cut."""
    lang = resolve_lang(lang)
    fig = Figure(layout="constrained")
    plot_line(story.table, "month", {"credit_line": CHARTS("lifecycle.credit_line", lang)},
              title=CHARTS("lifecycle.line_title", lang, name=_name(story)),
              ylabel=CHARTS("lifecycle.line_y", lang), xlabel=CHARTS("month", lang),
              events=_events(story), marker="o", ax=fig.add_subplot())
    return fig


def persona_pd(story: Any, lang: str = "en") -> Figure:
    """The persona's model PD against the lender's cut-off."""
    lang = resolve_lang(lang)
    fig = Figure(layout="constrained")
    plot_line(story.table, "month", {"pd": CHARTS("lifecycle.model_pd", lang),
                                     "cutoff": CHARTS("lifecycle.cutoff", lang)},
              title=CHARTS("lifecycle.pd_title", lang, name=_name(story)),
              ylabel=CHARTS("lifecycle.pd_y", lang), xlabel=CHARTS("month", lang),
              events=_events(story), percent_y=True, marker="o", ax=fig.add_subplot())
    return fig


def cohort_flow(flow: dict[str, int], lang: str = "en") -> Figure:
    """Borrowers ever approved -> borrowed exactly once -> repaid on time -> lost the line."""
    lang = resolve_lang(lang)
    labels = {k: CHARTS(f"lifecycle.flow.{k}", lang)
              for k in ("approved", "borrowed_once", "repaid_on_time", "lost_line")}
    fig = Figure(layout="constrained")
    ax = fig.add_subplot()
    values = [int(flow.get(k, 0)) for k in labels]
    colors = [RISK_DOWN, RISK_DOWN, RISK_DOWN, RISK_UP]
    bars = ax.bar(list(labels.values()), values, color=colors)
    ax.bar_label(bars, labels=[f"{v:,}" for v in values], padding=2, fontsize="small")
    ax.set(title=CHARTS("lifecycle.flow_title", lang), ylabel=CHARTS("lifecycle.flow_y", lang))
    ax.tick_params(axis="x", labelrotation=15)
    return fig


def cause_shares(causes: dict[str, float], lang: str = "en") -> Figure:
    """Share of lost lines each cause explains (positive parts of the log-odds moves)."""
    lang = resolve_lang(lang)
    items = sorted(causes.items(), key=lambda kv: kv[1])
    names = [CHARTS(f"lifecycle.cause.{k}", lang) if f"lifecycle.cause.{k}" in CHARTS
             else F.GROUPS.get(k, {lang: k})[lang] for k, _ in items]
    fig = Figure(layout="constrained")
    ax = fig.add_subplot()
    colors = [WARN if k == "lender_tightening" else RISK_UP for k, _ in items]
    bars = ax.barh(names, [v for _, v in items], color=colors)
    ax.bar_label(bars, labels=[f"{v:.0%}" for _, v in items], padding=2, fontsize="small")
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    ax.set(title=CHARTS("lifecycle.causes_title", lang),
           xlabel=CHARTS("lifecycle.causes_x", lang), ylabel=CHARTS("lifecycle.causes_y", lang))
    return fig


def approval_and_cutoff(summary: dict[str, Any], lang: str = "en") -> Figure:
    """Approval rate and cut-off by month, with the downturn marked."""
    lang = resolve_lang(lang)
    table = pd.DataFrame({"month": range(len(summary["cutoff_by_month"])),
                          "approval_rate": summary["approval_rate_by_month"],
                          "cutoff": summary["cutoff_by_month"]})
    start = summary.get("downturn_from")
    events = [(start, CHARTS("downturn_starts", lang))] if start is not None else None
    fig = Figure(figsize=(6.4, 6.0), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    plot_line(table, "month", {"approval_rate": CHARTS("lifecycle.approval_rate", lang)},
              title=CHARTS("lifecycle.approval_title", lang),
              ylabel=CHARTS("lifecycle.approval_y", lang), xlabel="", events=events,
              percent_y=True, marker="o", ax=top)
    plot_line(table, "month", {"cutoff": CHARTS("lifecycle.pd_cutoff", lang)},
              title=CHARTS("lifecycle.cutoff_title", lang),
              ylabel=CHARTS("lifecycle.pd_cutoff", lang), xlabel=CHARTS("month", lang),
              events=events, percent_y=True, marker="o", ax=bottom)
    bottom.lines[0].set_color(NEUTRAL if start is None else WARN)
    return fig


def lifecycle_figures(panel: Any, summary: dict[str, Any], story: Any,
                      lang: str = "en") -> dict[str, Figure]:
    """Every lifecycle chart by file name; the persona charts only with a storyline."""
    figures: dict[str, Figure] = {}
    if story is not None:
        figures["persona_credit_line"] = persona_line(story, lang)
        figures["persona_pd"] = persona_pd(story, lang)
    cohort = summary.get("borrowed_once_then_ineligible")
    if summary.get("cohort_flow"):
        figures["cohort_flow"] = cohort_flow(summary["cohort_flow"], lang)
    if cohort and cohort.get("count"):
        figures["lost_line_causes"] = cause_shares(cohort["causes"], lang)
    figures["approval_and_cutoff"] = approval_and_cutoff(summary, lang)
    return figures

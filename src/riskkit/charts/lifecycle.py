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

from riskkit.charts import NEUTRAL, RISK_DOWN, RISK_UP, WARN, plot_line
from riskkit.core import features as F

#: Display names of the causes that are not registry groups.
CAUSE_LABELS: dict[str, str] = {"lender_tightening": "lender tightened its cut-off"}


def _events(story: Any) -> list[tuple[int, str]]:
    """One marker per month: events of the same month share a label."""
    merged: dict[int, list[str]] = {}
    for month, text in story.events:
        merged.setdefault(month, []).append(text)
    return [(month, "; ".join(texts)) for month, texts in sorted(merged.items())]


def _name(story: Any) -> str:
    return str(story.persona).replace("_", " ").title()


def persona_line(story: Any) -> Figure:
    """The persona's credit line month by month, with borrowing, repayment and the cut."""
    fig = Figure(layout="constrained")
    plot_line(story.table, "month", {"credit_line": "credit line"},
              title=f"{_name(story)}: credit line month by month", ylabel="Credit line (CNY)",
              xlabel="Month", events=_events(story), marker="o", ax=fig.add_subplot())
    return fig


def persona_pd(story: Any) -> Figure:
    """The persona's model PD against the lender's cut-off."""
    fig = Figure(layout="constrained")
    plot_line(story.table, "month", {"pd": "model PD", "cutoff": "cut-off"},
              title=f"{_name(story)}: model PD against the cut-off",
              ylabel="Probability of default (12 months)", xlabel="Month",
              events=_events(story), percent_y=True, marker="o", ax=fig.add_subplot())
    return fig


def cohort_flow(flow: dict[str, int]) -> Figure:
    """Borrowers ever approved -> borrowed exactly once -> repaid on time -> lost the line."""
    labels = {"approved": "approved with a line", "borrowed_once": "borrowed exactly once",
              "repaid_on_time": "repaid on time", "lost_line": "then lost the line"}
    fig = Figure(layout="constrained")
    ax = fig.add_subplot()
    values = [int(flow.get(k, 0)) for k in labels]
    colors = [RISK_DOWN, RISK_DOWN, RISK_DOWN, RISK_UP]
    bars = ax.bar(list(labels.values()), values, color=colors)
    ax.bar_label(bars, labels=[f"{v:,}" for v in values], padding=2, fontsize="small")
    ax.set(title="Borrowed once, repaid on time, lost the line", ylabel="Borrowers")
    ax.tick_params(axis="x", labelrotation=15)
    return fig


def cause_shares(causes: dict[str, float]) -> Figure:
    """Share of lost lines each cause explains (positive parts of the log-odds moves)."""
    items = sorted(causes.items(), key=lambda kv: kv[1])
    names = [CAUSE_LABELS.get(k, F.GROUPS.get(k, {"en": k})["en"]) for k, _ in items]
    fig = Figure(layout="constrained")
    ax = fig.add_subplot()
    colors = [WARN if k == "lender_tightening" else RISK_UP for k, _ in items]
    bars = ax.barh(names, [v for _, v in items], color=colors)
    ax.bar_label(bars, labels=[f"{v:.0%}" for _, v in items], padding=2, fontsize="small")
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    ax.set(title="Why lines were lost after one on-time repayment",
           xlabel="Share of lost lines (log-odds attribution)", ylabel="Cause")
    return fig


def approval_and_cutoff(summary: dict[str, Any]) -> Figure:
    """Approval rate and cut-off by month, with the downturn marked."""
    table = pd.DataFrame({"month": range(len(summary["cutoff_by_month"])),
                          "approval_rate": summary["approval_rate_by_month"],
                          "cutoff": summary["cutoff_by_month"]})
    start = summary.get("downturn_from")
    events = [(start, "downturn starts")] if start is not None else None
    fig = Figure(figsize=(6.4, 6.0), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    plot_line(table, "month", {"approval_rate": "approval rate"}, title="Approval rate by month",
              ylabel="Approved borrowers", xlabel="", events=events, percent_y=True,
              marker="o", ax=top)
    plot_line(table, "month", {"cutoff": "PD cut-off"}, title="The lender's PD cut-off by month",
              ylabel="PD cut-off", xlabel="Month", events=events, percent_y=True, marker="o",
              ax=bottom)
    bottom.lines[0].set_color(NEUTRAL if start is None else WARN)
    return fig


def lifecycle_figures(panel: Any, summary: dict[str, Any], story: Any) -> dict[str, Figure]:
    """Every lifecycle chart by file name; the persona charts only with a storyline."""
    figures: dict[str, Figure] = {}
    if story is not None:
        figures["persona_credit_line"] = persona_line(story)
        figures["persona_pd"] = persona_pd(story)
    cohort = summary.get("borrowed_once_then_ineligible")
    if summary.get("cohort_flow"):
        figures["cohort_flow"] = cohort_flow(summary["cohort_flow"])
    if cohort and cohort.get("count"):
        figures["lost_line_causes"] = cause_shares(cohort["causes"])
    figures["approval_and_cutoff"] = approval_and_cutoff(summary)
    return figures

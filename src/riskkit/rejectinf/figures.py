"""Charts of reject inference: each method against the truth, and the retraining loop.

Every function takes the results table (or the loop's month-by-month frame), draws a new
``Figure`` outside pyplot (``ax=None``) or into the caller's axes, and returns the figure;
the known truth is drawn in ``TRUTH``, dashed, as in every riskkit chart.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import PercentFormatter

from riskkit.charts import PALETTE, RISK_UP, TRUTH, plot_line, resolve_lang
from riskkit.texts import Words

#: The charts' words (the table keeps the config names; ``method.<name>`` says them).
REJECT = Words("reject_inference")


def _axes(ax: Axes | None) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig = Figure(layout="constrained")
    return fig, fig.add_subplot()


def _label(name: str, lang: str = "en") -> str:
    return REJECT.get(f"method.{name}", lang) or name.replace("_", " ")


def plot_reject_bad_rates(table: pd.DataFrame, kind: str, ax: Axes | None = None,
                          lang: str = "en") -> Figure:
    """The rejects' predicted bad rate per method against their true bad rate (dashed)."""
    lang = resolve_lang(lang)
    fig, ax = _axes(ax)
    part = table[table["model"] == kind]
    y = np.arange(len(part))
    colors = [RISK_UP if m == "accepted_only" else PALETTE[0] for m in part["method"]]
    ax.barh(y, part["pred_bad_rate_rejects"], color=colors)
    ax.axvline(float(part["true_bad_rate_rejects"].iloc[0]), color=TRUTH, ls="--",
               label=REJECT("true_rejects", lang))
    ax.add_patch(Rectangle((0, 0), 0, 0, color=PALETTE[0], label=REJECT("predicted", lang)))
    ax.set_yticks(y, [_label(m, lang) for m in part["method"]])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(REJECT("rejects_x", lang))
    ax.set_title(REJECT("rejects_title", lang, kind=kind))
    ax.legend(loc="lower right")
    return fig


def plot_reject_metric(table: pd.DataFrame, column: str, title: str, xlabel: str,
                       ax: Axes | None = None, percent_x: bool = False,
                       reference: float | None = None, reference_label: str = "",
                       lang: str = "en") -> Figure:
    """One measure per method, one bar per model kind (grouped)."""
    lang = resolve_lang(lang)
    fig, ax = _axes(ax)
    methods = list(dict.fromkeys(table["method"]))
    kinds = list(dict.fromkeys(table["model"]))
    height = 0.8 / len(kinds)
    for j, kind in enumerate(kinds):
        part = table[table["model"] == kind].set_index("method").reindex(methods)
        ax.barh(np.arange(len(methods)) + j * height, part[column].astype(float), height=height,
                color=PALETTE[j % len(PALETTE)], label=kind)
    if reference is not None:
        ax.axvline(reference, color=TRUTH, ls="--", label=reference_label)
    ax.set_yticks(np.arange(len(methods)) + height * (len(kinds) - 1) / 2,
                  [_label(m, lang) for m in methods])
    ax.invert_yaxis()
    values = table[column].astype(float)
    low = float(np.nanmin(values)) if reference is None else min(float(np.nanmin(values)),
                                                                 reference)
    if not percent_x and column.startswith("auc"):
        ax.set_xlim(max(0.5, low - 0.02), 1.0)
    if percent_x:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(loc="lower right")
    return fig


def study_figures(table: pd.DataFrame, primary: str, lang: str = "en") -> dict[str, Figure]:
    """Every chart of a reject-inference study, by file name."""
    true_approved = None
    if "true_bad_rate_approved" in table:
        ref = table[table["method"] == "full_information"]
        if len(ref):
            true_approved = float(ref["true_bad_rate_approved"].iloc[0])
    return {
        "reject_inference_bad_rates": plot_reject_bad_rates(table, primary, lang=lang),
        "reject_inference_auc": plot_reject_metric(
            table, "auc_all", REJECT("auc_title", lang), REJECT("auc_x", lang), lang=lang),
        "reject_inference_deployed": plot_reject_metric(
            table, "true_bad_rate_approved", REJECT("deployed_title", lang),
            REJECT("deployed_x", lang), percent_x=True, reference=true_approved,
            reference_label=REJECT("everyone", lang), lang=lang),
    }


def plot_loop(by_month: Mapping[str, pd.DataFrame], column: str, title: str, ylabel: str,
              percent_y: bool = True, truth: str | None = None,
              ax: Axes | None = None, lang: str = "en") -> Figure:
    """One month-by-month line per loop variant (e.g. without / with reject inference)."""
    lang = resolve_lang(lang)
    frame = pd.DataFrame({name: part.set_index("month")[column]
                          for name, part in by_month.items()}).reset_index()
    if truth is not None:
        first = next(iter(by_month.values())).set_index("month")
        frame["truth"] = first[truth].to_numpy()
    ys = {name: _label(name, lang) for name in by_month}
    fig = plot_line(frame, "month", ys, title=title, ylabel=ylabel, xlabel=REJECT("month", lang),
                    percent_y=percent_y, marker="o", ax=ax)
    if truth is not None:
        ax_ = fig.axes[0]
        ax_.plot(frame["month"], frame["truth"], color=TRUTH, ls="--", label=REJECT("truth", lang))
        ax_.legend()
    return fig


def loop_figures(by_month: Mapping[str, pd.DataFrame], lang: str = "en") -> dict[str, Figure]:
    """The retraining loop's charts: AUC, the rejects' PD bias, approval, the book's bad rate."""
    lang = resolve_lang(lang)

    def loop(column: str, key: str, **options: bool) -> Figure:
        return plot_loop(by_month, column, REJECT(f"loop.{key}_title", lang),
                         REJECT(f"loop.{key}_y", lang), lang=lang, **options)

    return {
        "retrain_auc_all": loop("auc_all", "auc", percent_y=False),
        "retrain_reject_bias": loop("reject_pd_bias", "bias"),
        "retrain_approval_rate": loop("approval_rate", "approval"),
        "retrain_book_bad_rate": loop("book_true_bad_rate", "book"),
    }

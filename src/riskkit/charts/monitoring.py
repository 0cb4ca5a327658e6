"""Charts of a monitored book: vintages, roll rates, migrations, PSI, lifetime PD, stages.

Every function draws one of the tables of :mod:`riskkit.lifecycle.monitor` (passed in as a
DataFrame, so this layer never reaches up into the lifecycle), takes ``ax=None`` and
returns the Figure. The truth is ``TRUTH`` and dashed; the downturn, when there is one, is
a dashed vertical line; shares are percentages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from riskkit.charts._axes import new_axes, percent
from riskkit.charts.style import NEUTRAL, PALETTE, RISK_DOWN, RISK_UP, TRUTH, WARN, resolve_lang
from riskkit.texts import Words

CHARTS = Words("charts")

#: Vintages with fewer accounts are left out of the fan (their curves are noise).
MIN_VINTAGE_ACCOUNTS = 200


def _downturn(ax: Axes, month: int | None, lang: str = "en") -> None:
    if month is None:
        return
    ax.axvline(month, ls="--", lw=1, color=NEUTRAL)
    ax.annotate(CHARTS("downturn_starts", lang), (month, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -3),
                textcoords="offset points", rotation=90, va="top", ha="left",
                fontsize="small", color="#555555")


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{what}: columns {missing} missing; pass the monitor's table")


def plot_vintage_fan(vintages: pd.DataFrame, downturn_from: int | None = None,
                     min_accounts: int = MIN_VINTAGE_ACCOUNTS, ax: Axes | None = None,
                     lang: str = "en") -> Figure:
    """Cumulative bad rate by months on book, one line per origination period (coloured by
    its first month), each with the truth's expectation dashed beside it.

    ``vintages``: the monitor's pooled vintages (``period``, ``vintages``,
    ``months_on_book``, ``accounts``, ``bad_rate``, ``truth_expected``); periods with
    fewer than ``min_accounts`` accounts are left out (their curves are noise).
    """
    _require(vintages, ("period", "months_on_book", "bad_rate", "truth_expected",
                        "accounts"), "vintages")
    lang = resolve_lang(lang)
    fig, ax = new_axes(ax)
    size = vintages.groupby("period")["accounts"].max()
    keep = size.index[size >= min_accounts]
    if not len(keep):  # a small book: show its largest period rather than nothing
        keep = size.index[[int(np.argmax(size.to_numpy()))]]
    shown = vintages[vintages["period"].isin(keep)]
    last = int(vintages["period"].max())
    cmap = mpl.colormaps["viridis"]
    norm = mpl.colors.Normalize(vmin=0, vmax=max(last, 1))
    for period, rows in shown.groupby("period", sort=True):
        ax.plot(rows["months_on_book"], rows["bad_rate"], color=cmap(norm(period)), lw=1.4)
        ax.plot(rows["months_on_book"], rows["truth_expected"], color=TRUTH, lw=0.7, ls="--",
                alpha=0.6)
    bar = fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, pad=0.01)
    bar.set_label(CHARTS("monitoring.fan_bar", lang))
    if downturn_from is not None and downturn_from <= last:
        bar.ax.axhline(downturn_from, color=RISK_UP, lw=2)
        bar.set_label(CHARTS("monitoring.fan_bar_downturn", lang))
    ax.plot([], [], color=cmap(0.5), label=CHARTS("monitoring.fan_observed", lang))
    ax.plot([], [], color=TRUTH, ls="--", lw=0.7, label=CHARTS("monitoring.truth_expected", lang))
    ax.legend(loc="upper left")
    ax.set(title=CHARTS("monitoring.fan_title", lang),
           xlabel=CHARTS("monitoring.months_on_book", lang),
           ylabel=CHARTS("monitoring.fan_y", lang))
    percent(ax.yaxis, decimals=1)
    return fig


def plot_transition_heatmap(matrix: pd.DataFrame, title: str, xlabel: str, ylabel: str,
                            ax: Axes | None = None, lang: str = "en") -> Figure:
    """A transition matrix (rows sum to 1) as a heat map with the share in each cell.

    Colour is the square root of the share, so the small off-diagonal moves that matter
    are visible next to a diagonal near 100 %. ``matrix`` may carry an ``accounts`` column
    (shown in the row labels).
    """
    values = matrix.drop(columns=["accounts"], errors="ignore")
    fig, ax = new_axes(ax)
    shares = values.to_numpy(dtype=float)
    image = ax.imshow(np.sqrt(np.nan_to_num(shares)), cmap="Reds", vmin=0, vmax=1,
                      aspect="auto")
    rows, cols = shares.shape
    small = rows > 8
    for i in range(rows):
        for j in range(cols):
            value = shares[i, j]
            if np.isnan(value) or (small and value < 0.0005):
                continue
            text = f"{value:.0%}" if value >= 0.995 or value == 0 else (
                f"{value:.1%}" if value >= 0.001 else "<0.1%")
            ax.text(j, i, text, ha="center", va="center",
                    fontsize=5.5 if small else "small",
                    color="white" if np.sqrt(value) > 0.6 else "#222222")
    labels = [str(x) for x in values.index]
    if "accounts" in matrix.columns and not small:
        labels = [f"{x} (n={int(n):,})" for x, n in zip(labels, matrix["accounts"], strict=True)]
    ax.set_xticks(range(cols), [str(c) for c in values.columns])
    ax.set_yticks(range(rows), labels)
    ax.grid(visible=False)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    bar = fig.colorbar(image, ax=ax, pad=0.01, ticks=np.sqrt([0, 0.01, 0.1, 0.5, 1.0]))
    bar.ax.set_yticklabels(["0%", "1%", "10%", "50%", "100%"])
    bar.set_label(CHARTS("monitoring.row_share", resolve_lang(lang)))
    return fig


def plot_roll_rates(average: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Figure:
    """The pooled roll-rate matrix between days-past-due buckets."""
    lang = resolve_lang(lang)
    return plot_transition_heatmap(average, CHARTS("monitoring.roll_title", lang),
                                   CHARTS("monitoring.roll_x", lang),
                                   CHARTS("monitoring.roll_y", lang), ax=ax, lang=lang)


def plot_migration(average: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Figure:
    """The pooled grade migration matrix (``D``: default)."""
    lang = resolve_lang(lang)
    return plot_transition_heatmap(average, CHARTS("monitoring.migration_title", lang),
                                   CHARTS("monitoring.migration_x", lang),
                                   CHARTS("monitoring.migration_y", lang), ax=ax, lang=lang)


def plot_psi_by_month(stability: pd.DataFrame, thresholds: tuple[float, float] = (0.1, 0.25),
                      downturn_from: int | None = None, ax: Axes | None = None,
                      lang: str = "en") -> Figure:
    """PSI of the score and the largest CSI by month against month 0, with the truth's
    PSI (of the true PD) dashed, and the two usual thresholds."""
    _require(stability, ("month", "psi_score", "psi_true_pd", "csi_max"), "stability")
    lang = resolve_lang(lang)
    fig, ax = new_axes(ax)
    ax.plot(stability["month"], stability["psi_score"], color=RISK_DOWN, marker="o",
            label=CHARTS("monitoring.psi_score", lang))
    ax.plot(stability["month"], stability["csi_max"], color=PALETTE[4], marker=".",
            label=CHARTS("monitoring.csi_max", lang))
    ax.plot(stability["month"], stability["psi_true_pd"], color=TRUTH, ls="--",
            label=CHARTS("monitoring.psi_true", lang))
    low, high = thresholds
    ax.axhline(low, color=WARN, lw=1, ls=":",
               label=CHARTS("monitoring.worth_a_look", lang, value=f"{low:g}"))
    ax.axhline(high, color=RISK_UP, lw=1, ls=":",
               label=CHARTS("monitoring.shifted", lang, value=f"{high:g}"))
    _downturn(ax, downturn_from, lang)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(title=CHARTS("monitoring.psi_title", lang), xlabel=CHARTS("month", lang),
           ylabel=CHARTS("monitoring.psi_y", lang))
    ax.legend(loc="upper left", fontsize="small")
    return fig


def plot_lifetime_by_grade(lifetime: pd.DataFrame, ax: Axes | None = None,
                           lang: str = "en") -> Figure:
    """Cumulative PD by horizon for every grade (cohort method), the truth's expectation
    dashed beside each."""
    _require(lifetime, ("grade", "horizon", "cohort", "truth"), "lifetime")
    lang = resolve_lang(lang)
    fig, ax = new_axes(ax)
    grades = [g for g in lifetime["grade"].unique() if g != "all"]
    cmap = mpl.colormaps["viridis"]
    for k, grade in enumerate(grades):
        rows = lifetime[lifetime["grade"] == grade]
        colour = cmap(k / max(len(grades) - 1, 1))
        ax.plot(rows["horizon"], rows["cohort"], color=colour,
                label=CHARTS("monitoring.grade", lang, grade=grade))
        ax.plot(rows["horizon"], rows["truth"], color=TRUTH, ls="--", lw=0.7, alpha=0.7)
    ax.plot([], [], color=TRUTH, ls="--", lw=0.7, label=CHARTS("monitoring.truth_expected", lang))
    ax.set(title=CHARTS("monitoring.lifetime_title", lang),
           xlabel=CHARTS("monitoring.from_reference", lang),
           ylabel=CHARTS("monitoring.cumulative_pd", lang))
    percent(ax.yaxis, decimals=1)
    ax.legend(loc="upper left", fontsize="x-small", ncols=2)
    return fig


#: Lifetime-PD estimators and their colours (their names: ``charts.monitoring.method.*``).
METHODS: dict[str, str] = {"cohort": RISK_DOWN, "kaplan_meier": WARN,
                           "aalen_johansen": RISK_UP, "markov": PALETTE[4]}


def plot_lifetime_methods(lifetime: pd.DataFrame, grade: str = "all",
                          ax: Axes | None = None, lang: str = "en") -> Figure:
    """One grade's (or the whole book's) lifetime PD by every estimator, with the truth's
    expectation and its Monte Carlo interval (complete follow-up) and on the book."""
    rows = lifetime[lifetime["grade"] == grade]
    if rows.empty:
        raise ValueError(f"grade {grade!r} is not in the table; it has "
                         f"{sorted(lifetime['grade'].unique())}")
    lang = resolve_lang(lang)
    fig, ax = new_axes(ax)
    h = rows["horizon"]
    ax.fill_between(h, rows["truth_low"], rows["truth_high"], color=TRUTH, alpha=0.08, lw=0)
    ax.plot(h, rows["truth"], color=TRUTH, ls="--", label=CHARTS("monitoring.truth_band", lang))
    ax.plot(h, rows["truth_on_book"], color=TRUTH, ls=":",
            label=CHARTS("monitoring.truth_on_book", lang))
    for column, colour in METHODS.items():
        ax.plot(h, rows[column], color=colour, label=CHARTS(f"monitoring.method.{column}", lang))
    who = (CHARTS("monitoring.whole_book", lang) if grade == "all"
           else CHARTS("monitoring.grade", lang, grade=grade))
    ax.set(title=CHARTS("monitoring.methods_title", lang, who=who),
           xlabel=CHARTS("monitoring.from_reference", lang),
           ylabel=CHARTS("monitoring.cumulative_pd", lang))
    percent(ax.yaxis, decimals=1)
    ax.legend(loc="upper left", fontsize="x-small")
    return fig


def plot_stage_shares(stages: pd.DataFrame, downturn_from: int | None = None,
                      ax: Axes | None = None, lang: str = "en") -> Figure:
    """IFRS 9 stage shares of the book by month (stacked), and where stage 1 would end by
    the true PDs (dashed): the gap is increased risk the lender's grades do not see."""
    _require(stages, ("month", "stage_1", "stage_2", "stage_3", "true_stage_1"), "stages")
    lang = resolve_lang(lang)
    fig, ax = new_axes(ax)
    month = stages["month"]
    ax.stackplot(month, stages["stage_1"], stages["stage_2"], stages["stage_3"],
                 colors=[RISK_DOWN, WARN, RISK_UP], alpha=0.85,
                 labels=[CHARTS(f"monitoring.stage_{k}", lang) for k in (1, 2, 3)])
    ax.plot(month, stages["true_stage_1"], color=TRUTH, ls="--",
            label=CHARTS("monitoring.true_stage_1", lang))
    _downturn(ax, downturn_from, lang)
    top = float((1.0 - stages[["stage_1", "true_stage_1"]].min(axis=1)).max())
    ax.set_ylim(1.0 - max(0.05, 1.5 * top), 1.0)
    ax.set(title=CHARTS("monitoring.stages_title", lang), xlabel=CHARTS("month", lang),
           ylabel=CHARTS("monitoring.stages_y", lang))
    percent(ax.yaxis, decimals=0)
    ax.legend(loc="lower left", fontsize="x-small")
    return fig


def plot_control_chart(roll_30: pd.DataFrame, downturn_from: int | None = None,
                       ax: Axes | None = None, lang: str = "en") -> Figure:
    """The roll rate to 30+ days past due by month against its 3-sigma p-chart limit."""
    _require(roll_30, ("month", "rate", "centre", "upper", "alarm"), "roll_to_30")
    lang = resolve_lang(lang)
    fig, ax = new_axes(ax)
    ax.plot(roll_30["month"], roll_30["rate"], color=RISK_DOWN, marker="o",
            label=CHARTS("monitoring.roll30", lang))
    ax.plot(roll_30["month"], roll_30["centre"], color=NEUTRAL, lw=1,
            label=CHARTS("monitoring.centre", lang))
    ax.plot(roll_30["month"], roll_30["upper"], color=RISK_UP, lw=1, ls=":",
            label=CHARTS("monitoring.ucl", lang))
    alarm = roll_30[roll_30["alarm"].astype(bool)]
    ax.scatter(alarm["month"], alarm["rate"], color=RISK_UP, zorder=3, s=30,
               label=CHARTS("monitoring.alarm", lang))
    _downturn(ax, downturn_from, lang)
    ax.set(title=CHARTS("monitoring.control_title", lang), xlabel=CHARTS("month", lang),
           ylabel=CHARTS("monitoring.control_y", lang))
    percent(ax.yaxis)
    # below the axes: the control limit is high in the first months, where few accounts
    # make it wide, and a legend inside covered it (notebook 11 at 20,000 rows)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2, fontsize="x-small")
    return fig


def monitoring_figures(tables: Mapping[str, pd.DataFrame], downturn_from: int | None = None,
                       lang: str = "en") -> dict[str, Figure]:
    """Every monitoring chart by file name, from the monitor's tables by name (as
    ``Monitoring.tables()`` gives them), labelled in ``lang``."""

    def square(name: str) -> pd.DataFrame:
        return tables[name].set_index("from")

    return {
        "vintage_fan": plot_vintage_fan(tables["vintages_by_period"], downturn_from, lang=lang),
        "roll_rates": plot_roll_rates(square("roll_rates_average"), lang=lang),
        "roll_to_30_p_chart": plot_control_chart(tables["roll_to_30"], downturn_from, lang=lang),
        "migration": plot_migration(square("migration_average"), lang=lang),
        "psi_by_month": plot_psi_by_month(tables["stability"], downturn_from=downturn_from,
                                          lang=lang),
        "lifetime_pd_by_grade": plot_lifetime_by_grade(tables["lifetime_pd"], lang=lang),
        "lifetime_pd_methods": plot_lifetime_methods(tables["lifetime_pd"], lang=lang),
        "stage_shares": plot_stage_shares(tables["stages"], downturn_from, lang=lang),
    }

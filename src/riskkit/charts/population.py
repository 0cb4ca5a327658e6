"""Figures and tables that describe a borrower population and its known truth.

Notebook 01 tells the story of the synthetic world before any model is fitted: who the
applicants are, how often each segment defaults, and how the true PD and the true
contributions move with the drivers the design names (income stability, borrowing frequency,
multi-platform borrowing, overdue history). Keeping these here, not in notebook cells, means
the story's numbers are tested code and any later notebook or report draws the same charts.

Every plot follows the package rules: ``ax=None`` or a fresh pyplot-free Figure, the Figure
is returned, "raises risk" is ``RISK_UP``, the truth is ``TRUTH`` and dashed.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from riskkit import evaluate
from riskkit.charts._axes import new_axes, percent
from riskkit.charts.style import (
    NEUTRAL,
    PALETTE,
    RISK_DOWN,
    RISK_UP,
    TRUTH,
    label,
    level_label,
    resolve_lang,
)
from riskkit.core import features as registry
from riskkit.texts import Words

#: The drivers notebook 01 shows the truth for (the design's "why is my line zero" story).
KEY_DRIVERS: tuple[str, ...] = (
    "income_volatility", "applications_30d", "active_platforms", "overdue_count_24m",
)
#: Integer columns with at most this many distinct values are drawn as bars per value.
DISCRETE_MAX = 25
_Z = 1.959963984540054  # two-sided 95 % normal quantile

CHARTS = Words("charts")


def _require(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"columns {missing} not in the frame; pass a riskkit.generate() population")


def wilson_interval(bads: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """95 % Wilson score interval of a rate, vectorised (exact enough for a chart, no loop).

    The interval always holds the observed rate; in floating point ``centre - half`` for
    zero bads came out 8.7e-19, above the rate 0, and a chart's error bar of ``rate -
    low`` was negative (matplotlib refused it: notebook 01 at 3,000 rows, seed 11, whose
    state-owned employees had no default), so each bound is held on its side of the rate.
    """
    k = np.asarray(bads, dtype=float)
    n = np.asarray(counts, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + _Z**2 / n
        centre = (p + _Z**2 / (2 * n)) / denom
        half = _Z * np.sqrt(p * (1 - p) / n + _Z**2 / (4 * n**2)) / denom
        low, high = np.fmin(centre - half, p), np.fmax(centre + half, p)
    return np.clip(low, 0, 1), np.clip(high, 0, 1)


def _lower_first(text: str) -> str:
    """'Occupation' -> 'occupation' for mid-sentence use; acronyms ('CNY') are left alone."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _format(name: str, value: float) -> str:
    feature = registry.REGISTRY.get(name)
    if feature is not None and not feature.is_categorical:
        return feature.format_value(value)
    return f"{value:g}"


def _group_ends(counts: np.ndarray, q: int) -> np.ndarray:
    """Index of the last distinct value in each group: at most ``q`` groups, ties kept whole.

    Each group closes at the first value where it reaches an equal share of what is still
    left to group, so a value held by most applicants (zero overdue repayments) is one group
    and the remaining groups split the rest instead of collapsing into one.
    """
    cum = np.cumsum(counts)
    total = cum[-1]
    ends: list[int] = []
    start, done = 0, 0.0
    for g in range(q):
        if start >= counts.size:
            break
        if g == q - 1:
            end = counts.size - 1
        else:
            target = done + (total - done) / (q - g)
            end = int(np.searchsorted(cum, target - 1e-9, side="left"))
        ends.append(end)
        done, start = float(cum[end]), end + 1
    return np.asarray(ends)


def quantile_bins(values: pd.Series, q: int = 5) -> pd.Series:
    """Ordered categorical of (at most ``q``) quantile groups, labelled by the values they hold.

    Credit counts are mostly zero, so plain quintile edges collapse (four of the five edges
    of ``overdue_count_24m`` are 0). Groups are therefore built on distinct values, ties
    never split, each group taking an equal share of the applicants still ungrouped: for a
    continuous column these are the usual quintiles, for a count they read "0", "1", "2",
    "3", "4–7". Each label quotes the smallest and largest value actually in the group.
    Missing values form a last group labelled "missing".
    """
    if q < 2:
        raise ValueError(f"q must be at least 2, got {q}")
    name = str(values.name)
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    present = ~np.isnan(x)
    if not present.any():
        raise ValueError(f"column {name!r} has no numeric values to group")
    distinct, counts = np.unique(x[present], return_counts=True)
    ends = _group_ends(counts, q)
    starts = np.r_[0, ends[:-1] + 1]
    labels = [_format(name, distinct[a]) if a == b
              else f"{_format(name, distinct[a])}–{_format(name, distinct[b])}"
              for a, b in zip(starts, ends, strict=True)]
    codes = np.full(x.size, -1, dtype=np.int64)
    codes[present] = np.searchsorted(distinct[ends], x[present], side="left")
    if not present.all():
        labels.append("missing")
        codes[~present] = len(labels) - 1
    return pd.Series(pd.Categorical.from_codes(codes, categories=labels, ordered=True),
                     index=values.index, name=name)


def bad_rate_table(pop: pd.DataFrame, by: str | pd.Series,
                   target: str = registry.TARGET) -> pd.DataFrame:
    """Count, share, bad rate with its Wilson interval, and mean true PD per segment.

    ``by`` is a column name or an aligned Series (e.g. ``quantile_bins(...)``). Missing
    segment values are their own row, because "no credit card" is a segment, not noise.
    """
    key = pop[by] if isinstance(by, str) else by
    _require(pop, [target])
    frame = pd.DataFrame({"segment": key.array, "y": pop[target].to_numpy(dtype=float)})
    has_truth = "true_pd" in pop.columns
    if has_truth:
        frame["true_pd"] = pop["true_pd"].to_numpy(dtype=float)
    grouped = frame.groupby("segment", observed=True, dropna=False, sort=True)
    table = pd.DataFrame({"count": grouped["y"].size(), "bads": grouped["y"].sum()})
    table["share"] = table["count"] / len(frame)
    table["bad_rate"] = table["bads"] / table["count"]
    table["ci_low"], table["ci_high"] = wilson_interval(table["bads"].to_numpy(),
                                                        table["count"].to_numpy())
    table["mean_true_pd"] = grouped["true_pd"].mean() if has_truth else np.nan
    table.index.name = key.name if not isinstance(by, str) else by
    return table


def plot_bad_rate_by_segment(
    pop: pd.DataFrame,
    by: str,
    target: str = registry.TARGET,
    ax: Axes | None = None,
    lang: str = "en",
) -> Figure:
    """Horizontal bars of the observed bad rate per segment, the mean true PD dashed on top.

    Bars carry 95 % intervals and the segment size, so a small segment's extreme rate is
    read with the doubt it deserves; the dotted line is the whole population's bad rate.
    """
    lang = resolve_lang(lang)
    _require(pop, [by, target])
    table = bad_rate_table(pop, by, target)
    fig, ax = new_axes(ax)
    names = ["missing" if pd.isna(k) else level_label(by, k, lang) for k in table.index]
    ticks = [f"{n} (n={int(c):,})" for n, c in zip(names, table["count"], strict=True)]
    pos = np.arange(len(table))
    rate = table["bad_rate"].to_numpy()
    err = np.vstack([rate - table["ci_low"].to_numpy(), table["ci_high"].to_numpy() - rate])
    ax.barh(pos, rate, xerr=err, color=RISK_UP, alpha=0.75, capsize=2,
            error_kw={"lw": 0.8}, label=CHARTS("population.bad_rate", lang))
    if table["mean_true_pd"].notna().any():
        # markers only: a line between unordered segments would suggest a trend
        ax.plot(table["mean_true_pd"].to_numpy(), pos, ls="none", marker="D", color=TRUTH,
                label=CHARTS("population.true_pd", lang))
    overall = float(pop[target].mean())
    ax.axvline(overall, ls=":", lw=1, color=NEUTRAL,
               label=CHARTS("population.overall", lang, rate=f"{overall:.1%}"))
    ax.set_yticks(pos, ticks)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.set(title=CHARTS("population.segment_title", lang, segment=_lower_first(label(by, lang))),
           xlabel=CHARTS("population.bad_rate_axis", lang), ylabel=label(by, lang), xlim=(0, None))
    percent(ax.xaxis, decimals=1)
    # below the axes: inside, it would cover the bar of the riskiest segment
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=3)
    return fig


def _grid(n: int, ncols: int, height_per_row: float) -> tuple[Figure, list[Axes]]:
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig = Figure(figsize=(6.3, max(2.2, height_per_row * nrows)))
    axes = list(np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel())
    for extra in axes[n:]:
        extra.set_visible(False)
    return fig, axes[:n]


def _draw_distribution(ax: Axes, series: pd.Series, lang: str, clip: float) -> None:
    name = str(series.name)
    present = series.dropna()
    feature = registry.REGISTRY.get(name)
    categorical = (feature is not None and feature.is_categorical) or not pd.api.types.is_numeric_dtype(series)
    notes = []
    if categorical:
        shares = present.astype(str).value_counts(normalize=True)  # most common on top
        words = [level_label(name, level, lang) for level in shares.index]
        ax.barh(words[::-1], shares.to_numpy()[::-1], color=PALETTE[0])
        ax.set_xlabel(CHARTS("population.share_axis", lang), fontsize="x-small")
        percent(ax.xaxis, decimals=0)
        ax.grid(axis="y", visible=False)
    elif pd.api.types.is_integer_dtype(series) and present.nunique() <= DISCRETE_MAX:
        shares = present.value_counts(normalize=True).sort_index()
        ax.bar(shares.index.to_numpy(dtype=float), shares.to_numpy(), color=PALETTE[0], width=0.8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        percent(ax.yaxis, decimals=0)
    else:
        values = present.to_numpy(dtype=float)
        top = float(np.quantile(values, clip)) if clip < 1 else float(values.max())
        shown = values[values <= top]
        bins: int | np.ndarray = 30
        if pd.api.types.is_integer_dtype(series) and top - shown.min() <= 100:
            bins = np.arange(shown.min(), top + 2) - 0.5  # one bar per whole number, no combs
        ax.hist(shown, bins=bins, weights=np.full(shown.size, 1.0 / max(values.size, 1)),
                color=PALETTE[0])
        percent(ax.yaxis, decimals=0)
        if shown.size < values.size:
            notes.append(CHARTS("population.clipped", lang, pct=f"{1 - shown.size / values.size:.0%}"))
    missing = 1 - present.size / max(series.size, 1)
    if missing > 0:
        notes.append(CHARTS("population.missing", lang, pct=f"{missing:.0%}"))
    if notes:
        ax.annotate("; ".join(notes), (1, 1), xycoords="axes fraction", ha="right", va="top",
                    fontsize="x-small", color="#555555")
    ax.set_title(textwrap.fill(label(name, lang), 22), fontsize="small", loc="left")


def plot_distributions(
    pop: pd.DataFrame,
    columns: Sequence[str],
    ncols: int = 3,
    clip: float = 0.99,
    lang: str = "en",
) -> Figure:
    """Small multiples of each column's distribution, as shares of all applicants.

    Categories and small counts get one bar per value; continuous columns a histogram cut
    at the ``clip`` quantile (income and debt have long tails that would squash the bulk
    into one bar), with the share not shown and the share missing noted in the panel.
    """
    lang = resolve_lang(lang)
    if not columns:
        raise ValueError("columns must name at least one column")
    _require(pop, columns)
    fig, axes = _grid(len(columns), ncols, 1.7)
    for ax, column in zip(axes, columns, strict=True):
        _draw_distribution(ax, pop[column], lang, clip)
    fig.suptitle(CHARTS("population.dist_title", lang), x=0.01, ha="left", fontweight="bold")
    fig.supylabel(CHARTS("population.share_axis", lang), fontsize="small")
    fig.supxlabel(CHARTS("population.value_axis", lang), fontsize="small")
    return fig


def truth_by_quantile(pop: pd.DataFrame, column: str, q: int = 5,
                      target: str = registry.TARGET) -> pd.DataFrame:
    """:func:`bad_rate_table` over :func:`quantile_bins` of one column."""
    _require(pop, [column, target, "true_pd"])
    return bad_rate_table(pop, quantile_bins(pop[column], q), target)


def plot_truth_by_quantile(
    pop: pd.DataFrame,
    columns: Sequence[str] = KEY_DRIVERS,
    q: int = 5,
    ncols: int = 2,
    target: str = registry.TARGET,
    lang: str = "en",
) -> Figure:
    """Mean true PD (dashed) and observed bad rate (with 95 % intervals) per quantile group.

    One panel per driver: the dashed line is what the world really does, the points are
    what a lender would measure on this sample, so the gap between them is sampling noise.
    """
    lang = resolve_lang(lang)
    if not columns:
        raise ValueError("columns must name at least one column")
    fig, axes = _grid(len(columns), ncols, 2.1)
    for ax, column in zip(axes, columns, strict=True):
        table = truth_by_quantile(pop, column, q, target)
        pos = np.arange(len(table))
        rate = table["bad_rate"].to_numpy()
        err = np.vstack([rate - table["ci_low"].to_numpy(), table["ci_high"].to_numpy() - rate])
        ax.errorbar(pos, rate, yerr=err, fmt="o", color=RISK_UP, capsize=2, lw=0.8,
                    label=CHARTS("population.bad_rate", lang))
        ax.plot(pos, table["mean_true_pd"].to_numpy(), ls="--", marker="D", color=TRUTH,
                label=CHARTS("population.true_pd", lang))
        ax.set_xticks(pos, [str(k) for k in table.index], fontsize="x-small")
        ax.set_title(label(column, lang), fontsize="small", loc="left")
        ax.set_ylim(0, None)
        percent(ax.yaxis, decimals=0)
    fig.supylabel(CHARTS("population.pd_axis", lang), fontsize="small")
    fig.supxlabel(CHARTS("population.quantile_axis", lang), fontsize="small")
    axes[0].legend(loc="upper left", fontsize="x-small")
    fig.suptitle(CHARTS("population.quantile_title", lang), x=0.01, ha="left", fontweight="bold")
    return fig


def true_contribution_table(pop: pd.DataFrame) -> pd.DataFrame:
    """Per model feature: mean raising part, mean lowering part and mean |contribution|.

    Splitting the mean into its positive and negative parts shows what a plain mean |phi|
    hides: whether a feature mostly pushes some applicants up (overdue history) or mostly
    pulls others down (savings). Sorted by mean |contribution|, largest first.
    """
    cols = [c for c in pop.columns if c.startswith(registry.CONTRIB_PREFIX)]
    if not cols:
        raise KeyError(f"no {registry.CONTRIB_PREFIX}* columns; pass a riskkit.generate() population")
    values = pop[cols].to_numpy(dtype=float)
    table = pd.DataFrame({
        "raises": np.clip(values, 0, None).mean(axis=0),
        "lowers": np.clip(values, None, 0).mean(axis=0),
        "mean_abs": np.abs(values).mean(axis=0),
    }, index=[c.removeprefix(registry.CONTRIB_PREFIX) for c in cols])
    table.index.name = "feature"
    return table.sort_values("mean_abs", ascending=False)


def plot_true_contributions(
    pop: pd.DataFrame, max_features: int | None = None, ax: Axes | None = None, lang: str = "en"
) -> Figure:
    """Diverging bars of the true contributions: raising part right, lowering part left.

    Features with no true effect (``city_tier`` by design) are labelled as such: they are
    the probes that later notebooks use to catch explanations that invent an effect.
    """
    lang = resolve_lang(lang)
    table = true_contribution_table(pop)
    if max_features is not None:
        table = table.head(max_features)
    table = table.iloc[::-1]
    if ax is None:  # one bar row per feature needs more height than the A4 default
        fig = Figure(figsize=(6.3, max(3.9, 0.2 * len(table) + 1.2)))
        ax = fig.add_subplot()
    fig, ax = new_axes(ax)
    names = [label(n, lang) for n in table.index]
    ax.barh(names, table["raises"], color=RISK_UP, label=CHARTS("population.raises", lang))
    ax.barh(names, table["lowers"], color=RISK_DOWN, label=CHARTS("population.lowers", lang))
    for y, mean_abs in enumerate(table["mean_abs"]):
        if mean_abs == 0:
            ax.annotate(CHARTS("population.no_effect", lang), (0, y), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize="x-small", color="#555555")
    ax.axvline(0, color="#444444", lw=0.8)
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", labelsize="x-small")
    ax.set(title=CHARTS("population.contrib_title", lang), xlabel=CHARTS("population.contrib_axis", lang))
    ax.legend(loc="lower right")
    return fig


def population_summary(pop: pd.DataFrame, target: str = registry.TARGET) -> pd.Series:
    """Headline numbers of a population: size, bad rate, mean true PD, oracle AUC, base logit.

    The base log-odds is recovered from the frame itself (``true_logit`` minus the sum of
    the true contributions is the same for every row), so the summary needs no data card.
    """

    _require(pop, [target, "true_pd", "true_logit"])
    y = pop[target].to_numpy(dtype=float)
    contrib = [c for c in pop.columns if c.startswith(registry.CONTRIB_PREFIX)]
    base = pop["true_logit"].to_numpy(dtype=float) - pop[contrib].to_numpy(dtype=float).sum(axis=1)
    both = 0 < y.sum() < y.size
    return pd.Series({
        "rows": len(pop),
        "bad_rate": float(y.mean()),
        "mean_true_pd": float(pop["true_pd"].mean()),
        "oracle_auc": evaluate.auc(y, pop["true_pd"]) if both else np.nan,
        "base_logit": float(np.median(base)),
        "model_features": len(contrib),
    }, name="population")


def data_card(pop: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """One row per registry feature in the frame: what it means and what its values look like.

    Numbers are formatted with each feature's own format (percent, CNY, counts), so the table
    reads like the documentation a data provider would ship, not like ``describe()``.
    """
    rows = []
    for feature in registry.FEATURES:
        if feature.name not in pop.columns:
            continue
        col = pop[feature.name]
        present = col.dropna()
        if feature.is_categorical or not pd.api.types.is_numeric_dtype(col):
            top = present.value_counts(normalize=True).head(3)
            values = ", ".join(f"{k} {v:.0%}" for k, v in top.items())
        elif present.empty:
            values = ""
        else:
            q = np.quantile(present.to_numpy(dtype=float), [0.01, 0.5, 0.99])
            values = " / ".join(feature.format_value(v) for v in q)
        rows.append({
            "feature": feature.name,
            "description": feature.description_zh if lang == "zh" else feature.description_en,
            "unit": feature.unit,
            "kind": feature.kind,
            "risk direction": feature.direction,
            "model feature": feature.model_feature,
            "missing": f"{1 - present.size / max(col.size, 1):.1%}",
            "p1 / median / p99 or top levels": values,
        })
    return pd.DataFrame(rows).set_index("feature")

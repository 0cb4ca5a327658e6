"""Charts of model performance: discrimination, calibration, strategy and stability.

Each function draws from the tables in :mod:`riskkit.evaluate`, so a number on a chart is
always the number in the report's tables. All take ``ax=None`` and return the Figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from riskkit import evaluate as ev
from riskkit.charts._axes import ModelInputs, check_models, is_probability, new_axes, percent
from riskkit.charts.style import NEUTRAL, RISK_DOWN, RISK_UP, WARN, label, resolve_lang
from riskkit.texts import Words

CHARTS = Words("charts")


def plot_roc(curves: ModelInputs, ax: Axes | None = None, lang: str = "en") -> Figure:
    """ROC curves of one or more models, ``{name: (y, p)}``, with AUC and Gini in the legend.

    Parameters
    ----------
    curves : mapping
        ``{model name: (y, p)}``, one curve each.
    ax, lang
        As every riskkit chart: axes to draw into (None: a new figure), labels' language.

    Returns
    -------
    matplotlib.figure.Figure
        The curves, AUC and Gini in the legend.
    """
    check_models(curves, "curves")
    lang = resolve_lang(lang)
    fig, ax = new_axes(ax)
    for name, (y, p) in curves.items():
        points = ev.roc_curve_points(y, p)
        area = ev.auc(y, p)
        ax.plot(points["fpr"], points["tpr"], label=f"{name} (AUC {area:.3f}, Gini {2 * area - 1:.3f})")
    ax.plot([0, 1], [0, 1], ls="--", lw=1, color=NEUTRAL, label=CHARTS("random", lang))
    ax.set(xlim=(0, 1), ylim=(0, 1), title=CHARTS("roc_title", lang),
           xlabel=CHARTS("roc_x", lang), ylabel=CHARTS("roc_y", lang))
    percent(ax.xaxis)
    percent(ax.yaxis)
    ax.legend(loc="lower right")
    return fig


def _score_axis(ax: Axes, values: np.ndarray, score_label: str | None, lang: str) -> None:
    if score_label is not None:
        ax.set_xlabel(score_label)
    elif is_probability(values):
        ax.set_xlabel(CHARTS("pd_axis", lang))
        percent(ax.xaxis)
    else:
        ax.set_xlabel(CHARTS("score_axis", lang))


def plot_ks(
    y: Any, p: Any, ax: Axes | None = None, lang: str = "en", score_label: str | None = None
) -> Figure:
    """Cumulative score distributions of goods and bads, with the KS gap marked.

    Parameters
    ----------
    y : array-like
        Outcomes, 1 for a bad.
    p : array-like
        The PDs (or scores) compared.
    ax, lang
        As every riskkit chart: axes to draw into (None: a new figure), labels' language.
    score_label : str, optional
        The x axis's label (default: the PD axis).

    Returns
    -------
    matplotlib.figure.Figure
        Both cumulative distributions and the KS gap.
    """
    lang = resolve_lang(lang)
    fig, ax = new_axes(ax)
    table = ev.ks_table(y, p)
    ax.step(table["score"], table["cum_good_share"], where="post", color=RISK_DOWN,
            label=CHARTS("goods", lang))
    ax.step(table["score"], table["cum_bad_share"], where="post", color=RISK_UP,
            label=CHARTS("bads", lang))
    at = int(np.argmax(np.abs(table["gap"].to_numpy())))
    row = table.iloc[at]
    ax.vlines(row["score"], row["cum_bad_share"], row["cum_good_share"], color="black", lw=1.2)
    middle = (row["cum_bad_share"] + row["cum_good_share"]) / 2
    ax.annotate(f"KS = {abs(row['gap']):.3f}", (row["score"], middle), xytext=(6, 0),
                textcoords="offset points", va="center",
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85})
    ax.set(ylim=(0, 1.02), title=CHARTS("ks_title", lang), ylabel=CHARTS("ks_y", lang))
    percent(ax.yaxis)
    _score_axis(ax, table["score"].to_numpy(), score_label, lang)
    ax.legend(loc="lower right")
    return fig


def plot_reliability(
    tables: Mapping[str, pd.DataFrame | tuple[Any, Any]],
    n_bins: int = 10,
    ax: Axes | None = None,
    lang: str = "en",
) -> Figure:
    """Reliability diagram: mean predicted PD vs. observed bad rate per bin, per model.

    Values may be ``reliability_table`` frames or ``(y, p)`` pairs; use several entries for
    before / after calibration. Error bars are the tables' 95 % Wilson intervals.

    Parameters
    ----------
    tables : mapping
        ``{label: reliability_table frame or (y, p)}``.
    n_bins : int
        Equal-frequency bins of a ``(y, p)`` pair.
    ax, lang
        As every riskkit chart: axes to draw into (None: a new figure), labels' language.

    Returns
    -------
    matplotlib.figure.Figure
        Predicted against observed, with Wilson intervals and the diagonal.
    """
    check_models(tables, "tables")
    lang = resolve_lang(lang)
    fig, ax = new_axes(ax)
    top = 0.0
    for name, item in tables.items():
        table = item if isinstance(item, pd.DataFrame) else ev.reliability_table(*item, n_bins=n_bins)
        x, obs = table["mean_pd"].to_numpy(), table["observed_rate"].to_numpy()
        err = None
        if {"ci_low", "ci_high"} <= set(table.columns):
            err = np.vstack([obs - table["ci_low"], table["ci_high"] - obs])
            top = max(top, float(table["ci_high"].max()))
        ax.errorbar(x, obs, yerr=err, marker="o", capsize=2, label=name)
        top = max(top, float(x.max()), float(obs.max()))
    limit = min(1.0, top * 1.05) if top > 0 else 1.0
    ax.plot([0, limit], [0, limit], ls="--", lw=1, color=NEUTRAL, label=CHARTS("perfect", lang))
    ax.set(xlim=(0, limit), ylim=(0, limit), title=CHARTS("rel_title", lang),
           xlabel=CHARTS("rel_x", lang), ylabel=CHARTS("rel_y", lang))
    percent(ax.xaxis)
    percent(ax.yaxis)
    ax.legend(loc="upper left")
    return fig


def plot_score_distribution(
    y: Any,
    score: Any,
    bins: int = 40,
    ax: Axes | None = None,
    lang: str = "en",
    score_label: str | None = None,
) -> Figure:
    """Histograms of the score for goods and bads, each normalised to its own group size.

    Per-group shares (not counts) because bads are usually a few percent of a book: on a
    count scale their distribution would be a flat line along the axis.

    Parameters
    ----------
    y : array-like
        Outcomes, 1 = defaulted.
    score : array-like
        The score or PD histogrammed.
    bins : int
        Histogram bins.
    ax, lang
        As every riskkit chart: axes to draw into (None: a new figure), labels' language.
    score_label : str, optional
        What the histograms are of, under the x axis (default: the PD axis).

    Returns
    -------
    matplotlib.figure.Figure
        Two histograms, each in shares of its own group.
    """
    lang = resolve_lang(lang)
    yy, ss = ev.check_inputs(y, score)
    fig, ax = new_axes(ax)
    edges = np.histogram_bin_edges(ss, bins=bins)
    for outcome, colour, key in ((0, RISK_DOWN, "goods"), (1, RISK_UP, "bads")):
        values = ss[yy == outcome]
        if not values.size:
            continue
        weights = np.full(values.size, 1.0 / values.size)
        name = f"{CHARTS(key, lang)} (n={values.size:,})"
        ax.hist(values, bins=edges, weights=weights, color=colour, alpha=0.35, label=name)
        ax.hist(values, bins=edges, weights=weights, color=colour, histtype="step", lw=1.2)
    ax.set(title=CHARTS("dist_title", lang), ylabel=CHARTS("dist_y", lang))
    percent(ax.yaxis)
    _score_axis(ax, ss, score_label, lang)
    ax.legend()
    return fig


def plot_gains(
    models: ModelInputs, n_bins: int = 10, ax: Axes | None = None, lang: str = "en"
) -> Figure:
    """Cumulative gains: share of all bads caught when declining the riskiest x % first.

    Parameters
    ----------
    models : mapping
        ``{model name: (y, p)}``, one gains curve each.
    n_bins : int
        Score bands along the x axis.
    ax, lang
        As every riskkit chart: axes to draw into (None: a new figure), labels' language.

    Returns
    -------
    matplotlib.figure.Figure
        Cumulative capture of bads against the share declined.
    """
    check_models(models)
    lang = resolve_lang(lang)
    fig, ax = new_axes(ax)
    for name, (y, p) in models.items():
        table = ev.gains_table(y, p, n_bins=n_bins)
        ax.plot(np.r_[0.0, table["cum_share"]], np.r_[0.0, table["cum_capture"]], marker="o",
                label=f"{name} (top decile lift {table['lift'].iloc[0]:.2f})")
    ax.plot([0, 1], [0, 1], ls="--", lw=1, color=NEUTRAL, label=CHARTS("random", lang))
    ax.set(xlim=(0, 1), ylim=(0, 1.02), title=CHARTS("gains_title", lang),
           xlabel=CHARTS("gains_x", lang), ylabel=CHARTS("gains_y", lang))
    percent(ax.xaxis)
    percent(ax.yaxis)
    ax.legend(loc="lower right")
    return fig


def plot_strategy_curve(
    models: ModelInputs,
    n_points: int = 101,
    ax: Axes | None = None,
    lang: str = "en",
    approval_rate: float | None = None,
) -> Figure:
    """Bad rate of the approved book against approval rate, one line per model.

    With ``approval_rate`` the chart also marks each model's bad rate at that policy, the
    comparison a credit committee actually makes.

    Parameters
    ----------
    models : mapping
        ``{model name: (y, p)}``, one strategy curve each.
    n_points : int
        Approval rates evaluated.
    ax, lang
        As every riskkit chart: axes to draw into (None: a new figure), labels' language.
    approval_rate : float, optional
        A policy's approval rate, marked on every curve.

    Returns
    -------
    matplotlib.figure.Figure
        Bad rate of the approved against approval rate.
    """
    check_models(models)
    lang = resolve_lang(lang)
    fig, ax = new_axes(ax)
    for name, (y, p) in models.items():
        curve = ev.strategy_curve(y, p, n_points=n_points)
        legend = name
        if approval_rate is not None:
            yy, pp = ev.check_inputs(y, p)
            approved = pp <= ev.cutoff_for_approval_rate(pp, approval_rate)
            rate = float(yy[approved].mean()) if approved.any() else np.nan
            legend = f"{name} ({rate:.1%} bad at {approved.mean():.0%} approved)"
        (line,) = ax.plot(curve["approval_rate"], curve["bad_rate_approved"], label=legend)
        if approval_rate is not None:
            ax.plot([approved.mean()], [rate], marker="o", color=line.get_color())
    if approval_rate is not None:
        ax.axvline(approval_rate, ls=":", lw=1, color=NEUTRAL)
    ax.set(xlim=(0, 1), ylim=(0, None), title=CHARTS("strategy_title", lang),
           xlabel=CHARTS("approval_x", lang), ylabel=CHARTS("approved_bad_y", lang))
    percent(ax.xaxis)
    percent(ax.yaxis)
    # below the axes: a small sample's curve starts high at low approval rates, where a
    # legend inside would cover it
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2, fontsize="small")
    return fig


def plot_psi(
    csi: pd.Series,
    thresholds: tuple[float, float] = (0.1, 0.25),
    ax: Axes | None = None,
    lang: str = "en",
) -> Figure:
    """Horizontal bars of PSI / CSI per feature, coloured stable / watch / shifted.

    Parameters
    ----------
    csi : pandas.Series
        PSI or CSI by feature.
    thresholds : tuple of float
        Where "watch" and "shifted" start.
    ax, lang
        As every riskkit chart: axes to draw into (None: a new figure), labels' language.

    Returns
    -------
    matplotlib.figure.Figure
        One coloured bar per feature.
    """
    lang = resolve_lang(lang)
    if not isinstance(csi, pd.Series) or csi.empty:
        raise ValueError("csi must be a non-empty pandas Series of PSI values indexed by feature")
    fig, ax = new_axes(ax)
    low, high = thresholds
    values = csi.astype(float).sort_values(ascending=True)
    colours = [NEUTRAL if v < low else WARN if v < high else RISK_UP for v in values]
    ax.barh([label(str(n), lang) for n in values.index], values.to_numpy(), color=colours)
    for x in thresholds:
        ax.axvline(x, ls="--", lw=1, color="black", alpha=0.6)
    handles = [
        Patch(color=NEUTRAL, label=f"{CHARTS('stable', lang)} (< {low:g})"),
        Patch(color=WARN, label=f"{CHARTS('watch', lang)} ({low:g}–{high:g})"),
        Patch(color=RISK_UP, label=f"{CHARTS('shifted', lang)} (≥ {high:g})"),
    ]
    ax.legend(handles=handles, loc="lower right")
    ax.set(title=CHARTS("psi_title", lang), xlabel=CHARTS("psi_x", lang), ylabel=CHARTS("feature", lang))
    ax.grid(axis="y", visible=False)
    return fig


def plot_segment_metrics(
    df: pd.DataFrame,
    metrics: Sequence[str] = ("auc", "ks"),
    ax: Axes | None = None,
    lang: str = "en",
) -> Figure:
    """Grouped bars of ``metrics_by_segment`` columns, with segment sizes in the labels.

    Segments whose metric is NaN (too small, one class) show "n/a" rather than a zero bar
    that would read as a useless model.

    Parameters
    ----------
    df : pandas.DataFrame
        :func:`riskkit.evaluate.metrics_by_segment`'s table.
    metrics : sequence of str
        The columns drawn.
    ax, lang
        As every riskkit chart: axes to draw into (None: a new figure), labels' language.

    Returns
    -------
    matplotlib.figure.Figure
        Grouped bars per segment, n/a where a metric was not computed.
    """
    lang = resolve_lang(lang)
    missing = [m for m in (*metrics, "count") if m not in df.columns]
    if missing:
        raise ValueError(f"segment table lacks columns {missing}; pass metrics_by_segment output")
    fig, ax = new_axes(ax)
    names = [CHARTS("missing", lang) if pd.isna(k) else str(k) for k in df.index]
    ticks = [f"{n} (n={int(c):,})" for n, c in zip(names, df["count"], strict=True)]
    positions = np.arange(len(df))
    height = 0.8 / len(metrics)
    for i, metric in enumerate(metrics):
        offset = positions - 0.4 + height * (i + 0.5)
        values = df[metric].to_numpy(dtype=float)
        metric_name = CHARTS(metric, lang) if metric in ("auc", "gini", "ks", "bad_rate", "mean_pd") else metric
        ax.barh(offset, np.nan_to_num(values), height=height, label=metric_name)
        for y_pos, v in zip(offset, values, strict=True):
            ax.annotate(CHARTS("n_a", lang) if np.isnan(v) else f"{v:.2f}", (0 if np.isnan(v) else v, y_pos),
                        xytext=(3, 0), textcoords="offset points", va="center", fontsize="small")
    ax.set_yticks(positions, ticks)
    ax.invert_yaxis()
    ax.set(xlim=(0, 1), title=CHARTS("segment_title", lang), xlabel=CHARTS("segment_x", lang),
           ylabel=CHARTS("segment_y", lang))
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    return fig


def plot_swap_set(table: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Figure:
    """Swap set of two models at one approval rate: share and bad rate of each group.

    ``table`` is :func:`riskkit.evaluate.swap_set` output (``group`` as index or column).
    The groups approved by only one model are the ones a model change swaps in and out; their
    bad rates say whether the swap is worth it.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`riskkit.evaluate.swap_set`'s table: one row per group (approved by both,
        by one model only, by neither), ``group`` as index or column.
    ax, lang
        As every riskkit chart: axes to draw into (None: a new figure), labels' language.

    Returns
    -------
    matplotlib.figure.Figure
        Share and bad rate of each swap group, side by side.
    """
    lang = resolve_lang(lang)
    frame = table.set_index("group") if "group" in table.columns else table
    missing = [c for c in ("share", "bad_rate") if c not in frame.columns]
    if missing:
        raise ValueError(f"swap-set table lacks columns {missing}; pass evaluate.swap_set output")
    fig, ax = new_axes(ax)
    names = [str(g) for g in frame.index]
    shares = frame["share"].to_numpy(dtype=float) * 100
    colours = [RISK_DOWN, WARN, WARN, NEUTRAL][: len(names)]
    ax.barh(names, shares, color=colours)
    for y_pos, (share, rate) in enumerate(zip(shares, frame["bad_rate"], strict=True)):
        rate_text = CHARTS("n_a", lang) if pd.isna(rate) else f"{rate:.1%}"
        ax.annotate(f"{share:.1f}% · " + CHARTS("swap_bad", lang, rate=rate_text), (share, y_pos),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize="small")
    ax.invert_yaxis()
    ax.set(title=CHARTS("swap_title", lang), xlabel=CHARTS("swap_x", lang),
           xlim=(0, max(shares.max() * 1.45, 1.0)))
    ax.grid(axis="y", visible=False)
    return fig

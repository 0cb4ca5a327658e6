"""Charts of explanations, each able to show riskkit's known truth next to the estimate.

Contributions are on the log-odds scale throughout: that is where a logistic truth and
TreeSHAP values are additive, so bars and points can be summed and compared directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from riskkit.charts._axes import new_axes, percent
from riskkit.charts.style import (
    NEUTRAL,
    RISK_DOWN,
    RISK_UP,
    TRUTH,
    label,
    level_label,
    resolve_lang,
)
from riskkit.core import features as registry
from riskkit.core.mathx import logit, sigmoid
from riskkit.texts import Words

CHARTS = Words("charts")


def _value_text(name: str, value: object, lang: str = "en") -> str:
    """A value as the chart shows it: a category level in words ("internet industry"), a
    number formatted with its unit."""
    feature = registry.REGISTRY.get(name)
    if feature is not None and feature.is_categorical:
        return level_label(name, value, lang)
    return feature.format_value(value) if feature is not None else str(value)


def plot_waterfall(
    contributions: pd.Series,
    base: float,
    values: pd.Series | None = None,
    max_features: int = 10,
    lang: str = "en",
    ax: Axes | None = None,
) -> Figure:
    """One applicant's PD built up from the base log-odds, feature by feature.

    Reads top to bottom: the average applicant, then the ``max_features`` largest
    contributions (the rest folded into one bar), then this applicant. Bars that raise risk
    are ``RISK_UP``, bars that lower it ``RISK_DOWN``; the top axis translates log-odds to PD.

    Parameters
    ----------
    contributions : pandas.Series
        The applicant's contributions (log-odds) by feature.
    base : float
        The base log-odds (the average applicant).
    values : pandas.Series, optional
        The applicant's feature values, quoted in the labels.
    max_features : int
        Bars shown before the rest are folded into one.
    lang, ax
        Labels' language; axes to draw into (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The waterfall, top to bottom, with the PD scale on top.
    """
    lang = resolve_lang(lang)
    contrib = pd.Series(contributions, dtype=float)
    if contrib.empty or not np.isfinite(contrib.to_numpy()).all():
        raise ValueError("contributions must be a non-empty Series of finite log-odds")
    if max_features < 1:
        raise ValueError(f"max_features must be at least 1, got {max_features}")
    order = contrib.abs().sort_values(ascending=False, kind="stable").index
    rows: list[tuple[str, float]] = []
    for name in order[:max_features]:
        text_label = label(str(name), lang)
        if values is not None and name in values.index:
            text_label = f"{text_label} = {_value_text(str(name), values[name], lang)}"
        rows.append((text_label, float(contrib[name])))
    rest = order[max_features:]
    if len(rest):
        rows.append((CHARTS("others", lang, n=len(rest)), float(contrib[rest].sum())))

    fig, ax = new_axes(ax)
    final = base + float(contrib.sum())
    running = base
    ax.plot([base], [0], marker="D", color="black")
    for i, (_, c) in enumerate(rows, start=1):
        colour = RISK_UP if c > 0 else RISK_DOWN
        ax.barh(i, c, left=running, color=colour, height=0.65)
        ax.plot([running, running], [i - 1.3 if i > 1 else i - 1, i - 0.33], color=NEUTRAL, lw=0.8)
        ax.annotate(f"{c:+.2f}", (running + c, i), xytext=(3 if c >= 0 else -3, 0),
                    textcoords="offset points", va="center", ha="left" if c >= 0 else "right",
                    fontsize="small")
        running += c
    last = len(rows) + 1
    ax.plot([running, running], [last - 1.33, last], color=NEUTRAL, lw=0.8)
    ax.plot([final], [last], marker="D", color="black")
    names = [CHARTS("base_row", lang), *(r[0] for r in rows), CHARTS("final_row", lang)]
    ax.set_yticks(range(last + 1), names)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    # Bars are "sticky" at their left edge, so margins() cannot pad them: set limits by hand.
    edges = np.r_[base, base + np.cumsum([c for _, c in rows])]
    pad = 0.15 * max(float(np.ptp(edges)), 0.1)
    ax.set_xlim(edges.min() - pad, edges.max() + pad)
    ax.set_xlabel(CHARTS("wf_x", lang))
    title = CHARTS("wf_title", lang, base=f"{sigmoid(base):.1%}", final=f"{sigmoid(final):.1%}")
    ax.set_title(title)
    top = ax.secondary_xaxis("top", functions=(sigmoid, logit))
    top.set_xlabel(CHARTS("wf_top", lang))
    top.xaxis.set_major_locator(MaxNLocator(nbins=5))
    percent(top.xaxis)
    ax.legend(handles=[Patch(color=RISK_UP, label=CHARTS("raises", lang)),
                       Patch(color=RISK_DOWN, label=CHARTS("lowers", lang))], loc="best")
    return fig


def plot_reason_frequency(
    counts: pd.Series, top: int = 15, ax: Axes | None = None, lang: str = "en"
) -> Figure:
    """How often each reason (feature name or reason text) was given, most frequent on top.

    Parameters
    ----------
    counts : pandas.Series
        Denials per reason.
    top : int
        Most reasons shown.
    ax, lang
        As every riskkit chart: axes to draw into (None: a new figure), labels' language.

    Returns
    -------
    matplotlib.figure.Figure
        Horizontal bars, most frequent on top.
    """
    lang = resolve_lang(lang)
    series = pd.Series(counts, dtype=float)
    if series.empty:
        raise ValueError("counts must be a non-empty Series of counts per reason")
    shown = series.sort_values(ascending=False, kind="stable").head(top)
    total = series.sum()
    fig, ax = new_axes(ax)
    positions = np.arange(len(shown))
    ax.barh(positions, shown.to_numpy(), color=RISK_UP)
    for y_pos, v in zip(positions, shown.to_numpy(), strict=True):
        share = f" ({v / total:.0%})" if total > 0 else ""
        ax.annotate(f"{v:,.0f}{share}", (v, y_pos), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize="small")
    ax.set_yticks(positions, [label(str(n), lang) for n in shown.index])
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.margins(x=0.15)
    ax.set(title=CHARTS("reason_title", lang), xlabel=CHARTS("reason_x", lang))
    return fig


def _truth_column(frame: pd.DataFrame, name: str) -> pd.Series:
    for column in (name, registry.contrib_column(name)):
        if column in frame.columns:
            return frame[column]
    raise KeyError(f"no true contribution for {name!r} (looked for {name!r} and "
                   f"{registry.contrib_column(name)!r})")


def plot_contrib_vs_truth(
    model_contrib: pd.DataFrame,
    true_contrib: pd.DataFrame,
    features: Sequence[str] | None = None,
    ax: Axes | None = None,
    lang: str = "en",
    center: bool = True,
) -> Figure:
    """Mean |contribution| per feature, model vs. the generator's truth, sorted by truth.

    ``true_contrib`` columns may be plain names or ``true_contrib__<name>``. With
    ``center`` both sides are centred per feature first: SHAP values average zero over the
    data while the truth is measured from its own reference point, and a constant offset is
    not a disagreement about the feature's effect.

    Parameters
    ----------
    model_contrib : pandas.DataFrame
        The model's contributions, one column per feature.
    true_contrib : pandas.DataFrame
        The truth's contributions (plain or ``true_contrib__`` names).
    features : sequence of str, optional
        The features shown (default: the columns both have).
    ax, lang
        As every riskkit chart: axes to draw into (None: a new figure), labels' language.
    center : bool
        Centre both sides per feature before the mean absolute value.

    Returns
    -------
    matplotlib.figure.Figure
        Paired bars per feature, sorted by the truth.
    """
    lang = resolve_lang(lang)
    names = list(features) if features is not None else list(model_contrib.columns)
    model_imp, true_imp = {}, {}
    for name in names:
        m, t = model_contrib[name].astype(float), _truth_column(true_contrib, name).astype(float)
        if center:
            m, t = m - m.mean(), t - t.mean()
        model_imp[name], true_imp[name] = m.abs().mean(), t.abs().mean()
    table = pd.DataFrame({"model": model_imp, "truth": true_imp}).sort_values("truth", ascending=False)
    fig, ax = new_axes(ax)
    positions = np.arange(len(table))
    ax.barh(positions - 0.2, table["model"], height=0.4, label=CHARTS("model", lang))
    ax.barh(positions + 0.2, table["truth"], height=0.4, color=TRUTH, alpha=0.75,
            label=CHARTS("truth", lang))
    ax.set_yticks(positions, [label(n, lang) for n in table.index])
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.set(title=CHARTS("cvt_title", lang), xlabel=CHARTS("cvt_x", lang))
    ax.legend(loc="lower right")
    return fig


def plot_dependence(
    x: Any,
    contrib: Any,
    true_contrib: Any | None = None,
    feature: str = "",
    ax: Axes | None = None,
    lang: str = "en",
    center: bool = True,
    max_points: int = 5000,
    seed: int = 0,
) -> Figure:
    """SHAP dependence scatter (value vs. contribution) with the true effect overlaid.

    Categorical features are drawn at category positions with a little jitter. Rows with
    a missing ``x`` often carry meaning in credit data ("never overdue"), so they are drawn
    in grey as a strip left of the observed values, with their true effect. At most
    ``max_points`` points are scattered (a seeded sample) so PDFs and SVGs stay small; the
    truth uses every row.

    Parameters
    ----------
    x : array-like
        The feature's values.
    contrib : array-like
        The model's contributions of that feature, row by row.
    true_contrib : array-like, optional
        The truth's contributions, drawn as its curve.
    feature : str
        The feature, for the label.
    ax, lang
        As every riskkit chart: axes to draw into (None: a new figure), labels' language.
    center : bool
        Centre the truth on the model's mean, so shapes are compared.
    max_points : int
        Most points scattered.
    seed : int
        Seed of the scattered sample.

    Returns
    -------
    matplotlib.figure.Figure
        The scatter, the missing-value strip and the true effect.
    """
    lang = resolve_lang(lang)
    xs = x.reset_index(drop=True) if isinstance(x, pd.Series) else pd.Series(np.asarray(x))
    cs = pd.Series(np.asarray(contrib, dtype=float))
    if len(xs) != len(cs):
        raise ValueError(f"x has {len(xs)} rows but contrib has {len(cs)}")
    ts = None if true_contrib is None else pd.Series(np.asarray(true_contrib, dtype=float))
    if center:
        cs = cs - cs.mean()
        ts = None if ts is None else ts - ts.mean()
    present = xs.notna().to_numpy()
    numeric = pd.api.types.is_numeric_dtype(xs.dtype)
    fig, ax = new_axes(ax)
    rng = np.random.default_rng(seed)
    if numeric:
        xv = xs.to_numpy(dtype=float, na_value=np.nan)
    else:
        known = registry.REGISTRY.get(feature)
        cats = list(known.categories) if known is not None and known.categories else []
        seen = {str(v) for v in xs[present]}
        cats = [c for c in cats if c in seen] + sorted(seen - set(cats))
        codes = {c: i for i, c in enumerate(cats)}
        xv = np.array([codes[str(v)] if ok else np.nan for v, ok in zip(xs, present, strict=True)])
        ax.set_xticks(range(len(cats)), cats, rotation=30, ha="right")
    idx = np.flatnonzero(present)
    shown = rng.choice(idx, max_points, replace=False) if idx.size > max_points else idx
    jitter = 0.0 if numeric else rng.uniform(-0.15, 0.15, shown.size)
    ax.scatter(xv[shown] + jitter, cs.to_numpy()[shown], s=6, alpha=0.35, linewidths=0,
               label=CHARTS("model", lang))
    missing_rows = np.flatnonzero(~present)
    if missing_rows.size and idx.size:
        lo, hi = float(np.nanmin(xv)), float(np.nanmax(xv))
        at = lo - 0.1 * max(hi - lo, 1.0)
        few = rng.choice(missing_rows, max_points, replace=False) if missing_rows.size > max_points \
            else missing_rows
        spread = 0.02 * max(hi - lo, 1.0)
        ax.scatter(at + rng.uniform(-spread, spread, few.size), cs.to_numpy()[few], s=6, alpha=0.35,
                   linewidths=0, color=NEUTRAL,
                   label=f"{CHARTS('missing', lang)} (n={missing_rows.size:,})")
        if ts is not None:
            ax.plot([at], [ts.to_numpy()[missing_rows].mean()], ls="none", marker="_",
                    markersize=14, mew=2, color=TRUTH)
    if ts is not None:
        truth = pd.DataFrame({"x": xv[idx], "t": ts.to_numpy()[idx]}).groupby("x")["t"].mean()
        style = {"ls": "--"} if numeric else {"ls": "none", "marker": "_", "markersize": 18, "mew": 2}
        ax.plot(truth.index, truth.to_numpy(), color=TRUTH, label=CHARTS("truth", lang), **style)
    ax.axhline(0, color=NEUTRAL, lw=0.8)
    feature_label = label(feature, lang) if feature else "x"
    ax.set(title=CHARTS("dep_title", lang, feature=feature_label), xlabel=feature_label,
           ylabel=CHARTS("contrib_y", lang))
    ax.legend(loc="best")
    return fig


def plot_pdp_ice(
    grid: Any,
    ice: Any,
    pdp: Any,
    true_curve: Any | None = None,
    feature: str = "",
    ax: Axes | None = None,
    lang: str = "en",
    output: str = "pd",
    max_ice_lines: int = 100,
    seed: int = 0,
) -> Figure:
    """Partial dependence (mean) over individual ICE curves, with the true curve overlaid.

    ``ice`` is (n_rows, len(grid)). ``output`` says what the curves are: ``"pd"`` (shown as
    percentages) or ``"log-odds"``. At most ``max_ice_lines`` ICE curves are drawn (a seeded
    sample) because hundreds of lines only add ink and file size.

    Parameters
    ----------
    grid : array-like
        Feature values the curves are evaluated at.
    ice : array-like
        One curve per row, shape (n_rows, len(grid)).
    pdp : array-like
        Their mean.
    true_curve : array-like, optional
        The truth's curve on the same grid.
    feature : str
        The feature, for the label.
    ax, lang
        As every riskkit chart: axes to draw into (None: a new figure), labels' language.
    output : {"pd", "log-odds"}
        What the curves are.
    max_ice_lines : int
        Most individual curves drawn.
    seed : int
        Seed of the drawn curves.

    Returns
    -------
    matplotlib.figure.Figure
        The mean over a sample of individual curves, truth dashed.
    """
    lang = resolve_lang(lang)
    if output not in ("pd", "log-odds"):
        raise ValueError(f"output must be 'pd' or 'log-odds', got {output!r}")
    g = np.asarray(grid, dtype=float)
    curves = np.atleast_2d(np.asarray(ice, dtype=float))
    mean = np.asarray(pdp, dtype=float)
    if curves.shape[1] != g.size or mean.size != g.size:
        raise ValueError(f"grid has {g.size} points but ice is {curves.shape} and pdp has {mean.size}")
    fig, ax = new_axes(ax)
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(curves), max_ice_lines, replace=False) if len(curves) > max_ice_lines \
        else np.arange(len(curves))
    for j, row in enumerate(rows):
        ax.plot(g, curves[row], color=NEUTRAL, lw=0.6, alpha=0.35,
                label=CHARTS("ice", lang) if j == 0 else None)
    ax.plot(g, mean, lw=2.2, label=CHARTS("pdp", lang))
    if true_curve is not None:
        ax.plot(g, np.asarray(true_curve, dtype=float), color=TRUTH, ls="--", lw=1.8,
                label=CHARTS("truth", lang))
    feature_label = label(feature, lang) if feature else "x"
    ax.set(title=CHARTS("pdp_title", lang, feature=feature_label), xlabel=feature_label)
    if output == "pd":
        ax.set_ylabel(CHARTS("pd_axis", lang))
        percent(ax.yaxis)
    else:
        ax.set_ylabel(CHARTS("logodds_y", lang))
    ax.legend(loc="best")
    return fig

"""Charts of the power study: how often each validation test flags, by defect and size."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from riskkit.charts._axes import new_axes, percent
from riskkit.charts.style import NEUTRAL, TRUTH, resolve_lang
from riskkit.texts import Words

CHARTS = Words("charts")

__all__ = ["plot_false_alarms", "plot_power"]


def _check(rates: pd.DataFrame) -> None:
    missing = {"kind", "size", "n", "test", "rate", "ci_low", "ci_high"} - set(rates.columns)
    if missing:
        raise ValueError(f"rates table lacks columns {sorted(missing)}")


def plot_power(rates: pd.DataFrame, kind: str, n: int, tests: Sequence[str], *,
               alpha: float = 0.05, ax: Axes | None = None, lang: str = "en") -> Figure:
    """Share of samples each test flags against the size of one defect, with its interval.

    Parameters
    ----------
    rates : pandas.DataFrame
        :attr:`riskkit.validate.PowerStudy.rates`.
    kind : str
        The defect (``pd_scale``, ``grade_scale``, ``lost_driver``, ``drift``,
        ``correlation``); its size 0 (or factor 1) is the study's no-defect samples.
    n : int
        Sample size.
    tests : sequence of str
        One line each.
    alpha : float
        The nominal level, drawn as a dotted line with the 80 % power line.
    ax : Axes, optional
    lang : {"en", "zh"}

    Returns
    -------
    Figure
    """
    _check(rates)
    lang = resolve_lang(lang)
    fig, ax = new_axes(ax)
    none_x = 1.0 if kind in ("pd_scale", "grade_scale") else 0.0
    for test in tests:
        part = rates[(rates["test"] == test) & (rates["n"] == n)
                     & rates["kind"].isin(["none", kind])].copy()
        if part.empty:
            continue
        part.loc[part["kind"] == "none", "size"] = none_x
        part = part.sort_values("size")
        x = part["size"].to_numpy(float)
        (line,) = ax.plot(x, part["rate"], marker="o", ms=3, label=CHARTS(f"vt.{test}", lang))
        ax.fill_between(x, part["ci_low"], part["ci_high"], color=line.get_color(), alpha=0.15,
                        lw=0)
    ax.axhline(alpha, ls=":", lw=1, color=NEUTRAL, label=CHARTS("power_nominal", lang))
    ax.axhline(0.8, ls="--", lw=1, color=TRUTH, label=CHARTS("power_80", lang))
    ax.set(ylim=(0, 1.02), xlabel=CHARTS(f"defect.{kind}", lang), ylabel=CHARTS("power_y", lang),
           title=CHARTS("power_title", lang, defect=CHARTS(f"defect.{kind}", lang), n=f"{n:,}"))
    percent(ax.yaxis)
    # below the axes: the curves climb from the level line to the 80 % line across the whole
    # width, so no corner inside is free of them at every size
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=3, fontsize="x-small")
    return fig


def plot_false_alarms(rates: pd.DataFrame, tests: Sequence[str], *, alpha: float = 0.05,
                      ax: Axes | None = None, lang: str = "en") -> Figure:
    """The false-alarm rate (no defect) of each test at each sample size, with intervals.

    Parameters
    ----------
    rates : pandas.DataFrame
        :attr:`riskkit.validate.PowerStudy.rates`.
    tests : sequence of str
        One row each, top to bottom.
    alpha : float
        The nominal level every rate should sit at (a dotted line).
    ax : Axes, optional
    lang : {"en", "zh"}

    Returns
    -------
    Figure
    """
    _check(rates)
    lang = resolve_lang(lang)
    fig, ax = new_axes(ax)
    none = rates[rates["kind"] == "none"]
    sizes = sorted(none["n"].unique())
    width = 0.7 / max(len(sizes), 1)
    for j, n in enumerate(sizes):
        part = none[none["n"] == n].set_index("test").reindex(list(tests))
        y = np.arange(len(tests)) + (j - (len(sizes) - 1) / 2) * width
        err = np.vstack([part["rate"] - part["ci_low"], part["ci_high"] - part["rate"]])
        ax.errorbar(part["rate"], y, xerr=err, fmt="o", ms=3, capsize=2, lw=1,
                    label=CHARTS("sample_size", lang, n=f"{n:,}"))
    ax.axvline(alpha, ls=":", lw=1, color=NEUTRAL, label=CHARTS("power_nominal", lang))
    ax.set_yticks(np.arange(len(tests)), [CHARTS(f"vt.{t}", lang) for t in tests])
    ax.invert_yaxis()
    ax.set(xlim=(0, None), xlabel=CHARTS("false_alarm_x", lang),
           title=CHARTS("false_alarm_title", lang))
    percent(ax.xaxis)
    ax.legend(loc="lower right", fontsize="x-small")
    return fig

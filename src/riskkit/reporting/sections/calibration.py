"""The report's "Calibration" section: whether the deployed model's PDs are the bad rates it
sees, against a tolerance the sample size sets (:func:`riskkit.reporting.findings.ece_noise`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from riskkit.reporting import numbers as fmt
from riskkit.reporting.findings import banded, ece_tolerance
from riskkit.reporting.page import table
from riskkit.reporting.view import Figures, RunView, model_of, place

__all__ = ["calibration_section"]

def _reliability_gap(frame: pd.DataFrame, column: str, bins: int = 10) -> tuple[int, float, float] | None:
    """(tenth, mean PD, observed rate) of the equal-frequency bin furthest from the diagonal."""
    if column not in frame or "default_12m" not in frame or len(frame) < bins * 5:
        return None
    p, y = frame[column].to_numpy(float), frame["default_12m"].to_numpy(float)
    order = np.argsort(p, kind="stable")
    chunks = np.array_split(order, bins)
    stats = [(i + 1, float(p[c].mean()), float(y[c].mean())) for i, c in enumerate(chunks)]
    return max(stats, key=lambda s: abs(s[1] - s[2]))


def calibration_section(view: RunView, figs: Figures) -> str:
    """Whether predicted PDs match observed bad rates."""
    t, model = view.t, view.deployed
    oot = view.has_oot
    header = [view.label("model"), view.paren(view.label("ece"), view.split("test")),
              *([view.paren(view.label("ece"), view.split("oot"))] if oot else []),
              view.label("brier"), view.label("log_loss"), view.label("method"),
              view.label("ece_test_before")]
    rows = []
    for m, entry in view.models.items():
        calib = entry.get("calibration") if isinstance(entry.get("calibration"), Mapping) else {}
        rows.append([view.model(m), fmt.pp(view.score(m, "test", "ece"), view.lang),
                     *([fmt.pp(view.score(m, "oot", "ece"), view.lang)] if oot else []),
                     fmt.sig(view.score(m, "test", "brier"), 4),
                     fmt.sig(view.score(m, "test", "log_loss"), 4),
                     view.value_text(str(calib.get("method", "none"))),
                     fmt.pp(calib.get("ece_test_before"), view.lang)])
    sentences = []
    if view.score(model, "test", "ece") is not None:  # each split's ECE against its own tolerance
        said = {}
        for split in ("test", "oot") if oot else ("test",):
            _, tol, noise = ece_tolerance(view, model, split)
            verdict = banded(view, view.score(model, split, "ece"), tol, 2 * tol, kind="ece",
                             low_inclusive=True)
            said[split] = (t(f"v.ece.{verdict}") if verdict != "none" else t("v.none"),
                           fmt.pp(noise, view.lang), fmt.pp(tol, view.lang))
        verdict_oot, noise_oot, tol_oot = said.get("oot", said["test"])
        sentences.append(t(view.oot("cal.text"), model=view.model(model),
                           ece=fmt.pp(view.score(model, "test", "ece"), view.lang),
                           oot=fmt.pp(view.score(model, "oot", "ece"), view.lang),
                           verdict=said["test"][0], noise=said["test"][1], tol=said["test"][2],
                           verdict_oot=verdict_oot, noise_oot=noise_oot, tol_oot=tol_oot))
    test = view.split_frame("test")
    if test is not None and f"pd_{model}" in test and "default_12m" in test:
        mean, observed = float(test[f"pd_{model}"].mean()), float(test["default_12m"].mean())
        sentences.append(view.choose(  # derived from the test rows: no table holds them
            mean, observed, ("cal.mean_over", "cal.mean_under", "cal.mean_match"),
            shown=fmt.percent, table=None, pd=fmt.percent(mean), obs=fmt.percent(observed),
            d=fmt.pp(abs(mean - observed), view.lang)))
    calib = (view.models.get(model) or {}).get("calibration") or {}
    before, after = (calib.get("ece_test_before"), calib.get("ece_test_after")) \
        if isinstance(calib, Mapping) else (None, None)
    if isinstance(calib, Mapping) and calib.get("applied"):
        method = view.value_text(str(calib.get("method")))
        if isinstance(before, (int, float)) and isinstance(after, (int, float)):
            sentences.append(view.choose(
                after, before, ("cal.applied_up", "cal.applied_down", "cal.applied_same"),
                shown=lambda v: fmt.pp(v, view.lang), method=method, before=fmt.pp(before, view.lang),
                after=fmt.pp(after, view.lang)))
        else:
            sentences.append(t("cal.applied", method=method))
    elif view.models:
        sentences.append(t("cal.none"))
    parts = [view.para(*sentences), table(header, rows)] if rows else []

    def interpret(stem: str, prefix: str) -> str:
        m = model_of(view, stem, prefix)
        if test is None:
            return ""
        if prefix == "reliability":
            gap = _reliability_gap(test, f"pd_{model}")
            if not gap:
                return ""
            return view.choose(gap[1], gap[2], ("fig.reliability.over", "fig.reliability.under",
                                                "fig.reliability.text"), shown=fmt.percent,
                               table=None, model=view.model(model), tenth=gap[0],
                               pd=fmt.percent(gap[1]), obs=fmt.percent(gap[2]),
                               d=fmt.pp(abs(gap[1] - gap[2]), view.lang))
        column = f"pd_{m}"
        if prefix == "score_distribution" and column in test and "default_12m" in test:
            bad = test["default_12m"].astype(bool)
            text_ = t("fig.dist.text", model=view.model(m), good=fmt.percent(test.loc[~bad, column].median()),
                      bad=fmt.percent(test.loc[bad, column].median()))
            cut = (view.metrics.get("policy") or {}).get("cutoff_pd")
            if m == model and isinstance(cut, (int, float)) and bad.any():
                text_ += " " + t("fig.dist.cut", share=fmt.percent((test.loc[bad, column] > cut).mean()),
                                 cut=fmt.percent(cut))
            return text_
        return ""

    parts.append(place(view, figs, ("reliability", "score_distribution"), interpret))
    return "".join(parts)

"""The report's "Discrimination" section: how well each model ranks the bads above the goods
(ROC, KS, gains, the swap set against the scorecard), every sentence filled from the run.
"""

from __future__ import annotations

import pandas as pd

from riskkit.reporting import numbers as fmt
from riskkit.reporting.findings import auc_tolerance
from riskkit.reporting.page import table
from riskkit.reporting.view import Figures, RunView, model_of, place

__all__ = ["discrimination_section"]

def _best(view: RunView, split: str, key: str, exclude: tuple[str, ...] = ("oracle",)) -> tuple[str, float] | None:
    scores = {m: view.score(m, split, key) for m in view.models if m not in exclude}
    scores = {m: v for m, v in scores.items() if v is not None}
    return max(scores.items(), key=lambda kv: kv[1]) if scores else None


def _best_sentence(view: RunView, best: tuple[str, float]) -> str:
    """"X ranks applicants best", checked against the runner-up: a difference within the
    noise the limitations state (:func:`~riskkit.reporting.findings.auc_tolerance`), or one
    that does not show when printed, is said as a tie."""
    rest = {m: view.score(m, "test", "auc") for m in view.models if m not in ("oracle", best[0])}
    rest = {m: v for m, v in rest.items() if v is not None}
    if not rest:
        return view.t("disc.best", best=view.model(best[0]), auc=fmt.sig(best[1], 4))
    second = max(rest.items(), key=lambda kv: kv[1])
    return view.choose(best[1], second[1], ("disc.best", "disc.best", "disc.best_tie"),
                       tolerance=auc_tolerance(view),
                       best=view.model(best[0]), auc=fmt.sig(best[1], 4),
                       second=view.model(second[0]), auc2=fmt.sig(second[1], 4))


def discrimination_section(view: RunView, figs: Figures) -> str:
    """How well each model ranks applicants, on test and out of time."""
    t, model = view.t, view.deployed
    cells = [(k, s) for k, s in (("auc", "test"), ("auc", "oot"), ("gini", "test"),
                                 ("ks", "test"), ("ks", "oot")) if s == "test" or view.has_oot]
    header = [view.label("model")] + [view.paren(view.label(k), view.split(s)) for k, s in cells]
    rows = [[view.model(m)] + [fmt.sig(view.score(m, s, k), 4) for k, s in cells]
            for m in view.models]
    auc, oracle = view.score(model, "test", "auc"), view.score("oracle", "test", "auc")
    best = _best(view, "test", "auc")
    sentences = []
    if best:
        sentences.append(_best_sentence(view, best))
    if auc is not None and oracle is not None and model != "oracle":
        gap = oracle - auc  # above the oracle only by chance: said so, never "-x below"
        sentences.append(view.choose(auc, oracle, ("disc.gap_above", "disc.gap", "disc.gap_same"),
                                     shown=lambda v: fmt.sig(v, 4),
                                     model=view.model(model), auc=fmt.sig(auc, 4),
                                     gap=fmt.sig(abs(gap), 2 if abs(gap) < 0.001 else 3),
                                     oracle=fmt.sig(oracle, 4)))
    elif auc is not None:
        sentences.append(t("disc.no_oracle", model=view.model(model), auc=fmt.sig(auc, 4)))
    oot = view.score(model, "oot", "auc")
    if auc is not None and oot is not None:
        sentences.append(view.choose(oot, auc, ("disc.oot_up", "disc.oot_down", "disc.oot_same"),
                                     auc=fmt.sig(oot, 4), delta=fmt.sig(abs(oot - auc), 2)))
    parts = [view.para(*sentences), table(header, rows)] if rows else []

    def interpret(stem: str, prefix: str) -> str:
        m = model_of(view, stem, prefix)
        if prefix == "roc" and auc is not None:
            return t("fig.roc.text" if oracle else "fig.roc.text1", model=view.model(model),
                     auc=fmt.sig(auc, 4),
                     n=len(view.models), oracle=fmt.sig(oracle, 4) if oracle else fmt.DASH)
        if prefix == "ks" and view.score(m, "test", "ks") is not None:
            return t(view.oot("fig.ks.text"), model=view.model(m), ks=fmt.sig(view.score(m, "test", "ks"), 4),
                     oot=fmt.sig(view.score(m, "oot", "ks"), 4))
        gains = view.tables.get(f"gains_{model}")
        if prefix == "gains" and gains is not None and len(gains) >= 3:
            g = gains.sort_values("decile")
            return t("fig.gains.text", model=view.model(model),
                     c1=fmt.percent(g["cum_capture"].iloc[0]), lift=fmt.sig(g["lift"].iloc[0]),
                     c3=fmt.percent(g["cum_capture"].iloc[2]))
        swap = view.tables.get("swap_set")
        if prefix == "swap_set" and swap is not None and {"count", "bad_rate"} <= set(swap):
            return _swap_text(view, swap)
        return ""

    parts.append(place(view, figs, ("roc", "ks", "gains", "swap_set"), interpret))
    return "".join(parts)


def _swap_text(view: RunView, swap: pd.DataFrame) -> str:
    cols = [c for c in swap.columns if c.endswith("_approves")]
    if len(cols) != 2:
        return ""
    a, b = (c.removesuffix("_approves") for c in cols)
    agree = swap.loc[swap[cols[0]] == swap[cols[1]], "count"].sum() / swap["count"].sum()
    only_b = swap[(~swap[cols[0]].astype(bool)) & swap[cols[1]].astype(bool)]
    only_a = swap[swap[cols[0]].astype(bool) & (~swap[cols[1]].astype(bool))]
    if only_a.empty or only_b.empty:
        return view.t("fig.swap.agree", a=view.model(a), b=view.model(b), agree=fmt.percent(agree))
    return view.t("fig.swap.text", a=view.model(a), b=view.model(b), agree=fmt.percent(agree),
                  nb=fmt.integer(only_b["count"].iloc[0]), bb=fmt.percent(only_b["bad_rate"].iloc[0]),
                  na=fmt.integer(only_a["count"].iloc[0]), ba=fmt.percent(only_a["bad_rate"].iloc[0]))

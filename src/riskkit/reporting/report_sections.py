"""Report sections on the model itself: data and world, discrimination, calibration, stability.

Each function takes the :class:`~riskkit.reporting.report_view.RunView` and the run's
:class:`~riskkit.reporting.report_view.Figures` and returns the section's HTML body: tables of
formatted numbers, and next to every table and chart two or three sentences whose every
number is computed from the run (metrics.json, the data card, decisions.parquet, tables/),
never a canned remark. A chart whose numbers the run did not write gets its caption only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from riskkit.reporting import report_format as fmt
from riskkit.reporting.report_html import esc, table
from riskkit.reporting.report_summary import ece_tolerance, stability_verdict
from riskkit.reporting.report_texts import TEXTS, humanise
from riskkit.reporting.report_view import Figures, RunView

__all__ = ["calibration_section", "data_section", "discrimination_section", "figure_title",
           "stability_section"]

SPLITS = ("train", "valid", "test", "oot")


def figure_title(view: RunView, stem: str, prefix: str) -> str:
    """A chart's title from its file name: ``ks_lgbm`` -> "KS curve: LightGBM"."""
    if f"fig.{prefix}" not in TEXTS:  # a chart the catalogue does not know yet
        return humanise(stem)
    rest = stem[len(prefix) + 1:] if stem.startswith(f"{prefix}_") else ""
    who = view.model(rest) if rest in view.models else view.label(f"who.{rest}")
    return view.t(f"fig.{prefix}", model=who, who=who)


def model_of(view: RunView, stem: str, prefix: str) -> str:
    """The model a per-model chart is about (``ks_lgbm`` -> ``lgbm``), else the deployed one."""
    rest = stem[len(prefix) + 1:] if stem.startswith(f"{prefix}_") else ""
    return rest if rest in view.models else view.deployed


def place(view: RunView, figs: Figures, prefixes: tuple[str, ...], interpret) -> str:
    """Every chart of ``prefixes`` with its title and interpretation ``interpret(stem, prefix)``."""
    out = []
    for path in view.figures_with(prefixes):
        prefix = next(x for x in prefixes if path.stem == x or path.stem.startswith(f"{x}_"))
        out.append(figs.render(path, figure_title(view, path.stem, prefix),
                               interpret(path.stem, prefix) or view.t("fig.no_text")))
    return "".join(out)


# ----------------------------------------------------------------------------- data and world
def data_section(view: RunView, figs: Figures) -> str:
    """Where the applicants come from: world, scenario, splits, features."""
    card = view.card or {}
    t, parts = view.t, []
    rows = [[view.split(s), fmt.integer(view.card_value("rows", s)),
             fmt.percent(view.card_value("bad_rate", s))] for s in SPLITS
            if view.card_value("rows", s) is not None]
    data = view.config.get("data") if isinstance(view.config.get("data"), Mapping) else {}
    scenario = view.value_text(str(card.get("scenario") or data.get("scenario") or "baseline"))
    oot_scenario = view.value_text(str(card.get("oot_scenario") or scenario))
    if view.synthetic:
        world = (card.get("world") or {}).get("value") or {}
        dials = world.get("dials") or {}
        sentences = [t("data.world", world=view.world_text, scenario=scenario, oot=oot_scenario)]
        if world:
            sentences.append(t("data.truth", bad=fmt.percent(world.get("bad_rate")),
                               noise=fmt.number(dials.get("label_noise", 0.0))))
        if view.card_value("rows", "oot") is not None:
            drift = float(card.get("oot_drift") or 0.0)  # 0.2.0 runs: a second draw, no drift
            sentences.append(t("data.oot_later", months=card.get("oot_month"),
                               drift=fmt.number(drift)) if drift > 0 else t("data.oot_same"))
        parts.append(view.para(*sentences))
    else:
        reg = view.registry_file or {}
        parts.append(view.para(t("data.byod", source=reg.get("source", "?"),
                                  target=reg.get("target", "?"))))
    if rows:
        train, oot = view.card_value("bad_rate", "train"), view.card_value("bad_rate", "oot")
        sentences = [t(view.oot("data.splits"), train=fmt.integer(view.card_value("rows", "train")),
                       test=fmt.integer(view.card_value("rows", "test")),
                       oot=fmt.integer(view.card_value("rows", "oot")))]
        if train is not None and oot is not None:
            sentences.append(t("data.drift", train=fmt.percent(train), oot=fmt.percent(oot),
                               delta=("+" if oot > train else "") + fmt.pp(oot - train, view.lang)))
        parts.append(view.para(*sentences))
        parts.append(table([view.label("split"), view.label("rows"), view.label("bad_rate")], rows))
    features = [f for f in card.get("features") or [] if isinstance(f, Mapping)]
    if features:
        inputs = [f for f in features if f.get("model_feature", True)]
        protected = [f for f in features if f.get("protected")]
        parts.append(f"<h3>{esc(t('sub.features'))}</h3>")
        parts.append(view.para(t("data.features", n=len(features), inputs=len(inputs),
                                  protected=len(protected),
                                  names=view.join([view.feature(str(f["name"])) for f in protected])
                                  or fmt.DASH)))
        head = [view.label("feature"), view.label("description"), view.label("unit"),
                view.label("direction"), view.label("model_feature"), view.label("protected")]
        body = "".join(
            f"<tr><td><code>{esc(f.get('name'))}</code></td>"
            f"<td>{esc(f.get(f'description_{view.lang}') or f.get('description_en') or '')}</td>"
            f"<td>{esc(view.unit(str(f.get('unit') or '')))}</td>"
            f"<td>{esc(view.value_text(str(f.get('direction'))) if f.get('direction') not in (None, 'none') else '')}</td>"
            f"<td>{esc(view.fmt('', bool(f.get('model_feature', True))))}</td>"
            f"<td>{esc(view.fmt('', bool(f.get('protected', False))))}</td></tr>" for f in features)
        parts.append("<table><thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head)
                     + f"</tr></thead><tbody>{body}</tbody></table>")
    return "".join(parts)


# ----------------------------------------------------------------------------- discrimination
def _best(view: RunView, split: str, key: str, exclude: tuple[str, ...] = ("oracle",)) -> tuple[str, float] | None:
    scores = {m: view.score(m, split, key) for m in view.models if m not in exclude}
    scores = {m: v for m, v in scores.items() if v is not None}
    return max(scores.items(), key=lambda kv: kv[1]) if scores else None


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
        sentences.append(t("disc.best", best=view.model(best[0]), auc=fmt.sig(best[1], 4)))
    if auc is not None and oracle is not None and model != "oracle":
        sentences.append(t("disc.gap", model=view.model(model), auc=fmt.sig(auc, 4),
                           gap=fmt.sig(oracle - auc, 2 if abs(oracle - auc) < 0.001 else 3),
                           oracle=fmt.sig(oracle, 4)))
    elif auc is not None:
        sentences.append(t("disc.no_oracle", model=view.model(model), auc=fmt.sig(auc, 4)))
    oot = view.score(model, "oot", "auc")
    if auc is not None and oot is not None:
        key = "disc.oot_up" if oot >= auc else "disc.oot_down"
        sentences.append(t(key, auc=fmt.sig(oot, 4), delta=fmt.sig(abs(oot - auc), 2)))
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


# ----------------------------------------------------------------------------- calibration
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
    verdict, tol, noise = ece_tolerance(view, model, "test")
    sentences = []
    if view.score(model, "test", "ece") is not None:
        sentences.append(t(view.oot("cal.text"), model=view.model(model),
                           ece=fmt.pp(view.score(model, "test", "ece"), view.lang),
                           oot=fmt.pp(view.score(model, "oot", "ece"), view.lang),
                           verdict=t(f"v.ece.{verdict}") if verdict != "none" else t("v.none"),
                           noise=fmt.pp(noise, view.lang), tol=fmt.pp(tol, view.lang)))
    test = view.split_frame("test")
    if test is not None and f"pd_{model}" in test and "default_12m" in test:
        sentences.append(t("cal.mean", pd=fmt.percent(test[f"pd_{model}"].mean()),
                           obs=fmt.percent(test["default_12m"].mean())))
    calib = (view.models.get(model) or {}).get("calibration") or {}
    if isinstance(calib, Mapping) and calib.get("applied"):
        sentences.append(t("cal.applied", method=view.value_text(str(calib.get("method"))),
                           before=fmt.pp(calib.get("ece_test_before"), view.lang),
                           after=fmt.pp(calib.get("ece_test_after"), view.lang)))
    elif view.models:
        sentences.append(t("cal.none"))
    parts = [view.para(*sentences), table(header, rows)] if rows else []

    def interpret(stem: str, prefix: str) -> str:
        m = model_of(view, stem, prefix)
        if test is None:
            return ""
        if prefix == "reliability":
            gap = _reliability_gap(test, f"pd_{model}")
            return t("fig.reliability.text", model=view.model(model), tenth=gap[0],
                     pd=fmt.percent(gap[1]), obs=fmt.percent(gap[2])) if gap else ""
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


# ----------------------------------------------------------------------------- stability
def stability_section(view: RunView, figs: Figures) -> str:
    """Whether scores and features moved between training and the out-of-time sample."""
    t, model = view.t, view.deployed
    psis = {m: e.get("psi") for m, e in view.models.items() if isinstance(e.get("psi"), (int, float))}
    ref = next((view.value_text(str(e["psi_reference"])) for e in view.models.values()
                if e.get("psi_reference")), view.value_text("train vs oot"))
    parts, sentences = [], []
    if model in psis:
        worst = max(psis.items(), key=lambda kv: kv[1])
        sentences.append(t("stab.psi", ref=ref, model=view.model(model), psi=fmt.sig(psis[model]),
                           verdict=t(f"v.psi.{stability_verdict(psis[model])}"),
                           worst=view.model(worst[0]), worst_psi=fmt.sig(worst[1])))
    csi = view.tables.get("csi")
    if csi is not None and {"feature", "csi"} <= set(csi):
        csi = csi.sort_values(["csi", "feature"], ascending=[False, True])
        top = csi.iloc[0]
        sentences.append(t("stab.csi", n=len(csi), k=int((csi["csi"] >= 0.1).sum()),
                           feature=view.feature(str(top["feature"])), csi=fmt.sig(top["csi"])))
    parts.append(view.para(*sentences))
    if psis:
        parts.append(table([view.label("model"), view.label("psi"), view.label("verdict")],
                           [[view.model(m), fmt.sig(v), t(f"v.psi.{stability_verdict(v)}")]
                            for m, v in psis.items()]))
    if csi is not None and {"feature", "csi"} <= set(csi):
        parts.append(table([view.label("feature"), view.label("csi"), view.label("verdict")],
                           [[view.feature(str(r.feature)), fmt.sig(r.csi),
                             t(f"v.psi.{stability_verdict(r.csi)}")]
                            for r in csi.head(8).itertuples()]))

    def interpret(stem: str, prefix: str) -> str:
        if prefix == "csi" and csi is not None and len(csi) >= 3:
            top3 = view.join([view.paren(view.feature(str(r.feature)), fmt.sig(r.csi))
                              for r in csi.head(3).itertuples()])
            return t("fig.csi.text", ref=ref, top=top3,
                     verdict=t(f"v.psi.{stability_verdict(float(csi['csi'].max()))}"))
        if prefix == "psi" and model in psis:
            return t("fig.psi.text", model=view.model(model), psi=fmt.sig(psis[model]))
        return ""

    parts.append(place(view, figs, ("csi", "psi"), interpret))
    return "".join(parts)


def hanley_mcneil_se(auc: float, bads: float, goods: float) -> float:
    """Standard error of an AUC (Hanley and McNeil, 1982): how far a rerun could move it."""
    if bads <= 0 or goods <= 0 or math.isnan(auc):
        return float("nan")
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    var = (auc * (1 - auc) + (bads - 1) * (q1 - auc**2) + (goods - 1) * (q2 - auc**2)) / (bads * goods)
    return math.sqrt(max(var, 0.0))

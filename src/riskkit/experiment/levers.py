"""Levers that make reasons true, measured: named config changes run as sweeps, one table.

A *lever* is a named set of config overrides (:data:`LEVERS`): LightGBM with additive or
driver-group-wise interaction constraints, the Explainable Boosting Machine (additive, or
with pairs within a driver group), and the background the letters compare with. Every lever
runs as an ordinary sweep (:func:`riskkit.experiment.sweep.run_sweep`) over the worlds and
training sizes asked for, with the deployed model refitted once more to measure stability;
:func:`lever_table` reads the runs into one row per lever, world, size and reason unit
(feature, or driver group: every run measures both), with the AUC the lever costs against
the default LightGBM of the same world and size.

:func:`rows_to_reach` reads a curve of accuracy against training rows and says how many rows
a target needs (a power law in the error, fitted by least squares on log scales: the usual
learning-curve shape, Cortes et al. 1994, "Learning curves: asymptotic values and rate of
convergence", NIPS 6); :func:`recommend` turns the table into the sentence an analyst acts
on, every figure and verb from the numbers; :func:`wrong_first_reasons` lists denied
applicants whose first reason is not the true first, next to the truth.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.io import read_json
from riskkit.core.narrative import Narrative
from riskkit.experiment.sweep import run_sweep
from riskkit.explain.groups import group_contributions, group_label
from riskkit.explain.likeforlike import letter_basis, letter_contributions
from riskkit.synth.background import true_contributions
from riskkit.texts import Words

#: The words of :func:`rows_sentence` and :func:`recommend` (``texts/*.yaml``, ``lever_study``).
STUDY = Words("lever_study")
#: Beyond this many times the rows measured, a learning curve's answer is not quoted.
FAR_BEYOND = 100

#: Named levers: config overrides on top of a base config.
LEVERS: dict[str, dict[str, Any]] = {
    "lgbm": {"policy": {"model": "lgbm"}},
    "lgbm_additive": {"policy": {"model": "lgbm"}, "models": {"lgbm": {"interactions": "additive"}}},
    "lgbm_groups": {"policy": {"model": "lgbm"}, "models": {"lgbm": {"interactions": "groups"}}},
    "lgbm_reference": {"policy": {"model": "lgbm"}, "explain": {"background": "reference"}},
    "ebm": {"policy": {"model": "ebm"}, "models": {"ebm": {"enabled": True}}},
    "ebm_groups": {"policy": {"model": "ebm"},
                   "models": {"ebm": {"enabled": True, "interactions": "groups"}}},
}
#: The lever every other is compared with (its AUC is the one a lever must not lose).
DEFAULT_LEVER = "lgbm"
UNITS = ("feature", "group")


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(base))
    for key, value in over.items():
        out[key] = _merge(out.get(key) or {}, value) if isinstance(value, Mapping) else value
    return out


def lever_config(base: Mapping[str, Any], lever: str, *, retrain_seed: int | None) -> dict[str, Any]:
    """``base`` with ``lever``'s overrides, named after it, with stability measured.

    Parameters
    ----------
    base : mapping
        A config as written (unresolved).
    lever : str
        A key of :data:`LEVERS`.
    retrain_seed : int or None
        The seed of the deployed model's second fit (None: no retrain stability).

    Returns
    -------
    dict
    """
    if lever not in LEVERS:
        raise ConfigError(f"unknown lever {lever!r}; expected one of {', '.join(LEVERS)}")
    cfg = _merge(base, LEVERS[lever])
    cfg["name"] = f"{base.get('name', 'levers')}-{lever.replace('_', '-')}"
    if retrain_seed is not None:
        cfg = _merge(cfg, {"explain": {"stability": {"retrain_seeds": [int(retrain_seed)]}}})
    return cfg


def run_levers(base: Mapping[str, Any], levers: Sequence[str], grid: Mapping[str, Sequence[Any]],
               out: str | os.PathLike[str], *, retrain_seed: int | None = None,
               workers: int = 1, quiet: bool = True) -> pd.DataFrame:
    """Run each lever as a sweep over ``grid`` into ``out/<lever>``; return :func:`lever_table`.

    Parameters
    ----------
    base : mapping
        The base config as written.
    levers : sequence of str
        Keys of :data:`LEVERS`; include :data:`DEFAULT_LEVER` for the AUC cost.
    grid : mapping
        Dotted key -> values (``data.world``, ``data.rows``), as for a sweep.
    out : path
        Folder of the sweeps (resumable: finished runs are reused).
    retrain_seed : int or None
        Seed of the stability refit (None: ``base``'s seed + 1).
    workers : int
        Parallel runs.
    quiet : bool
        No progress bar.

    Returns
    -------
    pandas.DataFrame
    """
    seed = int(base.get("seed", 7)) + 1 if retrain_seed is None else retrain_seed
    tables = []
    for lever in levers:
        table = run_sweep(lever_config(base, lever, retrain_seed=seed), grid, Path(out) / lever,
                          workers=workers, quiet=quiet, source=f"lever {lever}")
        train = [read_json(Path(out) / lever / str(r) / "datacard.json")["rows"]["train"]
                 for r in table["run"]]
        tables.append(table.assign(lever=lever, deployed=LEVERS[lever]["policy"]["model"],
                                   train_rows=train))
    return lever_table(pd.concat(tables, ignore_index=True), list(grid))


def lever_table(runs: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """One row per lever, grid point and reason unit, from the sweeps' flattened metrics.

    Parameters
    ----------
    runs : pandas.DataFrame
        Sweep tables with ``lever`` and ``deployed`` columns.
    keys : sequence of str
        The grid keys (kept as columns).

    Returns
    -------
    pandas.DataFrame
        ``lever, <keys>, train_rows, unit, auc, auc_cost, top1, top3, first_reason_in_true_top3,
        reasons_raise_true_risk, mae_pd, retrain_same_top3, redraw_same_top3, run``;
        ``auc_cost`` is the default LightGBM's test AUC minus the lever's deployed model's,
        at the same grid point (positive: the lever costs AUC).
    """
    rows = []
    for rec in runs.to_dict("records"):
        model = rec["deployed"]
        for unit in UNITS:
            block = f"{model}_test_like_for_like" + ("_groups" if unit == "group" else "")
            suffix = "" if unit == "feature" else "_groups"
            rows.append({"lever": rec["lever"], **{k: rec.get(k) for k in keys},
                         "train_rows": rec.get("train_rows"), "unit": unit,
                         "auc": rec.get(f"{model}_test_auc"),
                         **{m: rec.get(f"{block}_{m}") for m in (
                             "top1", "top3", "first_reason_in_true_top3",
                             "reasons_raise_true_risk", "mae_pd")},
                         "retrain_same_top3": rec.get(
                             f"{model}_test_stability_retrain_same_top3{suffix}"),
                         "redraw_same_top3": rec.get(
                             f"{model}_test_stability_background_redraw_same_top3{suffix}"),
                         "run": rec.get("run")})
    table = pd.DataFrame(rows)
    reference = table[table["lever"] == DEFAULT_LEVER].drop_duplicates([*keys])
    table = table.merge(reference[[*keys, "auc"]].rename(columns={"auc": "default_auc"}),
                        on=list(keys), how="left") if len(reference) else table.assign(
        default_auc=np.nan)
    table["auc_cost"] = table["default_auc"] - table["auc"]
    return table


def definitions_table(metrics: Mapping[str, Any]) -> pd.DataFrame:
    """Each model's top-3 accuracy under the three definitions a run reports.

    Parameters
    ----------
    metrics : mapping
        A run's ``metrics.json``.

    Returns
    -------
    pandas.DataFrame
        One row per model: ``own_reference`` (its own contributions, path-dependent or
        against its own reference, graded against the truth's reference sample: unlike
        things), ``interventional_reference`` (tree models explained against the truth's
        reference sample), ``like_for_like`` and ``like_for_like_groups`` (the letters'
        basis on both sides).
    """
    rows = []
    for model, entry in (metrics.get("explain") or {}).items():
        if not isinstance(entry, Mapping):
            continue
        rows.append({"model": model, "own_reference": entry.get("fidelity_top3"),
                     "interventional_reference": (entry.get("interventional") or {}).get(
                         "fidelity_top3"),
                     "like_for_like": (entry.get("like_for_like") or {}).get("top3"),
                     "like_for_like_groups": (entry.get("like_for_like_groups") or {}).get("top3"),
                     "basis": (entry.get("like_for_like") or {}).get("background")})
    return pd.DataFrame(rows)


def rows_to_reach(rows: Sequence[float], accuracy: Sequence[float], target: float) -> float | None:
    """Training rows at which a power-law learning curve reaches ``target`` accuracy.

    ``1 - accuracy = a * rows ** -b`` fitted by least squares on log scales; None when the
    curve does not improve with rows (b <= 0) or fewer than two distinct sizes are given.

    Parameters
    ----------
    rows : sequence of float
        Training sizes.
    accuracy : sequence of float
        Accuracy at each size (below 1).
    target : float
        The accuracy wanted.

    Returns
    -------
    float or None
        Rows needed (may be fewer than the largest measured, when already reached).
    """
    x = np.log(np.asarray(rows, dtype=float))
    err = 1.0 - np.asarray(accuracy, dtype=float)
    keep = np.isfinite(x) & np.isfinite(err) & (err > 0)
    if len(np.unique(x[keep])) < 2:
        return None
    slope, intercept = np.polyfit(x[keep], np.log(err[keep]), 1)
    if slope >= 0:
        return None
    return float(np.exp((np.log(1.0 - target) - intercept) / slope))


def row_grid(rows: int, max_rows: int, points: int = 4) -> list[int]:
    """Sizes from ``rows`` to ``max_rows``, evenly spaced on a log scale, in thousands.

    Parameters
    ----------
    rows, max_rows : int
        Smallest and largest size.
    points : int
        How many sizes at most.

    Returns
    -------
    list of int
    """
    if max_rows <= rows:
        return [int(rows)]
    sizes = np.geomspace(rows, max_rows, points)
    return sorted({round(float(v) / 1000.0) * 1000 or int(rows) for v in sizes})


def rows_sentence(curve: pd.DataFrame, needed: float | None, target: float, *,
                  lang: str = "en", say: Narrative | None = None,
                  name: str = "learning_curve") -> str:
    """What a learning curve says, in words from its numbers.

    Whether the last size reaches the aim, and whether the fitted curve's answer lies beyond
    the rows measured, are claims of ``say`` against ``curve`` registered as ``name`` (with
    the aim and the rows needed as columns). An answer more than :data:`FAR_BEYOND` times
    the rows measured is not quoted: a power law fitted to a nearly flat curve puts the aim
    at absurd sizes (notebook 10 once printed "about 4,805,273,416,845,490,763,576,901,632
    training rows"), and that extrapolation is far outside what the sizes can say.

    Parameters
    ----------
    curve : pandas.DataFrame
        One lever's and unit's rows of :func:`lever_table` (``train_rows``, ``top3``).
    needed : float or None
        :func:`rows_to_reach`'s answer.
    target : float
        The accuracy aimed at.
    lang : {"en", "zh"}
    say : Narrative, optional
        Records the claims (a private one when None).
    name : str
        The name ``curve`` is registered under.

    Returns
    -------
    str
    """
    say = say or Narrative(lang)
    say.table(curve.assign(aim=target, rows_needed=np.nan if needed is None else needed), name)
    last = curve.sort_values("train_rows").iloc[-1]
    top, at = float(last["top3"]), float(last["train_rows"])
    above = STUDY("rows.at_or_above", lang)
    side = say.pick(top, target, (above, STUDY("rows.below", lang), above), unit="%",
                    decimals=1, table=name)
    head = STUDY("rows.head", lang, rows=f"{at:,.0f}", acc=_pct(top), side=side, aim=_pct(target))
    # one verdict, not two: the curve's rows are quoted only when the measured point is short
    # of the aim and the curve puts the aim beyond it; a measured point at the aim already
    # reaches it, whatever the fitted curve says (it is a smoothing of the points)
    if side == above:
        return head + STUDY("rows.already", lang)
    if needed is None:
        return head + STUDY("rows.flat", lang)
    more = (STUDY("rows.far", lang, sizes=len(curve), limit=FAR_BEYOND) if needed > FAR_BEYOND * at
            else STUDY("rows.needed", lang, sizes=len(curve), needed=f"{needed:,.0f}",
                       times=f"{needed / at:.1f}"))
    none = STUDY("rows.no_larger", lang, sizes=len(curve))
    return head + say.pick(needed, at, (more, none, none), unit="", decimals=0, table=name)


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def choose(table: pd.DataFrame, *, auc_tolerance: float = 0.003,
           stability: float = 0.9) -> tuple[pd.Series, bool]:
    """The row :func:`recommend` recommends, and whether it meets every condition.

    Parameters
    ----------
    table : pandas.DataFrame
        One grid point's rows of :func:`lever_table`.
    auc_tolerance, stability : float
        See :func:`recommend`.

    Returns
    -------
    (pandas.Series, bool)
    """
    ok = table[(table["auc_cost"] <= auc_tolerance) & (table["retrain_same_top3"] >= stability)]
    return (ok if len(ok) else table).sort_values("top3", ascending=False).iloc[0], bool(len(ok))


def best_lever(table: pd.DataFrame, **conditions: float) -> str:
    """The lever of :func:`choose`'s row."""
    return str(choose(table, **conditions)[0]["lever"])


def recommend(table: pd.DataFrame, *, target: float = 0.85, auc_tolerance: float = 0.003,
              stability: float = 0.9, lang: str = "en", say: Narrative | None = None,
              name: str = "levers") -> str:
    """The lever to use, as a sentence built from ``table`` (:func:`lever_table`).

    The choice: among rows whose AUC cost is at most ``auc_tolerance`` and whose reasons
    stay the same after a refit for at least ``stability`` of denied applicants (rows
    without a retrain measure cannot qualify), the most accurate letters (``top3``).
    Without such a row, the most accurate row is named with what it misses. Whether it
    reaches the aim, whether it costs or gains AUC, and what it misses are claims of
    ``say`` against ``table`` registered as ``name`` (with the three conditions as columns).

    Parameters
    ----------
    table : pandas.DataFrame
        One grid point's rows of :func:`lever_table` (filter the world and size first).
    target : float
        Accuracy a letter should reach.
    auc_tolerance : float
        AUC a lever may cost against the default LightGBM.
    stability : float
        Share of denied applicants whose top-3 reasons must survive a refit.
    lang : {"en", "zh"}
    say : Narrative, optional
        Records the claims (a private one when None).
    name : str
        The name ``table`` is registered under.

    Returns
    -------
    str
    """
    if table.empty:
        return STUDY("none", lang)
    say = say or Narrative(lang)
    say.table(table.assign(aim=target, auc_budget=auc_tolerance, stability_aim=stability), name)
    pick, ok = choose(table, auc_tolerance=auc_tolerance, stability=stability)
    cost = float(pick["auc_cost"])
    auc_words = say.pick(cost, 0.0, (STUDY("auc.costs", lang, cost=f"{cost:.4f}"),
                                     STUDY("auc.gains", lang, cost=f"{-cost:.4f}"),
                                     STUDY("auc.same", lang)), unit="", decimals=4, table=name)
    reaching = STUDY("reaching", lang)
    reach = say.pick(float(pick["top3"]), target, (reaching, STUDY("short_of", lang), reaching),
                     unit="%", decimals=1, table=name)
    text = STUDY("use", lang, lever=pick["lever"], acc=_pct(pick["top3"]), reach=reach,
                 aim=_pct(target), auc=auc_words, kept=_pct(pick["retrain_same_top3"]),
                 unit=STUDY("by_group" if pick["unit"] == "group" else "by_feature", lang))
    if ok:
        return text
    # exact comparisons (decimals=12), as choose() makes them
    missed = [say.pick(cost, auc_tolerance, (STUDY("missed.auc", lang, tolerance=f"{auc_tolerance:g}"),
                                              "", ""), decimals=12, table=name),
              say.pick(float(pick["retrain_same_top3"]), stability,
                       ("", STUDY("missed.stability", lang, stability=_pct(stability)), ""),
                       decimals=12, table=name)]
    return text + STUDY("missed", lang, missed=STUDY("and", lang).join(m for m in missed if m))


def wrong_first_reasons(run: Any, truth: Any, *, n: int = 5, unit: str = "feature") -> pd.DataFrame:
    """Denied test applicants whose letter's first reason is not the true first one.

    Parameters
    ----------
    run : Run
        A loaded synthetic run (:func:`riskkit.experiment.load_run`).
    truth : TruthModel
        The run's truth (``run.world.truth()``; passed in, never assumed).
    n : int
        Applicants shown (the lowest ids: the same on every rerun).
    unit : str
        ``"feature"`` or ``"group"``.

    Returns
    -------
    pandas.DataFrame
        ``applicant_id``, the letter's first three reasons with their contributions, and
        the truth's first three with theirs (the same background), log-odds.
    """
    model = run.model(run.deployed_model_name)
    dec = run.decisions()
    test = run.data("test")
    denied = dec[(dec["split"] == "test") & (dec["decision"] == "denied")]["applicant_id"]
    rows = test[test["applicant_id"].isin(denied)].reset_index(drop=True)
    ex = run.config["explain"]
    background = run.explain_background()
    basis = letter_basis(model, background, ex["background"],
                         run.data("train") if background is None else None,
                         rows=ex["background_rows"], seed=run.config["seed"])
    mine, _ = letter_contributions(model, rows, basis)
    true, _ = true_contributions(truth, rows, basis.truth_background)
    names = [c for c in mine.columns if not model.registry_[c].protected]
    mine, true = mine[names], true[names].set_axis(mine.index)
    if unit == "group":
        mine, true = (group_contributions(mine, model.registry_),
                      group_contributions(true, model.registry_))
    label = (lambda g: group_label(g)) if unit == "group" else (
        lambda f: model.registry_[f].label("en"))
    out = []
    for i in range(len(rows)):
        m, t = mine.iloc[i], true.iloc[i]
        m_top = m[m > 0].sort_values(ascending=False, kind="stable")
        t_top = t[t > 0].sort_values(ascending=False, kind="stable")
        if not len(m_top) or (len(t_top) and m_top.index[0] == t_top.index[0]):
            continue
        rec: dict[str, Any] = {"applicant_id": int(rows[F.ID_COLUMN].iloc[i])}
        for side, top in (("letter", m_top), ("truth", t_top)):
            for r in range(3):
                name = top.index[r] if r < len(top) else None
                rec[f"{side}_{r + 1}"] = label(name) if name else ""
                rec[f"{side}_{r + 1}_value"] = round(float(top.iloc[r]), 3) if name else np.nan
        rec["letter_first_true_value"] = round(float(t[m_top.index[0]]), 3)
        out.append(rec)
        if len(out) >= n:
            break
    return pd.DataFrame(out)

"""Month-by-month lifecycle of an online credit-line product: borrowing moves the score.

Why it exists: a borrower who uses the line once and repays on time can find the line at
zero the next month. The lender re-scores every borrower monthly, and borrowing itself moves
the features it scores (an inquiry, a new platform, a loan, more debt), while income keeps
moving and the lender tightens when the economy turns. This module makes that loop explicit.

One month ``t`` for every borrower at once (NumPy arrays, no per-borrower Python loop):

1. **review** -- the lender scores the state at the start of the month with its model
   (``predict_pd``) and its policy at this month's cut-off: a line (``credit_line``) or 0;
2. **income** -- a new monthly income from the borrower's own level and volatility, with
   shocks (more and lower in a downturn: the ``downturn`` scenario's knobs);
3. **settle** -- last month's one-month loans fall due. Each goes overdue with the TRUE
   monthly probability (see :func:`overdue_probability`); open delinquencies cure or age;
4. **act** -- borrowers with a need (probability rising with financial strain, plus
   emergencies and income shocks) draw on the line here, or re-apply here when it is zero,
   and take unmet need to other platforms (several applications until one approves);
5. **roll** -- every feature is recomputed from per-borrower ring buffers of monthly
   history, so windows forget exactly on time: applications (3 months: 30d = last month,
   90d = last 3), platforms borrowed from (6 months, a bit mask per month, so *distinct*
   platforms are counted), loans (12), overdue events and worst days past due (24), income
   (12: ``monthly_income`` = mean, ``income_volatility`` = coefficient of variation).
   Debt = the borrower's standing debt + loans drawn this month (due next month) + open
   delinquent balances, so a repaid borrower's debt returns exactly to what it was.

The deterministic part (``roll_month``) is shared with the scripted persona storylines of
:mod:`riskkit.lifecycle.analysis`; only who needs what, and whether a loan goes overdue, is
random here and scripted there. The behaviour lives in :mod:`.lifecycle_behaviour`.

The lender (:mod:`riskkit.lifecycle.lender`) moves its cut-off (``cutoff_rule``):

* ``"recalibrate"`` (default) -- the lender compares overdue events on its own loans over the
  last three months with what its model predicted for them. When there are significantly
  more than predicted (one-sided 99% Poisson alert), it estimates the odds shift its model
  misses, ``log(observed / expected)``, and moves the cut-off down by it in log-odds; the
  shift is held while outcomes stay at or above prediction and halves each month they fall
  below it. Never looser than the policy's own cut-off. It holds the true bad rate at the
  margin: a marginal approval carries the same true risk as before the downturn. In a
  quiet economy a false alarm comes about once in a hundred months; its tightening fades;
* ``"bad_rate"`` -- re-fit each month so that the mean risk-adjusted PD among approved
  borrowers stays at its month-0 level (tightens for a worse portfolio, too);
* ``"fixed"`` -- never move.

A simulated month-0 population is exactly ``world.generate(borrowers, seed)``'s features,
stored as float32 (ratios differ from the generator's float64 in the 8th digit); the panel
stores exactly what the lender scored, so any panel row re-scores to its recorded PD.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.io import read_json, write_json, write_parquet
from riskkit.core.mathx import sigmoid
from riskkit.core.memory import release_freed_memory
from riskkit.core.parquet_stream import RowSource
from riskkit.lifecycle.behaviour import (
    Behaviour,
    MonthActions,
    Settlement,
    borrower_actions,
    draw_income,
    overdue_probability,
    settle_loans,
)
from riskkit.lifecycle.lender import (
    CutoffRule,
    Lender,
    check_cutoff_rule,
    default_lender,
)
from riskkit.lifecycle.state import LifecycleState, init_state, roll_month, state_frame
from riskkit.models import warm_up_predictor
from riskkit.models.synthetic_features import require_synthetic_features
from riskkit.policy import Decisions
from riskkit.synth import World
from riskkit.synth.population import check_arguments
from riskkit.synth.scenarios import Scenario
from riskkit.synth.truth import release_reference_sample

log = logging.getLogger(__name__)

PANEL_FILE = "panel.parquet"
SUMMARY_FILE = "summary.json"
#: Random-stream index of the lifecycle (the generator uses 0 and 1 for its scenarios).
LIFECYCLE_STREAM = 7_001
#: Lender-side panel columns, after ``borrower_id``, ``month`` and the features.
#: ``days_past_due`` is the open delinquency's age at the end of the month (0: none). The
#: monitor's roll rates need it, and no other column gives it exactly: a delinquency that
#: cures and reopens in the same month restarts at 1-29 days while ``current_overdue`` stays 1.
EVENT_COLUMNS: tuple[str, ...] = (
    "pd", "true_pd", "decision", "knockout", "credit_line", "cutoff", "downturn", "income",
    "need", "applied", "other_platform_apps", "drawn", "drawn_elsewhere", "due", "repaid",
    "overdue_here", "overdue_new", "late_amount", "days_past_due",
)


def month_rng(seed: int, month: int, part: int) -> np.random.Generator:
    """Independent stream per (seed, month, part): changing one part never shifts another."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(LIFECYCLE_STREAM,
                                                                          month + 1, part)))


# ------------------------------------------------------------------------ the panel
@dataclass
class Panel:
    """One row per borrower and month (month-major), the run's summary, and its lender.

    ``model`` and ``policy`` are the live objects the simulation used (not written to disk:
    a run folder holds them); the analysis re-scores panel rows with them.
    """

    frame: pd.DataFrame
    summary: dict[str, Any]
    model: Any = None
    policy: Any = None

    @property
    def borrowers(self) -> int:
        return int(self.summary["borrowers"])

    @property
    def months(self) -> int:
        return int(self.summary["months"])

    def matrix(self, column: str) -> np.ndarray:
        """A column as a (months, borrowers) array (the panel is stored month-major)."""
        return self.frame[column].to_numpy().reshape(self.months, self.borrowers)

    def write(self, out_dir: str | os.PathLike[str]) -> list[Path]:
        """Write ``panel.parquet`` and ``summary.json`` atomically; return the paths."""
        return [self.write_frame(out_dir), self.write_summary(out_dir)]

    def write_frame(self, out_dir: str | os.PathLike[str]) -> Path:
        """Write ``panel.parquet`` alone, and give the encoder's freed memory back."""
        path = write_parquet(Path(out_dir) / PANEL_FILE, self.frame)
        release_freed_memory()
        log.info("wrote %s", path)
        return path

    def write_summary(self, out_dir: str | os.PathLike[str]) -> Path:
        path = write_json(Path(out_dir) / SUMMARY_FILE, self.summary)
        log.info("wrote %s", path)
        return path

    @classmethod
    def read(cls, folder: str | os.PathLike[str], model: Any = None, policy: Any = None) -> Panel:
        """Read a written panel back (pass the lender to analyse it again)."""
        frame = pd.read_parquet(Path(folder) / PANEL_FILE)
        return cls(frame, read_json(Path(folder) / SUMMARY_FILE), model, policy)


# ------------------------------------------------------------------------ simulation
@dataclass(frozen=True)
class Environment:
    """What month ``t`` looks like in a world: the economy then and the truth it implies."""

    month: int
    world: World

    @property
    def scenario(self) -> Scenario:
        """The economy at this month (the named scenario in force, drifted)."""
        return self.world.scenario_at(self.month)

    @property
    def baseline(self) -> Scenario:
        """The economy at month 0, which the borrowers were drawn in (incomes move
        relative to it)."""
        return self.world.scenario_at(0)

    @property
    def downturn(self) -> bool:
        return self.world.in_downturn(self.month)

    def true_logit(self, frame: pd.DataFrame) -> np.ndarray:
        return self.world.truth(self.month).logit(frame)


def environment(month: int, world: World) -> Environment:
    """Month ``month`` of ``world``'s calendar (its scenario changes and drift)."""
    return Environment(int(month), world)


def _recorder(n: int, months: int) -> dict[str, np.ndarray]:
    dtypes = {"pd": np.float32, "true_pd": np.float32, "credit_line": np.float32,
              "cutoff": np.float32, "downturn": bool, "income": np.float32, "need": np.float32,
              "applied": bool, "other_platform_apps": np.int8, "drawn": np.float32,
              "drawn_elsewhere": np.float32, "due": np.float32, "repaid": bool,
              "overdue_here": bool, "overdue_new": np.int8, "late_amount": np.float32,
              "days_past_due": np.int16, "decision": np.int8, "knockout": np.int8}
    return {k: np.empty(n * months, dtype=v) for k, v in dtypes.items()}


def simulate(borrowers: int, months: int, seed: int, model: Any = None, policy: Any = None,
             downturn_from: int | None = None, quiet: bool = True, *,
             world: World, cutoff_rule: CutoffRule = "recalibrate",
             behaviour: Behaviour | None = None,
             on_month: Callable[..., None] | None = None,
             sink: Callable[[int, RowSource], None] | None = None) -> Panel:
    """Simulate ``borrowers`` of ``world`` for ``months`` months; return the panel.

    ``world`` is the truth and the economy month by month: the borrowers are drawn from it
    at month 0, their outcomes come from its true risk each month, and its calendar (a
    scenario change, drift) moves incomes, strain and the macro shift of the true risk.
    Without ``model``/``policy`` the lender is :func:`default_lender` of the same world
    (seeded by ``seed``), fitted on a background thread while the borrowers are generated
    (LightGBM trains without the GIL; the two share nothing, so the result is the same).
    ``downturn_from=K`` is ``world.with_downturn(K)``: the ``downturn`` scenario from month
    K (more and deeper income shocks, lower incomes, more strain, and a macro shift of the
    TRUE risk no feature shows); the lender reacts through ``cutoff_rule``. The same
    arguments give the same panel.

    ``on_month(t, lender, frame, decisions, pd, true_pd)`` is called at the end of each
    month (the retraining loop of :mod:`riskkit.rejectinf` refits the lender there).
    ``sink(done, rows)`` is called after each month with the number of panel rows that are
    final and ``rows(start, stop)`` giving panel rows as the returned panel will hold them:
    e.g. :class:`riskkit.core.parquet_stream.ParquetStream.rows_done`, which encodes the
    panel file while the simulation runs.
    """
    if not isinstance(world, World):
        raise ConfigError(f"simulate needs the World its borrowers live in, got {world!r}")
    check_arguments(borrowers, seed, world.bad_rate)
    if not isinstance(months, (int, np.integer)) or isinstance(months, bool) or months < 1:
        raise ConfigError(f"months must be a positive whole number, got {months!r}")
    if downturn_from is not None:
        if not isinstance(downturn_from, (int, np.integer)) or int(downturn_from) < 0:
            raise ConfigError(f"downturn_from must be a month >= 0, got {downturn_from!r}")
        world = world.with_downturn(int(downturn_from))
    if (model is None) != (policy is None):
        raise ConfigError("give both model and policy, or neither (for the default lender)")
    check_cutoff_rule(cutoff_rule)  # before the lender and the borrowers are made
    _fit_truths(world)
    if model is None:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lender") as pool:
            fitting = pool.submit(default_lender, world, seed)
            warm_up_predictor()  # ready before the lender's first prediction needs it
            state = init_state(world.generate(borrowers, seed), month_rng(seed, -1, 0))
            model, policy = fitting.result()
    else:
        state = init_state(world.generate(borrowers, seed), month_rng(seed, -1, 0))
    behaviour = behaviour or Behaviour()
    lender = Lender(model, policy, cutoff_rule)
    release_freed_memory()  # what fitting the lender and generating the rows freed
    n = state.n
    rec = _recorder(n, months)
    feature_cols: dict[str, np.ndarray] = {}
    knock_names: list[str] = ["", *(r.name for r in policy.knockouts)]
    summary_rows: list[dict[str, float]] = []
    for t in tqdm(range(months), desc="lifecycle", unit="month", disable=quiet, leave=False):
        env = environment(t, world)
        frame = state_frame(state)
        pd_, decision = lender.review(frame)
        true_pd = sigmoid(env.true_logit(frame))
        if t == 0 and lender.rule == "bad_rate":
            ok = decision.approved
            lender.target_pd = float(pd_[ok].mean()) if ok.any() else None
        line = decision.credit_line
        income = draw_income(state, env, month_rng(seed, t, 1))
        settled = settle_loans(state, overdue_probability(true_pd, behaviour),
                               behaviour.cure_prob, month_rng(seed, t, 2),
                               behaviour.standing_overdue_share)
        acts = borrower_actions(state, line, income, env, behaviour, month_rng(seed, t, 3))
        rows = slice(t * n, (t + 1) * n)
        _record(rec, rows, state, decision, knock_names, acts, settled)
        rec["pd"][rows], rec["true_pd"][rows], rec["income"][rows] = pd_, true_pd, income
        rec["cutoff"][rows], rec["downturn"][rows] = lender.cutoff, env.downturn
        for name in F.REGISTRY:
            feature_cols.setdefault(name, _empty_like(frame[name], n * months))
            _fill(feature_cols[name], rows, frame[name])
        if sink is not None:
            sink((t + 1) * n, lambda start, stop: _assemble(rec, feature_cols, n, knock_names,
                                                            start, stop))
        due_here = state.due_here > 0
        expected = float(overdue_probability(pd_[due_here], behaviour).sum())
        passing = decision.knockout == 0
        summary_rows.append(_month_summary(t, env, lender.cutoff, decision, pd_, true_pd,
                                           acts, settled, due_here, expected, frame))
        lender.learn(int(settled.overdue_here.sum()), expected, pd_, passing)
        if on_month is not None:
            on_month(t, lender, frame, decision.to_frame(frame.index), pd_, true_pd)
        roll_month(state, income, settled, acts)
    panel = _assemble(rec, feature_cols, n, knock_names, 0, n * months)
    summary = _summary(borrowers, months, seed, world, lender, behaviour, summary_rows, model)
    return Panel(panel, summary, model, policy)


def _fit_truths(world: World) -> None:
    """Fit the world's truth (one fit serves every month: a month's macro shift only adds
    to the log-odds), then let the reference sample it comes from go (~50 MB less peak
    memory)."""
    world.truth(0)
    release_reference_sample()


def _empty_like(column: pd.Series, size: int) -> np.ndarray:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return np.empty(size, dtype=np.int8)
    return np.empty(size, dtype=column.to_numpy().dtype)


def _fill(target: np.ndarray, where: slice, column: pd.Series) -> None:
    if isinstance(column.dtype, pd.CategoricalDtype):
        target[where] = column.cat.codes.to_numpy()
    else:
        target[where] = column.to_numpy()


def _record(rec: dict[str, np.ndarray], rows: slice, state: LifecycleState,
            decision: Decisions, knock_names: list[str], acts: MonthActions,
            settled: Settlement) -> None:
    """Copy one month's decisions and events into the preallocated panel columns.

    Knock-outs are stored as codes into ``knock_names`` (the month-0 policy's rules); a
    policy refitted since with other rules is mapped by name.
    """
    rec["decision"][rows] = decision.approved
    codes = decision.knockout
    if list(decision.labels) != knock_names:
        codes = np.asarray([knock_names.index(name) for name in decision.labels],
                           dtype=np.int8)[codes]
    rec["knockout"][rows] = codes
    rec["credit_line"][rows] = decision.credit_line
    rec["need"][rows] = acts.need
    rec["applied"][rows] = acts.applied_here
    rec["other_platform_apps"][rows] = np.minimum(acts.other_apps, 127)
    rec["drawn"][rows] = acts.drawn_here
    rec["drawn_elsewhere"][rows] = acts.drawn_else
    rec["due"][rows] = state.due_here
    rec["repaid"][rows] = settled.repaid_here
    rec["overdue_here"][rows] = settled.overdue_here
    rec["overdue_new"][rows] = settled.new_events
    rec["late_amount"][rows] = settled.late
    rec["days_past_due"][rows] = settled.late_dpd


def _assemble(rec: dict[str, np.ndarray], features: dict[str, np.ndarray], n: int,
              knock_names: list[str], start: int, stop: int) -> pd.DataFrame:
    """Panel rows ``[start, stop)`` as a DataFrame over the recorder's arrays (no copy of the
    numeric columns: the rows must be final)."""
    if start % n == 0 and stop % n == 0:  # whole months (the whole panel): no row index
        months = np.arange(start // n, stop // n, dtype=np.int16)
        cols: dict[str, Any] = {
            "borrower_id": np.tile(np.arange(1, n + 1, dtype=np.int32), len(months)),
            "month": np.repeat(months, n),
        }
    else:
        index = np.arange(start, stop, dtype=np.int64)
        cols = {"borrower_id": (index % n + 1).astype(np.int32),
                "month": (index // n).astype(np.int16)}
    for name, values in features.items():
        feat = F.get(name)
        part = values[start:stop]
        cols[name] = (pd.Categorical.from_codes(part, categories=list(feat.categories or ()))
                      if feat.is_categorical else part)
    for name in EVENT_COLUMNS:
        values = rec[name][start:stop]
        if name == "decision":
            values = pd.Categorical.from_codes(values, categories=["denied", "approved"])
        elif name == "knockout":
            values = pd.Categorical.from_codes(values, categories=knock_names)
        cols[name] = values
    return pd.DataFrame(cols, copy=False)


def _month_summary(t: int, env: Environment, cutoff: float, decision: Decisions,
                   pd_: np.ndarray, true_pd: np.ndarray, acts: MonthActions,
                   settled: Settlement, due_here: np.ndarray, expected: float,
                   frame: pd.DataFrame) -> dict[str, float]:
    approved = decision.approved
    loans_due = int(due_here.sum())
    return {
        "month": t, "downturn": env.downturn, "cutoff": cutoff,
        "approval_rate": float(approved.mean()),
        "mean_pd": float(pd_.mean()), "mean_true_pd": float(true_pd.mean()),
        "mean_true_pd_approved": float(true_pd[approved].mean()) if approved.any() else None,
        "draw_rate": float((acts.drawn_here > 0).mean()),
        "applications_per_borrower": float(acts.applied_here.mean() + acts.other_apps.mean()),
        "overdue_rate_here": float(settled.overdue_here.sum() / loans_due) if loans_due else None,
        "expected_overdue_here": expected, "observed_overdue_here": int(settled.overdue_here.sum()),
        "mean_applications_30d": float(frame["applications_30d"].mean()),
        "mean_active_platforms": float(frame["active_platforms"].mean()),
        "mean_loans_12m": float(frame["loans_12m"].mean()),
        "mean_debt_to_income": float(frame["debt_to_income"].mean()),
    }


def _summary(borrowers: int, months: int, seed: int, world: World, lender: Lender,
             behaviour: Behaviour, rows: list[dict[str, float]], model: Any) -> dict[str, Any]:
    by_month = {key: [row[key] for row in rows] for key in rows[0]}
    return {
        "borrowers": int(borrowers), "months": int(months), "seed": int(seed),
        "downturn_from": world.downturn_from, "bad_rate": world.bad_rate,
        "world": world.to_dict(), "world_label": world.label(), "cutoff_rule": lender.rule,
        "model": getattr(model, "name", type(model).__name__),
        "base_cutoff": lender.base_cutoff,
        "approval_rate_by_month": by_month["approval_rate"],
        "cutoff_by_month": by_month["cutoff"],
        "by_month": by_month,
        "behaviour": behaviour.to_dict(),
    }


def simulate_from_run(run: Any, borrowers: int, months: int, seed: int,
                      downturn_from: int | None = None, quiet: bool = True,
                      **kwargs: Any) -> Panel:
    """Simulate with a saved experiment's lender, in the experiment's world.

    Parameters
    ----------
    run:
        A loaded run (:func:`riskkit.load_run`): anything with ``model(name)``, ``policy()``,
        ``deployed_model_name`` and ``world``. Passed in loaded, so the lifecycle never
        reads run folders itself (the experiment layer sits above it). The borrowers live in
        ``run.world`` (its shape, dials, bad rate and calendar), the world the lender's
        model was fitted in.
    borrowers, months, seed, downturn_from, quiet, **kwargs:
        As for :func:`simulate` (``world`` comes from the run).

    Returns
    -------
    Panel
    """
    if "world" in kwargs:
        raise ConfigError("a run's simulation takes the run's world; do not pass another")
    model = run.model(run.deployed_model_name)
    require_synthetic_features(model, "the lifecycle simulation",
                               str(getattr(run, "path", "the run")))
    return simulate(borrowers, months, seed, model=model, policy=run.policy(),
                    downturn_from=downturn_from, quiet=quiet, world=run.world, **kwargs)

"""A persona's months on the credit line, scripted, with the lender's reasons at each step.

Why scripted: the population simulation shows *that* borrowers lose their lines after one
on-time repayment; a storyline shows *how*, for one person whose actions are fixed, so a
reader can follow every feature the lender reads. Only the person's actions are scripted
(borrow once, repay on time, re-apply when the line is gone); what those actions do to the
features comes from the simulation's own :func:`~riskkit.lifecycle.state.roll_month`,
so the story and the panel can never disagree.

Persona rows (:func:`riskkit.synth.personas.persona`) describe the applicant at their latest
application -- after the story. The storyline starts from :func:`before_story`: the same
person with the story's own footprints removed (its applications, its one loan, this
lender as a platform). The scripted months put them back, so the month the line is lost
looks like the persona row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import ConfigError, DataError
from riskkit.explain import approved_reference
from riskkit.explain.reasons import scored_features
from riskkit.explain.wording import reason_text
from riskkit.lifecycle.behaviour import MonthActions, draw_income, settle_loans
from riskkit.lifecycle.simulation import default_lender, environment, month_rng
from riskkit.lifecycle.state import THIS_LENDER, init_state, roll_month, slot, state_frame
from riskkit.synth import World
from riskkit.synth.personas import persona as make_persona

#: Feature columns a storyline table shows next to the decision.
STORY_FEATURES: tuple[str, ...] = (
    "applications_30d", "applications_90d", "active_platforms", "loans_12m",
    "monthly_income", "income_volatility", "outstanding_debt", "debt_to_income",
)


@dataclass
class Storyline:
    """One persona's months: a table, the events worth marking, and the reasons given."""

    persona: str
    table: pd.DataFrame
    events: list[tuple[int, str]] = field(default_factory=list)

    @property
    def borrowed_month(self) -> int | None:
        hit = np.flatnonzero(self.table["drawn"].to_numpy() > 0)
        return int(hit[0]) if len(hit) else None

    @property
    def lost_line_month(self) -> int | None:
        """First month after the loan with no line (None: the line survived)."""
        start = self.borrowed_month
        if start is None:
            return None
        line = self.table["credit_line"].to_numpy()
        hit = [m for m in range(start + 1, len(line)) if line[m] <= 0]
        return hit[0] if hit else None

    def to_dict(self) -> dict[str, Any]:
        records = self.table.replace({np.nan: None}).to_dict(orient="records")
        return {"persona": self.persona, "borrowed_month": self.borrowed_month,
                "lost_line_month": self.lost_line_month,
                "events": [{"month": m, "event": e} for m, e in self.events], "months": records}

    def text(self) -> str:
        """The story in plain sentences, one paragraph per month."""
        lines = []
        for row in self.table.itertuples():
            head = (f"Month {row.month}: {row.decision}, line {row.credit_line:,.0f} CNY "
                    f"(PD {row.pd:.1%}, cut-off {row.cutoff:.1%}). {row.action}")
            lines.append(head)
            lines.extend(f"  - {reason}" for reason in row.reasons)
        return "\n".join(lines)


def resolve_persona(persona: str | pd.DataFrame | pd.Series,
                    world: World) -> tuple[str, pd.DataFrame]:
    """A name and a one-row frame: a persona name (with ``world``'s truth), a one-row
    frame, or a row as a Series."""
    if isinstance(persona, str):
        return persona, persona_frame(persona, lambda name: make_persona(name, world))
    frame = persona.to_frame().T if isinstance(persona, pd.Series) else persona
    if len(frame) != 1:
        raise DataError("persona", [f"expected one row, got {len(frame)}"])
    name = str(frame[F.ID_COLUMN].iloc[0]) if F.ID_COLUMN in frame.columns else "applicant"
    return name, frame.reset_index(drop=True)


def persona_frame(name: str, make: Callable[[str], pd.DataFrame]) -> pd.DataFrame:
    """``make(name)``, or a ConfigError listing the known personas for an unknown name.

    Never another borrower's row instead: a misspelt persona used to tell the story of
    whichever cohort member came first, under the name that was asked for.

    Parameters
    ----------
    name
        The persona asked for.
    make
        :func:`riskkit.synth.personas.persona`.

    Returns
    -------
    pandas.DataFrame
        The persona's one-row frame.
    """
    try:
        return make(name)
    except KeyError as exc:  # its message lists the known personas
        raise ConfigError(str(exc.args[0]) if exc.args else f"unknown persona {name!r}") \
            from None


def before_story(row: pd.DataFrame) -> pd.DataFrame:
    """The applicant before the story: applications of the last 30 days, one loan and one
    platform (this lender) removed; applications older than 30 days are kept."""
    out = row.copy()
    apps30 = int(out["applications_30d"].iloc[0])
    out["applications_90d"] = max(int(out["applications_90d"].iloc[0]) - apps30, 0)
    out["applications_30d"] = 0
    out["loans_12m"] = max(int(out["loans_12m"].iloc[0]) - 1, 0)
    out["active_platforms"] = max(int(out["active_platforms"].iloc[0]) - 1, 0)
    return out


def _reasons(model: Any, frame: pd.DataFrame, decision: pd.Series, policy: Any,
             reference: Mapping[str, Any], top: int, lang: str) -> tuple[list[str], pd.Series]:

    contrib = model.contributions(frame).iloc[0]
    reasons = []
    if decision["knockout"]:
        rule = policy.rule(decision["knockout"])
        reasons.append(rule.text_zh if lang == "zh" else rule.text_en)
    raising = contrib[contrib > 0].sort_values(ascending=False).index
    for name in scored_features(list(raising), getattr(model, "registry_", F.SYNTHETIC))[:top]:
        value = frame[name].iloc[0]
        text = reason_text(name, None if pd.isna(value) else value, reference.get(name), lang)
        reasons.append(f"{text} (+{contrib[name]:.2f} log-odds)")
    return reasons, contrib


def _changes(before: pd.Series | None, after: pd.Series, cut_before: float | None,
             cut_after: float, top: int) -> list[str]:
    """What moved the score since last month: the largest risk-raising moves, by group."""
    if before is None or cut_before is None:
        return []
    delta = after - before
    out = [f"{F.get(name).label()}: +{value:.2f} log-odds"
           for name, value in delta[delta > 0.005].sort_values(ascending=False).iloc[:top].items()]
    move = np.log(cut_before / (1 - cut_before)) - np.log(cut_after / (1 - cut_after))
    if move > 0.005:
        out.append(f"the lender tightened its cut-off: +{move:.2f} log-odds")
    return out


def storyline(persona: str | pd.DataFrame | pd.Series = "zhang_san", months: int = 6,
              model: Any = None, policy: Any = None, seed: int = 0, *, world: World,
              borrow: float = 50.0,
              shop: int | None = None, reapply: int = 3, cutoffs: Sequence[float] | None = None,
              downturn_from: int | None = None, income: str = "steady",
              reference: Mapping[str, Any] | None = None, top: int = 3,
              lang: str = "en", start: str = "before_story") -> Storyline:
    """Script a persona's months: approved at month 0, borrow ``borrow`` CNY once, repay
    on time, re-apply here up to ``reapply`` times once the line is gone.

    In the borrowing month they also apply on ``shop`` other platforms (default: what the
    persona's 30-day applications say beyond the draw itself), as the persona story tells.
    ``cutoffs`` is the lender's cut-off by month (e.g. a panel's ``cutoff_by_month``, so
    the story happens inside a simulated economy); default: the policy's own. ``income``:
    ``"steady"`` (each new month repeats the one leaving the 12-month window, so income
    features stay put and the story isolates what borrowing does) or ``"random"`` (the
    simulation's income draw, seeded). ``start``:
    ``"before_story"`` or ``"as_is"`` (start from the row unchanged).
    """

    if income not in ("steady", "random") or start not in ("before_story", "as_is"):
        raise ConfigError("income must be 'steady' or 'random'; start 'before_story' or 'as_is'")
    if months < 2:
        raise ConfigError(f"a storyline needs at least 2 months, got {months}")
    if (model is None) != (policy is None):
        raise ConfigError("give both model and policy, or neither (for the default lender)")
    if downturn_from is not None:
        world = world.with_downturn(int(downturn_from))
    if model is None:
        model, policy = default_lender(world, seed)
    name, row = resolve_persona(persona, world)
    missing = [f.name for f in F.FEATURES if f.name not in row.columns]
    if missing:
        raise DataError("persona", [f"missing registry columns {missing}"])
    shop = max(int(row["applications_30d"].iloc[0]) - 1, 0) if shop is None else int(shop)
    if start == "before_story":
        row = before_story(row)
    reference = reference if reference is not None else default_reference(model, policy, world)
    state = init_state(row, month_rng(seed, -1, 5))
    # the older applications were made in the month before the story (not earlier), so
    # they are still inside the 90-day window when the line is lost, as in the persona row
    state.app_ring[:, slot(-2, 3)] += state.app_ring[:, slot(-3, 3)]
    state.app_ring[:, slot(-3, 3)] = 0
    request = float(state.requested_amount[0])
    records, events = [], []
    prev_contrib = prev_cut = None
    borrowed_at = None
    reapplied = 0
    for t in range(months):
        cut = float(cutoffs[t]) if cutoffs is not None and t < len(cutoffs) else float(policy.cutoff)
        frame = state_frame(state)
        pd_ = model.predict_pd(frame)
        decision = policy.with_cutoff(cut).decide(frame, pd_).iloc[0]
        reasons, contrib = _reasons(model, frame, decision, policy, reference, top, lang)
        line = float(decision["credit_line"])
        env = environment(t, world)
        # steady: this month earns what the month leaving the window earned, so income
        # features stay put and the story isolates what borrowing does
        month_income = (state.inc_ring[:, slot(t, 12)].copy() if income == "steady"
                        else draw_income(state, env, month_rng(seed, t, 6)))
        # scripted: he repays everything due on time and settles any open delinquency
        settled = settle_loans(state, np.zeros(1), 1.0, month_rng(seed, t, 7), standing_share=0.0)
        acts = MonthActions.idle(state)
        action = "No new borrowing."
        if borrowed_at is None and line >= borrow:
            acts.need[:], acts.drawn_here[:], acts.applied_here[:] = borrow, borrow, True
            acts.loans[:], acts.platforms_used[:] = 1, THIS_LENDER
            acts.other_apps[:] = shop
            borrowed_at = t
            action = (f"Borrows {borrow:,.0f} CNY on the line"
                      + (f" after applying on {shop} other platform(s)." if shop else "."))
            events.append((t, f"borrows {borrow:,.0f} CNY"))
        elif borrowed_at is not None and line <= 0 and reapplied < reapply:
            acts.need[:], acts.applied_here[:], acts.requested[:] = request, True, request
            reapplied += 1
            action = f"Re-applies here for {request:,.0f} CNY."
        if borrowed_at is not None and t == borrowed_at + 1:
            action = "Repays the loan on time. " + action
            events.append((t, "repaid on time"))
        if borrowed_at is not None and t > borrowed_at and line <= 0 and not any(
                "line cut" in e for _, e in events):
            events.append((t, "line cut to 0"))
        records.append({
            "month": t, "decision": decision["decision"], "knockout": decision["knockout"],
            "pd": float(pd_[0]), "cutoff": cut, "credit_line": line,
            "drawn": float(acts.drawn_here[0]), "repaid": bool(settled.repaid_here[0]),
            "applied": bool(acts.applied_here[0]), "action": action,
            **{f: _plain(frame[f].iloc[0]) for f in STORY_FEATURES},
            "reasons": reasons, "changes": _changes(prev_contrib, contrib, prev_cut, cut, top),
        })
        prev_contrib, prev_cut = contrib, cut
        roll_month(state, month_income, settled, acts)
    if records[0]["credit_line"] > 0:
        events.insert(0, (0, f"approved: {records[0]['credit_line']:,.0f} CNY line"))
    return Storyline(name, pd.DataFrame(records), sorted(events, key=lambda e: e[0]))


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


_REFERENCES: dict[int, dict[str, Any]] = {}


def default_reference(model: Any, policy: Any, world: World, rows: int = 20_000,
                      seed: int = 20_261_130) -> dict[str, Any]:
    """Medians among approved applicants of a population of ``world`` (cached)."""

    key = hash((id(model), float(policy.cutoff), world.without_calendar()))
    if key not in _REFERENCES:
        pop = world.without_calendar().generate(rows, seed)
        _REFERENCES[key] = approved_reference(pop, policy.decide(pop, model.predict_pd(pop)))
    return _REFERENCES[key]

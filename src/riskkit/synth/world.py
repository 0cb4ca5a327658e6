"""The World: everything that defines a synthetic population's truth, as one value.

riskkit's promise is that every number can be checked against a known truth. That truth is
not one function but a *world*: the shape of the true log-odds and its dials
(:mod:`riskkit.synth.worlds`), the share of recorded outcomes that carry no information
(label noise), the target bad rate the intercept is solved for, and the economy over
calendar time (the scenario in force each month, and how far the population and the economy
drift a year). A :class:`World` is an immutable value holding all of it, like the feature
registry: a run, a fitted model, a simulation carry the World they came from, and every
function that needs the truth is given one. Nothing that needs the truth has a default
world: a caller that has none gets an error, never the baseline at a 4 % bad rate.

From a World come the populations (:meth:`World.generate`), the truth at any calendar month
(:meth:`World.truth`: true log-odds, exact contributions, the base), and the Bayes-optimal
predictor of the *recorded* label (:meth:`World.recorded_pd`), which is the true PD when
there is no label noise. It reads from and writes to JSON (:meth:`World.to_dict`,
:meth:`World.from_dict`); a run folder keeps it as ``world.json``.

The calendar
    ``scenario`` is the economy at month 0 and ``changes`` the months at which another
    named scenario takes over (``((12, "downturn"),)``: a downturn from month 12). On top,
    ``drift`` moves the economy continuously: a share of the way from the baseline
    scenario to the downturn scenario per twelve months (more income shocks, lower
    incomes, more financial strain, a macro shift of the true risk), so a cohort drawn
    twelve months later with ``drift=0.25`` lives a quarter of a downturn further on. With
    ``drift=0`` a month's scenario is exactly the named one (the same bytes as before
    worlds had calendars).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from riskkit.core.errors import ConfigError
from riskkit.synth.population import add_truth, check_arguments, iter_blocks
from riskkit.synth.scenarios import SCENARIOS, Scenario, get_scenario
from riskkit.synth.truth import DEFAULT_BAD_RATE, TruthModel, truth_model
from riskkit.synth.worlds import DIALS, WorldSpec, canonical_name, world_spec

__all__ = ["MAX_DRIFT", "World", "drifted", "generate"]

#: Largest drift a World accepts: two downturns' worth of movement a year.
MAX_DRIFT = 2.0
#: The version of :meth:`World.to_dict`'s layout.
WORLD_FORMAT = 1


def drifted(scenario: Scenario, share: float) -> Scenario:
    """``scenario`` moved ``share`` of the way from the baseline economy to the downturn.

    Multiplicative knobs (income shocks, income level) move geometrically, additive ones
    (financial strain, the macro shift of the true log-odds) linearly, so a share of 1
    applied to the baseline gives exactly the downturn's knobs and two shares add up. The
    random stream stays the named scenario's: drift changes the draws' parameters, not
    which random numbers are drawn. ``share == 0`` returns ``scenario`` itself.
    """
    if share == 0.0:
        return scenario
    base, down = SCENARIOS["baseline"], SCENARIOS["downturn"]
    return replace(
        scenario,
        name=f"{scenario.name}+drift{share:g}",
        shock_multiplier=scenario.shock_multiplier
        * (down.shock_multiplier / base.shock_multiplier) ** share,
        income_multiplier=scenario.income_multiplier
        * (down.income_multiplier / base.income_multiplier) ** share,
        strain_shift=scenario.strain_shift + share * (down.strain_shift - base.strain_shift),
        macro_logit=scenario.macro_logit + share * (down.macro_logit - base.macro_logit),
    )


@dataclass(frozen=True)
class World:
    """A synthetic world: shape and dials, label noise, bad rate and calendar.

    Parameters
    ----------
    shape : str
        The shape of the true log-odds: ``baseline``, ``additive``, ``interacting``,
        ``nonmonotone``, ``threshold`` or a ``+`` combination (stored canonical).
    bad_rate : float
        The target bad rate the truth's intercept is solved for (0.001 to 0.5).
    interaction_strength, nonmonotone_strength, label_noise, target_auc : float
        The dials (:data:`riskkit.synth.worlds.DIALS`: defaults and ranges).
    scenario : str
        The economy at calendar month 0 (``baseline`` or ``downturn``).
    changes : tuple of (int, str)
        Later months at which another named scenario takes over, in increasing order.
    drift : float
        Share of a baseline-to-downturn move the economy makes per twelve months (0: none).

    Examples
    --------
    >>> world = World("interacting+nonmonotone", 0.08, label_noise=0.1)
    >>> world.label()
    'the interacting+nonmonotone world at an 8% bad rate (label noise 0.1)'
    """

    shape: str
    bad_rate: float
    interaction_strength: float = DIALS["interaction_strength"][0]
    nonmonotone_strength: float = DIALS["nonmonotone_strength"][0]
    label_noise: float = DIALS["label_noise"][0]
    target_auc: float = DIALS["target_auc"][0]
    scenario: str = "baseline"
    changes: tuple[tuple[int, str], ...] = field(default=())
    drift: float = 0.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise once, here
        set_(self, "shape", canonical_name(self.shape))
        if not _is_number(self.bad_rate) or not 0.001 <= float(self.bad_rate) <= 0.5:
            raise ConfigError(f"world bad rate (bad_rate) must be a number between 0.001 and 0.5, "
                              f"got {self.bad_rate!r}")
        set_(self, "bad_rate", float(self.bad_rate))
        for name, (_, low, high) in DIALS.items():
            value = getattr(self, name)
            if not _is_number(value) or not low <= float(value) <= high:
                raise ConfigError(f"world {name} must be a number between {low:g} and "
                                  f"{high:g}, got {value!r}")
            set_(self, name, float(value))
        get_scenario(self.scenario)
        months = []
        for change in self.changes:
            if (not isinstance(change, (tuple, list)) or len(change) != 2
                    or not _is_whole(change[0]) or change[0] < 1):
                raise ConfigError(f"world changes must be (month >= 1, scenario) pairs, "
                                  f"got {change!r}")
            get_scenario(change[1])
            months.append(int(change[0]))
        if months != sorted(set(months)):
            raise ConfigError(f"world changes must come in increasing months, got "
                              f"{list(self.changes)!r}")
        set_(self, "changes", tuple((int(m), str(s)) for m, s in self.changes))
        if not _is_number(self.drift) or not 0.0 <= float(self.drift) <= MAX_DRIFT:
            raise ConfigError(f"world drift must be a number between 0 and {MAX_DRIFT:g} "
                              f"(a share of a downturn per year), got {self.drift!r}")
        set_(self, "drift", float(self.drift))

    # ------------------------------------------------------------------ the truth
    @property
    def spec(self) -> WorldSpec:
        """The shape and dials alone (what the truth's signal and shape depend on)."""
        return world_spec(self.shape, self.dials())

    def dials(self) -> dict[str, float]:
        """The dials by name."""
        return {name: float(getattr(self, name)) for name in DIALS}

    def scenario_name_at(self, month: int) -> str:
        """The named scenario in force at calendar ``month``."""
        name = self.scenario
        for start, scenario in self.changes:
            if month >= start:
                name = scenario
        return name

    def scenario_at(self, month: int) -> Scenario:
        """The economy at calendar ``month``: the named scenario in force, drifted by
        ``drift * month / 12`` (:func:`drifted`)."""
        if not _is_whole(month) or month < 0:
            raise ConfigError(f"a calendar month must be a whole number >= 0, got {month!r}")
        return drifted(get_scenario(self.scenario_name_at(int(month))),
                       self.drift * int(month) / 12.0)

    def in_downturn(self, month: int) -> bool:
        """Whether the downturn scenario is in force at ``month``."""
        return self.scenario_name_at(month) == "downturn"

    def truth(self, month: int = 0) -> TruthModel:
        """The true risk function at calendar ``month`` (month 0: the world's start).

        Parameters
        ----------
        month : int
            Calendar month; the macro shift of the economy then is part of the truth.

        Returns
        -------
        TruthModel
            True log-odds, exact contributions against the reference sample, base log-odds.
        """
        return truth_model(self.bad_rate, self.scenario_at(month).macro_logit, self.spec)

    def recorded_pd(self, true_pd: np.ndarray) -> np.ndarray:
        """The Bayes-optimal probability of a *recorded* default given the true PD.

        A share ``label_noise`` of recorded outcomes is replaced by a draw at the target
        bad rate, so ``P(recorded = 1 | x) = (1 - noise) * true_pd + noise * bad_rate``:
        no model can do better on the recorded labels (in Brier score, log loss or
        calibration) than this. Without label noise it is the true PD itself.
        """
        p = np.asarray(true_pd, dtype=float)
        if self.label_noise == 0.0:
            return p
        return (1.0 - self.label_noise) * p + self.label_noise * self.bad_rate

    # ------------------------------------------------------------------ populations
    def generate(self, rows: int, seed: int, month: int = 0, quiet: bool = True) -> pd.DataFrame:
        """``rows`` applicants drawn at calendar ``month``, with the truth and the outcome.

        Parameters
        ----------
        rows, seed : int
            Size and seed; the first k rows of a larger population equal a population of k.
        month : int
            Calendar month of the cohort (its economy: :meth:`scenario_at`).
        quiet : bool
            No progress bar.

        Returns
        -------
        pandas.DataFrame
            ``applicant_id``, every registry feature, ``default_12m``, ``true_logit``,
            ``true_pd`` and ``true_contrib__<feature>``.
        """
        blocks = list(self.iter_blocks(rows, seed, month, quiet))
        return blocks[0] if len(blocks) == 1 else pd.concat(blocks, ignore_index=True)

    def iter_blocks(self, rows: int, seed: int, month: int = 0, quiet: bool = True,
                    start_block: int = 0) -> Iterator[pd.DataFrame]:
        """:meth:`generate` block by block (bounded memory; the Dask engine's unit)."""
        check_arguments(rows, seed, self.bad_rate)
        return iter_blocks(rows, seed, self.scenario_at(month), self.bad_rate, self.spec,
                           quiet=quiet, start_block=start_block)

    def add_truth(self, frame: pd.DataFrame, month: int = 0) -> pd.DataFrame:
        """``frame`` with this world's truth columns at ``month`` (an edited applicant,
        a persona): a new frame."""
        return add_truth(frame, self.scenario_at(month), self.bad_rate, self.spec)

    # ------------------------------------------------------------------ variations
    def with_downturn(self, from_month: int) -> World:
        """This world with the downturn in force from ``from_month`` on (month 0: always)."""
        if not _is_whole(from_month) or from_month < 0:
            raise ConfigError(f"downturn month must be a whole number >= 0, got {from_month!r}")
        if from_month == 0:
            return replace(self, scenario="downturn", changes=())
        kept = tuple(c for c in self.changes if c[0] < from_month)
        return replace(self, changes=(*kept, (int(from_month), "downturn")))

    def without_calendar(self) -> World:
        """The same truth and month-0 economy with nothing changing later (no scenario
        change, no drift): what a population drawn at month 0 depends on."""
        return replace(self, changes=(), drift=0.0)

    def with_scenario(self, scenario: str) -> World:
        """This world with ``scenario`` in force at every month (the drift stays)."""
        return replace(self, scenario=scenario, changes=())

    @property
    def downturn_from(self) -> int | None:
        """The first month the downturn is in force, or None when it never is."""
        if self.scenario == "downturn":
            return 0
        return next((m for m, s in self.changes if s == "downturn"), None)

    # ------------------------------------------------------------------ text and JSON
    def label(self) -> str:
        """``"the interacting world at an 8% bad rate (label noise 0.1)"``, for a sentence:
        the dials and calendar are named only where they differ from the defaults."""
        rate = f"{100 * self.bad_rate:.3g}%"
        article = "an" if rate.startswith(("8", "11", "18")) else "a"
        extras = [f"{name.replace('_', ' ')} {value:g}" for name, value in self.dials().items()
                  if value != DIALS[name][0]]
        if self.scenario != "baseline":
            extras.append(f"{self.scenario} from month 0")
        extras += [f"{s} from month {m}" for m, s in self.changes]
        if self.drift:
            extras.append(f"drift {self.drift:g} a year")
        tail = f" ({', '.join(extras)})" if extras else ""
        return f"the {self.shape} world at {article} {rate} bad rate{tail}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (``world.json``); :meth:`from_dict` reads it back."""
        return {"format": WORLD_FORMAT, "shape": self.shape, "bad_rate": self.bad_rate,
                "dials": self.dials(), "scenario": self.scenario,
                "changes": [[m, s] for m, s in self.changes], "drift": self.drift}

    @classmethod
    def from_dict(cls, record: Mapping[str, Any], where: str = "world") -> World:
        """A World from :meth:`to_dict`'s form; a problem is a ConfigError naming ``where``.

        Parameters
        ----------
        record : mapping
            ``shape``, ``bad_rate``, ``dials``, ``scenario``, ``changes``, ``drift``.
        where : str
            What the record came from (a file name), for the error message.

        Returns
        -------
        World
        """
        if not isinstance(record, Mapping):
            raise ConfigError(f"{where}: a world must be a mapping, got {type(record).__name__}")
        known = {"format", "shape", "bad_rate", "dials", "scenario", "changes", "drift"}
        unknown = sorted(set(record) - known)
        missing = [k for k in ("shape", "bad_rate") if k not in record]
        if unknown or missing:
            raise ConfigError(f"{where}: " + "; ".join(
                ([f"unknown keys {unknown}"] if unknown else [])
                + ([f"missing keys {missing}"] if missing else []))
                + f"; expected {sorted(known)}")
        dials = record.get("dials") or {}
        if not isinstance(dials, Mapping) or set(dials) - set(DIALS):
            raise ConfigError(f"{where}: 'dials' must map {', '.join(DIALS)} to numbers, "
                              f"got {dials!r}")
        changes = record.get("changes") or ()
        try:
            return cls(record["shape"], record["bad_rate"], **dict(dials),
                       scenario=record.get("scenario", "baseline"),
                       changes=tuple(tuple(c) for c in changes),
                       drift=record.get("drift", 0.0))
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        except TypeError as exc:
            raise ConfigError(f"{where}: not a world ({exc})") from None


def generate(rows: int = 100_000, seed: int = 7, scenario: str | None = None,
             bad_rate: float | None = None, quiet: bool = True,
             world: str | World = "baseline") -> pd.DataFrame:
    """A borrower population with its ground truth: ``riskkit.generate``.

    The convenience an analyst types first; every argument that shapes the truth is in the
    signature. ``world`` is a shape name (``scenario``, default ``baseline``, and
    ``bad_rate``, default 4 %, complete it) or a :class:`World`, which says all of it
    (then ``scenario`` and ``bad_rate`` must not be given). Library code never calls this:
    it holds a World and calls :meth:`World.generate`.

    Parameters
    ----------
    rows : int
        Applicants.
    seed : int
        The seed.
    scenario : str, optional
        The economy (default ``baseline``) when ``world`` is a name.
    bad_rate : float, optional
        The target bad rate (default 4 %) when ``world`` is a name.
    quiet : bool
        No progress bar.
    world : str or World
        A shape name, or the World itself.

    Returns
    -------
    pandas.DataFrame
        As :meth:`World.generate`: the same ``(rows, seed, world)`` gives the same frame on
        any machine, and the first k rows of a larger population equal a population of k.
    """
    if isinstance(world, World):
        if scenario is not None or bad_rate is not None:
            raise ConfigError("give scenario and bad_rate inside the World, not beside it")
        return world.generate(rows, seed, quiet=quiet)
    chosen = World(world, DEFAULT_BAD_RATE if bad_rate is None else bad_rate,
                   scenario=scenario or "baseline")
    return chosen.generate(rows, seed, quiet=quiet)


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float, np.integer, np.floating))
            and not isinstance(value, bool) and math.isfinite(float(value)))


def _is_whole(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)

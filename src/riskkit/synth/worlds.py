"""Worlds: the shape of the true log-odds, by name, with dials.

A world is a list of *terms* of the true log-odds, each either a one-feature function
(``Piece``: ``coef * f(x_j)``) or a product of two one-feature functions (``Product``:
``coef * f(x_a) * g(x_b)``). Keeping to these two forms is what lets
:mod:`riskkit.synth.truth` give exact interventional Shapley values in closed form in every
world (tests check them against brute force).

Worlds, from the ground up:

* ``additive``: today's monotone main effects, nothing else;
* ``baseline``: ``additive`` + occupation x income volatility, at the fixed signal the
  project started with (the default: existing configs reproduce byte for byte);
* ``interacting``: ``additive`` + six pairwise interactions between the seed's drivers (five
  monotone products and one crossing one, occupation x loan purpose);
* ``nonmonotone``: ``additive`` + thin-file and overstated-income effects that run against
  the registry's direction over part of a feature's range;
* ``threshold``: ``additive`` + steps at the round numbers lenders use;
* combinations joined with ``+`` (``interacting+nonmonotone``).

Dials (:class:`WorldSpec`): ``interaction_strength`` multiplies every product term,
``nonmonotone_strength`` every non-monotone piece, ``label_noise`` is the share of recorded
outcomes that carry no information (replaced by a draw at the target bad rate: settlements,
disputes, data errors). The overall signal is re-solved per world and dials so the oracle's
expected AUC stays at ``target_auc``; differences between models then come from the shape of
the world, not from how much signal there is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import ConfigError

Fn = Callable[[pd.DataFrame], np.ndarray]

#: Per-occupation risk shift (log-odds) and "volatile industry" weight of the interaction.
OCCUPATION_EFFECT: dict[str, float] = {
    "state_owned": -0.45, "private_salaried": -0.15, "internet_industry": 0.05,
    "freelancer": 0.35, "self_employed": 0.25, "blue_collar": 0.20, "student": 0.45,
}
VOLATILE_INDUSTRY: dict[str, float] = {
    "state_owned": 0.0, "private_salaried": 0.0, "internet_industry": 0.7,
    "freelancer": 1.0, "self_employed": 0.8, "blue_collar": 0.2, "student": 0.5,
}
PURPOSE_EFFECT: dict[str, float] = {
    "consumption": 0.0, "emergency": 0.15, "education": -0.05, "travel": 0.05,
    "business": 0.35, "unspecified": 0.30,
}
#: Slope of the baseline interaction's volatility term.
INTERACTION_SLOPE = 1.6
#: The baseline world's fixed signal: scales every term so that the oracle's AUC is about
#: 0.83, the upper end of what consumer-credit scores reach.
SIGNAL = 0.65
#: Utilisation assumed for applicants without a credit card (missing value).
NO_CARD_UTILISATION = 0.4

COMPONENTS = ("additive", "interacting", "nonmonotone", "threshold")
WORLD_NAMES = ("baseline", *COMPONENTS)
#: Dials: name -> (default, lowest, highest).
DIALS: dict[str, tuple[float, float, float]] = {
    "interaction_strength": (1.0, 0.0, 5.0),
    "nonmonotone_strength": (1.0, 0.0, 5.0),
    "label_noise": (0.0, 0.0, 0.5),
    "target_auc": (0.83, 0.6, 0.95),
}


# ----------------------------------------------------------------------------- inputs
def lookup(column: pd.Series, table: Mapping[str, float]) -> np.ndarray:
    """Map a categorical column through ``table`` (unknown levels are an error)."""
    cat = pd.Categorical(column, categories=list(table))
    codes = np.asarray(cat.codes)
    if (codes < 0).any():
        bad = sorted(set(pd.Series(column)[codes < 0].astype(str)))[:5]
        raise ValueError(f"column {column.name!r}: unknown levels {bad}; expected {list(table)}")
    return np.asarray(list(table.values()), dtype=float)[codes]


def num(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column as floats, missing values as NaN."""
    return frame[name].to_numpy(dtype=float, na_value=np.nan)


def _utilisation(frame: pd.DataFrame) -> np.ndarray:
    util = num(frame, "credit_utilization")
    return np.clip(np.where(np.isnan(util), NO_CARD_UTILISATION, util), 0.0, 1.5)


def _since(frame: pd.DataFrame) -> np.ndarray:
    since = num(frame, "months_since_last_overdue")
    # never overdue (missing) is the lowest risk: the limit of exp(-m/6) as m grows
    return np.where(np.isnan(since), 0.0, np.exp(-np.nan_to_num(since) / 6.0))


# ----------------------------------------------------------------------------- terms
@dataclass(frozen=True)
class Piece:
    """``coef * fn(frame)``, where ``fn`` reads the one column ``feature``."""

    feature: str
    coef: float
    fn: Fn
    text: str
    group: str = "main"  # main | nonmonotone | threshold


@dataclass(frozen=True)
class Factor:
    """One side of a product term: a function of one column."""

    feature: str
    fn: Fn
    text: str


@dataclass(frozen=True)
class Product:
    """``coef * left(x_a) * right(x_b)``: an interaction with a closed-form Shapley split."""

    coef: float
    left: Factor
    right: Factor
    label: str


def _table_text(table: Mapping[str, float], column: str) -> str:
    return "{" + ", ".join(f"{k}: {v:g}" for k, v in table.items()) + "}" + f"[{column}]"


#: Today's monotone main effects (the additive world, and the baseline world's main part).
#: Expressions are written exactly as before worlds existed, so the baseline's bytes hold.
MAIN: tuple[Piece, ...] = (
    Piece("occupation", 1.0, lambda f: lookup(f["occupation"], OCCUPATION_EFFECT),
          _table_text(OCCUPATION_EFFECT, "occupation")),
    Piece("monthly_income", -0.5,
          lambda f: np.log(np.clip(num(f, "monthly_income"), 500.0, 40_000.0) / 6000.0),
          "log(clip(monthly_income, 500, 40000) / 6000)"),
    Piece("income_volatility", 2.2,
          lambda f: 1.0 - np.exp(-np.clip(num(f, "income_volatility"), 0.0, None) / 0.25),
          "(1 - exp(-income_volatility / 0.25))"),
    Piece("applications_30d", 0.45, lambda f: np.log1p(num(f, "applications_30d")),
          "log1p(applications_30d)"),
    Piece("applications_90d", 0.25, lambda f: np.log1p(num(f, "applications_90d")),
          "log1p(applications_90d)"),
    Piece("active_platforms", 0.18, lambda f: num(f, "active_platforms"), "active_platforms"),
    Piece("active_platforms", 0.22,
          lambda f: np.clip(num(f, "active_platforms") - 3.0, 0.0, None),
          "max(active_platforms - 3, 0)"),
    Piece("loans_12m", 0.05, lambda f: np.minimum(num(f, "loans_12m"), 20.0),
          "min(loans_12m, 20)"),
    Piece("overdue_count_24m", 0.5, lambda f: np.log1p(num(f, "overdue_count_24m")),
          "log1p(overdue_count_24m)"),
    Piece("max_dpd_24m", 0.008, lambda f: np.minimum(num(f, "max_dpd_24m"), 120.0),
          "min(max_dpd_24m, 120)"),
    Piece("max_dpd_24m", 0.35, lambda f: num(f, "max_dpd_24m") >= 30, "[max_dpd_24m >= 30]"),
    Piece("months_since_last_overdue", 0.5, _since,
          "exp(-months_since_last_overdue / 6) (0 if never overdue)"),
    Piece("current_overdue", 1.4, lambda f: num(f, "current_overdue"), "current_overdue"),
    Piece("credit_history_months", -0.3,
          lambda f: np.log1p(np.clip(num(f, "credit_history_months"), 0.0, None) / 12.0),
          "log1p(credit_history_months / 12)"),
    Piece("debt_to_income", 0.9,
          lambda f: np.log1p(1.5 * np.clip(num(f, "debt_to_income"), 0.0, None)),
          "log1p(1.5 * debt_to_income)"),
    Piece("credit_utilization", 0.9, lambda f: _utilisation(f) ** 2,
          f"credit_utilization^2 (no card = {NO_CARD_UTILISATION})"),
    Piece("deposit_assets", -0.3,
          lambda f: np.log1p(np.clip(num(f, "deposit_assets"), 0.0, None) / 5000.0),
          "log1p(deposit_assets / 5000)"),
    Piece("has_housing_fund", -0.3, lambda f: num(f, "has_housing_fund"), "has_housing_fund"),
    Piece("requested_amount", 0.2,
          lambda f: np.log(np.clip(num(f, "requested_amount"), 50.0, None) / 2000.0),
          "log(requested_amount / 2000)"),
    Piece("loan_purpose", 1.0, lambda f: lookup(f["loan_purpose"], PURPOSE_EFFECT),
          _table_text(PURPOSE_EFFECT, "loan_purpose")),
)

_VOLATILITY = Factor("income_volatility", lambda f: np.clip(num(f, "income_volatility"), 0.0, None),
                     "income_volatility")
#: The baseline's interaction: volatility hurts more in a volatile industry.
OCCUPATION_X_VOLATILITY = Product(
    INTERACTION_SLOPE,
    Factor("occupation", lambda f: lookup(f["occupation"], VOLATILE_INDUSTRY),
           _table_text(VOLATILE_INDUSTRY, "occupation")),
    _VOLATILITY, "occupation x income_volatility")

#: Salaried vs own-account work, and purposes that are ordinary or not, for the crossing
#: interaction below (signs matter, not levels: the product is centred on purpose).
SALARIED: dict[str, float] = {
    "state_owned": 1.0, "private_salaried": 1.0, "internet_industry": 0.3, "freelancer": -1.0,
    "self_employed": -1.0, "blue_collar": 0.5, "student": 0.0,
}
UNUSUAL_PURPOSE: dict[str, float] = {
    "consumption": -0.6, "emergency": 0.3, "education": -0.6, "travel": 0.0, "business": 1.0,
    "unspecified": 1.0,
}

#: The interacting world's products. The numeric factors are >= 0 and every coefficient is
#: positive, each factor growing in the registry's risk direction (income's factor grows as
#: income falls, deposits' as savings fall), so those terms keep the world monotone. Monotone products alone change little in
#: the *ranking* an additive model gets (measured: a GAM stays within 0.004 AUC of the
#: oracle), so the world also has one crossing interaction between the two categoricals,
#: which carry no monotone constraint: a business loan is ordinary for the self-employed
#: and a warning sign from a salaried employee. A scorecard cannot represent it at all.
INTERACTIONS: tuple[Product, ...] = (
    # volatility hurts more in a volatile industry (the baseline's interaction, stronger)
    Product(4.5, OCCUPATION_X_VOLATILITY.left, _VOLATILITY, "occupation x income_volatility"),
    # frequent applications hurt more when income is volatile (Zhang San's case)
    Product(2.5, Factor("applications_30d", lambda f: np.minimum(num(f, "applications_30d"), 4.0),
                        "min(applications_30d, 4)"),
            Factor("income_volatility",
                   lambda f: np.clip((num(f, "income_volatility") - 0.15) / 0.25, 0.0, 1.0),
                   "clip((income_volatility - 0.15) / 0.25, 0, 1)"),
            "applications_30d x income_volatility"),
    # debt weighs on a borrower without savings, much less on one with them
    Product(3.0, Factor("debt_to_income", lambda f: np.clip(num(f, "debt_to_income"), 0.0, 2.0),
                        "clip(debt_to_income, 0, 2)"),
            Factor("deposit_assets",
                   lambda f: np.exp(-np.clip(num(f, "deposit_assets"), 0.0, None) / 5000.0),
                   "exp(-deposit_assets / 5000)"),
            "debt_to_income x deposit_assets"),
    # borrowing on many platforms is a warning sign mainly for someone who has been late
    Product(0.8, Factor("active_platforms",
                        lambda f: np.clip(num(f, "active_platforms") - 1.0, 0.0, 6.0),
                        "clip(active_platforms - 1, 0, 6)"),
            Factor("overdue_count_24m", lambda f: np.minimum(num(f, "overdue_count_24m"), 3.0),
                   "min(overdue_count_24m, 3)"),
            "active_platforms x overdue_count_24m"),
    # a low income is riskier in a volatile occupation than in a salaried one
    Product(2.2, Factor("monthly_income",
                        lambda f: np.clip(np.log(6000.0 / np.clip(num(f, "monthly_income"),
                                                                  500.0, 40_000.0)), 0.0, None),
                        "max(log(6000 / clip(monthly_income, 500, 40000)), 0)"),
            OCCUPATION_X_VOLATILITY.left, "monthly_income x occupation"),
    # the crossing one: an unusual purpose is risky from a salaried employee, ordinary from
    # the self-employed
    Product(2.0, Factor("occupation", lambda f: lookup(f["occupation"], SALARIED),
                        _table_text(SALARIED, "occupation")),
            Factor("loan_purpose", lambda f: lookup(f["loan_purpose"], UNUSUAL_PURPOSE),
                   _table_text(UNUSUAL_PURPOSE, "loan_purpose")),
            "occupation x loan_purpose"),
)
#: Weight of the main effects in a world with the interactions above.
INTERACTING_MAIN_WEIGHT = 0.15

#: The non-monotone world's extra pieces; four run against the registry's direction
#: (utilisation, applications, income, requested amount), the fifth (a very short credit
#: history) runs with it, only far steeper near zero.
NONMONOTONE: tuple[Piece, ...] = (
    # no card, or a card never used, is a thin file: riskier than moderate utilisation
    Piece("credit_utilization", 2.5,
          lambda f: np.where(np.isnan(num(f, "credit_utilization")), 1.0,
                             np.exp(-np.nan_to_num(num(f, "credit_utilization")) / 0.06)),
          "exp(-credit_utilization / 0.06) (1 if no card)", "nonmonotone"),
    # no applications at all in 90 days: new to credit, riskier than one or two
    Piece("applications_90d", 1.5, lambda f: num(f, "applications_90d") == 0,
          "[applications_90d == 0]", "nonmonotone"),
    # a very short credit history is much riskier than a short one
    Piece("credit_history_months", 1.5,
          lambda f: np.exp(-np.clip(num(f, "credit_history_months"), 0.0, None) / 6.0),
          "exp(-credit_history_months / 6)", "nonmonotone"),
    # a declared income far above the norm is often overstated
    Piece("monthly_income", 2.5,
          lambda f: np.clip((num(f, "monthly_income") - 15_000.0) / 10_000.0, 0.0, 1.0),
          "clip((monthly_income - 15000) / 10000, 0, 1)", "nonmonotone"),
    # a very small request (an emergency 50 yuan) is riskier than a modest one
    Piece("requested_amount", 2.0,
          lambda f: np.exp(-np.clip(num(f, "requested_amount"), 0.0, None) / 300.0),
          "exp(-requested_amount / 300)", "nonmonotone"),
)

#: The threshold world's steps at the round numbers lenders use.
THRESHOLDS: tuple[Piece, ...] = (
    Piece("max_dpd_24m", 0.9, lambda f: num(f, "max_dpd_24m") >= 30, "[max_dpd_24m >= 30]",
          "threshold"),
    Piece("active_platforms", 0.7, lambda f: num(f, "active_platforms") >= 3,
          "[active_platforms >= 3]", "threshold"),
    Piece("debt_to_income", 0.8, lambda f: num(f, "debt_to_income") >= 1.0,
          "[debt_to_income >= 1]", "threshold"),
    Piece("applications_30d", 0.5, lambda f: num(f, "applications_30d") >= 3,
          "[applications_30d >= 3]", "threshold"),
)


# ----------------------------------------------------------------------------- worlds
@dataclass(frozen=True)
class Shape:
    """The terms of one world's true log-odds (before the overall signal): its *shape*.

    A :class:`riskkit.synth.world.World` is a shape plus its dials, bad rate and calendar.
    """

    name: str
    pieces: tuple[Piece, ...]
    products: tuple[Product, ...]
    #: weight of the main effects: an interacting world gives part of its signal to products
    main_weight: float = 1.0

    def features_with_terms(self) -> list[str]:
        """Model features that appear in some term (in registry order)."""
        used = {p.feature for p in self.pieces}
        used |= {f.feature for p in self.products for f in (p.left, p.right)}
        return [f for f in F.MODEL_FEATURES if f in used]

    def interacting_features(self) -> list[str]:
        """Features that appear in a product term (their Shapley values share terms)."""
        used = {f.feature for p in self.products for f in (p.left, p.right)}
        return [f for f in F.MODEL_FEATURES if f in used]


def canonical_name(name: str) -> str:
    """``"nonmonotone+interacting"`` -> ``"interacting+nonmonotone"``; unknown -> ConfigError."""
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"world must be a name, got {name!r}; expected one of: "
                          f"{', '.join(WORLD_NAMES)} or a '+' combination such as "
                          "interacting+nonmonotone")
    parts = [p.strip() for p in name.split("+")]
    if parts == ["baseline"]:
        return "baseline"
    unknown = [p for p in parts if p not in COMPONENTS]
    if unknown:
        raise ConfigError(f"unknown world {name!r} (part {unknown[0]!r}); expected one of: "
                          f"{', '.join(WORLD_NAMES)} or a '+' combination of "
                          f"{', '.join(COMPONENTS)}")
    chosen = [c for c in COMPONENTS if c in parts and c != "additive"]
    return "+".join(chosen) or "additive"


def get_shape(name: str) -> Shape:
    """The shape called ``name`` (a combination joins the extra terms of its parts)."""
    canon = canonical_name(name)
    if canon == "baseline":
        return Shape("baseline", MAIN, (OCCUPATION_X_VOLATILITY,))
    parts = canon.split("+")
    pieces = MAIN + (NONMONOTONE if "nonmonotone" in parts else ()) + (
        THRESHOLDS if "threshold" in parts else ())
    products = INTERACTIONS if "interacting" in parts else ()
    return Shape(canon, pieces, products, INTERACTING_MAIN_WEIGHT if products else 1.0)


@dataclass(frozen=True)
class WorldSpec:
    """A world by name plus its dials: everything that defines the truth besides the
    bad rate and the scenario. Hashable, so truths are cached per spec."""

    name: str = "baseline"
    interaction_strength: float = 1.0
    nonmonotone_strength: float = 1.0
    label_noise: float = 0.0
    target_auc: float = 0.83

    @property
    def shape(self) -> Shape:
        return get_shape(self.name)

    @property
    def is_default_baseline(self) -> bool:
        """The project's original truth: fixed signal, nothing re-solved."""
        return self == WorldSpec()

    def multiplier(self, group: str) -> float:
        """The dial that scales a term group."""
        if group == "interaction":
            return float(self.interaction_strength)
        if group == "nonmonotone":
            return float(self.nonmonotone_strength)
        return 1.0

    def dials(self) -> dict[str, float]:
        return {k: float(getattr(self, k)) for k in DIALS}

    def label(self) -> str:
        """``"the interacting world (interaction strength 2, ...)"``, for a sentence."""
        dials = ", ".join(f"{k.replace('_', ' ')} {v:g}" for k, v in self.dials().items())
        return f"the {self.name} world ({dials})"


def world_spec(world: str | WorldSpec | None = None,
               truth: Mapping[str, Any] | None = None, where: str = "data.truth") -> WorldSpec:
    """Validate a world name and dials (a ``data.truth`` mapping) into a :class:`WorldSpec`.

    Parameters
    ----------
    world : str, WorldSpec or None
        A world name (``None``: baseline) or a spec (returned as is when ``truth`` is None).
    truth : mapping or None
        Dials; unknown keys and out-of-range values are a :class:`ConfigError` naming them.
    where : str
        Where the dials came from, for the error message.

    Returns
    -------
    WorldSpec
    """
    if isinstance(world, WorldSpec) and truth is None:
        return world
    name = canonical_name("baseline" if world is None else
                          world.name if isinstance(world, WorldSpec) else world)
    values = {k: d[0] for k, d in DIALS.items()}
    if truth is not None:
        if not isinstance(truth, Mapping):
            raise ConfigError(f"{where!r} must be a mapping of {', '.join(DIALS)}, got {truth!r}")
        for key, value in truth.items():
            if key not in DIALS:
                raise ConfigError(f"unknown key '{where}.{key}'; expected one of: {', '.join(DIALS)}")
            if value is None:
                continue
            low, high = DIALS[key][1:]
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not low <= float(value) <= high:
                raise ConfigError(f"'{where}.{key}' must be a number between {low:g} and "
                                  f"{high:g}, got {value!r}")
            values[key] = float(value)
    return WorldSpec(name, **values)

"""Economic scenarios: the knobs that turn normal times into a downturn.

A scenario changes the *mechanism* (more income shocks, lower incomes, more financial
strain) and adds a macro shift to the true log-odds that no applicant feature explains. The
shift lives in ``base_logit``, so true contributions stay measured against the baseline
population in every scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

from riskkit.core.errors import ConfigError


@dataclass(frozen=True)
class Scenario:
    name: str
    #: index used in the random stream so two scenarios never share draws.
    stream: int
    #: multiplier on the monthly probability of an income shock.
    shock_multiplier: float = 1.0
    #: multiplier on every income level.
    income_multiplier: float = 1.0
    #: added to the latent financial strain that drives borrowing and overdue history.
    strain_shift: float = 0.0
    #: added to every true log-odds: the part of a downturn no feature captures.
    macro_logit: float = 0.0


SCENARIOS: dict[str, Scenario] = {
    "baseline": Scenario("baseline", stream=0),
    "downturn": Scenario(
        "downturn", stream=1, shock_multiplier=2.5, income_multiplier=0.92,
        strain_shift=0.35, macro_logit=0.25,
    ),
}


def get_scenario(name: str) -> Scenario:
    """Return a scenario by name, or an error listing the known ones.

    Parameters
    ----------
    name : str
        ``baseline`` or ``downturn``.

    Returns
    -------
    Scenario
    """
    try:
        return SCENARIOS[name]
    except KeyError:
        known = ", ".join(SCENARIOS)
        raise ConfigError(f"unknown scenario {name!r}; expected one of: {known}") from None

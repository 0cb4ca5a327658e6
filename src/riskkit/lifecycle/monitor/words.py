"""Sentences about the monitoring tables, built from the numbers they describe.

Why: prose that must hold for any seed and size cannot hard-code a direction ("rose",
"earlier", "within"). Each helper here takes the values and picks the words, and is tested
with both signs, so a notebook sentence is wrong only if a number is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def share(value: float | None, decimals: int = 1) -> str:
    """A share as a percentage ("1.2 %"), or "n/a"."""
    return "n/a" if value is None else f"{100 * value:.{decimals}f} %"


def describe_change(before: float, after: float, decimals: int = 1, percent: bool = True,
                    tolerance: float = 0.0) -> str:
    """"rose from 1.2 % to 1.8 %", "fell from ...", or "stayed at ..." (``|change| <=
    tolerance``, or the two read the same at ``decimals``: never "fell from 71.0 % to
    71.0 %")."""

    def fmt(x: float) -> str:
        return share(x, decimals) if percent else f"{x:,.{decimals}f}"

    if abs(after - before) <= tolerance or fmt(after) == fmt(before):
        return f"stayed at {fmt(after)}"
    verb = "rose" if after > before else "fell"
    return f"{verb} from {fmt(before)} to {fmt(after)}"


def compare(value: float, reference: float, tolerance: float = 0.0) -> str:
    """"higher than", "lower than" or "the same as" (within ``tolerance``)."""
    if abs(value - reference) <= tolerance:
        return "the same as"
    return "higher than" if value > reference else "lower than"


#: Names of the fractions :func:`fraction_of` says in words ("one eighth of").
FRACTIONS = {2: "half", 3: "a third", 4: "a quarter", 5: "a fifth", 6: "a sixth",
             7: "a seventh", 8: "an eighth", 9: "a ninth", 10: "a tenth"}


def fraction_of(value: float, reference: float, tolerance: float = 0.05) -> str:
    """``value`` as a share of ``reference`` in words: "about an eighth of", "about half
    of", "about 2.5 times", "about the same as" (a ratio within ``tolerance`` of 1);
    "1/14 of" beyond a tenth; "n/a" without a positive reference."""
    if not reference > 0 or not value >= 0:
        return "n/a"
    ratio = value / reference
    if abs(ratio - 1.0) <= tolerance:
        return "about the same as"
    if ratio > 1.0:
        return f"about {ratio:.1f} times"
    if ratio == 0.0:
        return "none of"
    n = round(1.0 / ratio)
    return f"about {FRACTIONS[n]} of" if n in FRACTIONS else f"about 1/{n} of"


def months(n: int) -> str:
    """"no month", "1 month", "3 months"."""
    if n == 0:
        return "no month"
    return f"{n} month" if n == 1 else f"{n} months"


def riskier(value: float, reference: float, tolerance: float = 0.0) -> str:
    """"riskier than", "safer than" or "as risky as" (a PD or a bad rate against another)."""
    if abs(value - reference) <= tolerance:
        return "as risky as"
    return "riskier than" if value > reference else "safer than"


def censoring_clause(censored: float, complete: float) -> str:
    """What Kaplan-Meier's gap to the complete follow-up says about the accounts it
    censored: below it, they were riskier than those that stayed; above, safer."""
    if censored == complete:
        return "so the accounts that left were as risky as those that stayed"
    side = "riskier" if censored < complete else "safer"
    return (f"so the accounts that left the book were {side} than those that stayed, "
            "which censoring assumes away")


def describe_lag(lag: int | None, start: int) -> str:
    """When a signal fired relative to the change in month ``start``."""
    if lag is None:
        return f"never went into alarm after month {start}"
    if lag == 0:
        return f"fired in month {start}, the month the downturn began"
    return f"fired in month {start + lag}, {months(lag)} after the downturn began"


def describe_false_alarms(count: int) -> str:
    """"no false alarm before it" / "1 false alarm before it" / "3 false alarms ..."."""
    if count == 0:
        return "no false alarm before it"
    return f"{count} false alarm{'s' if count != 1 else ''} before it"


def join(items: Sequence[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def first_signal_sentence(detection: Sequence[Mapping[str, Any]], start: int) -> str:
    """Which signal saw the downturn first, from rows with ``description`` and ``lag``."""
    fired = [row for row in detection if row.get("lag") is not None]
    if not fired:
        return f"No monitoring signal fired after the downturn began in month {start}."
    best = min(int(row["lag"]) for row in fired)
    first = [str(row["description"]) for row in fired if int(row["lag"]) == best]
    verb = "was" if len(first) == 1 else "were"
    return (f"The first to notice {verb} {join(first)}: "
            f"{describe_lag(best, start).removeprefix('fired ')}.")


def within_sentence(within: Mapping[str, bool], what: str = "grade") -> str:
    """Whether every group's estimate lay inside its interval, naming those that did not."""
    outside = [str(k) for k, ok in within.items() if not ok]
    if not outside:
        return f"Every {what}'s estimate lies within its interval of the truth's expectation."
    return (f"{len(within) - len(outside)} of {len(within)} {what}s lie within their interval "
            f"of the truth's expectation; outside: {join(outside)}.")

"""When did monitoring notice? Each signal's first alarm after the world changed, and its lag.

Why: a monitoring signal is only as good as how soon it fires after a real change and how
rarely it fires without one. The simulation knows the month ``K`` the downturn began, so
every signal can be scored on both: its **detection month** is the first month ``>= K`` in
alarm, its **lag** that month minus ``K``, and its **false alarms** the months before ``K``
in alarm. A month's alarm is dated by the last month of data it uses (a PSI of the month's
review is known at its start; a default at the end of the month it happens).

The lender's own recalibration alert is recomputed from the summary exactly as
:class:`riskkit.lifecycle.lender.Lender` raises it: over the last
:data:`~riskkit.lifecycle.lender.OUTCOME_WINDOW` months, observed overdue events on its
loans against what its model expected, one-sided Poisson z above
:data:`~riskkit.lifecycle.lender.ALERT_Z`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskkit.lifecycle.lender import ALERT_Z, OUTCOME_WINDOW


def detection(alarm: Sequence[bool] | np.ndarray, start: int | None) -> dict[str, Any]:
    """First alarm, detection month (the first month at or after ``start`` that goes into
    alarm), lag and false alarms.

    Parameters
    ----------
    alarm
        One boolean per month: the signal is in alarm that month.
    start
        The month the change began (``None``: no change; every alarm is then false).

    Returns
    -------
    dict
        ``first_alarm``, ``detection_month``, ``lag`` (months after ``start``; ``None``
        when it never went into alarm after it) and ``false_alarms`` (months in alarm
        before ``start``, or all of them without a change).
    """
    flags = np.asarray(alarm, dtype=bool)
    months = np.flatnonzero(flags)
    first = int(months[0]) if len(months) else None
    if start is None:
        return {"first_alarm": first, "detection_month": None, "lag": None,
                "false_alarms": len(months)}
    rising = flags & ~np.concatenate([[False], flags[:-1]])
    after = np.flatnonzero(rising)
    after = after[after >= start]
    found = int(after[0]) if len(after) else None
    return {"first_alarm": first, "detection_month": found,
            "lag": None if found is None else found - int(start),
            "false_alarms": int((months < start).sum())}


def lender_alerts(observed: Sequence[float], expected: Sequence[float],
                  window: int = OUTCOME_WINDOW, z: float = ALERT_Z) -> np.ndarray:
    """Per month: did the lender's recalibration alert fire on that month's outcomes?

    ``(sum observed - sum expected) / sqrt(sum expected) > z`` over the last ``window``
    months, as :meth:`riskkit.lifecycle.lender.Lender.learn` decides (its cut-off moves
    from the next month's review).
    """
    obs = np.asarray(observed, dtype=float)
    exp = np.asarray(expected, dtype=float)
    kernel = np.ones(window)
    o = np.convolve(obs, kernel)[: len(obs)]
    e = np.convolve(exp, kernel)[: len(exp)]
    score = np.divide(o - e, np.sqrt(e), out=np.full(len(e), -np.inf), where=e > 0)
    return score > z


def detection_table(signals: Mapping[str, np.ndarray], start: int | None,
                    descriptions: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per signal (in the order given) with :func:`detection`'s fields.

    Parameters
    ----------
    signals : mapping of numpy.ndarray
        Each signal's alarm per month, by name.
    start : int or None
        The month the change began (None: no change).
    descriptions : mapping of str, optional
        Each signal in words.

    Returns
    -------
    pandas.DataFrame
    """
    rows = []
    for name, alarm in signals.items():
        rows.append({"signal": name, "description": (descriptions or {}).get(name, name),
                     **detection(alarm, start)})
    frame = pd.DataFrame(rows)
    for column in ("first_alarm", "detection_month", "lag"):
        frame[column] = frame[column].astype("Int64")
    return frame


def first_to_fire(table: pd.DataFrame) -> list[str]:
    """The signal(s) with the shortest lag (several when they tie; none if none fired).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`detection_table`'s table.

    Returns
    -------
    list of str
    """
    fired = table.dropna(subset=["lag"])
    if fired.empty:
        return []
    best = fired["lag"].min()
    return fired.loc[fired["lag"] == best, "signal"].tolist()

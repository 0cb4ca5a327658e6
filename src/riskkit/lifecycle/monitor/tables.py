"""Every monitoring table of a book, and the headline figures ``summary.json`` gains.

:func:`monitor_book` runs the parts in order (each a module of this package) and
:class:`Monitoring` holds what they return, so a notebook and ``riskkit monitor`` read the
same numbers. Nothing here loops over borrowers in Python: each part is a few vectorised
passes over the ``(months, borrowers)`` arrays of the :class:`~.book.Book`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskkit.lifecycle.monitor.book import DPD_BUCKETS, Book
from riskkit.lifecycle.monitor.detection import (
    detection_table,
    first_to_fire,
    lender_alerts,
)
from riskkit.lifecycle.monitor.expected import Hazards
from riskkit.lifecycle.monitor.lifetime import LEVEL, LifetimePD, lifetime_pd
from riskkit.lifecycle.monitor.migration import Migration, grade_migration
from riskkit.lifecycle.monitor.rolls import RollRates, p_chart, roll_rates, roll_to_30
from riskkit.lifecycle.monitor.stability import PSI_THRESHOLDS, stability_by_month
from riskkit.lifecycle.monitor.staging import (
    LIFETIME_MONTHS,
    SICR_THRESHOLD,
    grade_lifetime_pd,
    stage_shares,
)
from riskkit.lifecycle.monitor.vintages import pooled_vintages, vintage_alarm, vintage_curves
from riskkit.texts import Words

#: What each detection signal watches, in words (also the table's ``description``; the
#: words are the text catalogue's ``monitor.signal.*``).
SIGNALS: dict[str, str] = {name: Words("monitor")(f"signal.{name}") for name in (
    "psi_score_0.1", "psi_score_0.25", "csi_0.25", "vintage_band", "roll_to_30_p_chart",
    "lender_alert")}
#: Horizons whose lifetime PDs the headline reports (months; the last: the panel's longest).
HEADLINE_HORIZONS = (12,)


@dataclass
class Monitoring:
    """All monitoring tables of one book (see :func:`monitor_book`)."""

    book: Book
    vintages: pd.DataFrame
    rolls: RollRates
    roll_30: pd.DataFrame
    migration: Migration
    stability: pd.DataFrame
    csi: pd.DataFrame
    lifetime: LifetimePD
    stages: pd.DataFrame
    detection: pd.DataFrame
    signals: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def downturn_from(self) -> int | None:
        return self.book.downturn_from

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by file stem, as written under ``SIM_DIR/monitor/``."""
        return {
            "vintages": self.vintages,
            "vintages_by_period": pooled_vintages(self.vintages, self.book.months),
            "roll_rates": self.rolls.by_month,
            "roll_rates_average": self.rolls.average.reset_index(),
            "roll_to_30": self.roll_30,
            "migration": self.migration.by_month,
            "migration_average": self.migration.average.reset_index(),
            "stability": self.stability,
            "csi": self.csi,
            "lifetime_pd": self.lifetime.table,
            "stages": self.stages,
            "detection": self.detection,
        }

    def headline(self) -> dict[str, Any]:
        """The figures ``summary.json`` gains under ``"monitor"`` (JSON-ready)."""
        return headline(self)


#: Months a control chart's centre line leaves out at the start: no loan is due in month 0
#: (nothing was drawn before it), so month 0 opens few delinquencies and month 1 has few
#: to roll past 30 days; from month 2 the ladder runs as it will.
WARM_UP_MONTHS = 2


def baseline_months(months: int, start: int | None) -> np.ndarray:
    """Months a control chart's centre line is estimated from: those before the change (all
    of them without one), after the :data:`WARM_UP_MONTHS` (all before the change when
    that leaves none)."""
    end = months if start is None else min(int(start), months)
    mask = np.zeros(months, dtype=bool)
    mask[WARM_UP_MONTHS:end] = True
    if not mask.any():
        mask[:end] = True
    return mask


def monitor_book(book: Book, *, reference_month: int = 0, level: float = LEVEL,
                 sicr_threshold: float = SICR_THRESHOLD,
                 lifetime_months: int = LIFETIME_MONTHS) -> Monitoring:
    """Vintages, roll rates, migrations, stability, lifetime PD, stages and detection lags.

    Parameters
    ----------
    book
        The book (:func:`~riskkit.lifecycle.monitor.book.read_book`).
    reference_month
        The month whose book the lifetime PDs follow.
    level
        Level of the truth's Monte Carlo intervals around the lifetime PDs.
    sicr_threshold, lifetime_months
        The IFRS 9 staging rule's relative increase of lifetime PD and its horizon.

    Returns
    -------
    Monitoring
    """
    start = book.downturn_from
    hazards = Hazards.of(book)
    vintages = vintage_curves(book, hazards=hazards)
    rolls = roll_rates(book)
    roll30 = roll_to_30(rolls.counts)
    chart = p_chart(roll30["rolled"].to_numpy(), roll30["at_risk"].to_numpy(),
                    baseline_months(book.months, start))
    roll30 = pd.concat([roll30, chart.drop(columns="rate")], axis=1)
    migration = grade_migration(book)
    stability, csi = stability_by_month(book)
    lifetime = lifetime_pd(book, migration, reference_month, level, hazards.truth)
    stages = stage_shares(book, migration, sicr_threshold, lifetime_months)
    by_month = book.summary["by_month"]
    low, high = PSI_THRESHOLDS
    signals = {
        "psi_score_0.1": stability["psi_score"].to_numpy() > low,
        "psi_score_0.25": stability["psi_score"].to_numpy() > high,
        "csi_0.25": stability["csi_max"].to_numpy() > high,
        "vintage_band": vintage_alarm(vintages, book.months),
        "roll_to_30_p_chart": roll30["alarm"].to_numpy(),
        "lender_alert": lender_alerts(by_month["observed_overdue_here"],
                                      by_month["expected_overdue_here"]),
    }
    detection = detection_table(signals, start, SIGNALS)
    return Monitoring(book, vintages, rolls, roll30, migration, stability, csi, lifetime,
                      stages, detection, signals)


def _number(value: Any) -> Any:
    """A JSON-ready scalar: NumPy and pandas numbers as Python ones, NA as None."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return value.item() if hasattr(value, "item") else value


def headline(result: Monitoring) -> dict[str, Any]:
    """Headline figures and detection lags of a :class:`Monitoring` (JSON-ready)."""
    book, stab, life = result.book, result.stability, result.lifetime
    horizon = int(life.table["horizon"].max())
    lifetime: dict[str, Any] = {"reference_month": life.reference_month, "level": life.level,
                                "z": life.z, "horizons": {}}
    for h in (*[h for h in HEADLINE_HORIZONS if h < horizon], horizon):
        rows = life.at(h)
        grades = rows.drop(index="all")
        populated = grades[grades["accounts"] > 0]
        lifetime["horizons"][str(h)] = {
            "all_grades_within": bool(populated["within"].all()),
            "grades": {g: {k: _number(rows.at[g, k]) for k in (
                "accounts", "defaults", "cohort", "truth", "truth_low", "truth_high", "within",
                "kaplan_meier", "aalen_johansen", "truth_on_book", "within_on_book", "markov")}
                for g in rows.index},
        }
    detection = {row["signal"]: {k: _number(row[k]) for k in (
        "description", "first_alarm", "detection_month", "lag", "false_alarms")}
        for row in result.detection.to_dict(orient="records")}
    peak = int(stab["psi_score"].idxmax())
    csi_peak = int(stab["csi_max"].idxmax())
    last = result.stages.iloc[-1]
    average = result.rolls.average
    return {
        "world_label": book.summary.get("world_label"),
        "grade_scale": book.scale.name, "grades": book.scale.grades,
        "downturn_from": book.downturn_from,
        "accounts_opened": int(book.performing_at_origination.sum()),
        "accounts_by_month": [int(v) for v in stab["accounts"]],
        "utilisation_by_month": [_number(v) for v in stab["utilisation"]],
        "psi_score_by_month": [float(v) for v in stab["psi_score"]],
        "psi_true_pd_by_month": [float(v) for v in stab["psi_true_pd"]],
        "psi_score_max": {"value": float(stab.at[peak, "psi_score"]), "month": peak},
        "csi_max": {"value": float(stab.at[csi_peak, "csi_max"]), "month": csi_peak,
                    "feature": str(stab.at[csi_peak, "csi_max_feature"])},
        "roll_rates_average": {str(i): {str(j): _number(average.at[i, j]) for j in DPD_BUCKETS}
                               for i in DPD_BUCKETS},
        "roll_to_30_centre": _number(result.roll_30["centre"].iloc[0]),
        "lifetime_pd": lifetime,
        "grade_lifetime_pd": [float(v) for v in grade_lifetime_pd(result.migration)],
        "stages_last_month": {k: float(last[k]) for k in (
            "stage_1", "stage_2", "stage_3", "true_stage_1", "true_stage_2", "true_stage_3")},
        "detection": detection,
        "first_to_fire": first_to_fire(result.detection),
    }

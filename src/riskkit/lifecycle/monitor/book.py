"""The book a lender monitors, read off the lifecycle panel: accounts, delinquency, grades.

Why a value of its own: every monitoring table (vintages, roll rates, migrations, lifetime
PD, stages) asks the same questions of the panel -- when was the account opened, is it
still on the book, how many days past due is it, when did it default, which grade is it
in -- and each answer must be the same for all of them. :class:`Book` answers them once, as
``(months, borrowers)`` NumPy arrays (the panel is stored month-major), so every table is a
few vectorised passes with no per-borrower Python loop.

Definitions (each a documented choice, not the only possible one):

* **origination** -- the first review that grants a line (``credit_line > 0``): the month
  the account is opened. One account per borrower: a borrower whose account was closed and
  who is approved again later is not booked a second time.
* **on the book** -- from origination until the first later review that finds no line, no
  loan due here and no open delinquency (the account is closed: the lender has nothing left
  to collect). An account with an open delinquency stays on the book until it cures or
  defaults, so a default that starts on the book is always the book's.
* **days past due** -- the borrower's open delinquency (the simulation keeps one per
  borrower, across lenders: the credit bureau's view), at the start of month ``t``
  (``dpd_start``, the end of month ``t - 1``; month 0's comes from the generated row) and
  at its end (``dpd_end``, the panel's ``days_past_due``), in the buckets ``current``,
  ``1-30``, ``31-60``, ``61-90`` and ``90+`` (more than 90 days).
* **default** -- more than 90 days past due, the Basel backstop (CRR Article 178(1)(b);
  EBA/GL/2016/07 on the definition of default). ``default_month`` is the first month at
  whose end an account on the book is 90+ days past due.
* **grades** -- the run's master scale when one is given (PD boundaries), otherwise the
  deciles of the model PD of the accounts on the book at month 0, fixed for every month
  (grade 1 the safest; the top grade is open-ended).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from riskkit.core import features as F
from riskkit.core.errors import DataError
from riskkit.core.io import read_json
from riskkit.lifecycle.behaviour import Behaviour
from riskkit.lifecycle.simulation import PANEL_FILE, SUMMARY_FILE

#: Days-past-due buckets, in order (index = bucket code).
DPD_BUCKETS: tuple[str, ...] = ("current", "1-30", "31-60", "61-90", "90+")
#: Upper edges of the first four buckets, in days.
DPD_EDGES = np.array([0, 30, 60, 90])
#: Bucket code of default: more than 90 days past due (CRR Art. 178(1)(b)).
DEFAULT_BUCKET = 4
DEFAULT_DAYS = 90
#: Grades when the run has no master scale: deciles of the month-0 book's PD.
DECILES = 10
#: Panel columns the book reads (the CSI also reads the model's features).
BOOK_COLUMNS: tuple[str, ...] = (
    "pd", "true_pd", "credit_line", "cutoff", "due", "drawn", "drawn_elsewhere",
    "days_past_due", "current_overdue", "max_dpd_24m", "outstanding_debt", "monthly_income",
)
#: Summary keys the book needs.
SUMMARY_KEYS: tuple[str, ...] = ("borrowers", "months", "behaviour", "by_month")


def dpd_bucket(days: np.ndarray) -> np.ndarray:
    """Bucket codes (see :data:`DPD_BUCKETS`) of days past due: 0, 1-30, 31-60, 61-90, 91+."""
    return np.searchsorted(DPD_EDGES, np.asarray(days), side="left").astype(np.int8)


def first_true(mask: np.ndarray, none: int) -> np.ndarray:
    """Per column of a ``(months, n)`` mask, the first row that is True (``none`` if none)."""
    hit = mask.any(axis=0)
    return np.where(hit, mask.argmax(axis=0), none)


@dataclass(frozen=True)
class GradeScale:
    """PD grades: ``edges`` are the inner upper boundaries (a PD equal to an edge belongs to
    the lower grade), so there are ``len(edges) + 1`` grades, numbered from 1."""

    edges: np.ndarray
    name: str

    @property
    def grades(self) -> int:
        return len(self.edges) + 1

    def grade(self, pd_: np.ndarray) -> np.ndarray:
        """Grade 1..G of each PD."""
        return (np.searchsorted(self.edges, pd_, side="left") + 1).astype(np.int8)

    def labels(self) -> list[str]:
        return [str(g) for g in range(1, self.grades + 1)]

    @classmethod
    def from_boundaries(cls, boundaries: Sequence[float]) -> GradeScale:
        """A master scale from its PD boundaries (the upper edge of every grade but the last;
        a last edge of 1.0 or more is dropped, as is a first of 0 or less)."""
        edges = np.asarray(sorted(float(b) for b in boundaries), dtype=float)
        edges = edges[(edges > 0.0) & (edges < 1.0)]
        if not len(edges) or np.any(np.diff(edges) <= 0):
            raise DataError("master scale", [f"boundaries must be distinct PDs strictly "
                                             f"between 0 and 1, got {list(boundaries)}"])
        return cls(edges, "master scale")

    @classmethod
    def deciles(cls, pd_: np.ndarray, grades: int = DECILES) -> GradeScale:
        """Equal-count grades of ``pd_`` (duplicate edges dropped: heavy ties give fewer)."""
        values = np.asarray(pd_, dtype=float)
        edges = np.unique(np.quantile(values, np.linspace(0, 1, grades + 1)[1:-1]))
        return cls(edges, f"PD {'deciles' if grades == 10 else f'{grades}-tiles'} at month 0")


@dataclass
class Book:
    """The panel's accounts as ``(months, borrowers)`` arrays, with the summary's behaviour.

    Build it with :func:`read_book` (a simulation folder) or :meth:`from_panel` (a panel in
    memory). ``features`` holds the model features for the CSI, as float arrays or, for
    categorical features, integer codes (``categories`` names them).
    """

    months: int
    borrowers: int
    summary: dict[str, Any]
    pd: np.ndarray
    true_pd: np.ndarray
    line: np.ndarray
    cutoff: np.ndarray
    due: np.ndarray
    drawn: np.ndarray
    drawn_elsewhere: np.ndarray
    dpd_end: np.ndarray
    dpd_start: np.ndarray
    standing_debt: np.ndarray
    scale: GradeScale
    features: dict[str, np.ndarray] = field(default_factory=dict)
    categories: dict[str, list[str]] = field(default_factory=dict)

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_panel(cls, frame: pd.DataFrame, summary: dict[str, Any],
                   master_scale: Sequence[float] | None = None,
                   features: Sequence[str] = F.MODEL_FEATURES) -> Book:
        """The book of a panel frame (month-major, as :func:`riskkit.simulate` writes it).

        ``master_scale``: PD boundaries of the run's grades; without them, PD deciles of
        the month-0 book. Raises :class:`DataError` naming every missing column or key.
        """
        check_panel(frame.columns, len(frame), summary, features)
        months, n = int(summary["months"]), int(summary["borrowers"])

        def matrix(name: str, dtype: Any = None) -> np.ndarray:
            values = frame[name].to_numpy(dtype=dtype)
            return values.reshape(months, n)

        dpd_end = matrix("days_past_due", np.int16)
        current0 = frame["current_overdue"].to_numpy()[:n] > 0
        start0 = np.where(current0, frame["max_dpd_24m"].to_numpy()[:n], 0).astype(np.int16)
        line = matrix("credit_line", np.float32)
        pd_ = matrix("pd", np.float32)
        book0 = line[0] > 0
        scale = (GradeScale.from_boundaries(master_scale) if master_scale is not None
                 else GradeScale.deciles(pd_[0][book0] if book0.any() else pd_[0]))
        feats: dict[str, np.ndarray] = {}
        cats: dict[str, list[str]] = {}
        for name in features:
            column = frame[name]
            if isinstance(column.dtype, pd.CategoricalDtype):
                feats[name] = column.cat.codes.to_numpy().reshape(months, n)
                cats[name] = [str(c) for c in column.cat.categories]
            else:  # the panel's own compact dtype (a view): binned against float64 edges
                feats[name] = column.to_numpy().reshape(months, n)
        return cls(
            months=months, borrowers=n, summary=summary, pd=pd_,
            true_pd=matrix("true_pd", np.float32), line=line,
            cutoff=matrix("cutoff", np.float32)[:, 0].astype(float),
            due=matrix("due", np.float32), drawn=matrix("drawn", np.float32),
            drawn_elsewhere=matrix("drawn_elsewhere", np.float32), dpd_end=dpd_end,
            dpd_start=np.vstack([start0[None, :], dpd_end[:-1]]),
            standing_debt=_standing_debt(frame, n, current0), scale=scale,
            features=feats, categories=cats)

    # ---------------------------------------------------------------- behaviour
    @cached_property
    def behaviour(self) -> Behaviour:
        """The borrower behaviour the simulation ran with (its cure rate, overdue rates)."""
        return Behaviour(**self.summary["behaviour"])

    @property
    def downturn_from(self) -> int | None:
        start = self.summary.get("downturn_from")
        return None if start is None else int(start)

    # ---------------------------------------------------------------- accounts
    @cached_property
    def origination(self) -> np.ndarray:
        """Month each account was opened (``months`` for borrowers never granted a line)."""
        return first_true(self.line > 0, self.months)

    @cached_property
    def exit(self) -> np.ndarray:
        """First month an account is off the book (``months`` if it stays to the end)."""
        t = np.arange(self.months)[:, None]
        closed = ((self.line <= 0) & (self.due <= 0) & (self.dpd_start == 0)
                  & (t > self.origination[None, :]))
        return first_true(closed, self.months)

    @cached_property
    def on_book(self) -> np.ndarray:
        """``(months, n)``: the account is on the book at the start of the month."""
        t = np.arange(self.months)[:, None]
        return (t >= self.origination[None, :]) & (t < self.exit[None, :])

    @cached_property
    def performing_at_origination(self) -> np.ndarray:
        """Opened, and not already in default when opened (only these enter the vintages)."""
        opened = self.origination < self.months
        start = self.dpd_start[np.minimum(self.origination, self.months - 1),
                               np.arange(self.borrowers)]
        return opened & (start <= DEFAULT_DAYS)

    @cached_property
    def bucket_start(self) -> np.ndarray:
        return dpd_bucket(self.dpd_start)

    @cached_property
    def bucket_end(self) -> np.ndarray:
        return dpd_bucket(self.dpd_end)

    @cached_property
    def default_month(self) -> np.ndarray:
        """First month at whose end an account on the book is 90+ days past due."""
        return first_true((self.dpd_end > DEFAULT_DAYS) & self.on_book, self.months)

    def default_after(self, start: int) -> np.ndarray:
        """First month ``>= start`` at whose end the borrower is 90+ days past due, on the
        book or not (``months`` if never): the outcome with full follow-up."""
        late = self.dpd_end[start:] > DEFAULT_DAYS
        return np.where(late.any(axis=0), late.argmax(axis=0) + start, self.months)

    # ---------------------------------------------------------------- grades
    @cached_property
    def grade(self) -> np.ndarray:
        """``(months, n)`` grade of every borrower's model PD at each month's review."""
        return self.scale.grade(self.pd)


def _standing_debt(frame: pd.DataFrame, n: int, current0: np.ndarray) -> np.ndarray:
    """Whether each borrower carries standing debt (whose instalment can go overdue).

    The simulation fixes it at month 0 as ``outstanding_debt - late``, where the open
    delinquent balance ``late`` is ``min(debt, round(income / 2, -2))`` for a borrower
    overdue at month 0 (:func:`riskkit.lifecycle.state.init_state`); the same float32
    arithmetic on the panel's month-0 row gives the same answer.
    """
    debt = frame["outstanding_debt"].to_numpy(dtype=np.float32)[:n]
    income = frame["monthly_income"].to_numpy(dtype=np.float32)[:n]
    late = np.where(current0, np.minimum(debt, np.round(np.float32(0.5) * income, -2)),
                    0).astype(np.float32)
    return (debt - late) > 0


def check_panel(columns: Any, rows: int | None, summary: dict[str, Any],
                features: Sequence[str] = ()) -> None:
    """DataError naming every column or summary key the monitor needs and the panel lacks,
    and a row count that is not months x borrowers (``rows=None``: not checked yet)."""
    problems = [f"summary.json has no {key!r}" for key in SUMMARY_KEYS if key not in summary]
    missing = [c for c in (*BOOK_COLUMNS, *features) if c not in set(columns)]
    if missing:
        hint = (" (a panel written before the monitor existed: simulate again)"
                if "days_past_due" in missing else "")
        problems.append(f"panel.parquet lacks column(s) {', '.join(missing)}{hint}")
    if not problems:
        months, borrowers = summary["months"], summary["borrowers"]
        if not all(isinstance(v, int) and v > 0 for v in (months, borrowers)):
            problems.append(f"summary.json's months and borrowers must be positive whole "
                            f"numbers, got {months!r} and {borrowers!r}")
        elif months < 2:
            problems.append("the panel has one month: monitoring needs at least two")
        elif rows is not None and rows != months * borrowers:
            problems.append(f"panel.parquet has {rows:,} rows, expected months x borrowers "
                            f"= {months * borrowers:,}")
    if problems:
        raise DataError("simulation folder", problems)


def read_book(sim_dir: str | os.PathLike[str], master_scale: Sequence[float] | None = None,
              features: Sequence[str] = F.MODEL_FEATURES) -> Book:
    """The book of a ``riskkit simulate`` folder (``panel.parquet`` + ``summary.json``).

    Reads only the columns the monitor needs. ``master_scale`` defaults to the summary's
    ``master_scale`` (a list of PD boundaries, or ``{"boundaries": [...]}``) when it has
    one. Raises :class:`DataError` (one line naming the file and what it lacks) for a
    folder that is not a simulation, before reading the panel's rows.

    Parameters
    ----------
    sim_dir : path
        A ``riskkit simulate`` folder.
    master_scale : sequence of float, optional
        PD boundaries of the grades (default: the summary's, else month-0 PD deciles).
    features : sequence of str
        The model features read (for CSI).

    Returns
    -------
    Book
    """
    folder = Path(sim_dir)
    problems = [f"{folder / name} does not exist" for name in (PANEL_FILE, SUMMARY_FILE)
                if not (folder / name).is_file()]
    if not folder.is_dir():
        problems = [f"{folder} is not a folder"]
    if problems:
        raise DataError("simulation folder", problems)
    try:
        summary = read_json(folder / SUMMARY_FILE)
    except ValueError as exc:
        raise DataError("simulation folder", [f"{folder / SUMMARY_FILE} is not JSON: "
                                              f"{exc}"]) from exc
    if not isinstance(summary, dict):
        raise DataError("simulation folder", [f"{folder / SUMMARY_FILE} is not a JSON object"])
    try:
        schema = pq.read_schema(folder / PANEL_FILE)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise DataError("simulation folder", [f"{folder / PANEL_FILE} is not a Parquet file: "
                                              f"{exc}"]) from exc
    wanted = list(dict.fromkeys([*BOOK_COLUMNS, *features]))
    check_panel(schema.names, None, summary, features)  # before reading any row
    frame = pd.read_parquet(folder / PANEL_FILE, columns=wanted)
    if master_scale is None:
        scale = summary.get("master_scale")
        master_scale = scale.get("boundaries") if isinstance(scale, dict) else scale
    return Book.from_panel(frame, summary, master_scale, features)

"""Monitoring the book: vintages, roll rates, migrations, stability, lifetime PD and stages.

What a risk manager asks of a credit-line book every month, computed from the panel of
``riskkit simulate`` and put beside the truth that produced it, plus *when* each monitoring
signal noticed a downturn (``riskkit monitor SIM_DIR``). One module per job:

* :mod:`.book` -- accounts, days past due, defaults and grades off the panel;
* :mod:`.expected` -- what a PD implies for defaults (the truth's and the lender's);
* :mod:`.vintages`, :mod:`.rolls`, :mod:`.migration`, :mod:`.stability` -- the tables;
* :mod:`.transitions` -- the cohort estimator and Markov term structures they share;
* :mod:`.lifetime` -- lifetime PD by grade (cohort, Kaplan-Meier, Aalen-Johansen, Markov);
* :mod:`.staging` -- IFRS 9 stages; :mod:`.detection` -- detection months and lags;
* :mod:`.tables` -- all of them at once; :mod:`.folder` -- what ``riskkit monitor`` writes;
* :mod:`.words` -- sentences built from the numbers.
"""

from riskkit.lifecycle.monitor.book import DPD_BUCKETS, Book, GradeScale, read_book
from riskkit.lifecycle.monitor.detection import detection_table, first_to_fire
from riskkit.lifecycle.monitor.lifetime import LifetimePD, lifetime_pd
from riskkit.lifecycle.monitor.migration import Migration, grade_migration, moves_between
from riskkit.lifecycle.monitor.rolls import RollRates, p_chart, roll_rates, roll_to_30
from riskkit.lifecycle.monitor.stability import PSI_THRESHOLDS, stability_by_month
from riskkit.lifecycle.monitor.staging import stage_shares, stages
from riskkit.lifecycle.monitor.tables import SIGNALS, Monitoring, monitor_book
from riskkit.lifecycle.monitor.vintages import compare_vintages, vintage_curves

__all__ = [
    "DPD_BUCKETS", "PSI_THRESHOLDS", "SIGNALS", "Book", "GradeScale", "LifetimePD",
    "Migration", "Monitoring", "RollRates", "compare_vintages",
    "detection_table", "first_to_fire", "grade_migration", "lifetime_pd", "monitor_book",
    "moves_between", "p_chart", "read_book", "roll_rates", "roll_to_30", "stability_by_month",
    "stage_shares", "stages", "vintage_curves",
]

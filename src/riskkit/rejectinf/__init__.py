"""Reject inference: learning from the approved only, graded against the truth.

A lender sees outcomes only for the applicants it approved. riskkit's synthetic world knows
everyone's, so it can build the lender's situation (:mod:`.sample`: an incumbent lender, the
accepted sample), run the methods credit teams use to correct for it (:mod:`.methods`:
``accepted_only``, ``reweighting``, ``reweighting_oof``, ``hard_cutoff``, ``fuzzy``,
``parcelling``, ``extrapolation``, ``self_learning``, ``heckman``), each producing a
logistic regression (:mod:`.logistic`), a scorecard and a LightGBM tuned by
cross-validation (:mod:`.fitting`), and grade them against the truth (:mod:`.grading`),
under an incumbent that selected on recorded features (MAR) or also on private
information (MNAR). :func:`run_study` does all of it (a run's ``reject_inference:``
section), beside the rejectkit package's methods when asked (:mod:`.peer`); :mod:`.loop`
runs the lender that keeps retraining on its own book through the lifecycle simulation
(``riskkit simulate --retrain-every K``).
"""

from riskkit.rejectinf.grading import GRADE_KEYS, deployment_cutoff, grade, results_table
from riskkit.rejectinf.logistic import LogisticModel
from riskkit.rejectinf.methods import (
    FULL_INFORMATION,
    METHODS,
    MODEL_KINDS,
    Augmented,
    FittedMethod,
    TrainingSet,
    fit_method,
)
from riskkit.rejectinf.sample import (
    AcceptedSample,
    Incumbent,
    IncumbentSpec,
    LenderView,
    accepted_sample,
    fit_incumbent,
    lender_view,
)
from riskkit.rejectinf.study import DEFAULTS, Study, check_section, run_studies, run_study

__all__ = [
    "DEFAULTS", "FULL_INFORMATION", "GRADE_KEYS", "METHODS", "MODEL_KINDS", "AcceptedSample",
    "Augmented", "FittedMethod", "Incumbent", "IncumbentSpec", "LenderView", "LogisticModel",
    "Study", "TrainingSet", "accepted_sample", "check_section", "deployment_cutoff",
    "fit_incumbent", "fit_method", "grade", "lender_view", "results_table", "run_studies",
    "run_study",
]

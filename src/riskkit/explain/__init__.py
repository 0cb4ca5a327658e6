"""Explanations of eligibility decisions, checked against the known truth.

* :func:`contributions` / :func:`additivity_error` -- every model's log-odds contributions
  through one call (LightGBM TreeSHAP, path-dependent or against a background population,
  scorecard against its best bin or the mean, the oracle's exact true Shapley values);
* :func:`draw_background` / :func:`approved_background` / :func:`reference_background` --
  the populations explanations are measured against (a run's ``explain.background``);
* :func:`reason_codes` -- knock-out first, then up to four risk-raising features, in
  English and Chinese, for every denied applicant at once (:func:`approved_reference`
  gives the medians they are compared with);
* :func:`recourse` / :func:`recourse_many` -- the fewest realistic changes that would get
  a denied applicant approved, verified through model and policy and checked against the
  true PD;
* :func:`fidelity` / :func:`explain_metrics` -- how well explanations match the truth;
* :func:`explain_applicant` / :func:`format_text` -- one applicant's full story;
* :func:`explanation_figures` -- the charts (:func:`explanation_drawings`: computed, not yet drawn);
* :func:`to_shap` -- any model's explanation as a ``shap.Explanation`` (log-odds values
  adding up to the model's log-odds, design values, readable values with units, registry
  labels in English or Chinese), so ``shap.plots.*`` work on it.
"""

from riskkit.explain.applicant import explain_applicant, format_text, human_review_text
from riskkit.explain.background import (
    BACKGROUND_FILE,
    BACKGROUND_MODES,
    approved_background,
    draw_background,
    reference_background,
)
from riskkit.explain.contrib import additivity_error, contributions, has_background_mode
from riskkit.explain.fidelity import explain_metrics, fidelity, null_features
from riskkit.explain.figures import explanation_drawings, explanation_figures, reason_counts
from riskkit.explain.reasons import REASON_COLUMNS, approved_reference, reason_codes
from riskkit.explain.recourse import Recourse, recourse, recourse_many, recourse_summary
from riskkit.explain.shap_objects import display_value, to_shap

__all__ = [
    "BACKGROUND_FILE",
    "BACKGROUND_MODES",
    "REASON_COLUMNS",
    "Recourse",
    "additivity_error",
    "approved_background",
    "approved_reference",
    "contributions",
    "display_value",
    "draw_background",
    "explain_applicant",
    "explain_metrics",
    "explanation_drawings",
    "explanation_figures",
    "fidelity",
    "format_text",
    "has_background_mode",
    "human_review_text",
    "null_features",
    "reason_codes",
    "reason_counts",
    "recourse",
    "recourse_many",
    "recourse_summary",
    "reference_background",
    "to_shap",
]

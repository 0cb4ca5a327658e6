"""The report's sections, one module each, named after the section a reader sees.

:data:`SECTIONS` is the one list the report is assembled from, in reading order: its id
(the HTML anchor, and ``sec.<id>`` in the text catalogue for the title) and the function
that writes its body from the run (a :class:`~riskkit.reporting.view.RunView` and the
report's :class:`~riskkit.reporting.view.Figures`). A function that returns "" leaves its
section out (reject inference, for runs that did not study it). A new section is a module
here and one line in the list.
"""

from __future__ import annotations

from collections.abc import Callable

from riskkit.reporting.sections.appendix import appendix_section
from riskkit.reporting.sections.calibration import calibration_section
from riskkit.reporting.sections.data import data_section
from riskkit.reporting.sections.discrimination import discrimination_section
from riskkit.reporting.sections.explanations import explanations_section
from riskkit.reporting.sections.fairness import fairness_section
from riskkit.reporting.sections.limitations import limitations_section
from riskkit.reporting.sections.model_card import model_card_section
from riskkit.reporting.sections.policy import policy_section
from riskkit.reporting.sections.reject_inference import reject_inference_section
from riskkit.reporting.sections.stability import stability_section
from riskkit.reporting.sections.summary import summary_section
from riskkit.reporting.sections.validation import validation_section
from riskkit.reporting.view import Figures, RunView

__all__ = ["SECTIONS", "Section"]

Section = Callable[[RunView, Figures], str]

SECTIONS: tuple[tuple[str, Section], ...] = (
    ("summary", summary_section),
    ("data", data_section),
    ("discrimination", discrimination_section),
    ("calibration", calibration_section),
    ("stability", stability_section),
    ("validation", validation_section),  # validation.json of `riskkit validate`
    ("policy", policy_section),
    ("explanations", explanations_section),
    ("fairness", fairness_section),
    ("reject_inference", reject_inference_section),
    ("limitations", limitations_section),
    ("model_card", model_card_section),
    ("appendix", appendix_section),
)

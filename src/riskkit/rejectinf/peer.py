"""A peer side by side: the ``rejectkit`` package's methods on the same accepted sample.

rejectkit (0.3.0; the ``bench`` extra) implements the classic methods behind a
scikit-learn API: ``RejectInferenceClassifier(method=...)`` fits a final
``LogisticRegression`` on the sample its inferencer builds from ``(X_accept, y_accept,
X_reject)``, and ``HeckmanClassifier`` is its control-function correction. Here each of
them gets exactly what riskkit's methods get -- the accepted applicants of the fit and
validation rows with their outcomes, and the rejects of those rows -- as the numeric
design riskkit's helper learners use (:func:`riskkit.rejectinf.learners.design_pipeline`,
fitted on those through-the-door rows: median-imputed and standardised numbers with
missing indicators, one-hot categoricals), with rejectkit's defaults. Every fitted model
is graded by riskkit's own :func:`riskkit.rejectinf.grading.grade` on the same held-out
applicants. ``accepted_only`` is rejectkit's baseline: the same logistic regression on the
accepted alone.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from riskkit.core.errors import ConfigError
from riskkit.rejectinf.grading import deployment_cutoff, grade
from riskkit.rejectinf.learners import design_pipeline, model_frame
from riskkit.rejectinf.sample import AcceptedSample

#: The table's ``model`` value of the peer's rows.
PEER_MODEL = "rejectkit"
#: rejectkit's methods, by its names (``accepted_only``: its baseline logistic regression).
PEER_METHODS: tuple[str, ...] = ("accepted_only", "simple", "fuzzy", "parcelling",
                                 "reweighting", "reclassification", "extrapolation",
                                 "selflearning", "heckman")


class PeerModel:
    """A fitted rejectkit (or scikit-learn) classifier that scores riskkit frames."""

    def __init__(self, classifier: Any, design: Any) -> None:
        self.classifier = classifier
        self.design = design

    def predict_pd(self, frame: pd.DataFrame) -> np.ndarray:
        matrix = self.design.transform(model_frame(frame))
        return np.asarray(self.classifier.predict_proba(matrix)[:, 1], dtype=float)


def _rejectkit() -> Any:
    try:
        import rejectkit  # the bench extra: imported only when the peer is asked for
    except ImportError:
        raise ConfigError("reject_inference.peer: true needs the rejectkit package "
                          "(pip install 'riskkit[bench]')") from None
    return rejectkit


def peer_models(sample: AcceptedSample, seed: int,
                methods: tuple[str, ...] = PEER_METHODS) -> dict[str, PeerModel]:
    """Fit rejectkit's methods on ``sample``'s lender rows (see the module docstring)."""
    rk = _rejectkit()
    views = (sample.train, sample.valid)
    ttd = pd.concat([v.frame for v in views], ignore_index=True)
    design = design_pipeline().fit(model_frame(ttd))
    X_acc = design.transform(model_frame(pd.concat([v.accepts for v in views],
                                                   ignore_index=True)))
    y_acc = np.concatenate([v.y_accepted for v in views])
    X_rej = design.transform(model_frame(pd.concat([v.rejects for v in views],
                                                   ignore_index=True)))
    out: dict[str, PeerModel] = {}
    np.random.seed(seed % 2**32)  # rejectkit's defaults draw from NumPy's global state
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's convergence notices
        for name in methods:
            if name == "accepted_only":
                clf: Any = LogisticRegression(max_iter=1000).fit(X_acc, y_acc)
            elif name == "heckman":
                clf = rk.HeckmanClassifier().fit(X_acc, y_acc, X_rej)
            else:
                clf = rk.RejectInferenceClassifier(method=name).fit(X_acc, y_acc, X_rej)
            out[name] = PeerModel(clf, design)
    return out


def peer_grades(sample: AcceptedSample, seed: int,
                methods: tuple[str, ...] = PEER_METHODS) -> dict[str, dict[str, Any]]:
    """rejectkit's methods graded like riskkit's: method name -> :func:`grade`'s dict."""
    grades = {}
    for name, model in peer_models(sample, seed, methods).items():
        cutoff = deployment_cutoff(model, sample.train.frame, sample.acceptance_rate)
        grades[name] = grade(model, sample.test, sample.test_rejected, cutoff, fidelity=False)
    return grades

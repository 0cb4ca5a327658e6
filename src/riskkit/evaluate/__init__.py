"""Evaluation: discrimination, calibration, stability, cut-offs, feature effects against the truth."""

from __future__ import annotations

from riskkit.evaluate.cutoffs import (
    cutoff_for_approval_rate,
    cutoff_for_bad_rate,
    strategy_curve,
    swap_set,
)
from riskkit.evaluate.metrics import (
    LOG_LOSS_EPS,
    auc,
    brier,
    check_inputs,
    classification_metrics,
    ece,
    gains_table,
    gini,
    ks,
    ks_table,
    log_loss,
    metrics_by_segment,
    reliability_table,
    roc_curve_points,
)
from riskkit.evaluate.stability import MISSING, PSI_EPS, csi, psi

__all__ = ['LOG_LOSS_EPS', 'MISSING', 'PSI_EPS', 'auc', 'brier', 'check_inputs', 'classification_metrics', 'csi', 'cutoff_for_approval_rate', 'cutoff_for_bad_rate', 'ece', 'gains_table', 'gini', 'ks', 'ks_table', 'log_loss', 'metrics_by_segment', 'psi', 'reliability_table', 'roc_curve_points', 'strategy_curve', 'swap_set']

"""The validation battery and how often each of its tests is right.

Layer: above :mod:`riskkit.evaluate` and :mod:`riskkit.synth`, below
:mod:`riskkit.experiment` (which runs the battery on a run folder: ``riskkit validate``).

* the master scale (:func:`build_scale`, :class:`MasterScale`);
* one public function per test, each returning a :class:`Result` (statistic, p-value or
  interval, traffic light from thresholds passed in, and its source): :func:`auc_test`,
  :func:`gini_test`, :func:`ks_test`, :func:`auc_decline_test`, :func:`binomial_test`,
  :func:`jeffreys_test`, :func:`normal_test`, :func:`hosmer_lemeshow_test`,
  :func:`spiegelhalter_test`, :func:`brier_test`, :func:`hhi_test`, :func:`psi_test`,
  :func:`csi_test`, :func:`migration_test`;
* the battery on a development and a current sample (:func:`sample_tests`,
  :func:`comparison_tests`);
* the power study (:func:`run_power`): defects injected into a world whose truth is known,
  each test's false-alarm rate and power with Monte Carlo intervals.
"""

from riskkit.validate.battery import (
    COMPARISON_TESTS,
    SAMPLE_TESTS,
    Sample,
    comparison_tests,
    results_table,
    sample_tests,
)
from riskkit.validate.calibration import (
    binomial_test,
    brier_test,
    hosmer_lemeshow_test,
    jeffreys_test,
    normal_test,
    spiegelhalter_test,
)
from riskkit.validate.discrimination import (
    auc_decline_test,
    auc_test,
    bootstrap_auc,
    delong,
    delong_covariance,
    delong_from_counts,
    gini_test,
    ks_test,
)
from riskkit.validate.grades import MasterScale, build_scale
from riskkit.validate.pool import KINDS, Cell, PoolSpec
from riskkit.validate.power import (
    CALIBRATION_TESTS,
    DETECTION_TESTS,
    TESTS,
    PowerStudy,
    cells_from,
    default_rate_sd,
    detectable,
    false_alarm_table,
    run_power,
)
from riskkit.validate.results import LIGHTS, Result, level_light, p_light, worst
from riskkit.validate.settings import DEFAULTS, check_section, section
from riskkit.validate.stability import csi_test, hhi_test, migration_test, psi_test

__all__ = [
    "CALIBRATION_TESTS", "COMPARISON_TESTS", "DEFAULTS", "DETECTION_TESTS", "KINDS", "LIGHTS", "SAMPLE_TESTS",
    "TESTS", "Cell", "MasterScale", "PoolSpec", "PowerStudy", "Result", "Sample",
    "auc_decline_test", "auc_test", "binomial_test", "bootstrap_auc", "brier_test",
    "build_scale", "cells_from", "check_section", "comparison_tests", "csi_test",
    "default_rate_sd", "delong", "delong_covariance", "delong_from_counts", "detectable",
    "false_alarm_table", "gini_test", "hhi_test",
    "hosmer_lemeshow_test", "jeffreys_test", "ks_test", "level_light", "migration_test",
    "normal_test", "p_light", "psi_test", "results_table", "run_power", "sample_tests",
    "section", "spiegelhalter_test", "worst",
]

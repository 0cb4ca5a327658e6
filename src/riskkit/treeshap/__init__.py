"""Fast exact TreeSHAP for LightGBM models.

``shap.TreeExplainer`` (which hands LightGBM models to LightGBM's own ``pred_contrib``)
runs the path-dependent TreeSHAP recursion for every tree and row: about a thousand rows a
second for a 300-tree model on two cores. :class:`FastTreeShap` gives the same numbers
(to ~1e-13) by precomputing, per leaf or small subtree, the contributions for every
pattern of satisfied path conditions, so a row costs one split decision per node and one
table row per unit. :func:`benchmark` and :func:`scaling_table` measure the difference.
"""

from riskkit.treeshap._bench import benchmark, scaling_table, synthetic_credit_frame
from riskkit.treeshap._explainer import FastTreeShap

__all__ = ["FastTreeShap", "benchmark", "scaling_table", "synthetic_credit_frame"]

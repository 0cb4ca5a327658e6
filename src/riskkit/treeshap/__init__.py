"""Fast exact TreeSHAP for LightGBM models.

``shap.TreeExplainer`` (which hands LightGBM models to LightGBM's own ``pred_contrib``)
runs the path-dependent TreeSHAP recursion for every tree and row: about a thousand rows a
second for a 300-tree model on two cores. :class:`FastTreeShap` gives the same numbers
(to ~1e-12) by precomputing, per leaf, the contributions for every pattern of satisfied
path conditions, so a row costs one split decision per node and one table row per leaf.
"""

from riskkit.treeshap._explainer import FastTreeShap

__all__ = ["FastTreeShap"]

"""What TreeSHAP adds to a booster's :class:`~riskkit.trees.Trees`: each leaf's path features.

The trees themselves (nodes in pre-order, leaves left to right, one router) come from
:mod:`riskkit.trees`, as the predictor's do. This module works out, once per model, what
the per-leaf formulas need:

* the *bit* of every node: the position of the node's feature among the distinct features
  met on the way from the root to that node, in order of first appearance. A leaf's
  distinct path features are then bits ``0..k-1`` whatever branch the row took, so a row's
  "which path conditions do I satisfy" bitmask can be built top-down, one AND per node,
  instead of per leaf;
* per leaf, its k path features and their "zero fractions" (products of cover ratios);
* the expected value, summed as LightGBM's ``Tree::ExpectedValue`` sums it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import lightgbm as lgb
import numpy as np

from riskkit.core.errors import RiskkitError
from riskkit.trees import TreeModel, Trees, read_booster

# Masks are int64 in the kernels; a leaf with more distinct path features cannot be encoded.
MAX_PATH_FEATURES = 63


class Paths(NamedTuple):
    """Per node and leaf, what the TreeSHAP kernels read besides the trees (one argument)."""

    node_bit: np.ndarray  # int64: bit of the node's feature in the path-prefix mask
    leaf_k: np.ndarray  # int64: distinct features on the leaf's path
    leaf_feat_start: np.ndarray  # int64: offset into leaf_feats / leaf_zero
    leaf_feats: np.ndarray  # int64: feature of bit j, for j < k
    leaf_zero: np.ndarray  # float64: "zero fraction" of bit j (product of cover ratios)
    leaf_value: np.ndarray  # float64 (a caller may zero some leaves: see _interventional)


class Members(NamedTuple):
    """The leaves of the grouped units, sorted by unit, for the kernels that fill tables.

    ``steps[s] = (shift, went_left, bit)``: the member's path goes through a group node
    whose decision is bit ``shift`` of the table index; ``map`` places the member leaf's
    k contributions among its unit's features.
    """

    unit: np.ndarray  # int64
    leaf: np.ndarray  # int64
    map_start: np.ndarray  # int64
    map: np.ndarray  # int64
    step_start: np.ndarray  # int64
    step_len: np.ndarray  # int64
    steps: np.ndarray  # int64 (n, 3)
    unit_kp: np.ndarray  # int64 per unit: prefix bits of its index
    unit_d: np.ndarray  # int64 per unit: decisions inside it
    unit_width: np.ndarray  # int64 per unit: features per table row
    unit_table_start: np.ndarray  # int64 per unit


class TablePlan(NamedTuple):
    """Per-node roles and per-unit tables (a NamedTuple: the kernels take it as one argument)."""

    node_gshift: np.ndarray  # int64: -1 outside groups, else bit of the decision in the index
    node_groot: np.ndarray  # bool: first node of a group
    node_gkeep: np.ndarray  # int64: prefix bits a group root keeps from its mask
    node_unit_end: np.ndarray  # int64: unit looked up after this node (last of a group), or -1
    leaf_unit: np.ndarray  # int64: unit of a leaf that hangs from an ungrouped node, or -1
    unit_width: np.ndarray  # int64: features per table row
    unit_feat_start: np.ndarray  # int64
    unit_feats: np.ndarray  # int64
    unit_table_start: np.ndarray  # int64, -1 for a fallback unit
    unit_keep: np.ndarray  # int64: mask bits of a leaf unit's index
    unit_leaf: np.ndarray  # int64: the leaf of a leaf unit, -1 for groups
    tables: np.ndarray  # float64
    table_leaves: int
    group_count: int


@dataclass(frozen=True)
class FlatEnsemble:
    """A booster's trees and the path arrays of every leaf (see the module docstring)."""

    feature_names: list[str]
    pandas_categorical: list[list[Any]] | None
    expected_value: float
    model: TreeModel
    paths: Paths
    tree_depth: np.ndarray  # int64: longest root-to-leaf path, in splits
    constant: float  # summed values of single-leaf trees (no path, no contribution)

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def trees(self) -> Trees:
        return self.model.trees

    @property
    def n_trees(self) -> int:
        return len(self.trees.tree_node_start)

    @property
    def split_leaves(self) -> np.ndarray:
        """Bool per leaf: the leaf belongs to a tree with splits (the others carry no path)."""
        return np.repeat(self.trees.tree_n_nodes > 0, self.model.tree_n_leaves)


def _tree_paths(model: TreeModel, tree: int, node_bit: list[int], leaves: list[tuple[int, ...]],
                zeros: list[tuple[float, ...]]) -> tuple[int, float]:
    """Fill the node bits and the path features and zero fractions of one tree's leaves;
    return the tree's depth and expected value."""
    t = model.trees
    start, count = int(t.tree_node_start[tree]), int(t.tree_n_nodes[tree])
    first = int(t.tree_leaf_start[tree])
    n_leaves = int(model.tree_n_leaves[tree])
    if count == 0:  # a single-leaf tree: only shifts the expected value
        return 0, float(t.leaf_value[first])
    depth = 0
    # Iterative walk: very deep trees would overflow Python's recursion limit.
    stack: list[tuple[int, tuple[int, ...], tuple[float, ...], int]] = [(start, (), (), 0)]
    while stack:
        node, feats, zero, level = stack.pop()
        if node < 0:
            depth = max(depth, level)
            if len(feats) > MAX_PATH_FEATURES:
                raise RiskkitError(
                    f"a leaf depends on {len(feats)} distinct features; FastTreeShap "
                    f"handles at most {MAX_PATH_FEATURES} per root-to-leaf path"
                )
            leaves[~node], zeros[~node] = feats, zero
            continue
        feature = int(t.node_feature[node])
        if feature in feats:
            bit = feats.index(feature)
        else:
            bit = len(feats)
            feats, zero = (*feats, feature), (*zero, 1.0)
        node_bit[node] = bit
        count_here = float(model.node_count[node])
        for child in (int(t.node_right[node]), int(t.node_left[node])):
            z = list(zero)
            rows = model.leaf_count[~child] if child < 0 else model.node_count[child]
            # Same product order as LightGBM's TreeSHAP: ratio * incoming fraction.
            z[bit] = (float(rows) / count_here) * z[bit]
            stack.append((child, feats, tuple(z), level + 1))
    # LightGBM's Tree::ExpectedValue sums in its leaf order; do the same so the last
    # column matches it to the last bit rather than merely to rounding.
    total = float(model.node_count[start])
    expected = 0.0
    for leaf in sorted(range(first, first + n_leaves), key=lambda j: int(model.leaf_index[j])):
        expected += (float(model.leaf_count[leaf]) / total) * float(t.leaf_value[leaf])
    return depth, expected


def flatten_booster(booster: lgb.Booster, num_iteration: int | None = None) -> FlatEnsemble:
    """Read the booster's trees (:func:`riskkit.trees.read_trees`) and their leaves' paths.

    Leaf values already include shrinkage and, for ``boost_from_average``, the initial
    score (LightGBM folds it into the first tree), so nothing is added separately.
    Random-forest models (``average_output``) are summed, not averaged, exactly as their
    ``predict(raw_score=True)`` and ``pred_contrib`` are in LightGBM 4.
    """
    if not isinstance(booster, lgb.Booster):
        raise RiskkitError(f"FastTreeShap needs a lightgbm.Booster, got {type(booster).__name__}")
    model = read_booster(booster, num_iteration)
    t = model.trees
    if model.trees_per_iteration != 1:
        raise RiskkitError(
            "FastTreeShap explains single-output models (binary or regression); this model "
            f"has {model.trees_per_iteration} trees per iteration"
        )
    if model.linear:  # linear leaves are not constants; TreeSHAP does not apply
        raise RiskkitError("FastTreeShap does not support linear_tree models")
    n_leaves = len(t.leaf_value)
    node_bit = [0] * len(t.node_left)
    leaves: list[tuple[int, ...]] = [()] * n_leaves
    zeros: list[tuple[float, ...]] = [()] * n_leaves
    depths = []
    expected = constant = 0.0
    for tree in range(len(t.tree_node_start)):
        depth, tree_expected = _tree_paths(model, tree, node_bit, leaves, zeros)
        depths.append(depth)
        expected += tree_expected
        if t.tree_n_nodes[tree] == 0:
            constant += tree_expected
    k = np.asarray([len(f) for f in leaves], dtype=np.int64)
    paths = Paths(
        node_bit=np.asarray(node_bit, dtype=np.int64),
        leaf_k=k,
        leaf_feat_start=(np.cumsum(k) - k).astype(np.int64),
        leaf_feats=np.asarray([f for feats in leaves for f in feats], dtype=np.int64),
        leaf_zero=np.asarray([z for zero in zeros for z in zero], dtype=np.float64),
        leaf_value=t.leaf_value,
    )
    return FlatEnsemble(
        feature_names=[str(f) for f in booster.feature_name()],
        pandas_categorical=booster.pandas_categorical,
        expected_value=expected,
        model=model,
        paths=paths,
        tree_depth=np.asarray(depths, dtype=np.int64),
        constant=constant,
    )

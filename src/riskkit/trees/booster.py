"""A LightGBM booster read once, from its model text, into flat arrays in one fixed order.

Why one form: the predictor (:mod:`riskkit.models`) and TreeSHAP (:mod:`riskkit.treeshap`)
walk the same trees and must route a row exactly as LightGBM does; with one reader and one
router (:func:`riskkit.trees.route_block`), a fix to categorical or missing-value routing
is made once. Why arrays: numba cannot walk nested dicts, and per-tree Python objects would
cost a Python call per tree and row.

Why ``model_to_string`` rather than ``dump_model``: the text is what a booster is parsed
from, its thresholds and leaf values carry 17 significant digits (they parse back to the
booster's own doubles), and the JSON of ``dump_model`` writes an infinite threshold as
1e300, which would send values above 1e300 the other way.

The order, which the kernels rely on:

* trees in the booster's order;
* inside a tree, its internal nodes in pre-order (a node, then its left subtree, then its
  right subtree), numbered globally: a parent comes before its children and a subtree's
  nodes are consecutive;
* leaves numbered left to right across the whole booster, so a tree's leaves are
  ``tree_leaf_start[t] ... + tree_n_leaves[t] - 1`` (a single-leaf tree has its one leaf);
* a child is a node number (>= 0) or ``~leaf`` (< 0), as LightGBM itself writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

#: Bits of LightGBM's ``decision_type`` byte (its ``tree.h``): categorical, default left,
#: and the missing type in bits 2-3.
CATEGORICAL = 1
DEFAULT_LEFT = 2
MISSING_SHIFT = 2
#: LightGBM's missing types.
MISSING_NONE, MISSING_ZERO, MISSING_NAN = 0, 1, 2


class Trees(NamedTuple):
    """The arrays every tree kernel reads (order: module docstring).

    A NamedTuple, so that a numba kernel takes the whole forest as one argument; it holds
    only what kernels read, because each member passed into a parallel loop costs numba
    compile time.
    """

    # per internal node: its split (the first six members: riskkit.trees.Splits)
    node_feature: np.ndarray  # int64
    node_threshold: np.ndarray  # float64 (0.0 for categorical splits)
    node_decision: np.ndarray  # int64: LightGBM's decision_type (bits above)
    node_cat_start: np.ndarray  # int64: first word of the split's bitset in cat_words
    node_cat_len: np.ndarray  # int64: 32-bit words of that bitset (0 for numerical splits)
    cat_words: np.ndarray  # uint32: bitsets of the category codes that go left
    # per internal node: its children, a node number or ~leaf
    node_left: np.ndarray  # int64
    node_right: np.ndarray  # int64
    # per tree
    tree_node_start: np.ndarray  # int64: the tree's root, when it has splits
    tree_n_nodes: np.ndarray  # int64: internal nodes (0 for a single-leaf tree)
    tree_leaf_start: np.ndarray  # int64: the tree's leftmost leaf
    # per leaf
    leaf_value: np.ndarray  # float64


@dataclass(frozen=True)
class TreeModel:
    """A booster read from its model text: the kernels' :class:`Trees` and what only
    Python-side code needs (shape checks, TreeSHAP's covers and expected value)."""

    trees: Trees
    n_features: int
    trees_per_iteration: int  # LightGBM's num_tree_per_iteration (1: binary or regression)
    linear: bool  # some tree has linear leaves (``linear_tree=True``)
    tree_n_leaves: np.ndarray  # int64
    node_count: np.ndarray  # float64: training rows through the node (internal_count)
    leaf_count: np.ndarray  # float64: training rows in the leaf
    leaf_index: np.ndarray  # int64: LightGBM's number of the leaf inside its tree


def _sections(text: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The model text's header and one ``key=value`` dict per ``Tree=`` block."""
    parts = text.split("end of trees")[0].split("\nTree=")

    def fields(block: str) -> dict[str, str]:
        return dict(line.split("=", 1) for line in block.splitlines() if "=" in line)

    return fields(parts[0]), [fields(part.split("\n", 1)[1]) for part in parts[1:]]


def _numbers(block: dict[str, str], key: str, kind: type = float) -> list[Any]:
    return [kind(v) for v in block.get(key, "").split()]


def _add_tree(tree: dict[str, str], cols: dict[str, list[Any]], cat_offset: int) -> int:
    """Append one tree's nodes (pre-order) and leaves (left to right) to ``cols``; return
    the 32-bit words its categorical bitsets add."""
    n_leaves = int(tree["num_leaves"])
    values = _numbers(tree, "leaf_value")
    counts = _numbers(tree, "leaf_count")
    node0, leaf0 = len(cols["feature"]), len(cols["leaf_value"])
    if n_leaves == 1:
        cols["leaf_value"].append(values[0])
        cols["leaf_count"].append(counts[0] if counts else 0.0)
        cols["leaf_index"].append(0)
        return 0
    left, right = _numbers(tree, "left_child", int), _numbers(tree, "right_child", int)
    nodes: list[int] = []  # LightGBM's node numbers in pre-order
    leaves: list[int] = []  # its leaf numbers left to right
    stack = [0]
    while stack:
        node = stack.pop()
        if node < 0:
            leaves.append(~node)
        else:
            nodes.append(node)
            stack += [right[node], left[node]]  # the left subtree is taken first
    node_no = {old: node0 + i for i, old in enumerate(nodes)}
    leaf_no = {old: leaf0 + i for i, old in enumerate(leaves)}

    def child(c: int) -> int:
        return node_no[c] if c >= 0 else ~leaf_no[~c]

    feature = _numbers(tree, "split_feature", int)
    threshold = _numbers(tree, "threshold")
    decision = _numbers(tree, "decision_type", int)
    inner = _numbers(tree, "internal_count")
    bounds = _numbers(tree, "cat_boundaries", int)
    for old in nodes:
        categorical = decision[old] & CATEGORICAL
        cat = int(threshold[old]) if categorical else 0
        cols["feature"].append(feature[old])
        cols["threshold"].append(0.0 if categorical else threshold[old])
        cols["decision"].append(decision[old])
        cols["cat_start"].append(cat_offset + bounds[cat] if categorical else 0)
        cols["cat_len"].append(bounds[cat + 1] - bounds[cat] if categorical else 0)
        cols["left"].append(child(left[old]))
        cols["right"].append(child(right[old]))
        cols["count"].append(inner[old] if inner else 0.0)
    for old in leaves:
        cols["leaf_value"].append(values[old])
        cols["leaf_count"].append(counts[old] if counts else 0.0)
        cols["leaf_index"].append(old)
    words = _numbers(tree, "cat_threshold", int)
    cols["cat_words"].extend(words)
    return len(words)


def parse_model(text: str) -> TreeModel:
    """:class:`TreeModel` from a LightGBM model text (``Booster.model_to_string()``).

    Parameters
    ----------
    text:
        The model text, as LightGBM writes it.

    Returns
    -------
    TreeModel
    """
    header, blocks = _sections(text)
    cols: dict[str, list[Any]] = {k: [] for k in (
        "feature", "threshold", "decision", "cat_start", "cat_len", "left", "right", "count",
        "leaf_value", "leaf_count", "leaf_index", "cat_words")}
    starts: list[list[int]] = [[], [], [], []]
    cat_offset = 0
    linear = False
    for tree in blocks:
        starts[0].append(len(cols["feature"]))
        starts[2].append(len(cols["leaf_value"]))
        cat_offset += _add_tree(tree, cols, cat_offset)
        starts[1].append(len(cols["feature"]) - starts[0][-1])
        starts[3].append(len(cols["leaf_value"]) - starts[2][-1])
        linear = linear or bool(int(tree.get("is_linear", "0")))

    def i64(values: list[Any]) -> np.ndarray:
        return np.asarray(values, dtype=np.int64)

    def f64(values: list[Any]) -> np.ndarray:
        return np.asarray(values, dtype=np.float64)

    trees = Trees(
        node_feature=i64(cols["feature"]), node_threshold=f64(cols["threshold"]),
        node_decision=i64(cols["decision"]), node_cat_start=i64(cols["cat_start"]),
        node_cat_len=i64(cols["cat_len"]),
        # one word at least: an empty array would be typed apart in the kernels
        cat_words=np.asarray(cols["cat_words"] or [0], dtype=np.uint32),
        node_left=i64(cols["left"]), node_right=i64(cols["right"]),
        tree_node_start=i64(starts[0]), tree_n_nodes=i64(starts[1]),
        tree_leaf_start=i64(starts[2]), leaf_value=f64(cols["leaf_value"]),
    )
    return TreeModel(
        trees=trees,
        n_features=int(header["max_feature_idx"]) + 1,
        trees_per_iteration=int(header.get("num_tree_per_iteration", "1")),
        linear=linear,
        tree_n_leaves=i64(starts[3]),
        node_count=f64(cols["count"]),
        leaf_count=f64(cols["leaf_count"]),
        leaf_index=i64(cols["leaf_index"]),
    )


def read_booster(booster: Any, num_iteration: int | None = None) -> TreeModel:
    """A booster's trees as a :class:`TreeModel`, read from ``booster.model_to_string``.

    Parameters
    ----------
    booster:
        A ``lightgbm.Booster``.
    num_iteration:
        Iterations to read, as ``booster.predict`` takes it: ``None`` means the best
        iteration when the booster has one, otherwise (and for -1) every tree.

    Returns
    -------
    TreeModel
    """
    return parse_model(booster.model_to_string(num_iteration=num_iteration))

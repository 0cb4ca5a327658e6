"""Flatten a LightGBM booster into the arrays the numba kernels walk.

Why a flat layout: numba cannot traverse nested dicts, and per-tree Python objects would
force a Python call per tree and row. Every internal node of every tree gets one slot in a
set of parallel arrays, numbered in pre-order inside its tree so that a parent is always
visited before its children; a leaf is referred to as ``~leaf_id`` (a negative number), as
LightGBM itself does.

The other thing this module works out, once per model, is the *bit* of every node: the
position of the node's feature among the distinct features met on the way from the root
to that node, in order of first appearance. A leaf's distinct path features are then bits
``0..k-1`` whatever branch the row took, so a row's "which path conditions do I satisfy"
bitmask can be built top-down, one AND per node, instead of per leaf.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np

from riskkit.core.errors import RiskkitError

# LightGBM's missing_type codes, as in its tree.h (decision_type bits 2-3).
MISSING_CODES = {"None": 0, "Zero": 1, "NaN": 2}
KIND_NUMERIC = 0
KIND_CATEGORICAL = 1
# Masks are int64 in the kernels; a leaf with more distinct path features cannot be encoded.
MAX_PATH_FEATURES = 63


@dataclass(frozen=True)
class FlatEnsemble:
    """All trees of one booster as flat numpy arrays (see the module docstring)."""

    feature_names: list[str]
    pandas_categorical: list[list[Any]] | None
    expected_value: float
    # per tree
    tree_node_start: np.ndarray  # int64: global index of the tree's root node
    tree_n_nodes: np.ndarray  # int64: internal nodes; 0 for a single-leaf tree
    tree_num_leaves: np.ndarray  # int64
    tree_depth: np.ndarray  # int64: longest root-to-leaf path, in splits
    # per internal node
    node_feature: np.ndarray  # int64
    node_kind: np.ndarray  # int8: KIND_NUMERIC or KIND_CATEGORICAL
    node_missing: np.ndarray  # int8: MISSING_CODES value
    node_default_left: np.ndarray  # bool
    node_threshold: np.ndarray  # float64 (unused for categorical nodes)
    node_cat_start: np.ndarray  # int64: first word of the node's bitset in cat_words
    node_cat_len: np.ndarray  # int64: number of 32-bit words of that bitset
    node_bit: np.ndarray  # int64: bit of the node's feature in the path-prefix mask
    node_left: np.ndarray  # int64: global node index, or ~leaf_id for a leaf
    node_right: np.ndarray  # int64
    cat_words: np.ndarray  # uint32: bitsets of categories that go left
    # per leaf (ids are global across trees)
    leaf_value: np.ndarray  # float64
    leaf_k: np.ndarray  # int64: distinct features on the leaf's path
    leaf_feat_start: np.ndarray  # int64: offset into leaf_feats / leaf_zero
    leaf_feats: np.ndarray  # int64: feature of bit j, for j < k
    leaf_zero: np.ndarray  # float64: "zero fraction" of bit j (product of cover ratios)
    constant: float = 0.0  # summed values of single-leaf trees (they have no leaf ids)

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def n_trees(self) -> int:
        return len(self.tree_node_start)


def _child_count(node: dict[str, Any]) -> int:
    return int(node["internal_count"] if "split_index" in node else node["leaf_count"])


def _category_bitset(threshold: str) -> np.ndarray:
    """LightGBM writes a categorical split as "1||3||5": the category codes that go left."""
    codes = [int(c) for c in str(threshold).split("||") if c != ""]
    words = np.zeros(max(codes, default=0) // 32 + 1, dtype=np.uint32)
    for c in codes:
        words[c >> 5] |= np.uint32(1) << np.uint32(c & 31)
    return words


class _Builder:
    """Accumulates the flat arrays tree by tree (plain lists, converted once at the end)."""

    def __init__(self) -> None:
        self.nodes: dict[str, list[Any]] = {
            k: []
            for k in (
                "feature",
                "kind",
                "missing",
                "default_left",
                "threshold",
                "cat_start",
                "cat_len",
                "bit",
                "left",
                "right",
            )
        }
        self.cat_words: list[np.ndarray] = []
        self.n_cat_words = 0
        self.leaf_value: list[float] = []
        self.leaf_k: list[int] = []
        self.leaf_feat_start: list[int] = []
        self.leaf_feats: list[int] = []
        self.leaf_zero: list[float] = []

    def add_tree(self, root: dict[str, Any]) -> tuple[int, int, int, float]:
        """Append one tree; return (root index, internal nodes, depth, expected value)."""
        start = len(self.nodes["feature"])
        if "split_index" not in root:  # a single-leaf tree: only shifts the expected value
            return start, 0, 0, float(root["leaf_value"])
        total = float(root["internal_count"])
        leaves: list[tuple[int, float, float]] = []  # (leaf_index, count, value) for E[f]
        depth = 0
        # Iterative pre-order walk: very deep trees would overflow Python's recursion limit.
        stack: list[tuple[dict[str, Any], int, bool, tuple[int, ...], tuple[float, ...], int]]
        stack = [(root, -1, True, (), (), 0)]
        while stack:
            node, parent, is_left, feats, zeros, level = stack.pop()
            if "split_index" in node:
                ref = len(self.nodes["feature"])
                self._link(parent, is_left, ref)
                feats, zeros, bit = self._add_split(node, feats, zeros)
                count = float(node["internal_count"])
                for child, left in ((node["right_child"], False), (node["left_child"], True)):
                    z = list(zeros)
                    # Same product order as LightGBM's TreeSHAP: ratio * incoming fraction.
                    z[bit] = (_child_count(child) / count) * z[bit]
                    stack.append((child, ref, left, feats, tuple(z), level + 1))
            else:
                depth = max(depth, level)
                if len(feats) > MAX_PATH_FEATURES:
                    raise RiskkitError(
                        f"a leaf depends on {len(feats)} distinct features; FastTreeShap "
                        f"handles at most {MAX_PATH_FEATURES} per root-to-leaf path"
                    )
                leaf_id = len(self.leaf_value)
                self._link(parent, is_left, ~leaf_id)
                value = float(node["leaf_value"])
                self.leaf_value.append(value)
                self.leaf_k.append(len(feats))
                self.leaf_feat_start.append(len(self.leaf_feats))
                self.leaf_feats.extend(feats)
                self.leaf_zero.extend(zeros)
                leaves.append((int(node["leaf_index"]), float(node["leaf_count"]), value))
        # LightGBM's Tree::ExpectedValue sums in leaf-index order; do the same so the last
        # column matches it to the last bit rather than merely to rounding.
        expected = 0.0
        for _, count, value in sorted(leaves):
            expected += (count / total) * value
        return start, len(self.nodes["feature"]) - start, depth, expected

    def _link(self, parent: int, is_left: bool, ref: int) -> None:
        if parent >= 0:
            self.nodes["left" if is_left else "right"][parent] = ref

    def _add_split(
        self, node: dict[str, Any], feats: tuple[int, ...], zeros: tuple[float, ...]
    ) -> tuple[tuple[int, ...], tuple[float, ...], int]:
        feature = int(node["split_feature"])
        if feature in feats:
            bit = feats.index(feature)
        else:
            bit = len(feats)
            feats, zeros = (*feats, feature), (*zeros, 1.0)
        decision = node["decision_type"]
        n = self.nodes
        n["feature"].append(feature)
        n["missing"].append(MISSING_CODES[str(node.get("missing_type", "None"))])
        n["default_left"].append(bool(node.get("default_left", False)))
        n["bit"].append(bit)
        n["left"].append(0)
        n["right"].append(0)
        if decision == "<=":
            n["kind"].append(KIND_NUMERIC)
            n["threshold"].append(float(node["threshold"]))
            n["cat_start"].append(0)
            n["cat_len"].append(0)
        elif decision == "==":
            words = _category_bitset(node["threshold"])
            n["kind"].append(KIND_CATEGORICAL)
            n["threshold"].append(0.0)
            n["cat_start"].append(self.n_cat_words)
            n["cat_len"].append(len(words))
            self.cat_words.append(words)
            self.n_cat_words += len(words)
        else:
            raise RiskkitError(f"unsupported LightGBM decision_type {decision!r}")
        return feats, zeros, bit


def _i64(values: list[Any]) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)


def flatten_booster(booster: lgb.Booster, num_iteration: int | None = None) -> FlatEnsemble:
    """Read ``booster.dump_model()`` into a :class:`FlatEnsemble`.

    Leaf values in the dump already include shrinkage and, for ``boost_from_average``, the
    initial score (LightGBM folds it into the first tree), so nothing is added separately.
    Random-forest models (``average_output``) are summed, not averaged, exactly as their
    ``predict(raw_score=True)`` and ``pred_contrib`` are in LightGBM 4.
    """
    if not isinstance(booster, lgb.Booster):
        raise RiskkitError(f"FastTreeShap needs a lightgbm.Booster, got {type(booster).__name__}")
    dump = booster.dump_model(num_iteration=num_iteration)
    if int(dump.get("num_tree_per_iteration", 1)) != 1:
        raise RiskkitError(
            "FastTreeShap explains single-output models (binary or regression); this model "
            f"has {dump['num_tree_per_iteration']} trees per iteration"
        )
    trees = dump["tree_info"]
    b = _Builder()
    starts, sizes, leaves, depths = [], [], [], []
    expected = constant = 0.0
    for tree in trees:
        _reject_linear(tree["tree_structure"])
        start, size, depth, tree_expected = b.add_tree(tree["tree_structure"])
        starts.append(start)
        sizes.append(size)
        leaves.append(int(tree.get("num_leaves", size + 1)))
        depths.append(depth)
        expected += tree_expected
        if size == 0:
            constant += tree_expected
    n = b.nodes
    cat = np.concatenate(b.cat_words) if b.cat_words else np.zeros(1, dtype=np.uint32)
    return FlatEnsemble(
        feature_names=[str(f) for f in dump["feature_names"]],
        pandas_categorical=booster.pandas_categorical,
        expected_value=expected,
        tree_node_start=_i64(starts),
        tree_n_nodes=_i64(sizes),
        tree_num_leaves=_i64(leaves),
        tree_depth=_i64(depths),
        node_feature=_i64(n["feature"]),
        node_kind=np.asarray(n["kind"], dtype=np.int8),
        node_missing=np.asarray(n["missing"], dtype=np.int8),
        node_default_left=np.asarray(n["default_left"], dtype=np.bool_),
        node_threshold=np.asarray(n["threshold"], dtype=np.float64),
        node_cat_start=_i64(n["cat_start"]),
        node_cat_len=_i64(n["cat_len"]),
        node_bit=_i64(n["bit"]),
        node_left=_i64(n["left"]),
        node_right=_i64(n["right"]),
        cat_words=cat.astype(np.uint32),
        leaf_value=np.asarray(b.leaf_value, dtype=np.float64),
        leaf_k=_i64(b.leaf_k),
        leaf_feat_start=_i64(b.leaf_feat_start),
        leaf_feats=_i64(b.leaf_feats),
        leaf_zero=np.asarray(b.leaf_zero, dtype=np.float64),
        constant=constant,
    )


def _reject_linear(root: dict[str, Any]) -> None:
    """Linear-tree leaves (``linear_tree=True``) are not constants; TreeSHAP does not apply."""
    node = root
    while "split_index" in node:
        node = node["left_child"]
    if "leaf_const" in node or "leaf_coeff" in node:
        raise RiskkitError("FastTreeShap does not support linear_tree models")

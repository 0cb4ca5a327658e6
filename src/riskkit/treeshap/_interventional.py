"""What a background set contributes to interventional TreeSHAP, precomputed once.

The background enters only through, per leaf, how many of its rows follow each subset of
the leaf's path features (see :mod:`riskkit.treeshap._ikernels`). This module counts those
once (one walk per background row and tree: linear in the background), turns them into
per-leaf tables for :func:`riskkit.treeshap._plan.make_plan`, and prepares the per-row
path for the few leaves too large for a table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskkit.treeshap._ikernels import background_counts, fallback_kernel, leaf_tables
from riskkit.treeshap._model import FlatEnsemble
from riskkit.treeshap._plan import TablePlan, decision_flags


@dataclass(frozen=True)
class BackgroundCounts:
    """Per leaf, the distinct background masks and their row counts (float64, exact)."""

    n_rows: int
    hist_start: np.ndarray  # int64 per leaf: first entry in hist_mask / hist_count
    hist_len: np.ndarray  # int64 per leaf: distinct masks
    hist_mask: np.ndarray  # int64
    hist_count: np.ndarray  # float64
    expected_value: float  # mean raw score of the background rows


def tree_leaf_start(m: FlatEnsemble) -> np.ndarray:
    """Global id of each tree's first leaf (a tree with n splits has n + 1 leaves, ids
    consecutive; a single-leaf tree has none)."""
    counts = np.where(m.tree_n_nodes > 0, m.tree_n_nodes + 1, 0)
    return (np.cumsum(counts) - counts).astype(np.int64)


def count_background(m: FlatEnsemble, x: np.ndarray, block_rows: int) -> BackgroundCounts:
    """Route every background row through every tree and count masks per leaf.

    A leaf has at most ``min(rows, 2^k)`` distinct masks; that is the room reserved.
    """
    n = x.shape[0]
    k = m.leaf_k
    room = np.where(k < 62, np.minimum(np.int64(1) << np.minimum(k, 61), n), n)
    start = (np.cumsum(room) - room).astype(np.int64)
    total = int(room.sum())
    hist_mask = np.zeros(max(total, 1), dtype=np.int64)
    hist_count = np.zeros(max(total, 1), dtype=np.float64)
    hist_len = np.zeros(len(k), dtype=np.int64)
    nan_left, zero_missing, default_left = decision_flags(m)
    if len(k):
        background_counts(
            x, m.tree_node_start, m.tree_n_nodes, tree_leaf_start(m), m.node_feature,
            m.node_kind, m.node_threshold, nan_left, zero_missing, default_left,
            m.node_cat_start, m.node_cat_len, m.cat_words, m.node_bit, m.node_left,
            m.node_right, k, start, hist_mask, hist_count, hist_len, int(block_rows),
        )  # fmt: skip
    # E[f] over the background: a row reaches a leaf iff it follows all its features
    entry_leaf = np.repeat(np.arange(len(k)), hist_len)
    packed = np.cumsum(hist_len) - hist_len  # where each leaf's entries would start, packed
    entry = start[entry_leaf] + np.arange(len(entry_leaf)) - packed[entry_leaf]
    full = (np.int64(1) << k) - 1
    reached = hist_mask[entry] == full[entry_leaf]
    per_leaf = np.zeros(len(k))
    np.add.at(per_leaf, entry_leaf[reached], hist_count[entry[reached]])
    expected = float(np.dot(per_leaf, m.leaf_value)) / n + m.constant
    return BackgroundCounts(n, start, hist_len, hist_mask, hist_count, expected)


class LeafTableBuilder:
    """The ``leaf_tables`` callback of ``make_plan`` for one background."""

    def __init__(self, m: FlatEnsemble, counts: BackgroundCounts) -> None:
        self.m = m
        self.counts = counts

    def __call__(self, leaves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m, c = self.m, self.counts
        k = m.leaf_k[leaves]
        sizes = (np.int64(1) << k) * k
        offsets = (np.cumsum(sizes) - sizes).astype(np.int64)
        data = np.zeros(max(int(sizes.sum()), 1), dtype=np.float64)
        leaf_tables(
            leaves.astype(np.int64), offsets, m.leaf_k, m.leaf_value, c.hist_start,
            c.hist_mask, c.hist_count, c.hist_len, c.n_rows, data,
        )  # fmt: skip
        start = np.full(len(m.leaf_k), -1, dtype=np.int64)
        start[leaves] = offsets
        return start, data


@dataclass(frozen=True)
class Fallback:
    """Leaves without a table: their root-to-leaf paths, for the per-row kernel."""

    leaves: np.ndarray  # int64
    path_start: np.ndarray  # int64
    path_len: np.ndarray  # int64
    path_node: np.ndarray  # int64
    path_left: np.ndarray  # int64: 1 where the path goes left at that node
    table_leaf_value: np.ndarray  # leaf values with the fallback leaves at 0


def fallback_paths(m: FlatEnsemble, plan: TablePlan) -> Fallback:
    """Find the table-less leaves and their paths.

    The table kernel still visits them (it runs the path-dependent closed form for such
    leaves), so they are handed to it with value 0 and added by :func:`add_fallback`.
    """
    units = np.flatnonzero(plan.unit_table_start < 0)
    leaves = plan.unit_leaf[units].astype(np.int64)
    values = m.leaf_value.copy()
    values[leaves] = 0.0
    starts, lens, nodes, lefts = [], [], [], []
    if len(leaves):
        n_nodes = len(m.node_feature)
        parent = np.full(n_nodes, -1, dtype=np.int64)
        parent_left = np.zeros(n_nodes, dtype=np.int64)
        leaf_parent = np.zeros(len(m.leaf_k), dtype=np.int64)
        leaf_left = np.zeros(len(m.leaf_k), dtype=np.int64)
        idx = np.arange(n_nodes)
        for side, child in ((1, m.node_left), (0, m.node_right)):
            inner = child >= 0
            parent[child[inner]] = idx[inner]
            parent_left[child[inner]] = side
            leaf_parent[~child[~inner]] = idx[~inner]
            leaf_left[~child[~inner]] = side
        for leaf in leaves:
            starts.append(len(nodes))
            node, left = int(leaf_parent[leaf]), int(leaf_left[leaf])
            while node >= 0:
                nodes.append(node)
                lefts.append(left)
                node, left = int(parent[node]), int(parent_left[node])
            lens.append(len(nodes) - starts[-1])
    i64 = np.int64
    return Fallback(
        leaves, np.asarray(starts, i64), np.asarray(lens, i64), np.asarray(nodes, i64),
        np.asarray(lefts, i64), values,
    )


def add_fallback(
    m: FlatEnsemble, plan: TablePlan, fb: Fallback, counts: BackgroundCounts, x: np.ndarray,
    block_rows: int, out: np.ndarray,
) -> None:
    """Add the table-less leaves' contributions to ``out`` (rows in parallel)."""
    if not len(fb.leaves) or not x.shape[0]:
        return
    fallback_kernel(
        x, fb.leaves, fb.path_start, fb.path_len, fb.path_node, fb.path_left, m.node_feature,
        m.node_kind, m.node_threshold, plan.node_nan_left, plan.node_zero_missing,
        plan.node_default_left, m.node_cat_start, m.node_cat_len, m.cat_words, m.node_bit,
        m.leaf_k, m.leaf_feat_start, m.leaf_feats, m.leaf_value, counts.hist_start,
        counts.hist_mask, counts.hist_count, counts.hist_len, counts.n_rows, int(block_rows),
        out,
    )  # fmt: skip

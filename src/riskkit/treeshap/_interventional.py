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

from riskkit.treeshap._ikernels import (
    FallbackPaths,
    Histogram,
    background_counts,
    fallback_kernel,
    leaf_tables,
)
from riskkit.treeshap._model import FlatEnsemble, TablePlan


@dataclass(frozen=True)
class BackgroundCounts:
    """Per leaf, the distinct background masks and their row counts (float64, exact)."""

    n_rows: int
    hist: Histogram
    expected_value: float  # mean raw score of the background rows


def count_background(m: FlatEnsemble, x: np.ndarray, block_rows: int) -> BackgroundCounts:
    """Route every background row through every tree and count masks per leaf.

    A leaf has at most ``min(rows, 2^k)`` distinct masks; that is the room reserved (the
    leaves of single-leaf trees have no path and get no entries).
    """
    n = x.shape[0]
    split = m.split_leaves
    k = m.paths.leaf_k
    room = np.where(k < 62, np.minimum(np.int64(1) << np.minimum(k, 61), n), n) * split
    start = (np.cumsum(room) - room).astype(np.int64)
    total = int(room.sum())
    hist = Histogram(start=start, length=np.zeros(len(k), dtype=np.int64),
                     mask=np.zeros(max(total, 1), dtype=np.int64),
                     count=np.zeros(max(total, 1), dtype=np.float64))
    if split.any():
        background_counts(x, m.trees, m.paths, hist, int(block_rows))
    # E[f] over the background: a row reaches a leaf iff it follows all its features
    entry_leaf = np.repeat(np.arange(len(k)), hist.length)
    packed = np.cumsum(hist.length) - hist.length  # where each leaf's entries would start
    entry = start[entry_leaf] + np.arange(len(entry_leaf)) - packed[entry_leaf]
    full = (np.int64(1) << k) - 1
    reached = hist.mask[entry] == full[entry_leaf]
    per_leaf = np.zeros(len(k))
    np.add.at(per_leaf, entry_leaf[reached], hist.count[entry[reached]])
    # over the leaves of trees with splits only: the same terms in the same order as ever
    expected = float(np.dot(per_leaf[split], m.paths.leaf_value[split])) / n + m.constant
    return BackgroundCounts(n, hist, expected)


class LeafTableBuilder:
    """The ``leaf_tables`` callback of ``make_plan`` for one background."""

    def __init__(self, m: FlatEnsemble, counts: BackgroundCounts) -> None:
        self.m = m
        self.counts = counts

    def __call__(self, leaves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m, c = self.m, self.counts
        k = m.paths.leaf_k[leaves]
        sizes = (np.int64(1) << k) * k
        offsets = (np.cumsum(sizes) - sizes).astype(np.int64)
        data = np.zeros(max(int(sizes.sum()), 1), dtype=np.float64)
        leaf_tables(leaves.astype(np.int64), offsets, m.paths.leaf_k, m.paths.leaf_value, *c.hist,
                    c.n_rows, data)
        start = np.full(len(m.paths.leaf_k), -1, dtype=np.int64)
        start[leaves] = offsets
        return start, data


@dataclass(frozen=True)
class Fallback:
    """Leaves without a table: their root-to-leaf paths, for the per-row kernel."""

    paths: FallbackPaths
    table_leaf_value: np.ndarray  # leaf values with the fallback leaves at 0


def fallback_paths(m: FlatEnsemble, plan: TablePlan) -> Fallback:
    """Find the table-less leaves and their paths.

    The table kernel still visits them (it runs the path-dependent closed form for such
    leaves), so they are handed to it with value 0 and added by :func:`add_fallback`.
    """
    t = m.trees
    units = np.flatnonzero(plan.unit_table_start < 0)
    leaves = plan.unit_leaf[units].astype(np.int64)
    values = m.paths.leaf_value.copy()
    values[leaves] = 0.0
    starts, lens, nodes, lefts = [], [], [], []
    if len(leaves):
        n_nodes = len(t.node_left)
        parent = np.full(n_nodes, -1, dtype=np.int64)
        parent_left = np.zeros(n_nodes, dtype=np.int64)
        leaf_parent = np.zeros(len(t.leaf_value), dtype=np.int64)
        leaf_left = np.zeros(len(t.leaf_value), dtype=np.int64)
        idx = np.arange(n_nodes)
        for side, child in ((1, t.node_left), (0, t.node_right)):
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
    found = FallbackPaths(leaves, np.asarray(starts, i64), np.asarray(lens, i64),
                          np.asarray(nodes, i64), np.asarray(lefts, i64))
    return Fallback(found, values)


def add_fallback(m: FlatEnsemble, fb: Fallback, counts: BackgroundCounts, x: np.ndarray,
                 block_rows: int, out: np.ndarray) -> None:
    """Add the table-less leaves' contributions to ``out`` (rows in parallel)."""
    if not len(fb.paths.leaves) or not x.shape[0]:
        return
    fallback_kernel(x, fb.paths, m.trees, m.paths, counts.hist, counts.n_rows, int(block_rows),
                    out)

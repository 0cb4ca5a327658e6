"""LightGBM's ``predict(raw_score=True)``, compiled with numba: the same bits, several times
faster, on every core.

Why not ``booster.predict``: it converts every row to a sparse vector before walking the
trees, so a 112-tree, depth-6 model predicts about 140,000 rows a second on one core; the
lifecycle simulation re-scores every borrower every month and spent three quarters of its
time there.

Exactness is the point, because a lifecycle panel must come out byte for byte the same:

* the trees are :func:`riskkit.trees.read_booster`'s (thresholds and leaf values parsed from
  the model text's 17 significant digits, so they are the booster's own doubles);
* every split decision is :func:`riskkit.trees.route_block_words`'s, LightGBM's rules for
  numerical, categorical and missing values, after values with ``|v| <= 1e-35f`` are read
  as 0.0 (LightGBM's dense-row reader drops them);
* a row's raw score is summed over trees in tree order from 0.0, in float64, as
  ``GBDT::PredictRaw`` does.

How, and why not a tree walk: walking a tree is a chain of dependent loads and
unpredictable branches, about 20 ns a step, no faster than LightGBM. Here, for a block of
rows, every split of a tree is decided for all rows at once (a loop over contiguous values
against one threshold, which LLVM vectorises), and each decision to go right clears, in a
64-bit word per row, the leaves of that split's left subtree (QuickScorer, Lucchese et al.,
SIGIR 2015). The row's leaf is the lowest bit left: the leftmost leaf none of its decisions
excluded, which is the leaf its path reaches. So trees of up to 64 leaves, and categorical
codes below 64 (one 64-bit mask per split), are handled; :func:`flatten` returns None for
other models, whose callers keep LightGBM's predict.

Rows are independent, so the parallel loop over fixed blocks of rows gives the same bits
with any number of threads, and each row's sum adds the trees in order.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit, parallel_chunksize, prange

from riskkit.trees import (
    ZERO_THRESHOLD,
    TreeModel,
    Trees,
    parse_model,
    read_booster,
    route_block_words,
)

#: One parallel kernel at a time: numba's "workqueue" threading layer (the fallback where
#: neither OpenMP nor TBB loads) aborts the process when two threads launch parallel work
#: at once, and the lifecycle predicts on a background thread beside the main one.
_KERNEL_LOCK = threading.Lock()
#: Rows per parallel work item: a block's values, leaf words and sums stay in L1/L2.
BLOCK_ROWS = 256
#: Blocks a thread takes at a time: small chunks handed out on demand rather than one
#: equal share per thread, so a thread that is held up (the lifecycle encodes its panel on
#: the other core) does not hold up the rest; 100,000 rows: 37 -> 28 ms on 2 idle cores.
CHUNK_BLOCKS = 8
#: Largest leaf count the kernel handles (the bits of a word); categorical codes must be
#: below 64 too (:func:`riskkit.trees.route_block_words`).
MAX_LEAVES = 64
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
# Position of a word's only set bit: de Bruijn multiply and look-up (numba has no tzcnt).
_DEBRUIJN = np.uint64(0x03F79D71B4CB0A89)
_BIT_POSITION = np.zeros(64, dtype=np.int64)
for _bit in range(64):
    _BIT_POSITION[((1 << _bit) * 0x03F79D71B4CB0A89 % 2**64) >> 58] = _bit
del _bit


@dataclass(frozen=True)
class Forest:
    """A booster's :class:`~riskkit.trees.Trees`, its feature count and, per split, the
    leaves a row can still reach after going right (bits of the tree's leaves, left to
    right)."""

    trees: Trees
    n_features: int
    node_right_keep: np.ndarray  # uint64


def _right_keep(trees: Trees) -> np.ndarray:
    """Per split, the word with the bits of its left subtree's leaves cleared.

    Nodes are in pre-order and leaves left to right, so a subtree's leaves are a range,
    from its left child's first leaf to its right child's last; one pass from the last node
    back sees every child before its parent.
    """
    n = len(trees.node_left)
    base = np.repeat(trees.tree_leaf_start, trees.tree_n_nodes).tolist()
    left, right = trees.node_left.tolist(), trees.node_right.tolist()
    first, end = [0] * n, [0] * n
    keep = [0] * n

    def span(child: int) -> tuple[int, int]:
        return (~child, ~child + 1) if child < 0 else (first[child], end[child])

    for node in range(n - 1, -1, -1):
        lo, hi = span(left[node])
        first[node], end[node] = lo, span(right[node])[1]
        keep[node] = ~(((1 << (hi - lo)) - 1) << (lo - base[node])) & (2**64 - 1)
    return np.asarray(keep, dtype=np.uint64)


def flatten(booster: Any) -> Forest | None:
    """The booster as a :class:`Forest`, or None where this kernel does not apply (several
    trees per iteration, linear trees, more than 64 leaves in a tree, categorical codes of
    64 or more): the caller keeps LightGBM's predict."""
    return _forest(read_booster(booster))


def _forest(model: TreeModel) -> Forest | None:
    if model.trees_per_iteration != 1 or model.linear:
        return None
    if int(model.tree_n_leaves.max(initial=1)) > MAX_LEAVES:
        return None
    if int(model.trees.node_cat_len.max(initial=0)) > 2:  # codes of 64 and more
        return None
    return Forest(model.trees, model.n_features, _right_keep(model.trees))


def predict_raw(forest: Forest, x: np.ndarray) -> np.ndarray:
    """Raw scores of the rows of ``x`` (columns in the booster's feature order, categoricals
    as codes), bit for bit ``booster.predict(x, raw_score=True)``.

    Runs on numba's thread count of the calling thread (``numba.set_num_threads``); the
    result does not depend on it.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != forest.n_features:
        raise ValueError(f"expected a matrix with {forest.n_features} columns, got {x.shape}")
    return predict_raw_columns(forest, np.ascontiguousarray(x.T))


def predict_raw_columns(forest: Forest, columns: np.ndarray) -> np.ndarray:
    """:func:`predict_raw` of a feature-major matrix: ``columns[j]`` is feature ``j`` of every
    row (``np.stack`` of the feature columns, which costs one contiguous copy where a
    row-major matrix costs a strided one; the kernel reads its blocks feature by feature).
    """
    columns = np.ascontiguousarray(columns, dtype=np.float64)
    if columns.ndim != 2 or columns.shape[0] != forest.n_features:
        raise ValueError(f"expected {forest.n_features} feature rows, got {columns.shape}")
    out = np.empty(columns.shape[1], dtype=np.float64)
    if columns.shape[1]:
        with _KERNEL_LOCK, parallel_chunksize(CHUNK_BLOCKS):
            _predict_kernel(columns, forest.trees, forest.node_right_keep, BLOCK_ROWS, out)
    return out


#: The model text of one tree with one leaf (value 0) over one feature.
_ONE_LEAF = ("tree\nversion=v4\nnum_tree_per_iteration=1\nmax_feature_idx=0\n"
             "\nTree=0\nnum_leaves=1\nnum_cat=0\nleaf_value=0\nleaf_count=1\n\n"
             "end of trees\n")


def warm_up() -> None:
    """Load (or compile) the prediction kernels now, on a one-leaf forest.

    Why: the first prediction of a process pays about half a second to load the kernels
    from numba's cache (and some seconds to compile them into it the first time). The
    lifecycle calls this while LightGBM fits the lender on another thread, so the lender's
    first prediction finds them ready. The forest is parsed as any booster's is, so the
    argument types, and the kernels loaded, are those of every real forest.
    """
    forest = _forest(parse_model(_ONE_LEAF))
    assert forest is not None  # one tree, one leaf: the kernel applies
    predict_raw_columns(forest, np.zeros((1, 1)))


@njit(cache=True, nogil=True)
def _predict_block(b: int, x: np.ndarray, trees: Trees, right_keep: np.ndarray,
                   block_rows: int, out: np.ndarray) -> None:
    """Raw scores of rows ``b * block_rows ...`` of the feature-major ``x``: every split for
    the whole block, then the lowest remaining leaf bit of each row. The row loops have no
    data-dependent branches."""
    n_feat, n_rows = x.shape  # feature-major
    r0 = b * block_rows
    nb = min(n_rows, r0 + block_rows) - r0
    xt = np.empty((n_feat, block_rows))
    for j in range(n_feat):
        for i in range(nb):
            v = x[j, r0 + i]
            xt[j, i] = 0.0 if abs(v) <= ZERO_THRESHOLD else v  # LightGBM's dense-row reader
    acc = np.zeros(block_rows)
    words = np.empty(block_rows, dtype=np.uint64)
    zero = np.uint64(0)
    leaf_value = trees.leaf_value
    for t in range(trees.tree_node_start.shape[0]):
        words[:nb] = _ALL
        start = trees.tree_node_start[t]
        for n in range(start, start + trees.tree_n_nodes[t]):
            # going right clears the leaves of the node's left subtree from a row's word
            route_block_words(trees, n, xt, nb, words, right_keep[n])
        base = trees.tree_leaf_start[t]
        for i in range(nb):
            w = words[i]
            lowest = w & (zero - w)
            acc[i] += leaf_value[base + _BIT_POSITION[(lowest * _DEBRUIJN) >> np.uint64(58)]]
    for i in range(nb):
        out[r0 + i] = acc[i]


@njit(parallel=True, cache=True, nogil=True)
def _predict_kernel(x: np.ndarray, trees: Trees, right_keep: np.ndarray, block_rows: int,
                    out: np.ndarray) -> None:
    """Blocks of rows in parallel; one call in the parfor body keeps compilation cheap."""
    n_blocks = (x.shape[1] + block_rows - 1) // block_rows
    for b in prange(n_blocks):
        _predict_block(np.int64(b), x, trees, right_keep, block_rows, out)

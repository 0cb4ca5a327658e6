"""LightGBM's ``predict(raw_score=True)``, compiled with numba: the same bits, several times
faster, on every core.

Why not ``booster.predict``: it converts every row to a sparse vector before walking the
trees, so a 112-tree, depth-6 model predicts about 140,000 rows a second on one core; the
lifecycle simulation re-scores every borrower every month and spent three quarters of its
time there. Why not shap's or riskkit.treeshap's flattening: a prediction needs only the
split decisions and leaf values, and the tree explainer's arrays are private to its package.

Exactness is the point, because a lifecycle panel must come out byte for byte the same:

* the trees are read from ``booster.dump_model()``, whose thresholds and leaf values are
  printed with 17 significant digits, so they parse back to the booster's own doubles;
* every split decision is LightGBM's (``Tree::NumericalDecision`` / ``CategoricalDecision``
  in its ``tree.h``): values with ``|v| <= 1e-35f`` read as 0.0 (its dense-row reader drops
  them), NaN reads as 0.0 unless the split's missing type is NaN, missing type Zero sends
  0.0 the default way, categorical NaN and negative codes go right;
* a row's raw score is summed over trees in tree order from 0.0, in float64, as
  ``GBDT::PredictRaw`` does.

How, and why not a tree walk: walking a tree is a chain of dependent loads and
unpredictable branches, about 20 ns a step, no faster than LightGBM. Here, for a block of
rows, every split of a tree is decided for all rows at once (a loop over contiguous values
against one threshold, which LLVM vectorises), and each decision to go right clears, in a
64-bit word per row, the leaves of that split's left subtree (QuickScorer, Lucchese et al.,
SIGIR 2015). The row's leaf is the lowest bit left: the leftmost leaf none of its decisions
excluded, which is the leaf its path reaches. So trees of up to 64 leaves, and categorical
codes below 64, are handled; :func:`flatten` returns None for other models, whose callers
keep LightGBM's predict.

Rows are independent, so the parallel loop over fixed blocks of rows gives the same bits
with any number of threads, and each row's sum adds the trees in order.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit, parallel_chunksize, prange

# LightGBM's kZeroThreshold is the float 1e-35f.
ZERO_THRESHOLD = float(np.float32(1e-35))
# A categorical value is cast to a C int; outside (-1, 2^31) the split sends it right.
_INT_LIMIT = 2147483648.0
_MISSING = {"None": 0, "Zero": 1, "NaN": 2}
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
#: Largest leaf count (bits of a word) and categorical code + 1 the kernel handles.
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
    """A booster's splits as flat arrays, tree after tree, and each tree's leaves in
    left-to-right order (the bit order of the leaf words)."""

    n_features: int
    tree_node_start: np.ndarray   # int64: first split of the tree
    tree_n_nodes: np.ndarray      # int64: splits (0 for a single-leaf tree)
    tree_leaf_start: np.ndarray   # int64: first leaf of the tree in ``leaf_value``
    node_feature: np.ndarray      # int64
    node_kind: np.ndarray         # int64: 0 numerical, 1 categorical
    node_threshold: np.ndarray    # float64 (categorical: unused)
    node_nan_left: np.ndarray     # uint64 0/1: where NaN goes (after LightGBM's NaN -> 0.0)
    node_zero_default: np.ndarray  # int64 0/1: missing type Zero (0.0 goes the default way)
    node_default_left: np.ndarray  # uint64 0/1
    node_cat_mask: np.ndarray     # uint64: categorical codes that go left
    node_right_keep: np.ndarray   # uint64: leaves still possible after going right
    leaf_value: np.ndarray        # float64, by tree, left to right


def _in_order(left: list[int], right: list[int]) -> tuple[list[int], list[tuple[int, int]]]:
    """Leaves left to right, and each split's left subtree as a range of leaf positions."""
    leaves: list[int] = []
    spans = [(0, 0)] * len(left)
    stack: list[tuple[int, int]] = [(0, 0)]  # (node, stage): stage 1 = left subtree done
    starts: dict[int, int] = {}
    while stack:
        node, stage = stack.pop()
        if node < 0:
            leaves.append(~node)
        elif stage == 0:
            starts[node] = len(leaves)
            stack += [(node, 1), (left[node], 0)]
        else:
            spans[node] = (starts[node], len(leaves))
            stack.append((right[node], 0))
    return leaves, spans


def _tree_blocks(text: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The model text's header and one ``key=value`` dict per ``Tree=`` block."""
    body = text.split("end of trees")[0]
    parts = body.split("\nTree=")
    def fields(block: str) -> dict[str, str]:
        return dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
    return fields(parts[0]), [fields(part.split("\n", 1)[1]) for part in parts[1:]]


def _numbers(block: dict[str, str], key: str, kind: type = float) -> list[Any]:
    return [kind(v) for v in block.get(key, "").split()]


def flatten(booster: Any) -> Forest | None:
    """The booster's splits as a :class:`Forest`, or None where this kernel does not apply
    (several trees per iteration, linear trees, more than 64 leaves, category codes of 64
    or more): the caller keeps LightGBM's predict.

    Read from ``model_to_string()``, the text the booster was parsed from: its thresholds
    and leaf values carry 17 significant digits (the JSON of ``dump_model()`` also writes an
    infinite threshold as 1e300, which would send values above 1e300 the other way).
    """
    header, trees = _tree_blocks(booster.model_to_string())
    if int(header.get("num_tree_per_iteration", "1")) != 1:
        return None
    cols: dict[str, list[Any]] = {k: [] for k in (
        "feature", "kind", "threshold", "nan_left", "zero_default", "default_left", "cat_mask",
        "right_keep")}
    starts: list[list[int]] = [[], [], []]
    values: list[float] = []
    for tree in trees:
        n_leaves = int(tree["num_leaves"])
        if int(tree.get("is_linear", "0")) or n_leaves > MAX_LEAVES:
            return None
        leaf_value = _numbers(tree, "leaf_value")
        starts[0].append(len(cols["feature"]))
        starts[1].append(n_leaves - 1)
        starts[2].append(len(values))
        if n_leaves == 1:
            values.append(leaf_value[0])
            continue
        order, spans = _in_order(_numbers(tree, "left_child", int),
                                 _numbers(tree, "right_child", int))
        values.extend(leaf_value[leaf] for leaf in order)
        bounds = _numbers(tree, "cat_boundaries", int)
        words = _numbers(tree, "cat_threshold", int)
        cols["feature"].extend(_numbers(tree, "split_feature", int))
        for d, thr, (first, last) in zip(_numbers(tree, "decision_type", int),
                                         _numbers(tree, "threshold"), spans, strict=True):
            # decision_type bits (LightGBM tree.h): 1 categorical, 2 default left, 4-8 missing
            categorical, default_left, missing = d & 1, (d >> 1) & 1, (d >> 2) & 3
            mask = 0
            if categorical:
                bitset = words[bounds[int(thr)]:bounds[int(thr) + 1]]
                if any(bitset[2:]):
                    return None
                mask = sum(w << (32 * j) for j, w in enumerate(bitset[:2]))
            cols["kind"].append(categorical)
            cols["threshold"].append(0.0 if categorical else thr)
            cols["nan_left"].append(int(thr >= 0.0) if missing == _MISSING["None"]
                                    else default_left)
            cols["zero_default"].append(int(missing == _MISSING["Zero"]))
            cols["default_left"].append(default_left)
            cols["cat_mask"].append(mask)
            cols["right_keep"].append(~(((1 << (last - first)) - 1) << first) & (2**64 - 1))

    def arr(name: str, dtype: Any) -> np.ndarray:
        return np.asarray(cols[name], dtype=dtype)

    return Forest(
        n_features=int(header["max_feature_idx"]) + 1,
        tree_node_start=np.asarray(starts[0], np.int64),
        tree_n_nodes=np.asarray(starts[1], np.int64),
        tree_leaf_start=np.asarray(starts[2], np.int64),
        node_feature=arr("feature", np.int64), node_kind=arr("kind", np.int64),
        node_threshold=arr("threshold", np.float64), node_nan_left=arr("nan_left", np.uint64),
        node_zero_default=arr("zero_default", np.int64),
        node_default_left=arr("default_left", np.uint64),
        node_cat_mask=arr("cat_mask", np.uint64), node_right_keep=arr("right_keep", np.uint64),
        leaf_value=np.asarray(values, np.float64))


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
    f = forest
    if columns.shape[1]:
        with _KERNEL_LOCK, parallel_chunksize(CHUNK_BLOCKS):
            _predict_kernel(columns, f.tree_node_start, f.tree_n_nodes, f.tree_leaf_start,
                            f.node_feature, f.node_kind, f.node_threshold, f.node_nan_left,
                            f.node_zero_default, f.node_default_left, f.node_cat_mask,
                            f.node_right_keep, f.leaf_value, BLOCK_ROWS, out)
    return out


def warm_up() -> None:
    """Load (or compile) the prediction kernels now, on a one-leaf forest.

    Why: the first prediction of a process pays about half a second to load the kernels
    from numba's cache (and some seconds to compile them into it the first time). The
    lifecycle calls this while LightGBM fits the lender on another thread, so the lender's
    first prediction finds them ready. The argument types are those of every real forest,
    so the kernels loaded are the ones used.
    """
    first = np.zeros(1, dtype=np.int64)  # one tree, no split, its leaf at 0
    none_i = np.zeros(0, dtype=np.int64)
    none_u = np.zeros(0, dtype=np.uint64)
    forest = Forest(n_features=1, tree_node_start=first, tree_n_nodes=first,
                    tree_leaf_start=first, node_feature=none_i, node_kind=none_i,
                    node_threshold=np.zeros(0), node_nan_left=none_u, node_zero_default=none_i,
                    node_default_left=none_u, node_cat_mask=none_u, node_right_keep=none_u,
                    leaf_value=np.zeros(1))
    predict_raw_columns(forest, np.zeros((1, 1)))


@njit(cache=True, nogil=True)
def _predict_block(b: int, x: np.ndarray, tree_node_start: np.ndarray,
                   tree_n_nodes: np.ndarray, tree_leaf_start: np.ndarray,
                   node_feature: np.ndarray, node_kind: np.ndarray, node_threshold: np.ndarray,
                   node_nan_left: np.ndarray, node_zero_default: np.ndarray,
                   node_default_left: np.ndarray, node_cat_mask: np.ndarray,
                   node_right_keep: np.ndarray, leaf_value: np.ndarray, block_rows: int,
                   out: np.ndarray) -> None:
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
    one = np.uint64(1)
    for t in range(tree_node_start.shape[0]):
        words[:nb] = _ALL
        for n in range(tree_node_start[t], tree_node_start[t] + tree_n_nodes[t]):
            col = xt[node_feature[n]]
            keep = node_right_keep[n]
            if node_kind[n] == 1:
                mask = node_cat_mask[n]
                for i in range(nb):
                    v = col[i]
                    ok = (v > -1.0) & (v < 64.0)  # NaN, negative and large codes go right
                    code = np.uint64(np.int64(v if ok else 0.0))
                    left = np.uint64(ok) & ((mask >> code) & one)
                    words[i] &= keep | (zero - left)
            else:
                thr = node_threshold[n]
                nan_left = node_nan_left[n]
                if node_zero_default[n]:
                    default = node_default_left[n]
                    for i in range(nb):
                        v = col[i]
                        left = np.uint64(v <= thr)
                        left = default if v == 0.0 else left
                        left = nan_left if v != v else left
                        words[i] &= keep | (zero - left)
                else:
                    for i in range(nb):
                        v = col[i]
                        left = nan_left if v != v else np.uint64(v <= thr)
                        words[i] &= keep | (zero - left)
        base = tree_leaf_start[t]
        for i in range(nb):
            w = words[i]
            lowest = w & (zero - w)
            acc[i] += leaf_value[base + _BIT_POSITION[(lowest * _DEBRUIJN) >> np.uint64(58)]]
    for i in range(nb):
        out[r0 + i] = acc[i]


@njit(parallel=True, cache=True, nogil=True)
def _predict_kernel(x: np.ndarray, tree_node_start: np.ndarray, tree_n_nodes: np.ndarray,
                    tree_leaf_start: np.ndarray, node_feature: np.ndarray,
                    node_kind: np.ndarray, node_threshold: np.ndarray,
                    node_nan_left: np.ndarray, node_zero_default: np.ndarray,
                    node_default_left: np.ndarray, node_cat_mask: np.ndarray,
                    node_right_keep: np.ndarray, leaf_value: np.ndarray, block_rows: int,
                    out: np.ndarray) -> None:
    """Blocks of rows in parallel; one call in the parfor body keeps compilation cheap."""
    n_blocks = (x.shape[1] + block_rows - 1) // block_rows
    for b in prange(n_blocks):
        _predict_block(np.int64(b), x, tree_node_start, tree_n_nodes, tree_leaf_start,
                       node_feature, node_kind, node_threshold, node_nan_left,
                       node_zero_default, node_default_left, node_cat_mask, node_right_keep,
                       leaf_value, block_rows, out)

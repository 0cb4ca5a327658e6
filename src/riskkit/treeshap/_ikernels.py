"""Numba kernels for interventional TreeSHAP: background counts, per-leaf tables, fallback.

Interventional ("baseline") Shapley values of one tree for a row x against one background
row z are sums over leaves (Lundberg et al. 2020, "From local explanations to global
understanding", algorithm 3). For a leaf with k distinct path features, let ``a`` be the
k-bit mask of the features whose path conditions x satisfies and ``b`` the same for z. The
hybrid row ``(x_S, z_rest)`` reaches the leaf iff every feature outside ``a`` is taken from
z and every feature outside ``b`` from x, so the leaf's game is
``v(S) = value * [S >= U] * [S & V = 0]`` with ``U = a & ~b`` and ``V = b & ~a``, defined
only when ``a | b`` covers all k features (otherwise z and x together cannot reach it).
Its Shapley values are ``value * (u-1)! v! / (u+v)!`` for each feature of U and
``-value * u! (v-1)! / (u+v)!`` for each feature of V (u = |U|, v = |V|).

When ``a | b`` is full, ``V = ~a`` and ``u = k - |b|``: the weights depend on |a| and |b|
only. Averaged over the background, a leaf's contribution therefore depends on x only
through ``a``, and on the background only through the counts ``c[b]`` of its rows per mask.
With the size-ranked superset sums ``Z[m, s] = sum_{b >= m, |b| = s} c[b]`` (one zeta
transform, O(k^2 2^k)), entry ``a`` of the leaf's table is

* feature j not in a: ``-value / N * sum_s Z[~a, s] * w(k-s, k-|a|)``,
* feature j in a: ``value / N * sum_s (Z[~a, s] - Z[~a | j, s]) * w'(k-s, k-|a|)``

(the difference keeps the b without j). So the background costs one walk per row and
tree, the tables cost O(k^2 2^k) per leaf, and explaining a row is exactly the table
look-up of path-dependent TreeSHAP (:mod:`riskkit.treeshap._kernels`), whatever N is.
Counts are integers held in float64, so the sums are exact and results agree with a
brute-force average over background rows to rounding.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from riskkit.trees import Splits, Trees, route_block
from riskkit.treeshap._kernels import SHAPLEY_WEIGHTS
from riskkit.treeshap._model import Paths


class Histogram(NamedTuple):
    """Per leaf, the distinct masks of the background rows and how many rows have each."""

    start: np.ndarray  # int64 per leaf: first entry in mask / count
    length: np.ndarray  # int64 per leaf: distinct masks
    mask: np.ndarray  # int64
    count: np.ndarray  # float64 (integers, exact)


class FallbackPaths(NamedTuple):
    """Leaves without a table and their root-to-leaf paths, for the per-row kernel."""

    leaves: np.ndarray  # int64
    path_start: np.ndarray  # int64
    path_len: np.ndarray  # int64
    path_node: np.ndarray  # int64
    path_left: np.ndarray  # int64: 1 where the path goes left at that node


@njit(cache=True)
def popcount(v: np.int64) -> int:
    """Set bits of a non-negative mask."""
    c = 0
    while v:
        v &= v - 1
        c += 1
    return c


@njit(cache=True)
def _count_masks(
    masks: np.ndarray, full: np.int64, cap_start: int, hist_mask: np.ndarray,
    hist_count: np.ndarray,
) -> int:
    """Distinct values of ``masks & full`` and how often each occurs; returns how many."""
    vals = np.sort(masks & full)
    d = 0
    for i in range(vals.shape[0]):
        if i == 0 or vals[i] != vals[i - 1]:
            hist_mask[cap_start + d] = vals[i]
            hist_count[cap_start + d] = 0.0
            d += 1
        hist_count[cap_start + d - 1] += 1.0
    return d


@njit(parallel=True, cache=True)
def background_counts(x: np.ndarray, trees: Trees, paths: Paths, hist: Histogram,
                      block_rows: int) -> None:
    """Per leaf, the distinct masks of the background rows and their counts.

    Trees run in parallel (each writes only its own leaves). Inside a tree, blocks of rows
    pass their masks down in pre-order with the router the explaining kernel uses, so a
    background row is routed exactly as a row being explained.
    """
    n_rows, n_feat = x.shape
    length = hist.length  # bound outside the parallel loop: numba 0.6x loses a store made
    for t in prange(trees.tree_node_start.shape[0]):  # through a tuple member inside it
        count = trees.tree_n_nodes[t]
        if count == 0:
            continue
        start = trees.tree_node_start[t]
        l0 = trees.tree_leaf_start[t]
        leaf_masks = np.empty((count + 1, n_rows), dtype=np.int64)
        xt = np.empty((n_feat, block_rows))
        splits = Splits(*trees[:6])
        masks = np.empty((count, block_rows), dtype=np.int64)
        dec = np.empty(block_rows, dtype=np.int64)
        for r0 in range(0, n_rows, block_rows):
            nb = min(n_rows, r0 + block_rows) - r0
            for i in range(nb):
                for f in range(n_feat):
                    xt[f, i] = x[r0 + i, f]
            masks[0, :nb] = -1
            for local in range(count):
                n = start + local
                route_block(splits, n, xt, nb, dec)
                bit = np.int64(1) << paths.node_bit[n]
                for went_left in (1, 0):
                    child = trees.node_left[n] if went_left else trees.node_right[n]
                    target = masks[child - start] if child >= 0 else leaf_masks[~child - l0, r0:]
                    for i in range(nb):
                        target[i] = masks[local, i] & ~(bit * (dec[i] ^ went_left))
        for j in range(count + 1):
            leaf = l0 + j
            full = (np.int64(1) << paths.leaf_k[leaf]) - 1
            length[leaf] = _count_masks(leaf_masks[j], full, hist.start[leaf], hist.mask,
                                        hist.count)


@njit(parallel=True, cache=True)
def leaf_tables(leaves: np.ndarray, table_start: np.ndarray, leaf_k: np.ndarray,
                leaf_value: np.ndarray, hist_start: np.ndarray, hist_length: np.ndarray,
                hist_mask: np.ndarray, hist_count: np.ndarray, n_background: int,
                out: np.ndarray) -> None:
    """Fill ``out[table_start[i] + a * k + j]``: leaf ``leaves[i]``'s table (module docstring).

    The histogram comes as its four arrays (``*hist``): a tuple member used inside a
    parallel loop costs numba more compile time than an array argument.
    """
    weights = SHAPLEY_WEIGHTS
    for i in prange(leaves.shape[0]):
        leaf = leaves[i]
        k = leaf_k[leaf]
        size = np.int64(1) << k
        full = size - 1
        z = np.zeros((size, k + 1))
        hs = hist_start[leaf]
        for e in range(hist_length[leaf]):
            b = hist_mask[hs + e]
            z[b, popcount(b)] += hist_count[hs + e]
        for bit in range(k):  # superset sums, one feature at a time
            step = np.int64(1) << bit
            for m in range(size):
                if not m & step:
                    for s in range(k + 1):
                        z[m, s] += z[m | step, s]
        scale = leaf_value[leaf] / n_background
        base = table_start[i]
        for a in range(size):
            na = ~a & full
            v = k - popcount(np.int64(a))
            row = base + a * k
            negative = 0.0
            if v > 0:
                for s in range(v, k + 1):
                    u = k - s
                    negative += z[na, s] * weights[u + v, u]
                negative *= -scale
            for j in range(k):
                if (a >> j) & 1:
                    nj = na | (np.int64(1) << j)
                    total = 0.0
                    for s in range(v, k):
                        total += (z[na, s] - z[nj, s]) * weights[k - s + v, v]
                    out[row + j] = scale * total
                else:
                    out[row + j] = negative


@njit(cache=True)
def _fallback_leaf(
    a: np.int64, k: int, scale: float, hs: int, hl: int, hist_mask: np.ndarray,
    hist_count: np.ndarray, feats: np.ndarray, fs: int, out: np.ndarray, r: int,
) -> None:
    """Add one leaf's averaged contributions for one row with mask ``a``, from the counts."""
    full = (np.int64(1) << k) - 1
    v = k - popcount(a)
    negative = 0.0
    for e in range(hl):
        b = hist_mask[hs + e]
        if (a | b) != full:
            continue
        c = hist_count[hs + e]
        u = k - popcount(b)
        if v > 0:
            negative += c * SHAPLEY_WEIGHTS[u + v, u]
        if u > 0:
            w = scale * c * SHAPLEY_WEIGHTS[u + v, v]
            only_x = a & ~b
            for j in range(k):
                if (only_x >> j) & 1:
                    out[r, feats[fs + j]] += w
    if v > 0:
        negative *= -scale
        for j in range(k):
            if not (a >> j) & 1:
                out[r, feats[fs + j]] += negative


@njit(parallel=True, cache=True)
def fallback_kernel(x: np.ndarray, fb: FallbackPaths, trees: Trees, paths: Paths,
                    hist: Histogram, n_background: int, block_rows: int,
                    out: np.ndarray) -> None:
    """Add the leaves too large for a table, row by row: O(distinct masks x k) per leaf.

    Only leaves whose table would exceed the size limits come here (rare: more than
    ``max_table_bits`` distinct path features); the explaining kernel gives them zero.
    """
    n_rows, n_feat = x.shape
    n_blocks = (n_rows + block_rows - 1) // block_rows
    for blk in prange(n_blocks):
        r0 = np.int64(blk) * block_rows
        nb = min(n_rows, r0 + block_rows) - r0
        xt = np.empty((n_feat, block_rows))
        for i in range(nb):
            for f in range(n_feat):
                xt[f, i] = x[r0 + i, f]
        splits = Splits(*trees[:6])
        dec = np.empty(block_rows, dtype=np.int64)
        amask = np.empty(block_rows, dtype=np.int64)
        for q in range(fb.leaves.shape[0]):
            leaf = fb.leaves[q]
            amask[:nb] = -1
            for p in range(fb.path_start[q], fb.path_start[q] + fb.path_len[q]):
                n = fb.path_node[p]
                route_block(splits, n, xt, nb, dec)
                bit = np.int64(1) << paths.node_bit[n]
                went = fb.path_left[p]
                for i in range(nb):
                    amask[i] &= ~(bit * (dec[i] ^ went))
            k = paths.leaf_k[leaf]
            full = (np.int64(1) << k) - 1
            scale = paths.leaf_value[leaf] / n_background
            for i in range(nb):
                _fallback_leaf(
                    amask[i] & full, k, scale, hist.start[leaf], hist.length[leaf], hist.mask,
                    hist.count, paths.leaf_feats, paths.leaf_feat_start[leaf], out, r0 + i,
                )  # fmt: skip

"""LightGBM's split decision, for a block of rows at once: the one router of riskkit.

Every kernel that walks LightGBM trees (the predictor, path-dependent and interventional
TreeSHAP, the background counts) calls :func:`route_block`, so a row is routed the same
way everywhere, and the way LightGBM routes it (``Tree::NumericalDecision`` and
``Tree::CategoricalDecision`` in its ``tree.h``):

* a value with ``|v| <= 1e-35f`` reads as 0.0 (LightGBM's dense-row reader drops it): the
  caller sets such values to 0.0 before routing, so "is zero" is ``v == 0.0``;
* numerical split, missing type None: NaN reads as 0.0 (so it goes left iff the threshold
  is >= 0); type Zero: 0.0 and NaN go the default way; type NaN: NaN goes the default way;
  any other value goes left iff ``v <= threshold``;
* categorical split: the value is cast to an int; NaN, negative codes and codes beyond the
  split's bitset go right, the others left iff their bit is set (-0.5 is code 0, 2.7 is 2).

Why a block: the loop over rows has no data-dependent branch (selects only), so LLVM
vectorises it, and one call decides a split for a whole block of rows.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numba import njit

from riskkit.trees.booster import (
    CATEGORICAL,
    DEFAULT_LEFT,
    MISSING_NONE,
    MISSING_SHIFT,
    MISSING_ZERO,
    Trees,
)

#: LightGBM's kZeroThreshold, the float 1e-35f.
ZERO_THRESHOLD = float(np.float32(1e-35))


class Splits(NamedTuple):
    """Per internal node, what deciding its split takes: six members of :class:`Trees`.

    The TreeSHAP kernels call :func:`route_block` once per node and block of rows with
    these rather than with the whole forest, because numba passes a tuple member by member
    at every call. ``Splits(*trees[:6])`` builds it inside a kernel.
    """

    node_feature: np.ndarray
    node_threshold: np.ndarray
    node_decision: np.ndarray
    node_cat_start: np.ndarray
    node_cat_len: np.ndarray
    cat_words: np.ndarray


def _route_rows(t: Trees | Splits, n: int, xt: np.ndarray, nb: int, out: np.ndarray,
                keep: Any = None) -> None:
    """Route rows ``0 .. nb - 1`` of a block at node ``n`` (rules: module docstring).

    Without ``keep`` (:func:`route_block`): ``out[i] = 1`` where row ``i`` goes left, else
    0 (int64). With ``keep`` (:func:`route_block_words`, the predictor's): ``out[i]`` is
    row ``i``'s uint64 word of still-reachable leaves, and a row that goes right keeps only
    the bits in ``keep``; deciding and recording in one loop, inlined into the predictor's
    kernel, is a third faster there than two loops. numba removes the branch on ``keep``
    at compile time, and, with ``keep``, the wide-bitset loop: the predictor takes only
    models whose categorical codes are below 64.

    Parameters
    ----------
    t:
        :class:`Splits` (:func:`route_block`) or :class:`Trees` (:func:`route_block_words`).
    n:
        Global node number.
    xt:
        The block feature-major: ``xt[feature, i]``, values with ``|v| <= 1e-35`` at 0.0.
    nb:
        Rows in the block (the first ``nb`` columns of ``xt``).
    out:
        int64 decisions, or uint64 leaf words with ``keep``; at least ``nb`` long.
    keep:
        None, or the leaves a row can still reach after going right at ``n``.
    """
    col = xt[t.node_feature[n]]
    decision = t.node_decision[n]
    zero = np.uint64(0)
    if decision & CATEGORICAL:
        start, length = t.node_cat_start[n], t.node_cat_len[n]
        limit = 32.0 * length  # codes beyond the bitset go right
        words = t.cat_words
        if keep is None:  # noqa: SIM102 (numba prunes a lone "is None" test at compile time)
            if length > 2:  # codes of 64 and more: look each row's word up
                for i in range(nb):
                    v = col[i]
                    inside = (v > -1.0) & (v < limit)
                    code = np.int64(v if inside else 0.0)
                    bit = (np.int64(words[start + (code >> 5)]) >> (code & 31)) & 1
                    out[i] = np.int64(inside) & bit
                return
        # codes below 64: one 64-bit mask and no look-up, so the loop vectorises
        mask = np.uint64(words[start]) if length else zero
        if length == 2:
            mask |= np.uint64(words[start + 1]) << np.uint64(32)
        for i in range(nb):
            v = col[i]
            inside = (v > -1.0) & (v < limit)
            code = np.uint64(np.int64(v if inside else 0.0))  # toward zero: -0.5 is code 0
            left = np.int64(inside) & np.int64((mask >> code) & np.uint64(1))
            if keep is None:
                out[i] = left
            else:
                out[i] &= keep | (zero - np.uint64(left))
        return
    threshold = t.node_threshold[n]
    default = np.int64((decision & DEFAULT_LEFT) != 0)
    missing = (decision >> MISSING_SHIFT) & 3
    nan_left = np.int64(threshold >= 0.0) if missing == MISSING_NONE else default
    is_zero = missing == MISSING_ZERO
    for i in range(nb):
        v = col[i]
        left = nan_left if v != v else np.int64(v <= threshold)
        left = default if is_zero and v == 0.0 else left
        if keep is None:
            out[i] = left
        else:
            out[i] &= keep | (zero - np.uint64(left))


#: The router as the TreeSHAP kernels call it: ``route_block(splits, n, xt, nb, dec)``,
#: compiled once and called by every kernel (inlined, it would be compiled into each).
route_block = njit(cache=True, nogil=True)(_route_rows)
#: The router inlined into the predictor's loop, on leaf words:
#: ``route_block_words(trees, n, xt, nb, words, keep)``.
route_block_words = njit(inline="always")(_route_rows)

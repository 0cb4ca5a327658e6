"""``FastTreeShap``: exact TreeSHAP for a LightGBM booster by table look-up, path-dependent
or interventional (against a background set)."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd

from riskkit.core.errors import ConfigError, DataError
from riskkit.treeshap._inputs import to_matrix
from riskkit.treeshap._interventional import (
    LeafTableBuilder,
    add_fallback,
    count_background,
    fallback_paths,
)
from riskkit.treeshap._kernels import contributions_kernel
from riskkit.treeshap._model import MAX_PATH_FEATURES, flatten_booster
from riskkit.treeshap._plan import make_plan

# Defaults measured on 300-tree, 31-leaf models of depth 6, 8 and unlimited (2-core Xeon,
# AVX-512, 2 MiB L2 per core) with riskkit.bench.scaling_table.
# A leaf with more than 12 distinct path features (rare below depth ~12) costs O(k^2) per
# row instead; its table would be 2^k x k doubles (>= 400 KB) and mostly cache misses.
DEFAULT_MAX_TABLE_BITS = 12
DEFAULT_MAX_TABLE_BYTES = 512 * 2**20
# Subtrees of up to 7 splits (8 leaves) share one table of at most 16,384 doubles (128 KB):
# at depth 6 this is ~3x faster than one table per leaf, for ~2x the table memory.
DEFAULT_MAX_GROUP_NODES = 7
DEFAULT_MAX_GROUP_ENTRIES = 16384
# Rows per parallel work item: enough rows to reuse a tree's tables from cache, few enough
# that the block's transposed inputs, masks and outputs stay in L2.
DEFAULT_BLOCK_ROWS = 512


class FastTreeShap:
    """Exact TreeSHAP values of a single-output LightGBM model, as ``pred_contrib`` gives.

    For each leaf, the contribution it makes to a row depends only on which of the ``k``
    distinct features on its path the row "follows" (satisfies all of that feature's
    conditions on the path): a k-bit mask. The 2^k x k possible contributions are computed
    once, here, with the cover-weighted path-dependent weights (FastTreeSHAP v2's idea).
    Going one step further, the leaves of a small subtree share one table indexed by the
    mask at its root and the decisions inside it. Explaining a row is then one split
    decision per node and one table row per unit (leaf or subtree). Leaves whose table
    would exceed ``max_table_bits``, or the ``max_table_bytes`` budget (the largest tables
    give way first), are computed per row in closed form instead.

    Results are LightGBM's ``pred_contrib`` (which ``shap.TreeExplainer`` returns for
    LightGBM models) to ~1e-13. Like ``booster.predict``, the best iteration is used when
    the booster has one; ``num_iteration=-1`` takes every tree, as shap does.

    With ``background``, the values are *interventional* instead: the exact Shapley values
    of ``v(S) = mean over background rows z of f(x_S, z_rest)`` (the average of the
    "baseline Shapley" values against each background row, what
    ``shap.TreeExplainer(..., feature_perturbation="interventional")`` estimates), with
    categorical splits and missing values routed as LightGBM routes them. The background
    is summarised once, per leaf, by how many of its rows follow each subset of the leaf's
    path features; the tables are then filled from those counts, so explaining a row costs
    the same table look-ups as path-dependent TreeSHAP, whatever the background's size.
    The last column is then the mean raw score over the background, and each row still
    sums to its raw score.

    Parameters
    ----------
    booster:
        A trained ``lightgbm.Booster`` with one tree per iteration (binary or regression).
    background:
        Rows to measure contributions against (same form as ``contributions``' ``X``);
        ``None`` (the default) gives path-dependent TreeSHAP.
    max_table_bits:
        Largest ``k`` that gets a table; 0 disables tables (everything takes the fallback).
    max_table_bytes:
        Memory budget for all tables together.
    max_group_nodes, max_group_entries:
        Largest subtree (in splits) and table (in doubles) merged into one unit; 0 splits
        means one table per leaf.
    num_iteration:
        Iterations to explain, passed to ``booster.model_to_string``: ``None`` means the
        best iteration if there is one, as ``booster.predict`` does.
    block_rows:
        Rows per parallel work item.
    """

    def __init__(
        self,
        booster: lgb.Booster,
        *,
        background: pd.DataFrame | np.ndarray | None = None,
        max_table_bits: int = DEFAULT_MAX_TABLE_BITS,
        max_table_bytes: int = DEFAULT_MAX_TABLE_BYTES,
        max_group_nodes: int = DEFAULT_MAX_GROUP_NODES,
        max_group_entries: int = DEFAULT_MAX_GROUP_ENTRIES,
        num_iteration: int | None = None,
        block_rows: int = DEFAULT_BLOCK_ROWS,
    ) -> None:
        if not 0 <= max_table_bits <= MAX_PATH_FEATURES:
            raise ConfigError(f"max_table_bits must be in 0..{MAX_PATH_FEATURES}")
        if block_rows < 1:
            raise ConfigError("block_rows must be at least 1")
        self._m = m = flatten_booster(booster, num_iteration)
        self._block_rows = int(block_rows)
        self._background = None
        builder = None
        if background is not None:
            xb = to_matrix(background, m.feature_names, m.pandas_categorical)
            if xb.shape[0] == 0:
                raise DataError("background", ["needs at least one row"])
            self._background = count_background(m, xb, self._block_rows)
            builder = LeafTableBuilder(m, self._background)
        self._plan = make_plan(
            m,
            max_table_bits=max_table_bits,
            max_group_nodes=max_group_nodes,
            max_group_entries=max_group_entries,
            max_table_bytes=max_table_bytes,
            leaf_tables=builder,
        )
        self._fallback = fallback_paths(m, self._plan) if background is not None else None
        self._max_nodes = int(m.trees.tree_n_nodes.max(initial=0))
        self._max_k = int(m.paths.leaf_k.max(initial=0))

    @property
    def expected_value(self) -> float:
        """The last column: the model's average raw output over its training data, or
        over the background rows when there is a background."""
        if self._background is not None:
            return self._background.expected_value
        return self._m.expected_value

    @property
    def interventional(self) -> bool:
        """Whether contributions are measured against a background set."""
        return self._background is not None

    @property
    def background_rows(self) -> int:
        """Rows of the background (0 for path-dependent TreeSHAP)."""
        return 0 if self._background is None else self._background.n_rows

    @property
    def feature_names(self) -> list[str]:
        """The model's features, in the order of the contributions' columns."""
        return list(self._m.feature_names)

    @property
    def stats(self) -> dict[str, int]:
        """Sizes that explain speed and memory: trees, leaves, tabled / fallback leaves."""
        m, p = self._m, self._plan
        return {
            "n_trees": m.n_trees,
            "n_leaves": int(m.split_leaves.sum()),
            "max_leaves": int(m.model.tree_n_leaves.max(initial=1)),
            "max_depth": int(m.tree_depth.max(initial=0)),
            "max_path_features": self._max_k,
            "units": len(p.unit_width),
            "groups": p.group_count,
            "table_leaves": p.table_leaves,
            "fallback_leaves": int((p.unit_table_start < 0).sum()),
            "table_bytes": int(p.tables.nbytes) if p.table_leaves else 0,
        }

    def contributions(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Per-feature contributions in raw score, plus the expected value in the last column.

        Parameters
        ----------
        X:
            A DataFrame with the model's feature names (categoricals as pandas
            ``category``; columns matched by name) or a numeric array in the model's column
            order, with category codes.

        Returns
        -------
        numpy.ndarray
            Shape ``(n_rows, n_features + 1)``, the layout of
            ``booster.predict(X, pred_contrib=True)``; each row sums to
            ``booster.predict(X, raw_score=True)``.

        Raises
        ------
        DataError
            Columns or dtypes LightGBM would misread.
        """
        m = self._m
        x = to_matrix(X, m.feature_names, m.pandas_categorical)
        out = np.zeros((x.shape[0], m.n_features + 1), dtype=np.float64)
        p = self._plan
        fb = self._fallback
        if x.shape[0] and self._max_nodes:
            paths = m.paths if fb is None else m.paths._replace(leaf_value=fb.table_leaf_value)
            contributions_kernel(x, m.trees, paths, p, self._max_nodes, self._max_k,
                                 self._block_rows, out)
        if fb is not None and self._background is not None:
            add_fallback(m, fb, self._background, x, self._block_rows, out)
        out[:, -1] = self.expected_value
        return out

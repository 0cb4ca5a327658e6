"""Cut every tree into *units* and precompute one contribution table per unit.

A unit is either a single leaf or a small subtree (a *group*). Its table row holds the
summed contributions of all its leaves to the union of their path features, so one look-up
replaces several per-leaf look-ups (the row-time cost is the number of values added).

* A leaf unit is indexed by the leaf's k-bit path mask (bit j: the row satisfies every
  condition on the leaf's j-th distinct path feature): 2^k rows.
* A group rooted at node g with d internal nodes is indexed by the kp prefix bits of the
  mask arriving at g plus the d decisions taken inside the group: 2^(kp + d) rows. Each
  member leaf's mask follows from those bits, so the table is exact.

Groups are chosen top-down (largest subtree that fits the limits); a leaf whose table would
be too large is a *fallback* unit, computed per row by the path algebra. When all tables
together would exceed the memory budget, the largest ones give way first (a cap on one
unit's table is lowered until the total fits), so that memory goes where it saves most.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from riskkit.treeshap._kernels import fill_tables
from riskkit.treeshap._model import FlatEnsemble, Members, TablePlan

# leaves -> (table start per global leaf id, -1 where none; the tables' values)
LeafTables = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


class _Planner:
    def __init__(
        self, m: FlatEnsemble, max_bits: int, max_group_nodes: int, max_entries: int, cap: int
    ):
        self.m = m
        self.cap = cap  # largest table (in entries) any one unit may have
        self.max_bits = max_bits
        self.max_group_nodes = max_group_nodes
        self.max_entries = min(max_entries, cap)
        n_nodes = len(m.trees.node_left)
        self.gshift = np.full(n_nodes, -1, dtype=np.int64)
        self.groot = np.zeros(n_nodes, dtype=np.bool_)
        self.gkeep = np.zeros(n_nodes, dtype=np.int64)
        self.unit_end = np.full(n_nodes, -1, dtype=np.int64)
        self.leaf_unit = np.full(len(m.paths.leaf_k), -1, dtype=np.int64)
        # units
        self.width: list[int] = []
        self.feats: list[list[int]] = []
        self.kp: list[int] = []
        self.d: list[int] = []
        self.keep: list[int] = []
        self.unit_leaf: list[int] = []
        self.sizes: list[int] = []  # table entries; 0 for fallback units
        # group members, for building: (unit, leaf, map, [(shift, went_left, bit)])
        self.members: list[tuple[int, int, list[int], list[tuple[int, int, int]]]] = []
        self.table_leaves = 0
        self.groups = 0

    def subtree_stats(self, start: int, count: int) -> tuple[np.ndarray, list[set[int]]]:
        """Internal-node count and feature set of every subtree of one tree (post-order)."""
        t = self.m.trees
        d = np.zeros(count, dtype=np.int64)
        sub: list[set[int]] = [set() for _ in range(count)]
        for local in range(count - 1, -1, -1):  # children have larger pre-order indices
            n = start + local
            sub[local].add(int(t.node_feature[n]))
            d[local] = 1
            for child in (t.node_left[n], t.node_right[n]):
                if child >= 0:
                    d[local] += d[child - start]
                    sub[local] |= sub[child - start]
        return d, sub

    def plan_tree(self, tree: int) -> None:
        t = self.m.trees
        start, count = int(t.tree_node_start[tree]), int(t.tree_n_nodes[tree])
        if count == 0:
            return
        d, sub = self.subtree_stats(start, count)
        # (node, prefix features in bit order)
        stack: list[tuple[int, tuple[int, ...]]] = [(start, ())]
        while stack:
            n, prefix = stack.pop()
            local = n - start
            kp = len(prefix)
            union = list(prefix) + sorted(sub[local] - set(prefix))
            entries = (1 << (kp + int(d[local]))) * len(union)
            if (
                d[local] <= self.max_group_nodes
                and kp + d[local] <= self.max_bits
                and entries <= self.max_entries
            ):
                self.add_group(n, int(d[local]), prefix, union, entries)
                continue
            feature = int(t.node_feature[n])
            child_prefix = prefix if feature in prefix else (*prefix, feature)
            for child in (t.node_right[n], t.node_left[n]):
                if child >= 0:
                    stack.append((int(child), child_prefix))
                else:
                    self.add_leaf_unit(int(~child))

    def new_unit(self, feats: list[int], kp: int, d: int, keep: int, leaf: int, size: int) -> int:
        self.width.append(len(feats))
        self.feats.append(feats)
        self.kp.append(kp)
        self.d.append(d)
        self.keep.append(keep)
        self.unit_leaf.append(leaf)
        self.sizes.append(size)
        return len(self.width) - 1

    def leaf_features(self, leaf: int) -> list[int]:
        p = self.m.paths
        fs = int(p.leaf_feat_start[leaf])
        return [int(f) for f in p.leaf_feats[fs : fs + int(p.leaf_k[leaf])]]

    def add_leaf_unit(self, leaf: int) -> None:
        k = int(self.m.paths.leaf_k[leaf])
        feats = self.leaf_features(leaf)
        entries = (1 << k) * k
        if k <= self.max_bits and entries <= self.cap:
            u = self.new_unit(feats, k, 0, (1 << k) - 1, leaf, entries)
            self.members.append((u, leaf, list(range(k)), []))
            self.table_leaves += 1
        else:
            u = self.new_unit(feats, k, 0, -1, leaf, 0)
        self.leaf_unit[leaf] = u

    def add_group(
        self, root: int, d: int, prefix: tuple[int, ...], union: list[int], entries: int
    ) -> None:
        t, node_bit = self.m.trees, self.m.paths.node_bit
        kp = len(prefix)
        u = self.new_unit(union, kp, d, (1 << kp) - 1, -1, entries)
        position = {f: i for i, f in enumerate(union)}
        self.groups += 1
        self.groot[root] = True
        self.gkeep[root] = (1 << kp) - 1
        self.gshift[root : root + d] = kp + np.arange(d)
        self.unit_end[root + d - 1] = u
        # walk the group's subtree, collecting each leaf's in-group decisions
        stack: list[tuple[int, list[tuple[int, int, int]]]] = [(root, [])]
        while stack:
            n, steps = stack.pop()
            shift, bit = kp + (n - root), int(node_bit[n])
            for child, went_left in ((t.node_left[n], 1), (t.node_right[n], 0)):
                path = [*steps, (shift, went_left, bit)]
                if child >= 0:
                    stack.append((int(child), path))
                else:
                    leaf = int(~child)
                    mapping = [position[f] for f in self.leaf_features(leaf)]
                    self.members.append((u, leaf, mapping, path))
                    self.table_leaves += 1


def _i64(values: list[int]) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)


def _offsets(lengths: list[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])[:-1].astype(np.int64)


def make_plan(
    m: FlatEnsemble,
    *,
    max_table_bits: int,
    max_group_nodes: int,
    max_group_entries: int,
    max_table_bytes: int,
    leaf_tables: LeafTables | None = None,
) -> TablePlan:
    """Choose units for every tree and fill their tables.

    Without ``leaf_tables`` the tables hold path-dependent TreeSHAP values. With it, they
    are sums of per-leaf tables (``2^k x k``, indexed by the leaf's path mask) that
    ``leaf_tables(leaves)`` returns as (start per global leaf id, -1 where absent; values)
    for the leaves asked for: how interventional TreeSHAP reuses the same units.
    """
    budget = max_table_bytes // 8
    cap = 1 << 62
    while True:  # each pass halves the largest table allowed, so this ends (at no tables)
        p = _Planner(m, max_table_bits, max_group_nodes, max_group_entries, cap)
        for t in range(m.n_trees):
            p.plan_tree(t)
        if sum(p.sizes) <= budget:
            break
        cap = max(p.sizes) // 2
    sizes = _i64(p.sizes)
    table_start = np.where(sizes > 0, _offsets(p.sizes), -1).astype(np.int64)
    tables = np.zeros(max(int(sizes.sum()), 1), dtype=np.float64)
    members = sorted(p.members, key=lambda mem: mem[0])
    if members:
        # the subtree members, flattened once for whichever kernel fills the tables
        group = Members(
            unit=_i64([mem[0] for mem in members]),
            leaf=_i64([mem[1] for mem in members]),
            map_start=_offsets([len(mem[2]) for mem in members]),
            map=_i64([i for mem in members for i in mem[2]]),
            step_start=_offsets([len(mem[3]) for mem in members]),
            step_len=_i64([len(mem[3]) for mem in members]),
            steps=np.asarray([s for mem in members for s in mem[3]], dtype=np.int64).reshape(-1, 3),
            unit_kp=_i64(p.kp),
            unit_d=_i64(p.d),
            unit_width=_i64(p.width),
            unit_table_start=table_start,
        )
        if leaf_tables is not None:
            leaf_start, leaf_data = leaf_tables(np.unique(group.leaf))
        else:  # no leaf has a table of its own: path-dependent values
            leaf_start = np.full(len(m.paths.leaf_k), -1, dtype=np.int64)
            leaf_data = np.zeros(1)
        fill_tables(group, m.paths, leaf_start, leaf_data, tables)
    return TablePlan(
        node_gshift=p.gshift,
        node_groot=p.groot,
        node_gkeep=p.gkeep,
        node_unit_end=p.unit_end,
        leaf_unit=p.leaf_unit,
        unit_width=_i64(p.width),
        unit_feat_start=_offsets(p.width),
        unit_feats=_i64([f for feats in p.feats for f in feats]),
        unit_table_start=table_start,
        unit_keep=_i64(p.keep),
        unit_leaf=_i64(p.unit_leaf),
        tables=tables,
        table_leaves=p.table_leaves,
        group_count=p.groups,
    )

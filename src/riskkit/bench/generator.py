"""The generator benchmark: riskkit's population generator against its own random draws
replayed with bare NumPy (the floor no generator of these draws can beat)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np

from riskkit.bench.sizes import (
    GENERATOR_FLOOR_TARGET,
    GENERATOR_PEAK_TARGET_MB,
    SEED,
    WORLD,
    BenchSizes,
)
from riskkit.bench.sizes import best as _best
from riskkit.synth import BLOCK_ROWS, population, write_population


# ----------------------------------------------------------------------------- generator
class _RecordingGenerator:
    """A ``numpy.random.Generator`` that records each draw: method, arguments, values."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any], int]] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._rng, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            values = attr(*args, **kwargs)
            self.calls.append((name, args, kwargs, int(np.size(values))))
            return values

        return call


def record_block_draws(seed: int = SEED) -> _RecordingGenerator:
    """Every random draw ``generate_block`` makes for one full block, in order.

    ``population.block_rng`` is swapped for a recording one while one block is generated,
    so the count is measured from the generator itself, not restated here.
    """

    scenario = WORLD.scenario_at(0)
    population.generate_block(seed, scenario, 0, WORLD.bad_rate, 1, WORLD.spec)  # fit the truth
    recorders: list[_RecordingGenerator] = []
    real = population.block_rng

    def recording(*args: Any, **kwargs: Any) -> _RecordingGenerator:
        recorders.append(_RecordingGenerator(real(*args, **kwargs)))
        return recorders[-1]

    with mock.patch.object(population, "block_rng", recording):
        population.generate_block(seed, scenario, 0, WORLD.bad_rate, BLOCK_ROWS, WORLD.spec)
    if len(recorders) != 1 or not recorders[0].calls:
        raise RuntimeError("could not record the generator's draws (block_rng not used?)")
    return recorders[0]


def replay_draws(recorder: _RecordingGenerator, blocks: int, seed: int = SEED) -> None:
    """Make the recorded draws for ``blocks`` blocks with bare NumPy, and nothing else."""
    calls = recorder.calls
    for block in range(blocks):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0, block)))
        for name, args, kwargs, _ in calls:
            getattr(rng, name)(*args, **kwargs)


_PEAK_SCRIPT = textwrap.dedent("""
    import json, sys, time
    import psutil
    from riskkit.scale._parts import peak_rss_mb
    from riskkit.bench.sizes import WORLD
    from riskkit.synth import write_population
    baseline = psutil.Process().memory_info().rss / 2**20
    start = time.perf_counter()
    write_population(sys.argv[1], int(sys.argv[2]), 7, WORLD, quiet=True)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_mb": peak_rss_mb(), "baseline_mb": baseline}))
""")


def peak_memory_of_writing(rows: int, folder: Path) -> dict[str, float]:
    """Peak RSS (MB) of a fresh process writing ``rows`` rows to Parquet, and its baseline.

    ``baseline_mb`` is the process after its imports, so ``peak - baseline`` is what the
    rows themselves cost. The child reads its own high-water mark (``VmHWM``), not
    ``RUSAGE_CHILDREN``, which would carry the size of this (larger) parent across exec.
    """
    done = subprocess.run([sys.executable, "-c", _PEAK_SCRIPT, str(folder), str(rows)],
                          capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"child process failed: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def generator_section(sizes: BenchSizes, quiet: bool = True) -> dict[str, Any]:
    """Generator and Parquet writer against the floor of their own random draws."""

    rows = sizes.generator_rows
    blocks = -(-rows // BLOCK_ROWS)  # partial blocks are drawn in full, then cut
    recorder = record_block_draws()
    by_method: dict[str, float] = {}
    for name, _, _, count in recorder.calls:
        by_method[name] = by_method.get(name, 0.0) + count / BLOCK_ROWS
    # the floor is short, so it gets 3 tries at least: one preempted try must not set it
    floor_s, _, floor_cpu = _best(lambda b: replay_draws(recorder, b), blocks,
                                  max(sizes.repeats, 3))
    # best of 2 at least: a first call at full size pays ~1.5x (fresh memory pages)
    gen_s, _, gen_cpu = _best(lambda n: len(WORLD.generate(n, SEED)), rows, max(sizes.repeats, 2))
    with tempfile.TemporaryDirectory(prefix="riskkit-bench-") as tmp:
        parquet_s, _, parquet_cpu = _best(
            lambda n: write_population(Path(tmp) / "p", n, SEED, WORLD, quiet=True), rows,
            max(sizes.repeats, 2))
        memory = peak_memory_of_writing(rows, Path(tmp) / "child")
    return {
        "rows": rows, "blocks": blocks,
        "draws_per_row": sum(by_method.values()), "draws_by_method": by_method,
        "floor_s": floor_s, "floor_rows_per_s": rows / floor_s,
        "generate_s": gen_s, "generate_rows_per_s": rows / gen_s,
        "parquet_s": parquet_s, "parquet_rows_per_s": rows / parquet_s,
        "ratio": gen_s / floor_s, "parquet_ratio": parquet_s / floor_s,
        # CPU seconds: what the work costs, whatever else competes for the cores
        "cpu_ratio": gen_cpu / floor_cpu, "parquet_cpu_ratio": parquet_cpu / floor_cpu,
        "peak_mb": memory["peak_mb"], "baseline_mb": memory["baseline_mb"],
        "child_parquet_s": memory["seconds"],
        "targets": {"parquet_ratio_max": GENERATOR_FLOOR_TARGET,
                    "peak_mb_max": GENERATOR_PEAK_TARGET_MB,
                    "met": parquet_s / floor_s <= GENERATOR_FLOOR_TARGET
                    and memory["peak_mb"] < GENERATOR_PEAK_TARGET_MB},
    }



"""Wall time and peak memory of a command *and every process it starts*.

A Dask run's memory is spread over the client and its worker processes; ``/usr/bin/time``
reports only the largest single process, and the workers' own high-water marks say
nothing about the moment they peak together. This samples the resident memory of the
whole process tree every ``interval_s`` seconds and keeps the highest total and the
highest per process::

    python -m riskkit.bench.measure riskkit generate --rows 5000000 --engine dask --out /tmp/X

Sampling can miss a spike shorter than the interval; each process's own peak is also
recorded as the largest sample, so it is a lower bound of its true peak.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

import psutil


def _label(proc: psutil.Process) -> str:
    try:
        words = proc.cmdline()
    except psutil.Error:
        return "?"
    if any("multiprocessing" in w or "spawn_main" in w for w in words):
        return "child process (dask worker or helper)"
    return " ".join(words[:4])[-80:]


def run_measured(argv: Sequence[str], interval_s: float = 0.2) -> dict[str, Any]:
    """Run ``argv`` to completion; its exit code, wall time and tree memory peaks (MiB).

    Parameters
    ----------
    argv:
        The command and its arguments.
    interval_s:
        Seconds between two samples of the process tree's memory.

    Returns
    -------
    dict
        ``returncode``, ``wall_s``, ``peak_tree_mb`` (the highest total over the tree) and
        ``peak_per_process_mb``: (MiB, label) per process, largest first.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(list(argv))
    root = psutil.Process(proc.pid)
    peak_total = 0
    peaks: dict[int, tuple[int, str]] = {}
    while proc.poll() is None:
        try:
            members = [root, *root.children(recursive=True)]
        except psutil.Error:
            break
        total = 0
        for member in members:
            try:
                rss = member.memory_info().rss
            except psutil.Error:
                continue
            total += rss
            if member.pid not in peaks:
                peaks[member.pid] = (0, _label(member))
            if rss > peaks[member.pid][0]:
                peaks[member.pid] = (rss, peaks[member.pid][1])
        peak_total = max(peak_total, total)
        time.sleep(interval_s)
    code = proc.wait()
    per_process = sorted(((round(rss / 2**20), label) for rss, label in peaks.values()),
                         reverse=True)
    return {"returncode": code, "wall_s": round(time.perf_counter() - start, 2),
            "peak_tree_mb": round(peak_total / 2**20), "peak_per_process_mb": per_process}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m riskkit.bench.measure COMMAND [ARG ...]``: the figures on stderr as JSON.

    Parameters
    ----------
    argv:
        The command to measure (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The command's exit code (2 without a command).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print("usage: python -m riskkit.bench.measure COMMAND [ARG ...]", file=sys.stderr)
        return 2
    result = run_measured(args)
    print(json.dumps(result, indent=1), file=sys.stderr)
    return int(result["returncode"])


if __name__ == "__main__":
    sys.exit(main())

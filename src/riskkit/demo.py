"""``make demo``: the main job, end to end, printing where everything went.

1. the baseline experiment (``configs/baseline.yaml``) into ``runs/``: models, metrics,
   decisions, reasons and every chart as PNG / SVG / PDF;
2. its self-contained HTML report;
3. the lifecycle simulation scored with the run's model and policy;
4. every notebook executed headless, as notebooks and as HTML without code.

The population itself is generated into ``data/synthetic/`` by ``riskkit generate`` (the
Makefile's ``data`` target) before this runs.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from riskkit.cli_support import setup_logging
from riskkit.core.errors import RiskkitError
from riskkit.experiment import load_run, run_experiment
from riskkit.experiment.config import load_config, resolve
from riskkit.lifecycle.analysis import run_simulation
from riskkit.reporting.notebooks import run_notebooks
from riskkit.reporting.report import write_report

log = logging.getLogger("riskkit")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m riskkit.demo", description=__doc__)
    parser.add_argument("--config", type=Path, default=Path("configs/baseline.yaml"))
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=Path, default=Path("runs"))
    parser.add_argument("--reports", type=Path, default=Path("reports"))
    parser.add_argument("--notebook-rows", type=int, default=20_000)
    parser.add_argument("--borrowers", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    # the same filter as every riskkit command: fontTools, matplotlib and PIL only at WARNING,
    # so the forked process that writes charts (riskkit.charts.export_all) inherits it and
    # its PDF font subsetting no longer prints thousands of "riskkit:" lines
    setup_logging(args.quiet)
    try:
        cfg = (load_config(args.config, rows=args.rows, seed=args.seed) if args.config.exists()
               else resolve({}, rows=args.rows, seed=args.seed))
        run_dir = run_experiment(cfg, args.runs, quiet=args.quiet)
        report = write_report(run_dir)
        lifecycle_dir = args.reports / "lifecycle"
        summary = run_simulation(lifecycle_dir, args.borrowers, args.months, seed=3,
                                 run=load_run(run_dir), quiet=args.quiet)
        notebooks_dir = args.reports / "notebooks"
        executed = run_notebooks(notebooks_dir, rows=args.notebook_rows, seed=args.seed,
                                 run_dir=run_dir, quiet=args.quiet)
    except RiskkitError as exc:
        print(f"riskkit demo: error: {exc}", file=sys.stderr)
        return 2
    cohort = summary["borrowed_once_then_ineligible"]
    print("\nriskkit demo finished")
    print(f"  run (models, metrics, decisions, reasons): {run_dir}")
    print(f"  charts (PNG, SVG, PDF):                    {run_dir / 'figures'}")
    print(f"  HTML report:                               {report}")
    print(f"  lifecycle panel and summary:               {lifecycle_dir}"
          f"  ({cohort['count']:,} borrowed once, repaid, then lost their line)")
    print(f"  executed notebooks ({len(executed)}) and their HTML:   {notebooks_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

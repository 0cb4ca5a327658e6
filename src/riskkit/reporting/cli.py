"""``riskkit validate`` and ``riskkit validate-power``: the validation battery's commands.

They live here rather than in :mod:`riskkit.cli`, which is at the project's 500-line limit
per module; ``riskkit.cli`` adds them with :func:`add_validate_commands`. Like every
sub-command they are thin wrappers: the battery is :mod:`riskkit.experiment.validation`,
the power study :mod:`riskkit.experiment.power_study`. Only ``argparse`` is imported up
front, so ``riskkit --help`` stays as fast as before; the work is imported when a command
runs (an entry point may import lazily).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

__all__ = ["add_validate_commands"]


def _count(minimum: int) -> Callable[[str], int]:
    """An argparse type for whole numbers >= ``minimum`` (``1_000`` accepted)."""

    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum:,}, "
                                             f"got {text!r}")
        return value

    return parse


def _sizes(text: str) -> list[int]:
    parse = _count(50)
    return [parse(part) for part in text.split(",") if part.strip()] or [parse("")]


def add_validate_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``validate`` and ``validate-power`` to the ``riskkit`` command's sub-parsers."""
    p = sub.add_parser("validate", help="the validation battery on a run -> RUN/validation.json",
                       description="Run the validation battery (discrimination with DeLong and "
                                   "bootstrap intervals, calibration per grade, goodness of "
                                   "fit, concentration, stability, migration) on a run's test "
                                   "and out-of-time samples; print a table and keep "
                                   "RUN/validation.json (the report shows it).")
    p.add_argument("run", type=Path, help="run folder")
    p.add_argument("--against", type=Path, default=None, metavar="RUN_DEV",
                   help="development run: its test split is the development sample and its "
                        "model grades the current applicants for the migration matrix")
    p.set_defaults(handler=_cmd_validate)
    q = sub.add_parser("validate-power", help="each validation test's false alarms and power",
                       description="Inject known defects into the config's world and score "
                                   "samples repeatedly: how often each test flags when nothing "
                                   "is wrong, and when something is (validate.power).")
    q.add_argument("config", type=Path, help="experiment config with a validate: section")
    q.add_argument("--out", type=Path, default=Path("power"),
                   help="parent folder of the study's folder (default power/)")
    q.add_argument("--reps", type=_count(1), default=None, help="override validate.power.reps")
    q.add_argument("--sizes", type=_sizes, default=None, metavar="N1,N2,...",
                   help="override validate.power.sizes")
    q.add_argument("--workers", type=_count(1), default=None,
                   help="override validate.power.workers (processes)")
    q.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the tasks on a Dask scheduler (address, or 'local' for a "
                        "LocalCluster) instead of local processes")
    q.set_defaults(handler=_cmd_validate_power)


def _cmd_validate(args: argparse.Namespace) -> int:
    from riskkit.experiment.validation import VALIDATION_FILE, format_table, validate_run

    record = validate_run(args.run, args.against)
    print(format_table(record))
    print(f"validation written to {args.run / VALIDATION_FILE}")
    return 0


def _cmd_validate_power(args: argparse.Namespace) -> int:
    from riskkit.experiment.power_study import power_config, run_power_study, summary_lines

    cfg = power_config(args.config, reps=args.reps, sizes=args.sizes, workers=args.workers)
    if args.scheduler is None:
        path, study = run_power_study(cfg, args.out, quiet=args.quiet)
    else:
        from riskkit.scale import dask_client

        with dask_client(None if args.scheduler == "local" else args.scheduler) as client:
            path, study = run_power_study(cfg, args.out, executor=client.get_executor(),
                                          quiet=args.quiet)
    print("\n".join(summary_lines(study)))
    print(f"power study written to {path} ({study.meta['seconds']:.0f} s wall, "
          f"{study.meta['cpu_seconds']:.0f} CPU s)")
    return 0

"""The ``riskkit`` command.

Every sub-command is a thin wrapper around a library call. On bad input the library raises a
:class:`~riskkit.errors.RiskkitError`; here it becomes one line on stderr and exit code 2,
never a traceback. Argument errors from argparse are shortened to one line as well.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import RiskkitError

log = logging.getLogger("riskkit")

Handler = Callable[[argparse.Namespace], int]


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the usage itself is under --help)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def _setup_logging(quiet: bool) -> None:
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO,
                        format="riskkit: %(message)s", stream=sys.stderr, force=True)


# ----------------------------------------------------------------------------- generate
def _add_generate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="generate a synthetic borrower population",
                       description="Generate applicants with a known ground truth into "
                                   "DIR/population.parquet and DIR/datacard.json.")
    p.add_argument("--rows", type=positive_int, default=200_000, help="applicants (default 200000)")
    p.add_argument("--seed", type=non_negative_int, default=7, help="random seed (default 7)")
    p.add_argument("--scenario", default="baseline", help="baseline | downturn")
    p.add_argument("--bad-rate", type=float, default=None, help="target bad rate (default 0.04)")
    p.add_argument("--engine", default="local", choices=["local", "dask"],
                   help="local (in-process) or dask (partitioned Parquet)")
    p.add_argument("--scheduler", default=None,
                   help="address of a running Dask scheduler (default: a LocalCluster)")
    p.add_argument("--partition-blocks", type=positive_int, default=4,
                   help="65,536-row blocks per Dask partition (default 4)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.set_defaults(handler=_cmd_generate)


def _cmd_generate(args: argparse.Namespace) -> int:
    from .synth import DEFAULT_BAD_RATE, get_scenario, write_population

    get_scenario(args.scenario)  # fail before any work on a misspelt scenario
    bad_rate = DEFAULT_BAD_RATE if args.bad_rate is None else args.bad_rate
    if args.engine == "dask":
        from .scale import write_population_dask

        card = write_population_dask(args.out, rows=args.rows, seed=args.seed,
                                     scenario=args.scenario, bad_rate=bad_rate,
                                     scheduler=args.scheduler,
                                     partition_blocks=args.partition_blocks, quiet=args.quiet)
    else:
        card = write_population(args.out, rows=args.rows, seed=args.seed,
                                scenario=args.scenario, bad_rate=bad_rate, quiet=args.quiet)
    auc = card["oracle_auc"]
    auc_text = "n/a (one class)" if auc is None else f"{auc:.3f}"
    print(f"{card['rows']:,} applicants, bad rate {card['bad_rate']:.2%}, "
          f"oracle AUC {auc_text} -> {args.out}")
    return 0


COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [_add_generate]


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="riskkit", description="Credit-risk research on synthetic "
                           "borrowers whose truth is known.")
    parser.add_argument("--quiet", action="store_true", help="no progress bars or info logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for add in COMMANDS:
        add(sub)
    for action in sub.choices.values():
        action.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS,
                            help="no progress bars or info logs")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.quiet = bool(getattr(args, "quiet", False))
    _setup_logging(args.quiet)
    handler: Handler = args.handler
    try:
        return handler(args)
    except RiskkitError as exc:
        print(f"riskkit {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"riskkit {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""What every ``riskkit`` sub-command shares: logging, console text, and how it ends.

Kept apart from :mod:`riskkit.cli` (which only declares the commands) and light: it imports
nothing heavy, so ``riskkit --help`` stays fast. The argument types (one-line usage errors,
whole numbers, rates) live in :mod:`riskkit.core.argtypes`.

How a command ends (:func:`run_handler`): a :class:`~riskkit.core.errors.RiskkitError` or an
OS error is one line on stderr and exit code 2, never a traceback; Ctrl-C and ``kill`` are
one line and 130 / 143; and a reader that closes the pipe early (``riskkit explain ... |
head -1``) ends the command quietly with status 0, as ``cat`` and ``grep`` do: what was
printed was read, and nothing failed.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from riskkit.core.errors import RiskkitError

__all__ = ["NOISY_WHEN_QUIET", "QUIET_LOGGERS", "Handler", "Terminated", "fairness_line",
           "metric_text", "run_handler", "setup_logging"]

Handler = Callable[[argparse.Namespace], int]

#: Libraries that log font subsetting and lookups at INFO (about 1,500 lines a fit), and
#: the HTTP stack that logs every retry of a tracking call as a warning.
QUIET_LOGGERS = ("fontTools", "matplotlib", "PIL")
NOISY_WHEN_QUIET = ("urllib3", "mlflow", "alembic", "py.warnings")


def metric_text(value: Any, fmt: str = ".4f") -> str:
    """A metric for the console; ``n/a`` when it was not measured (None or NaN)."""
    if value is None or not isinstance(value, int | float) or value != value:
        return "n/a"
    return format(value, fmt)


def fairness_line(metrics: Any, split: str = "test") -> str | None:
    """The four-fifths check per attribute in three outcomes: passes, fails, not measured."""
    part = ((metrics.get("fairness") or {}).get("splits") or {}).get(split) or {}
    flags = part.get("four_fifths_flag") or {}
    if not flags:
        return None
    groups: dict[str, list[str]] = {"passes": [], "fails": [], "not measured": []}
    for attr, flag in flags.items():
        groups[{True: "fails", False: "passes"}.get(flag, "not measured")].append(attr)
    text = "; ".join(f"{k} {len(v)}" + (f" ({', '.join(v)})" if v and k != "passes" else "")
                     for k, v in groups.items())
    return f"  fairness   four-fifths on {split}: {text}"


def setup_logging(quiet: bool) -> None:
    """riskkit's own decisions at INFO (or only warnings with ``--quiet``); others quieter."""
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO,
                        format="riskkit: %(message)s", stream=sys.stderr, force=True)
    for name in QUIET_LOGGERS:  # only riskkit's own decisions at INFO
        logging.getLogger(name).setLevel(logging.WARNING)
    if quiet:  # --quiet means quiet: a failure is reported once, by riskkit
        for name in NOISY_WHEN_QUIET:
            logging.getLogger(name).setLevel(logging.ERROR)


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill PID``) as an exception, so that it unwinds like Ctrl-C."""


def _pipe_closed() -> int:
    # Python's advice (signal module docs, "Note on SIGPIPE"): point stdout at the null
    # device so the interpreter's final flush does not raise again, and end quietly
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)
    return 0


def run_handler(args: argparse.Namespace, handler: Handler) -> int:
    """The handler, with every riskkit error, OS error and interrupt as one line."""
    try:
        code = handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not at the interpreter's exit
        return code
    except BrokenPipeError:
        return _pipe_closed()
    except RiskkitError as exc:
        print(f"riskkit {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"riskkit {args.command}: error:{where} {exc.strerror or exc}", file=sys.stderr)
        return 2
    except Terminated:
        print(f"riskkit {args.command}: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print(f"riskkit {args.command}: interrupted", file=sys.stderr)
        return 130

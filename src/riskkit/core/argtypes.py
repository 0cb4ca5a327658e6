"""Command-line argument types every riskkit command shares: one-line usage errors and
whole numbers with a lower bound (``1_000`` accepted)."""

from __future__ import annotations

import argparse
from collections.abc import Callable


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the usage itself is under --help)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def whole_number(minimum: int, wording: str) -> Callable[[str], int]:
    """An argparse type for whole numbers >= ``minimum`` (``1_000`` accepted).

    Parameters
    ----------
    minimum : int
        The smallest value accepted.
    wording : str
        What is expected, for the error (``"a positive whole number"``).

    Returns
    -------
    callable
        ``str -> int``, raising :class:`argparse.ArgumentTypeError` with one line.
    """

    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {wording}, got {text!r}")
        return value

    return parse


positive_int = whole_number(1, "a positive whole number")
non_negative_int = whole_number(0, "a whole number >= 0")

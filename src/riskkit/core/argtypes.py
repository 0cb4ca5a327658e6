"""Command-line argument types every riskkit command shares: one-line usage errors, whole
numbers with a lower bound and rates, each read as a person writes them (``1_000``,
``1,000``, ``5%``: :mod:`riskkit.core.natural`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from riskkit.core.natural import SHARE_FORMS, read_share, read_whole

__all__ = ["OneLineParser", "non_negative_int", "positive_int", "rate", "whole_number"]


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the usage itself is under --help)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def whole_number(minimum: int, wording: str) -> Callable[[str], int]:
    """An argparse type for whole numbers >= ``minimum`` (``1_000`` and ``1,000`` accepted).

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
        value = read_whole(text)
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"expected {wording}, got {text!r}")
        return value

    return parse


positive_int = whole_number(1, "a positive whole number")
non_negative_int = whole_number(0, "a whole number >= 0")


def rate(text: str) -> float:
    """An argparse type for a rate: ``0.05``, ``.05`` or ``5%``.

    Only the form is checked here; the range belongs to whoever uses the rate (a
    :class:`~riskkit.synth.World` refuses a bad rate outside 0.001 to 0.5 in one line).

    Parameters
    ----------
    text : str
        What the person typed.

    Returns
    -------
    float
        The share (``"5%"`` -> 0.05).
    """
    value = read_share(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"expected {SHARE_FORMS}, got {text!r}")
    return value

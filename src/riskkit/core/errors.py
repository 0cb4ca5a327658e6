"""Errors a person can act on.

Every error riskkit raises on bad input is a ``RiskkitError``: the CLI prints its message on
one line and exits with code 2, no traceback. A ``DataError`` carries *all* the problems
found in one pass, so an analyst fixes a file once, not once per problem.
"""

from __future__ import annotations

from collections.abc import Iterable


class RiskkitError(Exception):
    """Bad input or state, explained; the CLI turns it into exit code 2."""


class ConfigError(RiskkitError):
    """A config file or argument that does not fit what is expected."""


class RunError(RiskkitError):
    """A run folder that is missing, incomplete or damaged."""


class DataError(RiskkitError):
    """A data file or frame with one or more problems, all listed in the message."""

    def __init__(self, source: str, problems: Iterable[str]):
        self.source = source
        self.problems = [str(p) for p in problems]
        lines = "; ".join(self.problems)
        super().__init__(f"{source}: {lines}")

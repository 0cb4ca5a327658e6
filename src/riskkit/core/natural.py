"""Numbers as a person writes them: ``"0.5"``, ``"50%"``, ``"20,000"``, ``"20_000"``.

A YAML file says ``bad_rate: "5%"`` or a command line ``--bad-rate 5%`` as naturally as
``0.05``; a sweep's grid may hold ``0.5`` and ``"0.5"``. These helpers read such text into
the number it means, or return None so the caller refuses it naming the form expected.
Percentages are read only where a share is expected (a rate, a split share): ``"50%"`` of a
row count means nothing.
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["SHARE_FORMS", "read_number", "read_share", "read_whole"]

#: How a share may be written, for messages.
SHARE_FORMS = "a number such as 0.05, or a percentage such as 5%"
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def _is_plain_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def read_number(value: Any) -> float | int | None:
    """A finite number from a number or its text (``"1,000"``, ``"1_000"``, ``" 0.5 "``).

    Parameters
    ----------
    value : Any
        What the person wrote.

    Returns
    -------
    int, float or None
        An int when the text is a whole number without a decimal point; None for anything
        that is not a finite number (booleans included).
    """
    if _is_plain_number(value):
        return value if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    text = value.strip().replace("_", "")
    if _GROUPED.match(text):
        text = text.replace(",", "")
    for kind in (int, float):
        try:
            number = kind(text)
        except ValueError:
            continue
        return number if math.isfinite(number) else None
    return None


def read_share(value: Any) -> float | None:
    """A share from ``0.05``, ``"0.05"`` or ``"5%"`` (not range-checked); None otherwise."""
    if isinstance(value, str) and value.strip().endswith("%"):
        number = read_number(value.strip()[:-1])
        return None if number is None else float(number) / 100.0
    number = read_number(value)
    return None if number is None else float(number)


def read_whole(value: Any) -> int | None:
    """A whole number from ``20000``, ``20000.0``, ``"20,000"`` or ``"20_000"``; else None."""
    number = read_number(value)
    if number is None or float(number) != int(number):
        return None
    return int(number)

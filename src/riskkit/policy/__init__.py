"""Policy: knock-out rules, the cut-off, the credit line, and how a policy holds up under drift."""

from __future__ import annotations

from riskkit.policy.rules import (
    APPROVED,
    DEFAULT_KNOCKOUTS,
    DENIED,
    MISSING_INCOME,
    MISSING_OUTCOMES,
    REFERRED,
    Decisions,
    KnockoutRule,
    LineRule,
    Policy,
)

__all__ = ['APPROVED', 'DEFAULT_KNOCKOUTS', 'DENIED', 'MISSING_INCOME', 'MISSING_OUTCOMES', 'REFERRED',
           'Decisions', 'KnockoutRule', 'LineRule', 'Policy']

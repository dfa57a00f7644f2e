"""The analyzer, the rules, the cdk-nag pack and the fix aspects.

Only the pure-Python analyzer is imported eagerly; the CDK adapters load on first use so that
the CLI never starts jsii.
"""

from __future__ import annotations

from .analyzer import analyze
from .findings import Finding, Report, Severity
from .rules import ALL_RULES, RULES_BY_ID

__all__ = ["ALL_RULES", "RULES_BY_ID", "Finding", "Report", "Severity", "analyze"]

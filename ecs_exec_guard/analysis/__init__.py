"""The pure analyzer: CloudFormation templates in, findings out (no CDK import).

Nothing in this package imports aws_cdk, constructs, cdk_nag or jsii, nor the policies,
constructs or CLI packages (import-linter contracts in pyproject.toml keep it so).
"""

from __future__ import annotations

from .analyzer import analyze
from .findings import Finding, Report, Severity
from .rules import ALL_RULES, RULES_BY_ID

__all__ = ["ALL_RULES", "RULES_BY_ID", "Finding", "Report", "Severity", "analyze"]

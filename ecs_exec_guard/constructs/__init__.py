"""The L3 construct ``ExecEnabledService`` and least-privilege operator access helpers."""

from __future__ import annotations

from .exec_enabled_service import ExecEnabledService, ExecLogging, ExecMode
from .operator_access import ExecOperatorPolicy, exec_operator_statements

__all__ = [
    "ExecEnabledService",
    "ExecLogging",
    "ExecMode",
    "ExecOperatorPolicy",
    "exec_operator_statements",
]

"""ecs-exec-guard: make ECS Exec work on the first try, checked and repaired at synth time.

The analyzer (``ecs_exec_guard.analysis.analyze``) is pure Python. The CDK-facing names
(``EcsExecChecks``, ``EcsExecAutoFix``, ``ExecEnabledService``, ...) are imported on first use,
so that ``import ecs_exec_guard`` and the CLI do not start jsii.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .analysis import Finding, Report, Severity, analyze
from .metadata import package_version

#: From the installed distribution's metadata: pyproject.toml's ``version`` is the one source.
__version__ = package_version()

_LAZY = {
    "EcsExecChecks": "ecs_exec_guard.policies.pack",
    "EcsExecAutoFix": "ecs_exec_guard.policies.autofix",
    "EcsExecContainerMixin": "ecs_exec_guard.policies.autofix",
    "EcsExecEnableMixin": "ecs_exec_guard.policies.autofix",
    "EcsExecPlatformVersionMixin": "ecs_exec_guard.policies.autofix",
    "ExecEnabledService": "ecs_exec_guard.constructs.exec_enabled_service",
    "ExecMode": "ecs_exec_guard.constructs.exec_enabled_service",
    "ExecLogging": "ecs_exec_guard.constructs.exec_enabled_service",
    "exec_operator_statements": "ecs_exec_guard.constructs.operator_access",
    "ExecOperatorPolicy": "ecs_exec_guard.constructs.operator_access",
}

if TYPE_CHECKING:  # pragma: no cover  (type checkers and IDEs see the real classes)
    from .constructs.exec_enabled_service import ExecEnabledService, ExecLogging, ExecMode
    from .constructs.operator_access import ExecOperatorPolicy, exec_operator_statements
    from .policies.autofix import (
        EcsExecAutoFix,
        EcsExecContainerMixin,
        EcsExecEnableMixin,
        EcsExecPlatformVersionMixin,
    )
    from .policies.pack import EcsExecChecks


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ecs_exec_guard' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """dir() and REPL completion list the lazy names too (without importing them)."""
    return sorted({*globals(), *_LAZY})


__all__ = [
    "EcsExecAutoFix",
    "EcsExecChecks",
    "EcsExecContainerMixin",
    "EcsExecEnableMixin",
    "EcsExecPlatformVersionMixin",
    "ExecEnabledService",
    "ExecLogging",
    "ExecMode",
    "ExecOperatorPolicy",
    "Finding",
    "Report",
    "Severity",
    "__version__",
    "analyze",
    "exec_operator_statements",
]

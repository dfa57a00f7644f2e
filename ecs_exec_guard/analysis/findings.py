"""What the analyzer reports: findings, their severity, and the report that holds them."""

from __future__ import annotations

import enum
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.Enum):
    """How bad a finding is. Errors break ECS Exec; warnings may, or cannot be verified."""

    ERROR = "error"
    WARNING = "warning"

    @property
    def rank(self) -> int:
        return 2 if self is Severity.ERROR else 1


@dataclass(frozen=True, order=True)
class Finding:
    """One rule violation (or one fact that could not be verified) on one resource."""

    rule_id: str
    severity: Severity
    template: str
    logical_id: str
    message: str
    fix: str
    construct_path: str | None = None
    resource_type: str | None = None
    #: Whether this finding says a fact could not be verified (a cannot-verify warning).
    unverified: bool = False
    #: The exec launches (services, rules, schedules, state machines) the finding concerns, as
    #: construct paths (``template/logical-id`` where there is none). Set by ``analyze``.
    launches: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "template": self.template,
            "logical_id": self.logical_id,
            "construct_path": self.construct_path,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Suppressed:
    """A finding that an acknowledgment suppresses, with the acknowledgment's reason."""

    finding: Finding
    reason: str
    #: ``"metadata"`` (template resource metadata) or ``"cdk"`` (the cloud assembly).
    source: str
    #: Where the acknowledgment is: a construct path, or ``template/logical-id``.
    at: str

    def to_json(self) -> dict[str, Any]:
        return {
            **self.finding.to_json(),
            "acknowledgment": {"reason": self.reason, "source": self.source, "at": self.at},
        }


_AUTOFIX = re.compile(r"EcsExecAutoFix(\([^)]*\))?")


def fix_for_exec_enabled_service(fix: str) -> str:
    """A fix text as an ``ExecEnabledService`` user applies it: the construct's own options
    instead of ``EcsExecAutoFix``, which the construct applies itself in FIX mode."""

    def option(m: re.Match[str]) -> str:
        if "exec_containers" in (m.group(1) or ""):
            return "ExecEnabledService(exec_containers=[...], mode=ExecMode.FIX)"
        return "ExecEnabledService(mode=ExecMode.FIX)"

    return _AUTOFIX.sub(option, fix)


@dataclass
class Report:
    """The analyzer's answer: findings in a stable order, plus what was looked at."""

    findings: list[Finding] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)
    launches_checked: int = 0
    #: Findings acknowledged (template metadata or CDK acknowledgments), not in ``findings``.
    suppressed: list[Suppressed] = field(default_factory=list)
    #: What the reader must know besides the findings (one sentence each), for example that
    #: no launch requested exec, so that a clean report is not mistaken for a pass.
    notes: list[str] = field(default_factory=list)
    #: The cluster each exec launch runs on, both as construct paths (``template/logical-id``
    #: where there is none), for launches whose cluster is in the input.
    launch_clusters: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    def summary(self) -> dict[str, Any]:
        by_rule = Counter(f.rule_id for f in self.findings)
        return {
            "templates": len(self.templates),
            "exec_launches_checked": self.launches_checked,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "suppressed": len(self.suppressed),
            "by_rule": dict(sorted(by_rule.items())),
            "notes": list(self.notes),
        }

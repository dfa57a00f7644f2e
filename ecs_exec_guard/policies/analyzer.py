"""The analyzer: CloudFormation templates in, findings out. The single source of truth.

Pure Python over dicts: no jsii, no CDK import. The cdk-nag pack, the CLI and the L3's
enforce mode all report what :func:`analyze` returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .findings import Finding, Report
from .model import Model
from .rules import ALL_RULES, Context, Options

TemplateInput = tuple[str, Mapping[str, Any], str | None]


def _normalise(
    templates: Mapping[str, Mapping[str, Any]] | Iterable[TemplateInput],
) -> list[TemplateInput]:
    if isinstance(templates, Mapping):
        return [(str(name), body, None) for name, body in templates.items()]
    out: list[TemplateInput] = []
    for item in templates:
        name, body, path = item
        out.append((name, body, path))
    return out


def analyze(
    templates: Mapping[str, Mapping[str, Any]] | Iterable[TemplateInput],
    *,
    require_exec: bool = False,
    rules: Iterable[str] | None = None,
) -> Report:
    """Check the templates of one app (cross-template references resolve) for ECS Exec.

    ``templates`` maps a template name (e.g. ``MyStack.template.json``) to its parsed body, or
    is an iterable of ``(name, body, path)``. ``rules`` limits the check to those rule IDs.
    Never raises on odd templates: what cannot be resolved becomes a cannot-verify warning.
    """
    inputs = _normalise(templates)
    model = Model(inputs)
    ctx = Context(model, Options(require_exec=require_exec))
    wanted = set(rules) if rules is not None else None
    seen: set[tuple[str, str, str, str]] = set()
    findings: list[Finding] = []
    for rule_cls in ALL_RULES:
        if wanted is not None and rule_cls.id not in wanted:
            continue
        for finding in rule_cls().check(ctx):
            key = (finding.rule_id, finding.template, finding.logical_id, finding.message)
            if key not in seen:
                seen.add(key)
                findings.append(finding)
    return Report(
        findings=findings,
        templates=[name for name, _, _ in inputs],
        launches_checked=len(ctx.exec_launches),
    )

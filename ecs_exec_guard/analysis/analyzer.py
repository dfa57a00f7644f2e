"""The analyzer: CloudFormation templates in, findings out. The single source of truth.

Pure Python over dicts: no jsii, no CDK import. The cdk-nag pack, the CLI and the L3's
enforce mode all report what :func:`analyze` returns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from .acknowledgments import Acknowledgment, from_templates, split
from .findings import Finding, Report, fix_for_exec_enabled_service
from .launch import MANAGED_INSTANCES
from .model import Model, Resource
from .network import container_hosts
from .rules import ALL_RULES, RULES_BY_ID, Context, Options
from .scenarios import Assignment, assignments, merge

TemplateInput = tuple[str, Mapping[str, Any], str | None]
NO_EXEC_LAUNCH = (
    "no exec-enabled launch was found (an ECS service, EventBridge rule or Scheduler target, or "
    "Step Functions ecs:runTask state with EnableExecuteCommand), so nothing was checked for "
    "ECS Exec"
)


def normalise_inputs(
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
    parameters: Mapping[str, Any] | None = None,
    template_parameters: Mapping[str, Mapping[str, Any]] | None = None,
    acknowledgments: Iterable[Acknowledgment] = (),
    stack_paths: Mapping[str, str] | None = None,
) -> Report:
    """Check the templates of one app (cross-template references resolve) for ECS Exec.

    ``templates`` maps a template name (e.g. ``MyStack.template.json``) to its parsed body, or
    is an iterable of ``(name, body, path)``. ``rules`` limits the check to those rule IDs.
    ``parameters`` gives values to the parameters of every template that declares them
    (``{"EnvName": "prod"}``), ``template_parameters`` to one template's (by template name);
    ``AWS::StackName`` may be given too. A parameter without a value stays unknown.
    Never raises on odd templates: what cannot be resolved becomes a cannot-verify warning.

    Acknowledgments in resource metadata (``ecs-exec-guard: {acknowledge: [...]}``) and the
    given ``acknowledgments`` (CDK's, from a cloud assembly; ``stack_paths`` gives each
    template's stack construct path) move findings to ``Report.suppressed``. An invalid
    acknowledgment in the metadata raises :class:`AcknowledgmentError` (a usage error).
    """
    inputs = normalise_inputs(templates)
    options = Options(require_exec=require_exec)
    wanted = set(rules) if rules is not None else None

    def build(conditions: Assignment | None = None) -> Model:
        return Model(
            inputs,
            parameters=parameters,
            template_parameters=template_parameters,
            conditions=conditions,
            budgets=model.budgets if conditions is not None else None,
        )

    model = build()
    acks = [*from_templates(model, RULES_BY_ID), *acknowledgments]
    ctx = Context(model, options)
    findings = _run_rules(ctx, wanted)
    if model.undecided:
        # Fn::If on deploy-time conditions: evaluate each branch, then fold (scenarios.py).
        runs = [
            (assignment, _run_rules(Context(branch, options), wanted))
            for assignment, branch in assignments(model.undecided, build)
        ]
        if runs:
            findings = merge(runs, [r.id for r in ALL_RULES])
    related = _launches_by_resource(ctx)
    by_l3 = {
        _label(lc.resource)
        for lc in ctx.exec_launches
        if lc.resource.made_by_exec_enabled_service
    }
    findings = [_with_launches(f, related, by_l3) for f in findings]
    findings, suppressed = split(findings, acks, stack_paths)
    clusters = {
        _label(lc.resource): _label(cluster)
        for lc in ctx.exec_launches
        if (cluster := ctx.facts(lc).cluster) is not None
    }
    return Report(
        findings=findings,
        templates=[name for name, _, _ in inputs],
        launches_checked=len(ctx.exec_launches),
        suppressed=suppressed,
        notes=list(model.assumptions) + ([] if ctx.exec_launches else [NO_EXEC_LAUNCH]),
        launch_clusters=clusters,
    )


def _run_rules(ctx: Context, wanted: set[str] | None) -> list[Finding]:
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
    return findings


def _with_launches(
    f: Finding, related: dict[tuple[str, str], dict[str, None]], by_l3: set[str]
) -> Finding:
    """The finding with the launches it concerns; when they are all ExecEnabledService's, its
    fix names that construct's options."""
    launches = tuple(related.get((f.template, f.logical_id), ()))
    fix = f.fix
    if launches and all(label in by_l3 for label in launches):
        fix = fix_for_exec_enabled_service(fix)
    return dataclasses.replace(f, launches=launches, fix=fix)


def _label(res: Resource) -> str:
    return res.construct_path or f"{res.template.name}/{res.logical_id}"


def _launches_by_resource(ctx: Context) -> dict[tuple[str, str], dict[str, None]]:
    """For each resource, the exec launches whose prerequisites it carries."""
    # Dicts as ordered sets: a cluster or task definition may carry thousands of launches.
    out: dict[tuple[str, str], dict[str, None]] = {}

    def add(res: Resource | None, launch_label: str) -> None:
        if res is None:
            return
        out.setdefault((res.template.name, res.logical_id), {})[launch_label] = None

    for launch in ctx.exec_launches:
        label = _label(launch.resource)
        facts = ctx.facts(launch)
        add(launch.resource, label)
        add(facts.task_definition, label)
        add(facts.cluster, label)
        net = ctx.network(launch)
        if net is not None:
            for ep, _ in net.endpoint_problems:
                add(ep.resource, label)
        if facts.capacity.kind in ("EC2", MANAGED_INSTANCES):
            for host in container_hosts(ctx.model, facts.capacity, facts.cluster):
                add(host.ami_source or host.resource, label)
    for use in ctx.task_role_uses():
        for launch in use.launches:
            add(use.role, _label(launch.resource))
    return out

"""RULES.md, the rules reference, generated from the rule classes (a test keeps it current)."""

from __future__ import annotations

from .rules import ALL_RULES

HEADER = """# ecs-exec-guard rules

<!-- Generated from ecs_exec_guard/analysis/rules by `ecs-exec-guard rules --markdown > RULES.md`.
     Do not edit by hand: tests/test_rules_doc.py fails when this file is stale. -->

Every rule checks exec-enabled launches: `AWS::ECS::Service` and `AWS::ECS::Daemon` with
`EnableExecuteCommand`, EventBridge rule and Scheduler schedule targets with
`EcsParameters.EnableExecuteCommand`, EventBridge Pipes targets with
`TargetParameters.EcsTaskParameters.EnableExecuteCommand`, Step Functions `ecs:runTask` states
with `EnableExecuteCommand`, and `AWS::Batch::JobDefinition` with
`EcsProperties.TaskProperties[].EnableExecuteCommand` or `ContainerProperties.EnableExecuteCommand`
(ENB1, ACC1, ACC2, CFG1 and INP1 look further). A launch may name its task definition by
reference, family, `family:revision` or ARN; when it sets `Overrides.TaskRoleArn`, that role is
the task role the IAM rules check. Services, tasks and daemons on ECS Managed Instances capacity
providers are checked like EC2 ones, except the AMI (AWS manages it, so PLT2 does not apply);
their host-mode tasks and daemons use the launch template's subnets and security groups. In a
CDK app the rule ID to acknowledge is `EcsExec::<Rule ID>`, for example
`EcsExec::EcsExec-CTR1`.

**Reported on.** "task definition" is the `AWS::ECS::TaskDefinition`, the
`AWS::ECS::DaemonTaskDefinition` of a daemon, or the `AWS::Batch::JobDefinition` whose task it
is; "service / rule / schedule" is the resource that launches the tasks (service, daemon, rule,
schedule, pipe, state machine or job definition).

**Cannot verify.** When a value a rule needs is outside the input (an imported role, subnet or
VPC) or cannot be resolved (a parameter without a value), the rule reports a *warning* whose
message starts with `Cannot verify:` instead of passing. IAM4 and NET7 exist for the two
commonest cases; the other rules use their own ID.

**Deploy-time conditions.** A value that is `Fn::If` on a condition decided at deploy time is
checked in each branch (up to three such conditions; others stay cannot-verify): a rule that
fails in every branch is reported at its severity (prefixed `When <condition> is ...:` where the
branches fail differently), one that passes in every branch is not reported, and one that fails
in some branches only is a cannot-verify warning naming the condition and what fails when.

| Rule ID | Severity | Reported on | Description |
|---|---|---|---|
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rule_anchor(rule_id: str) -> str:
    """The anchor GitHub gives a rule's ``### <rule ID>`` heading below (SARIF ``helpUri``
    links to it): lower case, the ID has nothing else GitHub would drop."""
    return rule_id.lower()


def render_markdown() -> str:
    rows = [
        "| "
        + " | ".join(
            [f"[{r.id}](#{rule_anchor(r.id)})"]
            + [_cell(x) for x in (r.severity.value, r.reported_on, r.description)]
        )
        + " |"
        for r in ALL_RULES
    ]
    sections = [
        f"### {r.id}\n\n"
        f"**{_cell(r.description)}** Severity: {r.severity.value}. "
        f"Reported on: {_cell(r.reported_on)}.\n\n"
        f"{r.explanation}\n\n"
        f"**Fix:** {r.fix}\n"
        for r in ALL_RULES
    ]
    return HEADER + "\n".join(rows) + "\n\n## The rules\n\n" + "\n".join(sections)

"""Every field of a finding as the rules make it (``rules.base.Rule.finding``): the template,
construct path and resource type of the resource it is on, the rule's fix unless the finding
has its own, a cannot-verify as a warning whatever the rule's severity (issue 15: mutation
testing)."""

from __future__ import annotations

from cfn import exec_app

from ecs_exec_guard.analysis import Finding, Severity
from ecs_exec_guard.analysis.rules.container import CTR1, CTR4


def test_findings_carry_the_resource_and_the_fix() -> None:
    app = exec_app()
    app.resources["TaskDef"]["Metadata"] = {"aws:cdk:path": "App/TaskDef/Resource"}
    app.container()["ReadonlyRootFilesystem"] = {"Fn::ImportValue": "Shared:ReadOnly"}
    app.container()["EnvironmentFiles"] = [{"Type": "s3", "Value": "arn:aws:s3:::b/x.env"}]
    app.container()["User"] = "1000"
    common = {"template": "App.template.json", "logical_id": "TaskDef",
              "construct_path": "App/TaskDef/Resource",
              "resource_type": "AWS::ECS::TaskDefinition",
              "launches": ("App.template.json/Service",)}
    assert app.analyze().findings == [
        Finding(rule_id="EcsExec-CTR1", severity=Severity.WARNING,
                message="Cannot verify: ReadonlyRootFilesystem of container(s) app of TaskDef "
                        "cannot be resolved.",
                fix=CTR1.fix, unverified=True, **common),
        Finding(rule_id="EcsExec-CTR3", severity=Severity.WARNING,
                message="Cannot verify: TaskDef loads environment files arn:aws:s3:::b/x.env "
                        "(app): static AWS credentials (AWS_ACCESS_KEY_ID, "
                        "AWS_SECRET_ACCESS_KEY) there would override the task role for exec, "
                        "and the files cannot be read at synth time.",
                fix="Keep AWS credentials out of the environment files (the task role provides "
                    "them) and acknowledge this finding with that reason.",
                unverified=True, **common),
        Finding(rule_id="EcsExec-CTR4", severity=Severity.WARNING,
                message="Container(s) app (User 1000) of TaskDef run as a non-root user, but "
                        "exec sessions run as root.",
                fix=CTR4.fix, unverified=False, **common),
    ]


def test_a_finding_without_a_construct_path() -> None:
    app = exec_app()
    app.container()["User"] = "1000"
    (finding,) = app.analyze().findings
    assert (finding.construct_path, finding.resource_type) == (None, "AWS::ECS::TaskDefinition")

"""Fix texts speak the user's language (issue 12, item 9): the CDK (Python) property next to the
CloudFormation one, no internal metadata, and ExecEnabledService's own options (not
EcsExecAutoFix) when every launch a finding concerns is an ExecEnabledService's."""

from __future__ import annotations

import pytest
from cfn import Template, exec_app

from ecs_exec_guard.analysis import RULES_BY_ID
from ecs_exec_guard.analysis.findings import fix_for_exec_enabled_service
from ecs_exec_guard.analysis.model import EXEC_ENABLED_SERVICE_METADATA

# rule -> (the CDK Python property, the CloudFormation property) its fix names.
PROPERTIES = {
    "EcsExec-IAM1": ("task_role=", "TaskRoleArn"),
    "EcsExec-CTR1": ("readonly_root_filesystem=False", "ReadonlyRootFilesystem false"),
    "EcsExec-CTR2": ("init_process_enabled=True", "LinuxParameters.InitProcessEnabled true"),
    "EcsExec-CTR5": ("pid_mode=ecs.PidMode.TASK", "PidMode task"),
    "EcsExec-PLT1": ("platform_version=ecs.FargatePlatformVersion.LATEST", "PlatformVersion"),
    "EcsExec-NET1": ("network_mode=ecs.NetworkMode.AWS_VPC", "NetworkMode"),
    "EcsExec-NET2": ("InterfaceVpcEndpointAwsService.SSM_MESSAGES", "PrivateDnsEnabled true"),
    "EcsExec-NET3": ("assign_public_ip=True", "AssignPublicIp ENABLED"),
    "EcsExec-NET4": ("add_egress_rule(", "SecurityGroupEgress"),
    "EcsExec-NET5": ("private_dns_enabled=True", "PrivateDnsEnabled"),
    "EcsExec-CFG1": ("logging=ecs.ExecuteCommandLogging.OVERRIDE", "Logging OVERRIDE"),
    "EcsExec-ENB1": ("enable_execute_command=True", "EnableExecuteCommand true"),
}
# camelCase names of the TypeScript API that a Python user would not type.
TYPESCRIPT_NAMES = (
    "readonlyRootFilesystem",
    "assignPublicIp",
    "platformVersion",
    "initProcessEnabled",
    "enableExecuteCommand",
    "pidMode",
    "taskRole ",
)


@pytest.mark.parametrize("rule_id", sorted(PROPERTIES))
def test_fix_names_the_cdk_and_the_cloudformation_property(rule_id: str) -> None:
    cdk_name, cfn_name = PROPERTIES[rule_id]
    fix = RULES_BY_ID[rule_id].fix
    assert cdk_name in fix and cfn_name in fix, fix


@pytest.mark.parametrize("rule_id", sorted(RULES_BY_ID))
def test_no_fix_speaks_typescript_or_internal_metadata(rule_id: str) -> None:
    fix = RULES_BY_ID[rule_id].fix
    assert not [n for n in TYPESCRIPT_NAMES if n in fix], fix
    assert "metadata" not in fix and "ecs-exec-guard:" not in fix, fix


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name them: EcsExecAutoFix(exec_containers=[...]) flips only those.",
            "name them: ExecEnabledService(exec_containers=[...], mode=ExecMode.FIX) flips only "
            "those.",
        ),
        ("EcsExecAutoFix adds them.", "ExecEnabledService(mode=ExecMode.FIX) adds them."),
        ("or apply EcsExecAutoFix, which", "or apply ExecEnabledService(mode=ExecMode.FIX), which"),
        ("Restrict who may exec (grant_execute).", "Restrict who may exec (grant_execute)."),
    ],
)
def test_fix_for_exec_enabled_service(text: str, expected: str) -> None:
    assert fix_for_exec_enabled_service(text) == expected


def _readonly(*, l3: bool) -> Template:
    """The compliant app with a read-only root filesystem (CTR1); ``l3``: its service carries
    the metadata ExecEnabledService writes."""
    app = exec_app()
    app.container()["ReadonlyRootFilesystem"] = True
    if l3:
        app.resources["Service"]["Metadata"] = {EXEC_ENABLED_SERVICE_METADATA: "ENFORCE"}
    return app


def test_ctr1_on_an_exec_enabled_service_names_its_options() -> None:
    [finding] = _readonly(l3=True).analyze().findings
    assert (finding.rule_id, finding.logical_id) == ("EcsExec-CTR1", "TaskDef")
    assert finding.fix == (
        "Set readonly_root_filesystem=False on the containers you exec into, or leave it unset "
        "(ReadonlyRootFilesystem false in CloudFormation). To keep the other containers "
        "read-only, name the exec containers: ExecEnabledService(exec_containers=[...], "
        "mode=ExecMode.FIX) flips only those, and the checks then leave the others alone. This "
        "conflicts with Security Hub ECS.5: acknowledge that control for the exec containers."
    )
    assert "EcsExecAutoFix" not in finding.fix


def test_ctr1_on_a_plain_service_names_the_auto_fix() -> None:
    [finding] = _readonly(l3=False).analyze().findings
    assert (finding.rule_id, finding.logical_id) == ("EcsExec-CTR1", "TaskDef")
    assert finding.fix == RULES_BY_ID["EcsExec-CTR1"].fix
    assert "EcsExecAutoFix(exec_containers=[...])" in finding.fix


def test_a_task_definition_shared_with_a_plain_service_keeps_the_generic_fix() -> None:
    """One launch is the L3's, the other a plain service's: the text must serve both."""
    app = _readonly(l3=True)
    app.resources["Plain"] = {
        "Type": "AWS::ECS::Service",
        "Properties": dict(app.props("Service")),
    }
    findings = app.analyze().findings
    assert [(f.rule_id, f.logical_id, f.launches) for f in findings] == [
        ("EcsExec-CTR1", "TaskDef", ("App.template.json/Service", "App.template.json/Plain"))
    ]
    assert findings[0].fix == RULES_BY_ID["EcsExec-CTR1"].fix

"""ExecEnabledService keeps its contract (issue 12): the arguments that contradict it are
refused in both modes (item 5), and exec logging stays least privilege (item 3).

Apps are built by tests/l3_apps.py and synthesized once per module where several tests read
them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import l3_apps as apps
import pytest
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs

from ecs_exec_guard.constructs import ExecEnabledService, ExecLogging, ExecMode

pytestmark = pytest.mark.slow

MODES = [pytest.param(m, id=m.value.lower()) for m in ExecMode]
SSM_ACTIONS = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]


def templates(app: cdk.App) -> dict[str, dict[str, Any]]:
    assembly = app.synth()
    return {
        s.template_file: json.loads(Path(assembly.directory, s.template_file).read_text())
        for s in assembly.stacks
    }


def role_statements(body: dict[str, Any], role_logical_id: str) -> list[dict[str, Any]]:
    """Every statement of the AWS::IAM::Policy resources attached to a role."""
    out: list[dict[str, Any]] = []
    for res in body["Resources"].values():
        if res["Type"] == "AWS::IAM::Policy" and {"Ref": role_logical_id} in res["Properties"][
            "Roles"
        ]:
            out.extend(res["Properties"]["PolicyDocument"]["Statement"])
    return out


def logical_id(construct: Any) -> str:
    cfn = construct if isinstance(construct, cdk.CfnResource) else construct.node.default_child
    assert isinstance(cfn, cdk.CfnResource)
    return str(cdk.Stack.of(cfn).resolve(cfn.logical_id))


# -- item 5: contradicting arguments are refused ----------------------------------------------


def _service(stack: cdk.Stack, mode: ExecMode, **kwargs: Any) -> ExecEnabledService:
    cluster = ecs.Cluster(stack, "Cluster", vpc=apps.nat_vpc(stack))
    return ExecEnabledService(
        stack,
        "Web",
        cluster=cluster,
        task_definition=apps.fargate_task(stack, init=True),
        mode=mode,
        **kwargs,
    )


@pytest.mark.parametrize("mode", MODES)
def test_enable_execute_command_false_is_refused(mode: ExecMode) -> None:
    stack = cdk.Stack(cdk.App(), "Contradict")
    with pytest.raises(ValueError) as info:
        _service(stack, mode, enable_execute_command=False)
    assert str(info.value) == (
        "Contradict/Web: ExecEnabledService always turns ECS Exec on; "
        "enable_execute_command=False contradicts it. Leave enable_execute_command out, or use "
        "ecs.FargateService / ecs.Ec2Service for a service without exec."
    )
    # Refused before anything was added to the tree.
    assert stack.node.try_find_child("Web") is None


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("version", "text"),
    [
        (ecs.FargatePlatformVersion.VERSION1_3, "1.3.0"),
        (ecs.FargatePlatformVersion.VERSION1_0, "1.0.0"),
    ],
)
def test_a_linux_platform_version_without_exec_is_refused(
    mode: ExecMode, version: ecs.FargatePlatformVersion, text: str
) -> None:
    stack = cdk.Stack(cdk.App(), "Contradict")
    with pytest.raises(ValueError) as info:
        _service(stack, mode, platform_version=version)
    assert str(info.value) == (
        f"Contradict/Web: platform_version {text} cannot run ECS Exec on Linux (Fargate "
        "platform 1.4.0 or later is needed). Use FargatePlatformVersion.LATEST or VERSION1_4, "
        "or leave platform_version out."
    )


@pytest.mark.parametrize("mode", MODES)
def test_the_twins_are_accepted(mode: ExecMode) -> None:
    """enable_execute_command=True is redundant, not contradicting; 1.4.0 runs exec; a Windows
    task definition runs exec from platform 1.0.0."""
    stack = cdk.Stack(cdk.App(), "Agree")
    web = _service(
        stack,
        mode,
        enable_execute_command=True,
        platform_version=ecs.FargatePlatformVersion.VERSION1_4,
    )
    props = stack.resolve(web.service.node.default_child._cfn_properties)  # type: ignore[union-attr]
    assert (props["enableExecuteCommand"], props["platformVersion"]) == (True, "1.4.0")
    windows = ecs.FargateTaskDefinition(
        stack,
        "WindowsTask",
        cpu=1024,
        memory_limit_mib=2048,
        runtime_platform=ecs.RuntimePlatform(
            operating_system_family=ecs.OperatingSystemFamily.WINDOWS_SERVER_2019_CORE,
            cpu_architecture=ecs.CpuArchitecture.X86_64,
        ),
    )
    windows.add_container("app", image=ecs.ContainerImage.from_registry(apps.IMAGE))
    ExecEnabledService(
        stack,
        "Windows",
        cluster=web.cluster,
        task_definition=windows,
        mode=mode,
        platform_version=ecs.FargatePlatformVersion.VERSION1_0,
    )


def test_propagate_task_tags_from_is_taken_as_the_tag_source() -> None:
    """CDK refuses propagate_tags together with propagate_task_tags_from; the L3 sets the
    former itself, so the newer name must replace it rather than fail inside CDK."""
    stack = cdk.Stack(cdk.App(), "Tags")
    web = _service(
        stack,
        ExecMode.FIX,
        propagate_task_tags_from=ecs.PropagatedTagSource.TASK_DEFINITION,
    )
    props = stack.resolve(web.service.node.default_child._cfn_properties)  # type: ignore[union-attr]
    assert props["propagateTags"] == "TASK_DEFINITION"


# -- item 3: exec logging stays least privilege -----------------------------------------------


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> dict[ExecMode, tuple[apps.Built, Any]]:
    out = {}
    for mode in ExecMode:
        built = apps.isolated(
            str(tmp_path_factory.mktemp(f"logged-{mode.value}")),
            mode,
            logging=True,
            fail=False,
        )
        out[mode] = (built, templates(built.app))
    return out


@pytest.mark.parametrize("mode", MODES)
def test_exec_logging_grants_scoped_statements_only(
    logged: dict[ExecMode, tuple[apps.Built, Any]], mode: ExecMode
) -> None:
    built, bodies = logged[mode]
    (body,) = bodies.values()
    role = logical_id(built.services["Web"].task_definition.task_role)
    group = logical_id(built.extra["log_group"])
    key = logical_id(built.extra["key"])
    assert role_statements(body, role) == [
        {"Action": SSM_ACTIONS, "Effect": "Allow", "Resource": "*"},
        {"Action": "logs:DescribeLogGroups", "Effect": "Allow", "Resource": "*"},
        {
            "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [group, "Arn"]},
        },
        {"Action": "kms:Decrypt", "Effect": "Allow", "Resource": {"Fn::GetAtt": [key, "Arn"]}},
    ]


def test_a_cluster_configured_by_cdk_keeps_cdks_own_grants(tmp_path: Path) -> None:
    """The twin: on a Cluster(execute_command_configuration=...) CDK grants the scoped
    statements itself, and the L3 adds no copy of them."""
    app = apps.new_app(str(tmp_path))
    stack = cdk.Stack(app, "CdkConfigured")
    group = logs.LogGroup(stack, "ExecLogs", removal_policy=cdk.RemovalPolicy.DESTROY)
    key = kms.Key(stack, "ExecKey", enable_key_rotation=True)
    cluster = ecs.Cluster(
        stack,
        "Cluster",
        vpc=apps.nat_vpc(stack),
        execute_command_configuration=ecs.ExecuteCommandConfiguration(
            kms_key=key,
            logging=ecs.ExecuteCommandLogging.OVERRIDE,
            log_configuration=ecs.ExecuteCommandLogConfiguration(cloud_watch_log_group=group),
        ),
    )
    web = ExecEnabledService(
        stack,
        "Web",
        cluster=cluster,
        task_definition=apps.fargate_task(stack, init=True),
        exec_logging=ExecLogging(log_group=group, kms_key=key),
    )
    (body,) = templates(app).values()
    statements = role_statements(body, logical_id(web.task_definition.task_role))
    group_arn = {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":logs:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":log-group:",
                {"Ref": logical_id(group)},
                ":*",
            ],
        ]
    }
    assert statements == [
        {"Action": SSM_ACTIONS, "Effect": "Allow", "Resource": "*"},
        {
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [logical_id(key), "Arn"]},
        },
        {"Action": "logs:DescribeLogGroups", "Effect": "Allow", "Resource": "*"},
        {
            "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": group_arn,
        },
    ]


# -- item 9: an ExecEnabledService user is told about its own options -----------------------


def test_enforce_tells_the_l3_user_about_exec_containers_not_the_auto_fix(tmp_path: Path) -> None:
    built = apps.readonly_root(
        str(tmp_path), ExecMode.ENFORCE, fail=False, containers=("app", "sidecar")
    )
    built.app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    violations = [v for p in report["pluginReports"] for v in p["violations"]]
    assert [(v["ruleName"], v["severity"]) for v in violations] == [("EcsExec-CTR1", "error")]
    assert violations[0]["suggestedFix"] == (
        "Set readonly_root_filesystem=False on the containers you exec into, or leave it unset "
        "(ReadonlyRootFilesystem false in CloudFormation). To keep the other containers "
        "read-only, name the exec containers: ExecEnabledService(exec_containers=[...], "
        "mode=ExecMode.FIX) flips only those, and the checks then leave the others alone. This "
        "conflicts with Security Hub ECS.5: acknowledge that control for the exec containers."
    )


def _root_fs_warnings(app: cdk.App) -> list[str]:
    assembly = app.synth()
    return [
        str(m.entry.data)
        for s in assembly.stacks
        for m in s.messages
        if m.level.value.lower() == "warning" and "read-only" in str(m.entry.data)
    ]


def test_fix_tells_the_l3_user_about_its_own_exec_containers(tmp_path: Path) -> None:
    built = apps.readonly_root(str(tmp_path), ExecMode.FIX, containers=("app", "sidecar"))
    (warning,) = _root_fs_warnings(built.app)
    option = "ExecEnabledService(exec_containers=[...], mode=ExecMode.FIX)"
    assert f"limit the change with {option}." in warning
    assert "EcsExecAutoFix" not in warning.removeprefix("EcsExecAutoFix: ")


def test_fix_with_exec_containers_does_not_offer_them_again(tmp_path: Path) -> None:
    """The twin of the test above: the user already named the exec container, so the only
    remedy left is acknowledging the controls (found trying the L3 as a new user)."""
    built = apps.readonly_root(
        str(tmp_path), ExecMode.FIX, containers=("app", "sidecar"), exec_containers=["app"]
    )
    (warning,) = _root_fs_warnings(built.app)
    assert warning == (
        "EcsExecAutoFix: container(s) app of Task79114B6B lost their read-only root "
        "filesystem so that ECS Exec works. This fails Security Hub control ECS.5, AWS Config rule "
        "ecs-containers-readonly-access and Control Tower control CT.ECS.PR.6 for them: "
        "acknowledge those controls for these containers, the declared exec containers. "
        "Container(s) sidecar stay read-only and cannot be exec'd into. "
        "[ack: ecs-exec-guard:autofix:readonly-root-filesystem]"
    )


def test_the_app_wide_fix_tells_a_plain_service_about_its_option(tmp_path: Path) -> None:
    """The twin: the same containers under a plain service, fixed by an app-wide aspect."""
    from ecs_exec_guard.policies.autofix import EcsExecAutoFix

    app = apps.new_app(str(tmp_path))
    stack = cdk.Stack(app, "Plain")
    ecs.FargateService(
        stack,
        "Service",
        cluster=ecs.Cluster(stack, "Cluster", vpc=apps.nat_vpc(stack)),
        task_definition=apps.fargate_task(stack, containers=("app", "sidecar"), readonly=True),
        enable_execute_command=True,
    )
    cdk.Aspects.of(app).add(EcsExecAutoFix(), priority=cdk.AspectPriority.MUTATING)
    (warning,) = _root_fs_warnings(app)
    assert "limit the change with EcsExecAutoFix(exec_containers=[...])." in warning

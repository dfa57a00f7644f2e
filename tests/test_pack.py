"""EcsExecChecks, the cdk-nag v3 pack: what synthesis reports, what acknowledgments suppress,
that it reports exactly what the analyzer finds, and that it runs next to AwsSolutionsChecks.

Synthesis is the slow part: each app below is synthesized once per module (``scope="module"``
fixtures, one cdk.out each) and shared by the tests.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct
from syrupy.extensions.json import JSONSnapshotExtension

from ecs_exec_guard.analysis import RULES_BY_ID, Severity, analyze
from ecs_exec_guard.analysis.loader import load_paths
from ecs_exec_guard.cli import main
from ecs_exec_guard.policies.pack import EcsExecChecks, acknowledgment_id

pytestmark = pytest.mark.slow

IMAGE = "public.ecr.aws/docker/library/nginx:stable"
SSM_ACTIONS = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]
ASSUME_BY_TASKS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}

# The violating app breaks every error rule once. Rule -> construct path of the resource the
# violation is reported on.
EXPECTED_ERRORS: dict[str, str] = {
    "EcsExec-IAM1": "ExecStack/NoRoleTaskDef",
    "EcsExec-IAM2": "ExecStack/BareRole",
    "EcsExec-IAM3": "ExecStack/SsmOnlyRole",
    "EcsExec-CTR1": "ExecStack/ReadOnlyServiceTaskDef/Resource",
    "EcsExec-PLT1": "ExecStack/OldPlatformService/Service",
    "EcsExec-NET1": "LegacyStack/NoNetworkTaskDef",
    "EcsExec-NET2": "ExecStack/IsolatedService/Service",
    "EcsExec-NET3": "ExecStack/PublicNoIpService/Service",
    "EcsExec-NET4": "ExecStack/NoEgressService/Service",
    "EcsExec-NET5": "ExecStack/EndpointVpc/SsmMessages/Resource",
    "EcsExec-NET8": "ExecStack/AclService/Service",
    "EcsExec-CFG1": "LegacyStack/BadConfigCluster/Resource",
    "EcsExec-ENB1": "ExecStack/NoExecService/Service",
}
# ... and one warning: the EC2 service's container instances are not in the app.
EXPECTED_WARNINGS: dict[str, str] = {"EcsExec-PLT2": "LegacyStack/NoNetworkService"}

# Where the acknowledged variant acknowledges each error: on the resource itself, on an
# ancestor (the L2 construct, the VPC), or on the whole stack.
ACKNOWLEDGED_AT: dict[str, tuple[str, str]] = {
    "EcsExec-IAM1": ("resource", "ExecStack/NoRoleTaskDef"),
    "EcsExec-IAM2": ("resource", "ExecStack/BareRole"),
    "EcsExec-IAM3": ("resource", "ExecStack/SsmOnlyRole"),
    "EcsExec-CTR1": ("resource", "ExecStack/ReadOnlyServiceTaskDef/Resource"),
    "EcsExec-PLT1": ("ancestor", "ExecStack/OldPlatformService"),
    "EcsExec-NET2": ("ancestor", "ExecStack/IsolatedService"),
    "EcsExec-NET3": ("ancestor", "ExecStack/PublicNoIpService"),
    "EcsExec-NET4": ("ancestor", "ExecStack/NoEgressService"),
    "EcsExec-NET5": ("ancestor", "ExecStack/EndpointVpc"),
    "EcsExec-NET8": ("ancestor", "ExecStack/AclService"),
    "EcsExec-ENB1": ("ancestor", "ExecStack/NoExecService"),
    "EcsExec-NET1": ("stack", "LegacyStack"),
    "EcsExec-CFG1": ("stack", "LegacyStack"),
}
ERROR_RULES = sorted(r.id for r in RULES_BY_ID.values() if r.severity is Severity.ERROR)
VOLATILE_KEYS = {"stackTraces", "acknowledgedStackTrace", "libraryVersion", "pluginVersion"}


# -- apps -------------------------------------------------------------------------------------


def new_app(outdir: Path, *, fail_on_errors: bool = True) -> cdk.App:
    context = {} if fail_on_errors else {"@aws-cdk/core:failSynthOnValidationErrors": False}
    return cdk.App(outdir=str(outdir), context=context)


def construct_at(app: cdk.App, path: str) -> IConstruct:
    node: IConstruct = app
    for part in path.split("/"):
        child = node.node.try_find_child(part)
        assert child is not None, f"no construct {part!r} under {node.node.path!r}"
        node = child
    return node


def acknowledge(scope: IConstruct, rule_id: str, reason: str = "accepted in this test") -> None:
    """Acknowledge a rule the documented way: ``EcsExec::<rule ID>``."""
    ack = cdk.Acknowledgment(id=f"EcsExec::{rule_id}", reason=reason)
    cdk.Validations.of(scope).acknowledge(ack)


def _container(td: ecs.TaskDefinition, *, readonly: bool = False, init: bool = True) -> None:
    td.add_container(
        "app",
        image=ecs.ContainerImage.from_registry(IMAGE),
        readonly_root_filesystem=readonly or None,
        linux_parameters=ecs.LinuxParameters(td, "Linux", init_process_enabled=True)
        if init
        else None,
    )


def _cfn_task_def(
    scope: Construct,
    name: str,
    role_arn: str | None = None,
    *,
    mode: str = "awsvpc",
    compatibility: str = "FARGATE",
    readonly: bool = False,
) -> ecs.CfnTaskDefinition:
    return ecs.CfnTaskDefinition(
        scope,
        name,
        requires_compatibilities=[compatibility],
        network_mode=mode,
        cpu="256",
        memory="512",
        task_role_arn=role_arn,
        container_definitions=[
            ecs.CfnTaskDefinition.ContainerDefinitionProperty(
                name="app",
                image=IMAGE,
                essential=True,
                readonly_root_filesystem=readonly or None,
                linux_parameters=ecs.CfnTaskDefinition.LinuxParametersProperty(
                    init_process_enabled=True
                ),
            )
        ],
    )


def _cfn_service(
    scope: Construct,
    name: str,
    td: ecs.CfnTaskDefinition,
    cluster: str,
    *,
    subnets: list[str] | None = None,
    security_groups: list[str] | None = None,
    launch_type: str = "FARGATE",
) -> ecs.CfnService:
    network = None
    if subnets is not None:
        network = ecs.CfnService.NetworkConfigurationProperty(
            awsvpc_configuration=ecs.CfnService.AwsVpcConfigurationProperty(
                subnets=subnets, security_groups=security_groups
            )
        )
    return ecs.CfnService(
        scope,
        name,
        cluster=cluster,
        task_definition=td.ref,
        launch_type=launch_type,
        desired_count=1,
        enable_execute_command=True,
        network_configuration=network,
    )


def build_violating(
    app: cdk.App, *, acknowledged: bool = False, nag: bool = False
) -> EcsExecChecks:
    """One violation of each error rule (see EXPECTED_ERRORS), in two stacks."""
    if nag:
        from cdk_nag import AwsSolutionsChecks

        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    pack = EcsExecChecks(app, require_exec=True)
    cdk.Validations.of(app).add_plugins(pack)

    stack = cdk.Stack(app, "ExecStack")
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=1,
        nat_gateways=1,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC),
            ec2.SubnetConfiguration(name="private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ],
    )
    private = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
    private_ids = vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS).subnet_ids
    task_sg = ec2.SecurityGroup(stack, "TaskSg", vpc=vpc)
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)

    def fargate(name: str, *, readonly: bool = False, exec_on: bool = True, **kw: Any) -> None:
        td = ecs.FargateTaskDefinition(stack, f"{name}TaskDef")
        _container(td, readonly=readonly)
        kw.setdefault("vpc_subnets", private)
        kw.setdefault("security_groups", [task_sg])
        ecs.FargateService(
            stack,
            name,
            cluster=cluster,
            task_definition=td,
            enable_execute_command=exec_on,
            min_healthy_percent=100,
            **kw,
        )

    # IAM1: an L1 task definition without a task role.
    _cfn_service(
        stack,
        "NoRoleService",
        _cfn_task_def(stack, "NoRoleTaskDef"),
        cluster.cluster_name,
        subnets=private_ids,
        security_groups=[task_sg.security_group_id],
    )
    # IAM2: a task role without any policy.
    bare = iam.CfnRole(stack, "BareRole", assume_role_policy_document=ASSUME_BY_TASKS)
    _cfn_service(
        stack,
        "BareRoleService",
        _cfn_task_def(stack, "BareRoleTaskDef", bare.attr_arn),
        cluster.cluster_name,
        subnets=private_ids,
        security_groups=[task_sg.security_group_id],
    )
    # IAM3: the cluster logs exec sessions to CloudWatch; the L1 task role has ssmmessages only.
    ssm_only = iam.CfnRole(
        stack,
        "SsmOnlyRole",
        assume_role_policy_document=ASSUME_BY_TASKS,
        policies=[
            iam.CfnRole.PolicyProperty(
                policy_name="exec",
                policy_document={
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": SSM_ACTIONS, "Resource": "*"}],
                },
            )
        ],
    )
    exec_logs = logs.LogGroup(stack, "ExecLogs")
    logging_cluster = ecs.Cluster(
        stack,
        "LoggingCluster",
        vpc=vpc,
        execute_command_configuration=ecs.ExecuteCommandConfiguration(
            logging=ecs.ExecuteCommandLogging.OVERRIDE,
            log_configuration=ecs.ExecuteCommandLogConfiguration(cloud_watch_log_group=exec_logs),
        ),
    )
    _cfn_service(
        stack,
        "LoggedService",
        _cfn_task_def(stack, "LoggedTaskDef", ssm_only.attr_arn),
        logging_cluster.cluster_name,
        subnets=private_ids,
        security_groups=[task_sg.security_group_id],
    )
    # CTR1: read-only root filesystem.
    fargate("ReadOnlyService", readonly=True)
    # PLT1: Fargate platform 1.3.0.
    fargate("OldPlatformService", platform_version=ecs.FargatePlatformVersion.VERSION1_3)
    # NET2: isolated subnets, no ssmmessages endpoint.
    fargate(
        "IsolatedService",
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
    )
    # NET3: a public subnet without a public IP.
    fargate(
        "PublicNoIpService",
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
        assign_public_ip=False,
    )
    # NET4: a security group that allows no egress.
    closed = ec2.SecurityGroup(stack, "ClosedSg", vpc=vpc, allow_all_outbound=False)
    fargate("NoEgressService", security_groups=[closed])
    # ENB1 (require_exec=True): a service without exec.
    fargate("NoExecService", exec_on=False)
    # NET5: an ssmmessages endpoint with private DNS whose security group admits nothing. It
    # gets its own VPC (with NAT): private DNS sends every task of a VPC to the endpoint.
    endpoint_vpc = ec2.Vpc(
        stack,
        "EndpointVpc",
        max_azs=1,
        nat_gateways=1,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC),
            ec2.SubnetConfiguration(name="private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        ],
    )
    endpoint_vpc.add_interface_endpoint(
        "SsmMessages",
        service=ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
        private_dns_enabled=True,
        open=False,
        security_groups=[ec2.SecurityGroup(stack, "EndpointSg", vpc=endpoint_vpc)],
    )
    endpoint_td = ecs.FargateTaskDefinition(stack, "EndpointTaskDef")
    _container(endpoint_td)
    ecs.FargateService(
        stack,
        "EndpointService",
        cluster=ecs.Cluster(stack, "EndpointCluster", vpc=endpoint_vpc),
        task_definition=endpoint_td,
        enable_execute_command=True,
        min_healthy_percent=100,
    )

    # NET8: a network ACL without entries on the private subnets of a VPC of its own (the
    # ACL denies everything; the service's own security group allows all egress).
    acl_vpc = ec2.Vpc(
        stack,
        "AclVpc",
        max_azs=1,
        nat_gateways=1,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC),
            ec2.SubnetConfiguration(name="private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        ],
    )
    ec2.NetworkAcl(stack, "ClosedAcl", vpc=acl_vpc, subnet_selection=private)
    acl_td = ecs.FargateTaskDefinition(stack, "AclTaskDef")
    _container(acl_td)
    ecs.FargateService(
        stack,
        "AclService",
        cluster=ecs.Cluster(stack, "AclCluster", vpc=acl_vpc),
        task_definition=acl_td,
        enable_execute_command=True,
        min_healthy_percent=100,
    )

    # The second stack refers to the first (cross-stack references the pack must resolve).
    legacy = cdk.Stack(app, "LegacyStack")
    # NET1: network mode none (EC2). Its instances are not in the app: a PLT2 warning.
    _cfn_service(
        legacy,
        "NoNetworkService",
        _cfn_task_def(
            legacy, "NoNetworkTaskDef", ssm_only.attr_arn, mode="none", compatibility="EC2"
        ),
        cluster.cluster_name,
        launch_type="EC2",
    )
    # CFG1: an escape-hatch override that aws-cdk-lib's own validation cannot see.
    bad = ecs.Cluster(
        legacy,
        "BadConfigCluster",
        vpc=vpc,
        execute_command_configuration=ecs.ExecuteCommandConfiguration(
            logging=ecs.ExecuteCommandLogging.OVERRIDE,
            log_configuration=ecs.ExecuteCommandLogConfiguration(
                cloud_watch_log_group=logs.LogGroup(legacy, "BadConfigLogs")
            ),
        ),
    )
    cfn_cluster = bad.node.default_child
    assert isinstance(cfn_cluster, ecs.CfnCluster)
    cfn_cluster.add_property_override(
        "Configuration.ExecuteCommandConfiguration.Logging", "DEFAULT"
    )

    if acknowledged:
        for rule_id, (_, path) in ACKNOWLEDGED_AT.items():
            acknowledge(construct_at(app, path), rule_id, f"{rule_id} accepted")
    return pack


def build_warnings_only(app: cdk.App, *, strict: bool = False) -> EcsExecChecks:
    """Exec works, but the container has no init process (CTR2, a warning).

    A second service without exec is fine: ENB1 is off unless require_exec is set.
    """
    pack = EcsExecChecks(app, strict=strict)
    cdk.Validations.of(app).add_plugins(pack)
    stack = cdk.Stack(app, "WarnStack")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=1)
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
    for name, exec_on in (("Web", True), ("Batch", False)):
        td = ecs.FargateTaskDefinition(stack, f"{name}TaskDef")
        _container(td, init=False)
        ecs.FargateService(
            stack,
            name,
            cluster=cluster,
            task_definition=td,
            enable_execute_command=exec_on,
            min_healthy_percent=100,
        )
    return pack


def build_siblings(app: cdk.App) -> EcsExecChecks:
    """Two sibling constructs, Web and Web2, each with a read-only task definition (CTR1).

    CTR1 is acknowledged on Web only; Web2 gets an acknowledgment of another rule. The pack is
    limited to CTR1 (``only``) and verbose.
    """
    pack = EcsExecChecks(app, only=["EcsExec-CTR1"], verbose=True)
    cdk.Validations.of(app).add_plugins(pack)
    stack = cdk.Stack(app, "SiblingStack")
    cluster = ecs.CfnCluster(stack, "Cluster")
    role = iam.CfnRole(stack, "TaskRole", assume_role_policy_document=ASSUME_BY_TASKS)
    for name in ("Web", "Web2"):
        group = Construct(stack, name)
        td = _cfn_task_def(group, "TaskDef", role.attr_arn, readonly=True)
        _cfn_service(
            group,
            "Service",
            td,
            cluster.ref,
            subnets=["subnet-0123456789abcdef0"],
            security_groups=["sg-0123456789abcdef0"],
        )
    acknowledge(construct_at(app, "SiblingStack/Web"), "EcsExec-CTR1")
    acknowledge(construct_at(app, "SiblingStack/Web2"), "EcsExec-CTR2")
    return pack


def logical_ids(outdir: Path) -> dict[str, str]:
    """Construct path -> logical ID, from the ``aws:cdk:logicalId`` metadata of the assembly."""
    manifest = json.loads((outdir / "manifest.json").read_text("utf-8"))
    out: dict[str, str] = {}
    for artifact in manifest["artifacts"].values():
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        metadata = artifact.get("metadata") or {}
        if "additionalMetadataFile" in artifact:
            extra = outdir / artifact["additionalMetadataFile"]
            metadata = {**metadata, **json.loads(extra.read_text("utf-8"))}
        for path, entries in metadata.items():
            for entry in entries:
                if entry["type"] == "aws:cdk:logicalId":
                    out[path.lstrip("/")] = entry["data"]
    return out


def build_staged(app: cdk.App) -> EcsExecChecks:
    """The same read-only task definition (CTR1) in a root stack, in stage Prod and in stage
    Prod/Canary; the pack is registered on the app only, and CTR1 is acknowledged on Prod."""
    pack = EcsExecChecks(app, only=["EcsExec-CTR1"])
    cdk.Validations.of(app).add_plugins(pack)

    def service_stack(scope: Construct, name: str) -> None:
        stack = cdk.Stack(scope, name)
        role = iam.CfnRole(stack, "TaskRole", assume_role_policy_document=ASSUME_BY_TASKS)
        _cfn_service(
            stack,
            "Service",
            _cfn_task_def(stack, "TaskDef", role.attr_arn, readonly=True),
            ecs.CfnCluster(stack, "Cluster").ref,
            subnets=["subnet-0123456789abcdef0"],
            security_groups=["sg-0123456789abcdef0"],
        )

    service_stack(app, "RootStack")
    prod = cdk.Stage(app, "Prod")
    service_stack(prod, "Svc")
    service_stack(cdk.Stage(prod, "Canary"), "Svc")
    acknowledge(prod, "EcsExec-CTR1", "Prod is accepted")
    return pack


# -- synthesis --------------------------------------------------------------------------------


@dataclass
class Synth:
    outdir: Path
    pack: EcsExecChecks
    error: str | None  # the text of the exception app.synth() raised, if it did
    report: dict[str, Any]

    def plugin(self, name: str = "EcsExec") -> dict[str, Any]:
        found = [r for r in self.report["pluginReports"] if r["pluginName"] == name]
        assert len(found) == 1, [r["pluginName"] for r in self.report["pluginReports"]]
        return found[0]

    def entries(self, key: str = "violations") -> list[tuple[str, str, str]]:
        """(rule, severity, construct path) per violating construct, sorted."""
        return sorted(
            (v["ruleName"], v["severity"], c["constructPath"])
            for v in self.plugin().get(key) or []
            for c in v["violatingConstructs"]
        )


def synth(outdir: Path, build: Callable[[cdk.App], EcsExecChecks], **app_options: Any) -> Synth:
    app = new_app(outdir, **app_options)
    pack = build(app)
    error = None
    try:
        app.synth()
    except RuntimeError as exc:  # jsii raises a JavaScript error as RuntimeError
        error = str(exc)
    report_file = outdir / "validation-report.json"
    report = json.loads(report_file.read_text("utf-8")) if report_file.exists() else {}
    return Synth(outdir, pack, error, report)


@pytest.fixture(scope="module")
def violating(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synth(tmp_path_factory.mktemp("violating"), build_violating)


@pytest.fixture(scope="module")
def acknowledged(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synth(
        tmp_path_factory.mktemp("acknowledged"),
        lambda app: build_violating(app, acknowledged=True),
    )


@pytest.fixture(scope="module")
def with_nag(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synth(tmp_path_factory.mktemp("nag"), lambda app: build_violating(app, nag=True))


@pytest.fixture(scope="module")
def warnings_only(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synth(tmp_path_factory.mktemp("warnings"), build_warnings_only)


@pytest.fixture(scope="module")
def warnings_strict(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synth(
        tmp_path_factory.mktemp("strict"), lambda app: build_warnings_only(app, strict=True)
    )


@pytest.fixture(scope="module")
def siblings(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    # The report is the point here, not the exception: let synthesis finish.
    return synth(tmp_path_factory.mktemp("siblings"), build_siblings, fail_on_errors=False)


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synth(tmp_path_factory.mktemp("staged"), build_staged, fail_on_errors=False)


@pytest.fixture
def snapshot_json(snapshot: Any) -> Any:
    return snapshot.use_extension(JSONSnapshotExtension)


# -- the violating app ------------------------------------------------------------------------


def test_every_error_rule_is_covered() -> None:
    assert sorted(EXPECTED_ERRORS) == ERROR_RULES
    assert sorted(ACKNOWLEDGED_AT) == ERROR_RULES
    assert {kind for kind, _ in ACKNOWLEDGED_AT.values()} == {"resource", "ancestor", "stack"}


def test_synth_raises_on_errors(violating: Synth) -> None:
    assert violating.error is not None, "app.synth() did not raise"
    assert violating.plugin()["conclusion"] == "failure"


@pytest.mark.parametrize("rule_id", sorted(EXPECTED_ERRORS))
def test_exception_names_rule_and_construct_path(violating: Synth, rule_id: str) -> None:
    assert violating.error is not None
    assert rule_id in violating.error
    assert EXPECTED_ERRORS[rule_id] in violating.error


def test_report_has_exactly_the_expected_violations(violating: Synth) -> None:
    expected = sorted(
        [(rule, "error", path) for rule, path in EXPECTED_ERRORS.items()]
        + [(rule, "warning", path) for rule, path in EXPECTED_WARNINGS.items()]
    )
    assert violating.entries() == expected
    assert violating.plugin().get("suppressedViolations") is None


def test_violation_fields(violating: Synth) -> None:
    for v in violating.plugin()["violations"]:
        rule = RULES_BY_ID[v["ruleName"]]
        assert v["description"].startswith(f"{v['ruleName']}: ")
        assert v["suggestedFix"]
        assert v["ruleMetadata"] == {"reportedOn": rule.reported_on}
        (construct,) = v["violatingConstructs"]
        resource = construct["cloudFormationResource"]
        # CDK makes the template path relative to the cloud assembly.
        template = violating.outdir / resource["templatePath"]
        assert template.parent == violating.outdir and template.is_file()
        body = json.loads(template.read_text("utf-8"))
        # The logical ID is a resource of that template, and the cloud assembly says the
        # construct path the violation names has that logical ID.
        assert resource["logicalId"] in body["Resources"]
        assert logical_ids(violating.outdir)[construct["constructPath"]] == resource["logicalId"]


def test_pack_name_version_and_rule_ids(violating: Synth) -> None:
    from ecs_exec_guard import __version__

    assert violating.pack.name == "EcsExec"
    assert violating.pack.version == __version__
    assert violating.pack.rule_ids == list(RULES_BY_ID)
    assert violating.plugin()["pluginVersion"] == __version__
    assert acknowledgment_id("EcsExec-CTR1") == "EcsExec::EcsExec-CTR1"


# -- acknowledgments --------------------------------------------------------------------------


def test_acknowledged_app_synthesizes(acknowledged: Synth) -> None:
    assert acknowledged.error is None
    report = acknowledged.plugin()
    assert report["conclusion"] == "success"
    # The warning was not acknowledged: still reported, but it does not fail synthesis.
    assert acknowledged.entries() == sorted(
        (rule, "warning", path) for rule, path in EXPECTED_WARNINGS.items()
    )


def test_acknowledged_findings_are_listed_as_suppressed(acknowledged: Synth) -> None:
    assert acknowledged.entries("suppressedViolations") == sorted(
        (rule, "error", path) for rule, path in EXPECTED_ERRORS.items()
    )


@pytest.mark.parametrize("rule_id", sorted(ACKNOWLEDGED_AT))
def test_suppression_names_the_acknowledgment(acknowledged: Synth, rule_id: str) -> None:
    kind, where = ACKNOWLEDGED_AT[rule_id]
    (entry,) = [
        v for v in acknowledged.plugin()["suppressedViolations"] if v["ruleName"] == rule_id
    ]
    assert entry["acknowledgedId"] == f"EcsExec::{rule_id}"
    assert entry["reason"] == f"{rule_id} accepted"
    assert entry["acknowledgedAt"] == where
    path = EXPECTED_ERRORS[rule_id]
    if kind == "resource":
        assert where == path
    elif kind == "ancestor":
        assert "/" in where and path.startswith(where + "/")
    else:  # the stack
        assert "/" not in where and path.startswith(where + "/")


def test_acknowledgment_does_not_cover_a_sibling(siblings: Synth) -> None:
    assert siblings.plugin()["conclusion"] == "failure"
    assert siblings.entries() == [("EcsExec-CTR1", "error", "SiblingStack/Web2/TaskDef")]
    assert siblings.entries("suppressedViolations") == [
        ("EcsExec-CTR1", "error", "SiblingStack/Web/TaskDef")
    ]


def test_only_and_verbose(siblings: Synth) -> None:
    assert siblings.pack.rule_ids == ["EcsExec-CTR1"]
    report = siblings.plugin()
    for v in [*report["violations"], *report["suppressedViolations"]]:
        assert v["ruleName"] == "EcsExec-CTR1"
        assert v["description"].endswith(RULES_BY_ID["EcsExec-CTR1"].explanation)
    # The pack reports only CTR1, though the app has other findings (CTR2 is off: init is on;
    # NET7: the subnets are literal IDs, not in the app).
    assert siblings.pack.last_report is not None
    assert {f.rule_id for f in siblings.pack.last_report.findings} == {"EcsExec-CTR1"}


def test_stages_are_checked_and_acknowledged_through_the_stage(staged: Synth) -> None:
    assert staged.entries() == [("EcsExec-CTR1", "error", "RootStack/TaskDef")]
    assert staged.entries("suppressedViolations") == [
        ("EcsExec-CTR1", "error", "Prod/Canary/Svc/TaskDef"),
        ("EcsExec-CTR1", "error", "Prod/Svc/TaskDef"),
    ]
    templates = [
        c["cloudFormationResource"]["templatePath"]
        for key in ("violations", "suppressedViolations")
        for v in staged.plugin()[key]
        for c in v["violatingConstructs"]
    ]
    # Each stage's templates are in its nested assembly directory.
    assert sorted(Path(t).parent.as_posix() for t in templates) == [
        ".",
        "assembly-Prod",
        "assembly-Prod/assembly-Prod-Canary",
    ]
    assert all((staged.outdir / t).is_file() for t in templates)


def test_unknown_rule_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="EcsExec-CTR9"):
        EcsExecChecks(only=["EcsExec-CTR1", "EcsExec-CTR9"])


# -- warnings and strict ----------------------------------------------------------------------


def test_warnings_only_app_synthesizes(warnings_only: Synth) -> None:
    assert warnings_only.error is None
    assert warnings_only.plugin()["conclusion"] == "success"
    assert warnings_only.entries() == [("EcsExec-CTR2", "warning", "WarnStack/WebTaskDef/Resource")]


def test_strict_fails_on_warnings(warnings_strict: Synth) -> None:
    assert warnings_strict.error is not None, "strict=True did not fail synthesis"
    assert "EcsExec-CTR2" in warnings_strict.error
    assert "WarnStack/WebTaskDef/Resource" in warnings_strict.error
    assert warnings_strict.plugin()["conclusion"] == "failure"
    (violation,) = warnings_strict.plugin()["violations"]
    assert violation["severity"] == "error"
    assert violation["description"].startswith("[warning, strict] EcsExec-CTR2: ")


# -- the pack reports what the analyzer finds ----------------------------------------------


@pytest.mark.parametrize(
    "app", ["violating", "acknowledged", "warnings_only", "with_nag", "siblings", "staged"]
)
def test_pack_reports_exactly_the_analyzer_findings(
    request: pytest.FixtureRequest, app: str
) -> None:
    s: Synth = request.getfixturevalue(app)
    pack = s.plugin()
    reported = sorted(
        (v["ruleName"], v["severity"], c["constructPath"], c["cloudFormationResource"]["logicalId"])
        for key in ("violations", "suppressedViolations")
        for v in pack.get(key) or []
        for c in v["violatingConstructs"]
    )
    report = analyze(
        load_paths([str(s.outdir)]),
        require_exec=app not in ("warnings_only", "siblings", "staged"),
        rules=["EcsExec-CTR1"] if app in ("siblings", "staged") else None,
    )
    found = sorted(
        (f.rule_id, f.severity.value, f.construct_path, f.logical_id) for f in report.findings
    )
    assert reported == found  # nothing lost, nothing added
    assert all(path for _, _, path, _ in found)  # every finding has a construct path
    assert s.pack.last_report is not None
    assert len(s.pack.last_report.findings) == len(found)


# -- the CLI honours the same acknowledgments (issue 10.11) --------------------------------


def build_metadata_acknowledged(app: cdk.App) -> EcsExecChecks:
    """Two read-only task definitions (CTR1); Web's is acknowledged in its resource metadata,
    the way plain CloudFormation templates do (``ecs-exec-guard: {acknowledge: [...]}``)."""
    pack = EcsExecChecks(app, only=["EcsExec-CTR1"])
    cdk.Validations.of(app).add_plugins(pack)
    stack = cdk.Stack(app, "MetaStack")
    cluster = ecs.CfnCluster(stack, "Cluster")
    role = iam.CfnRole(stack, "TaskRole", assume_role_policy_document=ASSUME_BY_TASKS)
    for name in ("Web", "Worker"):
        td = _cfn_task_def(stack, f"{name}TaskDef", role.attr_arn, readonly=True)
        _cfn_service(stack, f"{name}Service", td, cluster.ref,
                     subnets=["subnet-0123456789abcdef0"],
                     security_groups=["sg-0123456789abcdef0"])
        if name == "Web":
            td.add_metadata("ecs-exec-guard", {"acknowledge": [
                {"id": "EcsExec-CTR1", "reason": "web never needs exec"}]})
    return pack


@pytest.fixture(scope="module")
def metadata_acknowledged(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synth(tmp_path_factory.mktemp("metadata"), build_metadata_acknowledged,
                 fail_on_errors=False)


def test_pack_honours_metadata_acknowledgments_like_the_cli(
    metadata_acknowledged: Synth, capsys: pytest.CaptureFixture[str]
) -> None:
    s = metadata_acknowledged
    assert s.entries() == [("EcsExec-CTR1", "error", "MetaStack/WorkerTaskDef")]
    assert s.pack.last_report is not None
    assert [(x.finding.logical_id, x.reason) for x in s.pack.last_report.suppressed] == [
        ("WebTaskDef", "web never needs exec")]
    main(["check", str(s.outdir), "--format", "json", "--fail-on", "none"])
    doc = json.loads(capsys.readouterr().out)
    assert [(f["rule_id"], f["construct_path"]) for f in doc["findings"]
            if f["rule_id"] == "EcsExec-CTR1"] == [("EcsExec-CTR1", "MetaStack/WorkerTaskDef")]
    assert [(f["construct_path"], f["acknowledgment"]["source"]) for f in doc["suppressed"]] == [
        ("MetaStack/WebTaskDef", "metadata")]


@pytest.mark.parametrize(
    ("app", "argv", "rules"),
    [
        ("acknowledged", ["--require-exec"], None),
        ("siblings", [], {"EcsExec-CTR1"}),
        ("staged", [], {"EcsExec-CTR1"}),
    ],
)
def test_cli_on_the_cloud_assembly_agrees_with_the_pack(
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    app: str,
    argv: list[str],
    rules: set[str] | None,
) -> None:
    """``check cdk.out`` reports what the pack reports, and lists as suppressed (with the
    reason and where it was acknowledged) what CDK suppressed for the pack."""
    s: Synth = request.getfixturevalue(app)
    pack = s.plugin()
    main(["check", str(s.outdir), "--format", "json", "--fail-on", "none", *argv])
    doc = json.loads(capsys.readouterr().out)

    def wanted(rule: str) -> bool:
        return rules is None or rule in rules

    assert sorted(
        (f["rule_id"], f["construct_path"]) for f in doc["findings"] if wanted(f["rule_id"])
    ) == sorted(
        (v["ruleName"], c["constructPath"])
        for v in pack.get("violations") or []
        for c in v["violatingConstructs"]
    )
    assert sorted(
        (f["rule_id"], f["construct_path"], f["acknowledgment"]["reason"],
         f["acknowledgment"]["at"], f["acknowledgment"]["source"])
        for f in doc["suppressed"]
        if wanted(f["rule_id"])
    ) == sorted(
        (v["ruleName"], c["constructPath"], v["reason"], v["acknowledgedAt"], "cdk")
        for v in pack.get("suppressedViolations") or []
        for c in v["violatingConstructs"]
    )
    assert doc["summary"]["suppressed"] == len(doc["suppressed"])


# -- next to cdk-nag's AwsSolutionsChecks ----------------------------------------------------


def test_side_by_side_with_aws_solutions(with_nag: Synth, violating: Synth) -> None:
    names = [r["pluginName"] for r in with_nag.report["pluginReports"]]
    assert "EcsExec" in names
    (nag_name,) = [n for n in names if n.startswith("AwsSolutions")]
    nag = with_nag.plugin(nag_name)
    assert nag["violations"]
    assert all(v["ruleName"].startswith("AwsSolutions-") for v in nag["violations"])
    assert with_nag.error is not None
    assert "EcsExec-CTR1" in with_nag.error and "AwsSolutions-" in with_nag.error
    # The EcsExec report is the same as without cdk-nag.
    assert normalized(with_nag.plugin(), with_nag.outdir) == normalized(
        violating.plugin(), violating.outdir
    )


# -- snapshots --------------------------------------------------------------------------------


def normalized(value: Any, outdir: Path) -> Any:
    """The report without volatile fields (stack traces, versions) and temporary paths."""
    if isinstance(value, dict):
        return {k: normalized(v, outdir) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [normalized(v, outdir) for v in value]
    if isinstance(value, str):
        return value.replace(str(outdir), "<outdir>")
    return value


def _walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


@pytest.mark.parametrize("app", ["violating", "acknowledged"])
def test_plugin_report_snapshot(
    request: pytest.FixtureRequest, app: str, snapshot_json: Any
) -> None:
    s: Synth = request.getfixturevalue(app)
    report = normalized(s.plugin(), s.outdir)
    text = json.dumps(report)
    assert "/tmp" not in text and str(Path.home()) not in text
    assert not any(isinstance(v, dict) and VOLATILE_KEYS & set(v) for v in _walk(report))
    assert report == snapshot_json

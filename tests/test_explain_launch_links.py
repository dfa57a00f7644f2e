"""`explain`: the launch, cluster, task definition, containers, task role and platform links.

Each test changes one thing in the compliant app of tests/cfn.py and pins the links it
concerns (kind, verdict, title and details, through ``Link.to_json``) in a snapshot; the
assertion beside it states the fact the test is about.
"""

from __future__ import annotations

from typing import Any

from cfn import (
    ACCOUNT_ROOT,
    Template,
    allow,
    aws_managed,
    deny,
    document,
    ec2_app,
    exec_app,
    ref,
)
from explain_outline import chains, explained, links_of

from ecs_exec_guard.analysis.explain import BROKEN, INFO, OK, UNKNOWN


def test_healthy_chain_whole(snapshot: Any) -> None:
    text = explained(exec_app())
    assert text.startswith("launch [ok] Service (AWS::ECS::Service): service\n")
    assert text == snapshot


def test_cluster_with_exec_logging_and_a_kms_key(snapshot: Any) -> None:
    t = exec_app()
    t.props("Cluster")["Configuration"] = {"ExecuteCommandConfiguration": {
        "Logging": "OVERRIDE", "KmsKeyId": ref("Key"),
        "LogConfiguration": {"CloudWatchLogGroupName": "exec"}}}
    t.add("Key", "AWS::KMS::Key",
          KeyPolicy=document(allow("kms:*", Principal={"AWS": ACCOUNT_ROOT})))
    text = explained(t, kind="cluster") + explained(t, kind="task-role")
    assert "    exec logging: OVERRIDE\n    exec KMS key: Key\n" in text
    # The task role lacks the logging and KMS permissions: IAM3 is on the role's link.
    assert "task-role [broken] task role TaskRole" in text
    assert text == snapshot


def test_cluster_configuration_without_logging_is_default() -> None:
    t = exec_app()
    t.props("Cluster")["Configuration"] = {"ExecuteCommandConfiguration": {}}
    assert explained(t, kind="cluster") == (
        "cluster [ok] cluster Cluster (AWS::ECS::Cluster)\n"
        "    exec logging: DEFAULT\n"
    )


def test_cluster_and_task_definition_outside_the_input(snapshot: Any) -> None:
    t = exec_app()
    t.props("Service")["Cluster"] = "imported-cluster"
    t.props("Service")["TaskDefinition"] = (
        "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3")
    t.props("Service")["PlatformVersion"] = "1.4.0"
    found = chains(t)
    (cluster,) = links_of(found, "cluster")
    assert (cluster.verdict, cluster.title, cluster.details) == (
        INFO, "cluster imported-cluster", ["not in the input (exec logging settings unknown)"])
    (td,) = links_of(found, "task-definition")
    assert (td.verdict, td.children) == (UNKNOWN, [])
    assert found[0].verdict == UNKNOWN
    assert explained(t) == snapshot


def test_unresolved_task_role_and_container_settings(snapshot: Any) -> None:
    t = exec_app()
    t.parameters["RoleArn"] = {"Type": "String"}
    t.props("TaskDef")["TaskRoleArn"] = ref("RoleArn")
    t.container()["ReadonlyRootFilesystem"] = ref("RoleArn")
    del t.container()["LinuxParameters"]
    del t.container()["Name"]
    found = chains(t)
    (role,) = links_of(found, "task-role")
    assert (role.title, role.verdict) == ("task role: cannot be resolved", UNKNOWN)
    (container,) = links_of(found, "container")
    assert (container.title, container.verdict, container.details) == (
        "container #1", UNKNOWN,
        ["ReadonlyRootFilesystem cannot be resolved", "init process: not set"])
    assert explained(t, kind="task-definition") == snapshot


def test_no_task_role_on_windows(snapshot: Any) -> None:
    t = exec_app()
    del t.props("TaskDef")["TaskRoleArn"]
    t.props("TaskDef")["RuntimePlatform"] = {"OperatingSystemFamily": "WINDOWS_SERVER_2022_CORE"}
    text = explained(t, kind="task-definition")
    assert "    platform family: Windows\n" in text
    assert "task-role [broken] task role: none\n" in text
    assert text == snapshot


def test_statements_as_explain_shows_them(snapshot: Any) -> None:
    # NotAction, a Condition, a Deny with NotResource, an Allow on two resources, exactly two
    # actions, and a statement of an AWS managed policy.
    t = exec_app()
    t.task_policy()["Statement"] = [
        {"Effect": "Allow", "NotAction": ["s3:*", "iam:*"], "Resource": "*"},
        allow(["ssmmessages:OpenDataChannel", "ssmmessages:OpenControlChannel"],
              Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}),
        {"Effect": "Deny", "Action": "ssmmessages:CreateDataChannel",
         "NotResource": ["arn:aws:s3:::a", "arn:aws:s3:::b"]},
        allow("ssmmessages:CreateControlChannel", resource=["*", "arn:aws:s3:::c"]),
    ]
    t.props("TaskRole")["ManagedPolicyArns"] = [aws_managed("AmazonSSMManagedInstanceCore")]
    text = explained(t, kind="task-role")
    for line in (
        "statement [ok] Allow in TaskRoleDefaultPolicy: NotAction s3:*, iam:*; Resource *\n",
        "statement [unknown] Allow in TaskRoleDefaultPolicy: Action ssmmessages:OpenDataChannel,"
        " ssmmessages:OpenControlChannel; Resource *, under a Condition\n",
        "statement [broken] Deny in TaskRoleDefaultPolicy: Action ssmmessages:CreateDataChannel;"
        " NotResource arn:aws:s3:::a, arn:aws:s3:::b\n",
        "statement [ok] Allow in an AWS managed policy: Action ssmmessages:CreateControlChannel,"
        " ssmmessages:CreateDataChannel (+2); Resource *\n",
    ):
        assert line in text
    assert text == snapshot


def test_a_read_only_container_outside_exec_containers_is_context() -> None:
    t = exec_app()
    t.props("TaskDef")["ContainerDefinitions"].append(
        {"Name": "sidecar", "Image": "busybox", "ReadonlyRootFilesystem": True})
    t.resources["TaskDef"]["Metadata"] = {"ecs-exec-guard:exec-containers": ["app"]}
    assert explained(t, kind="container") == (
        "container [ok] container app\n"
        "    writable root filesystem\n"
        "    init process: true\n"
        "container [info] container sidecar\n"
        "    read-only root filesystem: the exec agent cannot write\n"
        "    init process: not set\n"
        "    not an exec container (exec_containers metadata)\n"
    )


def test_exec_disabled_or_unresolved_on_the_launch() -> None:
    t = exec_app()
    t.props("Service")["EnableExecuteCommand"] = False
    assert explained(t, require_exec=True).splitlines()[:3] == [
        "launch [broken] Service (AWS::ECS::Service): service",
        "    EnableExecuteCommand: false",
        "    EcsExec-ENB1 (error): Service Service does not enable ECS Exec"
        " (EnableExecuteCommand).",
    ]
    t.parameters["Exec"] = {"Type": "String"}
    t.props("Service")["EnableExecuteCommand"] = ref("Exec")
    assert explained(t).splitlines()[:3] == [
        "launch [unknown] Service (AWS::ECS::Service): service",
        "    EnableExecuteCommand cannot be resolved",
        "  cluster [ok] cluster Cluster (AWS::ECS::Cluster)",
    ]


def test_ec2_capacity_with_a_provider_and_host_findings(snapshot: Any) -> None:
    # Container instances on an AMI that is not ECS-optimized: PLT2 is on the Auto Scaling
    # group, which no link shows, so it is listed under "other findings for this launch".
    t = ec2_app(image_id="ami-0123456789abcdef0")
    t.add("Provider", "AWS::ECS::CapacityProvider", AutoScalingGroupProvider={
        "AutoScalingGroupArn": ref("Asg")})
    t.add("Providers", "AWS::ECS::ClusterCapacityProviderAssociations", Cluster=ref("Cluster"),
          CapacityProviders=[ref("Provider")], DefaultCapacityProviderStrategy=[
              {"CapacityProvider": ref("Provider"), "Weight": 1}])
    svc = t.props("Service")
    del svc["LaunchType"]
    svc["CapacityProviderStrategy"] = [{"CapacityProvider": ref("Provider"), "Weight": 1}]
    found = chains(t)
    (other,) = links_of(found, "findings")
    assert other.title == "other findings for this launch"
    assert explained(t) == snapshot


def test_unresolved_capacity_names_its_reason() -> None:
    t = exec_app()
    t.parameters["LaunchType"] = {"Type": "String"}
    t.props("Service")["LaunchType"] = ref("LaunchType")
    assert explained(t, kind="platform") == (
        "platform [unknown] capacity: UNKNOWN\n"
        "    launch type is parameter LaunchType (set at deploy time)\n"
        "    EcsExec-PLT1 (warning): Cannot verify: Service (service): the launch type cannot be"
        " resolved (launch type is parameter LaunchType (set at deploy time)); the platform"
        " cannot be checked.\n"
    )
    # A provider outside the input: EC2 capacity whose hosts cannot be read.
    del t.props("Service")["LaunchType"]
    t.props("Service")["CapacityProviderStrategy"] = [
        {"CapacityProvider": "imported-provider", "Weight": 1}]
    assert explained(t, kind="platform") == (
        "platform [unknown] capacity: EC2\n"
        '    capacity provider "imported-provider" is not in the input\n'
        "    EcsExec-PLT2 (warning): Cannot verify: Service (service): the container instances"
        " are not in the input; their AMI and agent version cannot be checked.\n"
    )


def test_each_finding_is_shown_once_on_the_first_link_it_concerns(snapshot: Any) -> None:
    # Two services on one task definition: each is its own launch, explained by logical ID.
    t = exec_app()
    t.container()["ReadonlyRootFilesystem"] = True
    # Other's PLT1 (shown on the platform link) comes before its NET3 (on the network link).
    t.service("Other", subnets=[ref("PublicSubnet")])
    t.props("Other")["PlatformVersion"] = "1.3.0"
    found = chains(t, target="Other")
    (root,) = found
    assert root.verdict == BROKEN
    assert explained(t, target="Other") == snapshot


def test_two_templates_with_the_same_logical_id_are_both_explained(snapshot: Any) -> None:
    one, other = exec_app("One"), exec_app("Two")
    other.container()["ReadonlyRootFilesystem"] = True
    found = chains(one, other)
    assert [(c.title, c.verdict) for c in found] == [
        ("Service (AWS::ECS::Service): service", OK),
        ("Service (AWS::ECS::Service): service", BROKEN),
    ]
    assert explained(one, other) == snapshot


def test_a_task_role_override_by_arn_outside_the_input() -> None:
    t = exec_app()
    t.remove("Service")
    t.state_machine(Overrides={"TaskRoleArn": "arn:aws:iam::123456789012:role/Other"})
    text = explained(t, target="StateMachine", kind="task-definition")
    assert text.splitlines()[1:4] == [
        "    network mode: awsvpc",
        "    task role overridden by the launch (Overrides.TaskRoleArn)",
        "  task-role [unknown] task role arn:aws:iam::123456789012:role/Other",
    ]


def test_launches_in_two_templates_broken_the_same_way_each_show_their_findings() -> None:
    # The same logical IDs and messages in two templates: each chain shows its own CTR1 on
    # its task definition and its own host's PLT2 under its own "other findings".
    apps = [ec2_app(image_id="ami-0123456789abcdef0") for _ in range(2)]
    for stack, t in zip(("One", "Two"), apps, strict=True):
        t.name = f"{stack}.template.json"
        t.container()["ReadonlyRootFilesystem"] = True
    found = chains(*apps)
    assert [c.verdict for c in found] == [BROKEN, BROKEN]
    for chain in found:
        (td,) = links_of([chain], "task-definition")
        assert (td.verdict, td.details) == (BROKEN, [
            "network mode: awsvpc",
            "EcsExec-CTR1 (error): Container(s) app of TaskDef have a read-only root filesystem;"
            " the exec agent cannot start in them.",
        ])
        (other,) = links_of([chain], "findings")
        assert [(f.kind, f.verdict, f.title) for f in other.children] == [
            ("finding", "warning", "EcsExec-PLT2 on AsgLaunchTemplate: Asg: AMI"
             " ami-0123456789abcdef0 cannot be shown to be ECS-optimized and released after"
             " 2021-01-20."),
        ]
        assert other.verdict == "warning"


def test_a_statement_of_three_actions_shows_two_and_a_count() -> None:
    t = exec_app()
    t.task_policy()["Statement"] = [allow([
        "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel"])]
    (action, *_) = links_of(chains(t), "action")
    assert [s.title for s in action.children] == [
        "Allow in TaskRoleDefaultPolicy: Action ssmmessages:CreateControlChannel,"
        " ssmmessages:CreateDataChannel (+1); Resource *"]


def test_an_acknowledged_denial_still_breaks_the_role_link() -> None:
    # IAM2 is acknowledged (so not a finding), but the action is still denied: the role's
    # link is as bad as its worst action.
    t = exec_app()
    t.policy("DenyData", deny("ssmmessages:OpenDataChannel"), roles=["TaskRole"])
    t.resources["TaskRole"]["Metadata"] = {"ecs-exec-guard": {"acknowledge": [
        {"id": "EcsExec-IAM2", "reason": "exec stays off in this account"}]}}
    (role,) = links_of(chains(t), "task-role")
    assert (role.verdict, role.details) == (BROKEN, [])
    assert [(a.title, a.verdict) for a in role.children] == [
        ("ssmmessages:CreateControlChannel: allow", OK),
        ("ssmmessages:CreateDataChannel: allow", OK),
        ("ssmmessages:OpenControlChannel: allow", OK),
        ("ssmmessages:OpenDataChannel: deny", BROKEN),
    ]


def test_a_cluster_finding_is_on_the_cluster_link() -> None:
    t = exec_app()
    t.props("Cluster")["Configuration"] = {"ExecuteCommandConfiguration": {
        "Logging": "DEFAULT", "LogConfiguration": {"CloudWatchLogGroupName": "exec"}}}
    assert explained(t, kind="cluster") == (
        "cluster [broken] cluster Cluster (AWS::ECS::Cluster)\n"
        "    exec logging: DEFAULT\n"
        "    EcsExec-CFG1 (error): ExecuteCommandConfiguration of Cluster: LogConfiguration is"
        " set but Logging is DEFAULT, not OVERRIDE.\n"
    )


def acknowledge(t: Template, logical_id: str, rule_id: str) -> None:
    t.resources[logical_id]["Metadata"] = {"ecs-exec-guard": {"acknowledge": [
        {"id": rule_id, "reason": "reviewed"}]}}


def test_links_keep_their_own_verdict_when_the_finding_is_acknowledged() -> None:
    # The launch type is unresolved (PLT1 acknowledged): the platform link is still unknown.
    t = exec_app()
    t.parameters["LaunchType"] = {"Type": "String"}
    t.props("Service")["LaunchType"] = ref("LaunchType")
    acknowledge(t, "Service", "EcsExec-PLT1")
    assert explained(t, kind="platform") == (
        "platform [unknown] capacity: UNKNOWN\n"
        "    launch type is parameter LaunchType (set at deploy time)\n"
    )
    # No public IP behind an internet gateway (NET3 acknowledged): the network link is as
    # bad as its subnet.
    t = exec_app(subnet="public")
    t.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] = (
        "DISABLED")
    acknowledge(t, "Service", "EcsExec-NET3")
    (net,) = links_of(chains(t), "network")
    assert (net.verdict, net.details) == (BROKEN, [])
    assert [(c.kind, c.verdict) for c in net.children] == [
        ("subnet", BROKEN), ("egress", OK), ("endpoint", BROKEN)]

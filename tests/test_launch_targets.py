"""The launches found for services, daemons, EventBridge rule and Scheduler targets and pipes,
pinned field by field (every fact the rules read comes from here).

Property names: the cfn-lint schemas of AWS::ECS::Service, AWS::ECS::Daemon,
AWS::Events::Rule, AWS::Scheduler::Schedule and AWS::Pipes::Pipe.
"""

from __future__ import annotations

import json
from typing import Any

from cfn import Template, arn, fn_if, import_value, join, ref
from launch_summary import expected, launches_in, summary

from ecs_exec_guard.analysis.intrinsics import GetAtt, Ref, Unknown

NAME = "App.template.json"
SERVICE = "AWS::ECS::Service"
RULE = "AWS::Events::Rule"
SCHEDULE = "AWS::Scheduler::Schedule"
PIPE = "AWS::Pipes::Pipe"
DAEMON = "AWS::ECS::Daemon"
NET = {"Subnets": ["subnet-1"], "SecurityGroups": ["sg-1"], "AssignPublicIp": "DISABLED"}
STRATEGY = [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]
DEEP = 60
IMPORTED = Unknown("Fn::ImportValue net: no template of the input exports it")


def r(logical_id: str) -> Ref:
    return Ref(NAME, logical_id)


def a(logical_id: str, attribute: str = "Arn") -> GetAtt:
    return GetAtt(NAME, logical_id, attribute)


def ecs_params(**more: Any) -> dict[str, Any]:
    """Run-task parameters with every fact a launch reads set."""
    return {"TaskDefinitionArn": ref("TaskDef"), "LaunchType": "EC2",
            "CapacityProviderStrategy": STRATEGY, "PlatformVersion": "1.4.0",
            "EnableExecuteCommand": "true", **more}


def base() -> Template:
    """The resources the launches name (none of them a launch)."""
    t = Template()
    t.add("TaskDef", "AWS::ECS::TaskDefinition")
    t.add("DaemonTaskDef", "AWS::ECS::DaemonTaskDefinition")
    t.add("Cluster", "AWS::ECS::Cluster")
    t.add("Role", "AWS::IAM::Role")
    t.add("Provider", "AWS::ECS::CapacityProvider")
    return t


def deploy_time(t: Template) -> None:
    """Condition ``Deploy``, decided at deploy time (on a parameter without a default)."""
    t.parameters["Stage"] = {"Type": "String"}
    t.conditions["Deploy"] = {"Fn::Equals": [ref("Stage"), "prod"]}


def of(t: Template) -> list[dict[str, Any]]:
    return [summary(launch) for launch in launches_in(t)]


# -- services and daemons -------------------------------------------------------------------


def test_services_with_either_spelling_of_the_awsvpc_key() -> None:
    t = base()
    t.add("Web", SERVICE, TaskDefinition=ref("TaskDef"), Cluster=ref("Cluster"),
          LaunchType="FARGATE", CapacityProviderStrategy=STRATEGY, PlatformVersion="1.4.0",
          EnableExecuteCommand=True, NetworkConfiguration={"AwsvpcConfiguration": NET})
    t.add("Worker", SERVICE, TaskDefinition="family", EnableExecuteCommand="false",
          NetworkConfiguration={"AwsVpcConfiguration": NET})
    t.add("Imported", SERVICE, NetworkConfiguration=import_value("net"))
    assert of(t) == [
        expected("service", ("Web", SERVICE), "service", task_definition=r("TaskDef"),
                 cluster=r("Cluster"), launch_type="FARGATE", capacity_provider_strategy=STRATEGY,
                 platform_version="1.4.0", awsvpc=NET),
        expected("service", ("Worker", SERVICE), "service", exec_enabled=False,
                 task_definition="family", awsvpc=NET),
        expected("service", ("Imported", SERVICE), "service", exec_enabled=False,
                 awsvpc=IMPORTED),
    ]


def test_awsvpc_key_spelt_more_than_one_way() -> None:
    """The schema's spellings, exactly, come first (AwsvpcConfiguration, then
    AwsVpcConfiguration); any other case is read only when neither is written."""
    t = base()
    t.add("Both", SERVICE, NetworkConfiguration={"AwsVpcConfiguration": {"N": 2},
                                                 "AwsvpcConfiguration": {"N": 1}})
    t.add("Second", SERVICE, NetworkConfiguration={"AwsVpcConfiguration": {"N": 2},
                                                   "AWSVPCCONFIGURATION": {"N": 3}})
    t.add("Other", SERVICE, NetworkConfiguration={"awsvpcconfiguration": {"N": 4}})
    assert [launch.awsvpc for launch in launches_in(t)] == [{"N": 1}, {"N": 2}, {"N": 4}]


def test_daemons_name_their_providers_as_a_strategy() -> None:
    t = base()
    t.add("Daemon", DAEMON, DaemonTaskDefinitionArn=ref("DaemonTaskDef"),
          ClusterArn=arn("Cluster"), CapacityProviderArns=["arn:p1", ref("Provider")],
          EnableExecuteCommand=True)
    t.add("Unreadable", DAEMON, CapacityProviderArns=import_value("net"))
    assert of(t) == [
        expected("daemon", ("Daemon", DAEMON), "daemon", task_definition=r("DaemonTaskDef"),
                 cluster=a("Cluster"), capacity_provider_strategy=[
                     {"CapacityProvider": "arn:p1"}, {"CapacityProvider": r("Provider")}]),
        expected("daemon", ("Unreadable", DAEMON), "daemon", exec_enabled=False,
                 capacity_provider_strategy=IMPORTED),
    ]


# -- EventBridge rules and Scheduler schedules ----------------------------------------------


def test_rule_targets() -> None:
    """Each target with EcsParameters is a launch, named by its Id (else its index); a target
    whose Input overrides the task role carries that role."""
    t = base()
    role_input = json.dumps({"containerOverrides": [], "taskRoleArn": "arn:role/override"})
    t.add("Rule", RULE, Targets=[
        {"Id": "Lambda", "Arn": "arn:lambda"},
        {"Id": "Odd", "EcsParameters": "not an object"},
        {"Id": "Run", "Arn": arn("Cluster"), "EcsParameters": ecs_params(
            NetworkConfiguration={"AwsVpcConfiguration": NET}), "Input": role_input},
        {"Arn": "arn:cluster/other", "ecsParameters": {"TaskDefinitionArn": "family"}},
    ])
    assert of(t) == [
        expected("events-rule", ("Rule", RULE), "rule target Run", task_definition=r("TaskDef"),
                 cluster=a("Cluster"), launch_type="EC2", capacity_provider_strategy=STRATEGY,
                 platform_version="1.4.0", awsvpc=NET, task_role_override="arn:role/override"),
        expected("events-rule", ("Rule", RULE), "rule target 3", exec_enabled=False,
                 task_definition="family", cluster="arn:cluster/other"),
    ]


def test_schedule_target() -> None:
    t = base()
    t.add("Schedule", SCHEDULE, Target={
        "Arn": arn("Cluster"), "Input": '{"TaskRoleArn": "arn:role/upper"}',
        "EcsParameters": ecs_params(NetworkConfiguration={"AwsvpcConfiguration": NET})})
    t.add("Lambda", SCHEDULE, Target={"Arn": "arn:lambda"})
    assert of(t) == [
        expected("schedule", ("Schedule", SCHEDULE), "schedule target",
                 task_definition=r("TaskDef"), cluster=a("Cluster"), launch_type="EC2",
                 capacity_provider_strategy=STRATEGY, platform_version="1.4.0", awsvpc=NET,
                 task_role_override="arn:role/upper"),
    ]


def test_task_role_from_the_target_input() -> None:
    """The Input is the RunTask overrides: its taskRoleArn (any case) is the task role; a
    token in it is a reference again; invalid JSON is a cannot-verify; no taskRoleArn, none."""
    inputs = {
        "Token": join("", ['{"taskRoleArn": "', arn("Role"), '"}']),
        "Invalid": '{"taskRoleArn": ',
        "Without": '{"containerOverrides": []}',
        "NotText": {"taskRoleArn": "x"},
        "Absent": None,
        "Nested": '{"taskRoleArn": ["a", {"b": "{{ref|App.template.json|Role}}"}]}',
    }
    t = base()
    for name, value in inputs.items():
        target: dict[str, Any] = {"Id": name, "EcsParameters": {}}
        if value is not None:
            target["Input"] = value
        t.add(name, RULE, Targets=[target])
    overrides = {launch["resource"][0]: launch["task_role_override"] for launch in of(t)}
    assert overrides == {
        "Token": a("Role"),
        "Invalid": Unknown("the target's Input (the task overrides) is not valid JSON"),
        "Without": None,
        "NotText": None,
        "Absent": None,
        "Nested": ["a", {"b": r("Role")}],
    }


def test_unresolvable_input_overrides_the_role_only_when_it_mentions_one() -> None:
    t = base()
    deploy_time(t)
    t.add("Mentions", RULE, Targets=[{"Id": "T", "EcsParameters": {},
                                      "Input": fn_if("Deploy", '{"taskRoleArn": "x"}', "{}")}])
    t.add("Silent", SCHEDULE, Target={"EcsParameters": {}, "Input": fn_if("Deploy", "{}", "[]")})
    undecided = Unknown("Fn::If on condition Deploy, which is decided at deploy time")
    assert [launch["task_role_override"] for launch in of(t)] == [undecided, None]


def test_unreadable_targets() -> None:
    """Targets (or a target) decided at deploy time: a launch whose every fact is that
    unknown when the resource asks for exec on ECS somewhere, else none."""
    t = base()
    deploy_time(t)
    ecs = {"Id": "T", "EcsParameters": {"EnableExecuteCommand": True}}
    t.add("AllTargets", RULE, Targets=fn_if("Deploy", [ecs], []))
    t.add("OneTarget", RULE, Targets=[fn_if("Deploy", ecs, {"Id": "T"}),
                                      {"Id": "After", "EcsParameters": {}}])
    t.add("Parameters", RULE, Targets=[{"Id": "P", "EcsParameters": fn_if("Deploy", {}, {})}])
    t.add("Sched", SCHEDULE, Target=fn_if("Deploy", {"EcsParameters": {
        "EnableExecuteCommand": True}}, {}))
    t.add("SchedParams", SCHEDULE, Target={"EcsParameters": fn_if("Deploy", {
        "EnableExecuteCommand": True}, {})})
    # No exec mentioned (or no ECS): no launch.
    t.add("NoExec", RULE, Targets=fn_if("Deploy", [{"Id": "T", "EcsParameters": {}}], []))
    t.add("NoEcs", SCHEDULE, Target=fn_if("Deploy", {"EnableExecuteCommand": True}, {}))
    why = Unknown("Fn::If on condition Deploy, which is decided at deploy time")

    def unreadable(name: str, kind: str, rtype: str, where: str) -> dict[str, Any]:
        return expected(kind, (name, rtype), where, exec_enabled=None, task_definition=why,
                        cluster=why, launch_type=why, awsvpc=why,
                        extra={"unreadable": why.reason})

    assert of(t) == [
        unreadable("AllTargets", "events-rule", RULE, "rule targets"),
        unreadable("OneTarget", "events-rule", RULE, "rule target 0"),
        expected("events-rule", ("OneTarget", RULE), "rule target After", exec_enabled=False),
        expected("events-rule", ("Parameters", RULE), "rule target P", exec_enabled=False),
        unreadable("Sched", "schedule", SCHEDULE, "schedule target"),
        unreadable("SchedParams", "schedule", SCHEDULE, "schedule target"),
    ]


# -- pipes ----------------------------------------------------------------------------------


def test_pipe_target() -> None:
    """JSONPath values are chosen by the event at run time: unknown, naming their key."""
    t = base()
    t.add("Pipe", PIPE, Target=arn("Cluster"), TargetParameters={"EcsTaskParameters": ecs_params(
        PlatformVersion="$.detail.version",
        NetworkConfiguration={"AwsvpcConfiguration": {
            "Subnets": ["$.detail.subnet", "subnet-1"], "AssignPublicIp": "DISABLED"}},
        Overrides={"TaskRoleArn": "arn:role/pipe"},
        Tags=[{"Key": "k", "Value": "$x"}])})
    t.add("Lambda", PIPE, Target="arn:lambda", TargetParameters={"LambdaFunctionParameters": {}})
    assert of(t) == [
        expected("pipe", ("Pipe", PIPE), "pipe target", task_definition=r("TaskDef"),
                 cluster=a("Cluster"), launch_type="EC2", capacity_provider_strategy=STRATEGY,
                 platform_version=Unknown(
                     "PlatformVersion comes from the event at run time ($.detail.version)"),
                 awsvpc={"Subnets": [Unknown(
                     "Subnets comes from the event at run time ($.detail.subnet)"), "subnet-1"],
                     "AssignPublicIp": "DISABLED"},
                 task_role_override="arn:role/pipe"),
    ]


def test_pipe_run_time_paths_everywhere() -> None:
    """A path anywhere in the parameters, however deep, is unknown. (Values nested deeper
    than the resolver reads, 64 levels from the resource's Properties, are already unknown.)"""
    deep: Any = "$.deep"
    for _ in range(DEEP):
        deep = [deep]
    t = base()
    t.add("Pipe", PIPE, TargetParameters={"EcsTaskParameters": {
        "TaskDefinitionArn": "$.detail.td", "Overrides": {"TaskRoleArn": ["$.role"]},
        "CapacityProviderStrategy": deep}})
    [launch] = launches_in(t)
    assert launch.task_definition == Unknown(
        "TaskDefinitionArn comes from the event at run time ($.detail.td)")
    assert launch.task_role_override == [
        Unknown("TaskRoleArn comes from the event at run time ($.role)")]
    inner = launch.capacity_provider_strategy
    for _ in range(DEEP):
        [inner] = inner
    assert inner == Unknown("CapacityProviderStrategy comes from the event at run time ($.deep)")


def test_pipe_run_time_paths_in_nested_objects() -> None:
    """Each level of objects counts once; a path under an empty key is "a value"."""
    levels = 50
    leaf: Any = {"": "$.leaf"}
    for _ in range(levels):
        leaf = {"Next": leaf}
    t = base()
    t.add("Pipe", PIPE, TargetParameters={"EcsTaskParameters": {
        "NetworkConfiguration": {"AwsvpcConfiguration": leaf}}})
    [launch] = launches_in(t)
    inner = launch.awsvpc
    for _ in range(levels):
        assert list(inner) == ["Next"]
        inner = inner["Next"]
    assert inner == {"": Unknown("a value comes from the event at run time ($.leaf)")}

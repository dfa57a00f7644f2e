"""The launches found in Step Functions state machines, pinned field by field: which states
run a task, the facts read from their Parameters (or JSONata Arguments), what is chosen at run
time, and the definitions that cannot be read.

Definition shape: the Amazon States Language (``States``, ``Branches`` of a Parallel state,
``Iterator`` / ``ItemProcessor`` of a Map state); the runTask integration's parameters are
those of ECS RunTask.
"""

from __future__ import annotations

import json
from typing import Any

from cfn import Template, fn_if, join, json_pieces, ref
from launch_summary import expected, launches_in, summary

from ecs_exec_guard.analysis.intrinsics import GetAtt, Ref, Unknown

NAME = "App.template.json"
SM = "AWS::StepFunctions::StateMachine"
RUN = "arn:aws:states:::ecs:runTask.sync"
NET = {"Subnets": ["subnet-1"], "AssignPublicIp": "DISABLED"}
STRATEGY = [{"CapacityProvider": "FARGATE", "Weight": 1}]


def base() -> Template:
    t = Template()
    t.add("TaskDef", "AWS::ECS::TaskDefinition")
    t.add("Cluster", "AWS::ECS::Cluster")
    t.add("Role", "AWS::IAM::Role")
    return t


def task(resource: Any = RUN, **params: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": resource, "Parameters": params, "End": True}


def machine(*states: tuple[str, Any]) -> dict[str, Any]:
    return {"StartAt": states[0][0], "States": dict(states)}


def of(t: Template) -> list[dict[str, Any]]:
    return [summary(launch) for launch in launches_in(t)]


def sm_launch(where: str, name: str = "Machine", **fields: Any) -> dict[str, Any]:
    fields.setdefault("extra", {"dynamic": []})
    return expected("state-machine", (name, SM), where, **fields)


def test_run_task_state_reads_every_fact() -> None:
    t = base()
    t.add("Machine", SM, Definition=machine(("Run", task(
        TaskDefinition=ref("TaskDef"), Cluster={"Fn::GetAtt": ["Cluster", "Arn"]},
        LaunchType="FARGATE", CapacityProviderStrategy=STRATEGY, PlatformVersion="1.4.0",
        NetworkConfiguration={"AwsvpcConfiguration": NET}, EnableExecuteCommand=True,
        Overrides={"TaskRoleArn": ref("Role")}))))
    assert of(t) == [sm_launch(
        "state Run", task_definition=Ref(NAME, "TaskDef"), cluster=GetAtt(NAME, "Cluster", "Arn"),
        launch_type="FARGATE", capacity_provider_strategy=STRATEGY, platform_version="1.4.0",
        awsvpc=NET, task_role_override=Ref(NAME, "Role"))]


def test_which_resources_run_a_task() -> None:
    """runTask with or without .sync / .waitForTaskToken, in any partition (CDK writes
    ``${AWS::Partition}``); nothing else."""
    resources = {
        "Plain": "arn:aws:states:::ecs:runTask",
        "Sync": "arn:aws-cn:states:::ecs:runTask.sync",
        "Token": "arn:${AWS::Partition}:states:::ecs:runTask.waitForTaskToken",
        "Other": "arn:aws:states:::ecs:runTask.other",
        "Prefix": "xarn:aws:states:::ecs:runTask",
        "Lambda": "arn:aws:states:::lambda:invoke",
        "NotText": ["arn:aws:states:::ecs:runTask"],
    }
    t = base()
    states = [(name, task(arn, EnableExecuteCommand=True)) for name, arn in resources.items()]
    t.add("Machine", SM, Definition=machine(*states))
    assert [launch["where"] for launch in of(t)] == ["state Plain", "state Sync", "state Token"]


def test_arguments_parameters_and_neither() -> None:
    """JSONata states write ``Arguments``; a state with neither as an object is skipped."""
    t = base()
    jsonata = {"Type": "Task", "Resource": RUN, "Arguments": {
        "TaskDefinition": "family", "EnableExecuteCommand": "false"}}
    both = {"Type": "Task", "Resource": RUN, "Parameters": {"TaskDefinition": "first"},
            "Arguments": {"TaskDefinition": "second"}}
    bad = {"Type": "Task", "Resource": RUN, "Parameters": "x", "Arguments": ["y"]}
    t.add("Machine", SM, Definition=machine(("JsonAta", jsonata), ("Both", both), ("Bad", bad)))
    assert of(t) == [
        sm_launch("state JsonAta", exec_enabled=False, task_definition="family"),
        sm_launch("state Both", exec_enabled=False, task_definition="first"),
    ]


def test_values_chosen_at_run_time() -> None:
    """Keys ending in ``.$`` are JSONPath, chosen at run time: each fact is unknown and named,
    and ``extra["dynamic"]`` lists them sorted."""
    params: dict[str, Any] = {
        "TaskDefinition.$": "$.td", "Cluster.$": "$.c", "LaunchType.$": "$.lt",
        "CapacityProviderStrategy.$": "$.s", "PlatformVersion.$": "$.v",
        "NetworkConfiguration.$": "$.n", "EnableExecuteCommand.$": "$.e",
        "Overrides": {"TaskRoleArn.$": "$.r"}, "Tags.$": "$.t"}
    t = base()
    t.add("Machine", SM, Definition=machine(("Run", task(**params))))

    def chosen(key: str) -> Unknown:
        return Unknown(f"{key} is chosen at run time ({key}.$)")

    assert of(t) == [sm_launch(
        "state Run", exec_enabled=None, task_definition=chosen("TaskDefinition"),
        cluster=chosen("Cluster"), launch_type=chosen("LaunchType"),
        capacity_provider_strategy=chosen("CapacityProviderStrategy"),
        platform_version=chosen("PlatformVersion"), awsvpc=chosen("NetworkConfiguration"),
        extra={"dynamic": ["CapacityProviderStrategy", "Cluster", "EnableExecuteCommand",
                           "LaunchType", "NetworkConfiguration", "PlatformVersion",
                           "Tags", "TaskDefinition"]},
        task_role_override=Unknown(
            "Overrides.TaskRoleArn is chosen at run time (TaskRoleArn.$)"))]


def test_overrides_without_a_task_role() -> None:
    t = base()
    t.add("Machine", SM, Definition=machine(
        ("NoRole", task(EnableExecuteCommand=True, Overrides={"ContainerOverrides": []})),
        ("NotAnObject", task(EnableExecuteCommand=True, Overrides=["TaskRoleArn"]))))
    assert [launch["task_role_override"] for launch in of(t)] == [None, None]


def test_nested_states() -> None:
    """Parallel branches, Map iterators and item processors are walked, in order."""
    inner = machine(("Inner", task(EnableExecuteCommand=True)))
    t = base()
    t.add("Machine", SM, Definition=machine(
        ("Parallel", {"Type": "Parallel", "Branches": [
            machine(("Left", task(EnableExecuteCommand=True))),
            machine(("Right", task(EnableExecuteCommand=True)))], "End": True}),
        ("Map", {"Type": "Map", "Iterator": inner}),
        ("Processor", {"Type": "Map", "ItemProcessor": machine(
            ("Item", task(EnableExecuteCommand=True)))}),
        ("Skipped", "not an object"),
        ("Last", task(EnableExecuteCommand=True))))
    assert [launch["where"] for launch in of(t)] == [
        "state Left", "state Right", "state Inner", "state Item", "state Last"]


def test_states_nested_past_the_walk_limit() -> None:
    """Sixteen levels of nested state machines (Map iterators) are walked; a state deeper
    than that is not read, and a machine that asks for exec and has no readable runTask state
    is a cannot-verify."""

    def nest(levels: int, key: str) -> dict[str, Any]:
        definition = machine(("Deep", task(EnableExecuteCommand=True)))
        for _ in range(levels):
            definition = machine(("M", {"Type": "Map", key: definition}))
        return definition

    why = Unknown("no ecs:runTask state of the definition could be read")
    # Branches written as one object (not a list) nest as shallowly as an Iterator does.
    for key in ("Iterator", "ItemProcessor", "Branches"):
        t = base()
        t.add("Sixteen", SM, DefinitionString=json.dumps(nest(16, key)))
        t.add("Seventeen", SM, DefinitionString=json.dumps(nest(17, key)))
        assert of(t) == [
            sm_launch("state Deep", name="Sixteen"),
            sm_launch("state machine", name="Seventeen", exec_enabled=None, task_definition=why,
                      cluster=why, launch_type=why, awsvpc=why,
                      extra={"unreadable": why.reason}),
        ], key


def test_raw_properties_nested_too_deeply_may_ask_for_exec() -> None:
    """Whether an unreadable machine asks for exec is read from its raw properties; past 64
    levels (lists or objects) the answer is "yes", so it is reported as a cannot-verify."""

    def nest(levels: int, in_dicts: bool) -> Any:
        value: Any = "leaf"
        for _ in range(levels):
            value = {"Next": value} if in_dicts else [value]
        return value

    why = Unknown("the definition is in S3")
    for in_dicts in (False, True):
        t = base()
        # Tags sit 1 level below Properties: their leaf is at level 64, then 65.
        t.add("Fits", SM, DefinitionS3Location={"Bucket": "b"}, Tags=nest(63, in_dicts))
        t.add("TooDeep", SM, DefinitionS3Location={"Bucket": "b"}, Tags=nest(64, in_dicts))
        assert of(t) == [
            sm_launch("state machine", name="TooDeep", exec_enabled=None, task_definition=why,
                      cluster=why, launch_type=why, awsvpc=why,
                      extra={"unreadable": why.reason}),
        ], in_dicts


def test_states_that_are_not_an_object() -> None:
    t = base()
    t.add("NoStates", SM, Definition={"StartAt": "A", "States": ["A"]})
    t.add("NoDefinition", SM, RoleArn="arn:role")
    assert of(t) == []


# -- definitions as text --------------------------------------------------------------------


def test_definition_string_with_tokens() -> None:
    """CDK's DefinitionString: JSON joined around references, which become references again
    (however deep they sit in the definition)."""
    definition = machine(("Run", task(
        TaskDefinition=ref("TaskDef"), EnableExecuteCommand=True,
        Overrides={"TaskRoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                   "ContainerOverrides": [{"Environment": [{"Value": ref("Cluster")}]}]})))
    t = base()
    t.add("Machine", SM, DefinitionString=join("", json_pieces(definition)))
    [launch] = launches_in(t)
    assert summary(launch) == sm_launch(
        "state Run", task_definition=Ref(NAME, "TaskDef"),
        task_role_override=GetAtt(NAME, "Role", "Arn"))
    assert launch.where == "state Run"


def test_definition_string_nested_too_deeply() -> None:
    """Past 64 levels of the parsed definition (the text is not read by the template
    resolver, so it can be that deep), values are unknown."""
    # The TaskRoleArn value sits 5 levels down (definition, States, Run, Parameters,
    # Overrides): its lists 1 to 60 are levels 5 to 64, the 61st is level 65.
    deep = _nest_lists(64, "arn:x")
    t = base()
    t.add("Machine", SM, DefinitionString=json.dumps(machine(("Run", task(
        EnableExecuteCommand=True, Overrides={"TaskRoleArn": deep})))))
    [launch] = launches_in(t)
    inner = launch.task_role_override
    for _ in range(60):
        assert isinstance(inner, list) and len(inner) == 1
        [inner] = inner
    assert inner == Unknown("the definition is nested too deeply")


def _nest_lists(levels: int, leaf: Any) -> Any:
    for _ in range(levels):
        leaf = [leaf]
    return leaf


def test_definitions_that_cannot_be_read() -> None:
    """Invalid JSON, an unresolvable DefinitionString, one in S3: a cannot-verify launch when
    the machine mentions exec and runTask, else nothing."""
    t = base()
    t.parameters["Stage"] = {"Type": "String"}
    t.conditions["Deploy"] = {"Fn::Equals": [ref("Stage"), "prod"]}
    asks = '"Resource": "arn:aws:states:::ecs:runTask", "EnableExecuteCommand": true'
    t.add("Invalid", SM, DefinitionString="{" + asks)
    t.add("Undecided", SM, DefinitionString=fn_if("Deploy", "{" + asks + "}", "{}"))
    t.add("NotText", SM, DefinitionString=["runTask", "EnableExecuteCommand"])
    t.add("InS3", SM, DefinitionS3Location={"Bucket": "b", "Key": "runTask"},
          DefinitionSubstitutions={"EnableExecuteCommand": "true"})
    t.add("Quiet", SM, DefinitionString='{"Resource": "arn:aws:states:::ecs:runTask"')
    t.add("NoTask", SM, DefinitionString='{"EnableExecuteCommand": true')

    def unreadable(name: str, why: Unknown) -> dict[str, Any]:
        return sm_launch("state machine", name=name, exec_enabled=None, task_definition=why,
                         cluster=why, launch_type=why, awsvpc=why,
                         extra={"unreadable": why.reason})

    assert of(t) == [
        unreadable("Invalid", Unknown("DefinitionString is not valid JSON")),
        unreadable("Undecided", Unknown(
            "Fn::If on condition Deploy, which is decided at deploy time")),
        unreadable("NotText", Unknown("unresolvable DefinitionString")),
        unreadable("InS3", Unknown("the definition is in S3")),
    ]


def test_definition_object_wins_over_text() -> None:
    t = base()
    t.add("Machine", SM, Definition=machine(("Object", task(EnableExecuteCommand=True))),
          DefinitionString=json.dumps(machine(("Text", task(EnableExecuteCommand=True)))))
    assert [launch["where"] for launch in of(t)] == ["state Object"]


def test_machine_that_asks_for_exec_with_no_readable_state() -> None:
    why = Unknown("no ecs:runTask state of the definition could be read")
    t = base()
    t.add("Machine", SM, Definition=machine(("Run", {
        "Type": "Task", "Resource": "arn:aws:states:::ecs:runTask",
        "Parameters": "EnableExecuteCommand"})))
    t.add("Lambda", SM, Definition=machine(("Run", task(
        "arn:aws:states:::lambda:invoke", EnableExecuteCommand=True))))
    assert of(t) == [sm_launch(
        "state machine", exec_enabled=None, task_definition=why, cluster=why, launch_type=why,
        awsvpc=why, extra={"unreadable": why.reason})]

"""Step Functions: every shape a state machine can run an exec task in, and what cannot be read.

Shapes from the Amazon States Language: a ``Definition`` object or a ``DefinitionString``
(CDK writes the latter, an Fn::Join), states nested in ``Parallel`` branches and in ``Map``
states (``Iterator``, or ``ItemProcessor`` since 2022), ``Parameters`` (JSONPath, where keys
ending in ``.$`` are computed at run time) or ``Arguments`` (JSONata), and a definition kept in
S3 (``DefinitionS3Location``). The integration is ``arn:aws:states:::ecs:runTask(.sync)``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from cfn import JSON, Template, arn, att, clean, exactly, exec_app, ref

from ecs_exec_guard.analysis import Severity

RUN_TASK = "arn:aws:states:::ecs:runTask.sync"
SM = "StateMachine"


def run_task(**overrides: Any) -> JSON:
    """A runTask state's parameters: the compliant app's task, exec on."""
    params: JSON = {
        "Cluster": arn("Cluster"), "TaskDefinition": ref("TaskDef"), "LaunchType": "FARGATE",
        "EnableExecuteCommand": True,
        "NetworkConfiguration": {"AwsvpcConfiguration": {
            "Subnets": [ref("PrivateSubnet")], "SecurityGroups": [att("TaskSg", "GroupId")]}},
    }
    params.update(overrides)
    return {"Type": "Task", "Resource": RUN_TASK, "Parameters": params, "End": True}


def machine(states: JSON, *, start: str | None = None) -> Template:
    """The compliant app, its service replaced by a state machine with this Definition."""
    app = exec_app()
    app.remove("Service")
    app.add(SM, "AWS::StepFunctions::StateMachine", RoleArn=arn("ExecutionRole"),
            Definition={"StartAt": start or next(iter(states)), "States": states})
    return app


def readonly(app: Template) -> Template:
    app.container()["ReadonlyRootFilesystem"] = True
    return app


CTR1 = ("EcsExec-CTR1", Severity.ERROR, "TaskDef")


def test_definition_object_with_a_run_task_state() -> None:
    f = exactly(readonly(machine({"Run": run_task()})).analyze(), CTR1)[0]
    assert f.launches == ("App.template.json/StateMachine",)


def test_definition_object_compliant_twin() -> None:
    clean(machine({"Run": run_task()}).analyze())


@pytest.mark.parametrize("key", ["Iterator", "ItemProcessor"])
def test_run_task_inside_a_map_state(key: str) -> None:
    states = {"Each": {"Type": "Map", key: {"StartAt": "Run", "States": {"Run": run_task()}},
                       "End": True}}
    exactly(readonly(machine(states)).analyze(), CTR1)


def test_run_task_in_the_second_branch_of_a_parallel_state() -> None:
    states = {"Both": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 1, "End": True}}},
        {"StartAt": "Run", "States": {"Run": run_task()}}]}}
    exactly(readonly(machine(states)).analyze(), CTR1)


def nested_parallel(levels: int) -> JSON:
    states: JSON = {"Run": run_task()}
    for i in range(levels):
        states = {f"P{i}": {"Type": "Parallel", "End": True,
                            "Branches": [{"StartAt": next(iter(states)), "States": states}]}}
    return states


def test_states_nested_thirteen_levels_deep_are_read() -> None:
    exactly(readonly(machine(nested_parallel(13))).analyze(), CTR1)


@pytest.mark.parametrize("levels", [16, 17])
def test_states_nested_too_deeply_to_read_are_a_cannot_verify(levels: int) -> None:
    """The walk stops somewhere; exec asked for in what it did not reach is not a pass."""
    report = readonly(machine(nested_parallel(levels))).analyze()
    assert report.launches_checked == 1
    findings = exactly(report, *UNREADABLE)
    assert "no ecs:runTask state of the definition could be read" in findings[0].message


def test_states_nested_deeply_without_exec_are_not_a_launch() -> None:
    states = json.loads(json.dumps(nested_parallel(13)).replace("EnableExecuteCommand", "Group"))
    report = readonly(machine(states)).analyze()
    assert (report.launches_checked, report.findings) == (0, [])


def test_arguments_of_a_jsonata_state() -> None:
    state = run_task()
    state["Arguments"] = state.pop("Parameters")
    exactly(readonly(machine({"Run": state})).analyze(), CTR1)


def test_a_state_with_no_parameters_does_not_stop_the_walk() -> None:
    states = {"First": {"Type": "Task", "Resource": RUN_TASK, "Parameters": "not an object",
                        "Next": "Second"},
              "Second": run_task()}
    report = readonly(machine(states)).analyze()
    exactly(report, CTR1)
    assert report.launches_checked == 1


def test_cluster_chosen_at_run_time_cannot_be_verified_on_ec2() -> None:
    """No launch type: the cluster's default strategy decides, and the cluster is unknown."""
    state = run_task(**{"Cluster.$": "$.cluster", "PlatformVersion": "1.3.0"})
    del state["Parameters"]["Cluster"], state["Parameters"]["LaunchType"]
    app = machine({"Run": state})
    app.add("ClusterProviders", "AWS::ECS::ClusterCapacityProviderAssociations",
            Cluster=ref("Cluster"), CapacityProviders=["FARGATE"],
            DefaultCapacityProviderStrategy=[{"CapacityProvider": "FARGATE", "Weight": 1}])
    # EC2 by default, whose container instances are then unknown (the cluster is).
    (f,) = exactly(app.analyze(), ("EcsExec-PLT2", Severity.WARNING, SM))
    assert "container instances are not in the input" in f.message


@pytest.mark.parametrize("via", ["parameters", "cluster default"])
def test_fargate_capacity_of_a_run_task_state(via: str) -> None:
    state = run_task(PlatformVersion="1.3.0")
    del state["Parameters"]["LaunchType"]
    if via == "parameters":
        state["Parameters"]["CapacityProviderStrategy"] = [{"CapacityProvider": "FARGATE"}]
    app = machine({"Run": state})
    if via == "cluster default":
        app.add("ClusterProviders", "AWS::ECS::ClusterCapacityProviderAssociations",
                Cluster=ref("Cluster"), CapacityProviders=["FARGATE"],
                DefaultCapacityProviderStrategy=[{"CapacityProvider": "FARGATE", "Weight": 1}])
    exactly(app.analyze(), ("EcsExec-PLT1", Severity.ERROR, SM))


UNREADABLE = [("EcsExec-IAM4", Severity.WARNING, SM), ("EcsExec-NET7", Severity.WARNING, SM),
              ("EcsExec-PLT1", Severity.WARNING, SM)]


def with_definition_string(text: Any) -> Template:
    app = exec_app()
    app.remove("Service")
    app.add(SM, "AWS::StepFunctions::StateMachine", RoleArn=arn("ExecutionRole"),
            DefinitionString=text)
    return app


def test_definition_string_that_is_not_json_but_asks_for_exec() -> None:
    app = with_definition_string('{"States": {"Run": {"Resource": "ecs:runTask", '
                                 '"EnableExecuteCommand": true,')
    findings = exactly(app.analyze(), *UNREADABLE)
    assert "DefinitionString is not valid JSON" in findings[0].message


def test_definition_string_that_is_not_json_and_only_runs_tasks() -> None:
    """runTask without EnableExecuteCommand anywhere: no exec to check."""
    app = with_definition_string('{"States": {"Run": {"Resource": "ecs:runTask",')
    report = app.analyze()
    assert (report.launches_checked, report.findings) == (0, [])


def test_definition_string_that_is_not_text() -> None:
    app = with_definition_string(["runTask", {"EnableExecuteCommand": True}])
    findings = exactly(app.analyze(), *UNREADABLE)
    assert "unresolvable DefinitionString" in findings[0].message


def test_definition_in_s3_that_mentions_exec_in_its_substitutions() -> None:
    app = exec_app()
    app.remove("Service")
    app.add(SM, "AWS::StepFunctions::StateMachine", RoleArn=arn("ExecutionRole"),
            DefinitionS3Location={"Bucket": "definitions", "Key": "run.asl.json"},
            DefinitionSubstitutions={"Resource": "arn:aws:states:::ecs:runTask.sync",
                                     "EnableExecuteCommand": "true"})
    findings = exactly(app.analyze(), *UNREADABLE)
    assert "the definition is in S3" in findings[0].message


def test_definition_nested_too_deeply_to_read() -> None:
    deep: Any = "x"
    for _ in range(70):
        deep = {"a": deep}
    state = run_task()
    state["Parameters"]["Tags"] = [{"Key": "deep", "Value": json.dumps(deep)}]
    state["Parameters"]["Overrides"] = deep
    report = machine({"Run": state}).analyze()
    assert report.launches_checked == 1
    assert report.findings == []

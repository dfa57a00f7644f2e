"""``Fn::GetStackOutput``: CDK's weak cross-stack reference reads another stack's output by name.

The shape is ``{"Fn::GetStackOutput": {"StackName": ..., "OutputName": ..., "Region": ...}}``
(as aws-cdk-lib's ``FnGetStackOutput`` writes it). Stack names are not in templates: the
template whose file name is the stack name wins, else the one template with that output.
"""

from __future__ import annotations

from typing import Any

import pytest
from cfn import Template, clean, exactly, exec_app, ref

from ecs_exec_guard.analysis import Severity, analyze


def network(name: str = "Network", subnet: str = "IsolatedSubnet") -> Template:
    """The compliant app without its service, exporting one subnet as output SubnetId."""
    t = exec_app(name)
    t.remove("Service")
    t.outputs["SubnetId"] = {"Value": ref(subnet)}
    return t


def app_reading(arg: Any) -> Template:
    """The compliant app whose service runs in the subnet that Fn::GetStackOutput names."""
    app = exec_app()
    app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = [
        {"Fn::GetStackOutput": arg}]
    return app


def bodies(*pairs: tuple[str, Template]) -> dict[str, Any]:
    return {name: t.body() for name, t in pairs}


NO_ROUTE = ("EcsExec-NET2", Severity.ERROR, "Service")
CANNOT_VERIFY = ("EcsExec-NET7", Severity.WARNING, "Service")


def test_output_of_another_stack_resolves() -> None:
    """The isolated subnet of Network (no endpoint there) is found: NET2, not a guess."""
    app = app_reading({"StackName": "Network", "OutputName": "SubnetId", "Region": "eu-west-1"})
    (f,) = exactly(app.analyze(network()), NO_ROUTE)
    assert "IsolatedSubnet" in f.message


def test_output_naming_a_subnet_with_a_route_is_clean() -> None:
    app = app_reading({"StackName": "Network", "OutputName": "SubnetId"})
    clean(app.analyze(network(subnet="PrivateSubnet")))


def test_without_a_stack_name_the_one_template_with_the_output_is_used() -> None:
    app = app_reading({"OutputName": "SubnetId"})
    exactly(app.analyze(network()), NO_ROUTE)


@pytest.mark.parametrize(
    "file_name",
    ["Network.template.json", "Network.template.yaml", "Network.template.yml", "Network.json",
     "Network.yaml", "Network.yml", "Network", "cdk.out/assembly-Stage/Network.template.json"],
)
def test_the_stack_name_picks_the_template_of_that_name(file_name: str) -> None:
    """Two templates have output SubnetId; the stack name chooses, whatever the file suffix."""
    app = app_reading({"StackName": "Network", "OutputName": "SubnetId"})
    templates = bodies(("App.template.json", app), (file_name, network()),
                       ("Other.template.json", network("Other", subnet="PrivateSubnet")))
    report = analyze(templates)
    assert [(f.rule_id, f.logical_id) for f in report.findings] == [("EcsExec-NET2", "Service")]


@pytest.mark.parametrize(
    ("arg", "reason"),
    [
        # Two templates have the output and neither is called Elsewhere.
        ({"StackName": "Elsewhere", "OutputName": "SubnetId"},
         "output SubnetId of stack Elsewhere is not (uniquely) in the input"),
        ({"OutputName": "SubnetId"}, "output SubnetId of another stack is not (uniquely)"),
        ({"StackName": "Network", "OutputName": "Missing"}, "output Missing of stack Network"),
        ({"StackName": "Network", "OutputName": ["SubnetId"]},
         "Fn::GetStackOutput of"),
        ({"StackName": "Network"}, "Fn::GetStackOutput of"),
    ],
    ids=["unknown stack", "two holders", "no such output", "output name not a string",
         "no output name"],
)
def test_output_that_cannot_be_found_is_a_cannot_verify(arg: Any, reason: str) -> None:
    app = app_reading(arg)
    (f,) = exactly(app.analyze(network(), network("Other", subnet="PrivateSubnet")),
                   CANNOT_VERIFY)
    assert reason in f.message


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"Description": "no value"}, "output SubnetId has no value"),
        ("not an object", "output SubnetId has no value"),
        ({"Value": {"Fn::GetStackOutput": {"StackName": "Network", "OutputName": "SubnetId"}}},
         "output SubnetId refers to itself"),
    ],
    ids=["no value", "not an object", "itself"],
)
def test_output_without_a_usable_value(entry: Any, reason: str) -> None:
    net = network()
    net.outputs["SubnetId"] = entry
    app = app_reading({"StackName": "Network", "OutputName": "SubnetId"})
    (f,) = exactly(app.analyze(net), CANNOT_VERIFY)
    assert reason in f.message


def test_an_output_read_twice_is_resolved_once_and_the_same() -> None:
    """Two services read the same output: both resolve it (the second from the cache)."""
    app = app_reading({"StackName": "Network", "OutputName": "SubnetId"})
    app.service("Service2", subnets=[
        {"Fn::GetStackOutput": {"StackName": "Network", "OutputName": "SubnetId"}}])
    exactly(app.analyze(network()), NO_ROUTE, ("EcsExec-NET2", Severity.ERROR, "Service2"))

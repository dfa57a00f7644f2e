"""Values across a nested stack: outputs read by the parent, parameters passed to the child.

A parent reads a nested stack's output as ``Fn::GetAtt [Stack, Outputs.Name]`` and passes
parameters as the stack resource's ``Parameters``; the loader links the two templates through
the stack resource's ``aws:asset:path`` metadata (as CDK writes it with asset metadata on).
"""

from __future__ import annotations

from typing import Any

import pytest
from cfn import JSON, Template, att, exec_app, ref

from ecs_exec_guard.analysis import Report, analyze

CHILD = "ParentNetwork1234.nested.template.json"


def nested_stack(**parameters: Any) -> JSON:
    resource: JSON = {"Type": "AWS::CloudFormation::Stack",
                      "Metadata": {"aws:asset:path": CHILD},
                      "Properties": {"TemplateURL": "https://example.invalid/network.json"}}
    if parameters:
        resource["Properties"]["Parameters"] = parameters
    return resource


def findings(report: Report) -> list[tuple[str, str, str]]:
    return sorted((f.rule_id, f.severity.value, f.logical_id) for f in report.findings)


def parent_reading(output: str, child_outputs: Any) -> dict[str, JSON]:
    """The app in the parent; its service's subnet is the nested stack's output."""
    parent = exec_app("Parent")
    parent.resources["Network"] = nested_stack()
    parent.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = [
        att("Network", f"Outputs.{output}")]
    child = Template("Child")
    child.vpc()
    child.subnet("IsolatedSubnet", "10.0.9.0/24")
    body = child.body()
    body["Outputs"] = child_outputs
    return {parent.name: parent.body(), CHILD: body}


def test_an_output_of_the_nested_stack_is_followed() -> None:
    """The subnet is the child's isolated one: NET2, which only following the output finds."""
    templates = parent_reading("SubnetId", {"SubnetId": {"Value": ref("IsolatedSubnet")}})
    assert findings(analyze(templates)) == [("EcsExec-NET2", "error", "Service")]


@pytest.mark.parametrize(
    ("output", "outputs"),
    [("Missing", {"SubnetId": {"Value": ref("IsolatedSubnet")}}),
     ("SubnetId", {"SubnetId": {"Description": "no value"}}),
     ("SubnetId", {"SubnetId": "not an object"}),
     ("SubnetId", ["not", "a", "mapping"])],
    ids=["no such output", "no value", "output not an object", "outputs not a mapping"],
)
def test_an_output_that_is_not_there_cannot_be_verified(output: str, outputs: Any) -> None:
    report = analyze(parent_reading(output, outputs))
    assert findings(report) == [("EcsExec-NET7", "warning", "Service")]


def child_with_service(parameters: dict[str, Any]) -> dict[str, JSON]:
    """The app in the nested template; its subnet is a parameter the parent passes."""
    parent = Template("Parent")
    parent.vpc()
    parent.subnet("IsolatedSubnet", "10.0.9.0/24")
    parent.resources["Network"] = nested_stack(**parameters)
    child = exec_app("Child")
    child.parameters["SubnetId"] = {"Type": "String"}
    child.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = [
        ref("SubnetId")]
    return {parent.name: parent.body(), CHILD: child.body()}


def test_a_parameter_the_parent_passes_is_followed() -> None:
    report = analyze(child_with_service({"SubnetId": ref("IsolatedSubnet")}))
    assert [(f.rule_id, f.template, f.logical_id) for f in report.findings] == [
        ("EcsExec-NET2", CHILD, "Service")]


def test_a_parameter_the_parent_does_not_pass_cannot_be_verified() -> None:
    report = analyze(child_with_service({"Other": "x"}))
    assert findings(report) == [("EcsExec-NET7", "warning", "Service")]

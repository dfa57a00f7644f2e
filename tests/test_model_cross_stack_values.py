"""Values the model finds across templates (issue 15: mutation testing): exports named from the
stack name (``${AWS::StackName}`` more than once, or with another placeholder), a nested
stack's output (its depth and its cycle), and resources found by their name property when
several kinds are looked up by name in one analysis."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import JSON, describe, ec2_app

from ecs_exec_guard.analysis.intrinsics import Param, Unknown
from ecs_exec_guard.analysis.model import Model

# -- exports named from the stack name ------------------------------------------------------


def shared_exports() -> Model:
    outputs = {
        "Twice": {"Value": "twice",
                  "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-x-${AWS::StackName}-y"}}},
        "WithRegion": {"Value": "region",
                       "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-${AWS::Region}-vpc"}}},
    }
    body = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}, "Outputs": outputs}
    return Model([("Shared.template.json", body, None)])


NOT_EXPORTED = "Fn::ImportValue {}: no template of the input exports it"


@pytest.mark.parametrize(
    ("name", "value"),
    [("env-x-env-y", "twice"),
     # every ${AWS::StackName} is the same stack name
     ("env-x-other-y", Unknown(NOT_EXPORTED.format("env-x-other-y"))),
     ("env-x-env-", Unknown(NOT_EXPORTED.format("env-x-env-"))),
     ("env-x-env-yz", Unknown(NOT_EXPORTED.format("env-x-env-yz"))),
     # a name that needs another placeholder than the stack name is only known at deploy time
     ("env-${AWS::Region}-vpc", Unknown(NOT_EXPORTED.format("env-${AWS::Region}-vpc")))],
)
def test_an_export_named_from_the_stack_name(name: str, value: Any) -> None:
    model = shared_exports()
    assert model.import_value(name) == value
    assert model.assumptions == ([
        "Shared.template.json is taken to be deployed as stack env, the stack name its export "
        "env-x-env-y needs to match an import (give -p Shared.template.json:AWS::StackName=... "
        "otherwise)"] if value == "twice" else [])


def test_the_stack_name_an_import_implied_holds_for_the_next_imports() -> None:
    model = shared_exports()
    assert model.import_value("env-x-env-y") == "twice"
    assert model.import_value("other-x-other-y") == Unknown(
        NOT_EXPORTED.format("other-x-other-y"))
    assert len(model.assumptions) == 1


def stack_name_vpc_export(value: str) -> JSON:
    return {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {"Vpc": {"Value": value,
                                "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-Vpc"}}}}}


def test_several_templates_exporting_under_their_stack_name() -> None:
    both = [("A.json", stack_name_vpc_export("a"), None),
            ("B.json", stack_name_vpc_export("b"), None)]
    model = Model(both)
    assert model.import_value("env-Vpc") == Unknown(
        "Fn::ImportValue env-Vpc: several templates of the input (A.json, B.json) export it "
        "under their stack name (give AWS::StackName for each)")
    assert model.assumptions == []
    # A stack name given for one of them settles it.
    model = Model(both, template_parameters={"B.json": {"AWS::StackName": "prod"}})
    assert [model.import_value("env-Vpc"), model.import_value("prod-Vpc")] == ["a", "b"]
    assert model.assumptions == [
        "A.json is taken to be deployed as stack env, the stack name its export env-Vpc needs "
        "to match an import (give -p A.json:AWS::StackName=... otherwise)"]


# -- a nested stack's output ----------------------------------------------------------------

CHILD = "Child.nested.template.json"
PARENT = "Parent.template.json"


def nested_model(child_outputs: JSON, **parameters: Any) -> Model:
    stack: JSON = {"Type": "AWS::CloudFormation::Stack", "Metadata": {"aws:asset:path": CHILD},
                   "Properties": {"TemplateURL": "https://example.invalid/child.json"}}
    if parameters:
        stack["Properties"]["Parameters"] = parameters
    child = {"Parameters": {"P": {"Type": "String"}},
             "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}, "Outputs": child_outputs}
    return Model([(PARENT, {"Resources": {"Network": stack}}, None), (CHILD, child, None)])


OUTPUT_X = {"Fn::GetAtt": ["Network", "Outputs.X"]}


def joins(levels: int) -> Any:
    """"v" inside ``levels`` one-item Fn::Joins: each level is two levels of nesting."""
    value: Any = "v"
    for _ in range(levels):
        value = {"Fn::Join": ["", [value]]}
    return value


@pytest.mark.parametrize(
    ("levels", "depth", "value"),
    [(31, 0, "v"), (31, 1, Unknown("value nested too deeply")),
     (30, 2, "v"), (30, 3, Unknown("value nested too deeply"))],
)
def test_a_nested_output_is_resolved_one_level_deeper_than_its_reader(
    levels: int, depth: int, value: Any
) -> None:
    """The output's value is resolved at the depth of the GetAtt that reads it, plus one, so
    that chains across templates end at the resolver's MAX_DEPTH (64) like any other."""
    model = nested_model({"X": {"Value": joins(levels)}})
    assert model.templates[PARENT].resolver.resolve(OUTPUT_X, depth) == value


def test_a_nested_output_that_refers_to_itself_through_a_parameter() -> None:
    model = nested_model({"X": {"Value": {"Ref": "P"}}}, P=OUTPUT_X)
    assert model.templates[PARENT].resolver.resolve(OUTPUT_X) == Unknown(
        f"output X of {CHILD} refers to itself")


# -- by name ---------------------------------------------------------------------------------


def test_provider_group_and_launch_template_all_named_by_their_names() -> None:
    """The service names its capacity provider by name, the provider its Auto Scaling group,
    the group its launch template: three lookups by name in one analysis, each of its own
    type. The twin whose launch template has another name cannot see the AMI."""
    app = ec2_app()
    app.add("AsgProvider", "AWS::ECS::CapacityProvider", Name="hosts",
            AutoScalingGroupProvider={"AutoScalingGroupArn": "hosts-asg"})
    app.props("Asg")["AutoScalingGroupName"] = "hosts-asg"
    app.props("Asg")["LaunchTemplate"] = {"LaunchTemplateName": "hosts-lt", "Version": "1"}
    app.props("AsgLaunchTemplate")["LaunchTemplateName"] = "hosts-lt"
    svc = app.props("Service")
    del svc["LaunchType"]
    svc["CapacityProviderStrategy"] = [{"CapacityProvider": "hosts", "Weight": 1}]
    report = app.analyze()
    assert report.findings == [], describe(report)

    app.props("AsgLaunchTemplate")["LaunchTemplateName"] = "other-lt"
    assert [(f.rule_id, f.severity.value, f.logical_id, f.message)
            for f in app.analyze().findings] == [
        ("EcsExec-PLT2", "warning", "Asg",
         "Asg: the AMI is the launch template or configuration is not in the input.")]


# -- a parameter's declaration, with what the parent passes ---------------------------------

SSM_AMI = "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"
ECS_AMI = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"


def child_with_ami_parameter(declaration: Any, **passed: Any) -> Model:
    stack: JSON = {"Type": "AWS::CloudFormation::Stack", "Metadata": {"aws:asset:path": CHILD},
                   "Properties": {"TemplateURL": "https://example.invalid/child.json"}}
    if passed:
        stack["Properties"]["Parameters"] = passed
    child = {"Parameters": {"EcsAmi": declaration},
             "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    return Model([(PARENT, {"Resources": {"Network": stack}}, None), (CHILD, child, None)])


@pytest.mark.parametrize(
    ("declaration", "passed", "expected"),
    [({"Type": SSM_AMI, "Default": "/custom/ami"}, {"EcsAmi": ECS_AMI},
      {"Type": SSM_AMI, "Default": ECS_AMI}),
     ({"Type": SSM_AMI}, {"EcsAmi": ECS_AMI}, {"Type": SSM_AMI, "Default": ECS_AMI}),
     ({"Type": SSM_AMI, "Default": ECS_AMI}, {}, {"Type": SSM_AMI, "Default": ECS_AMI}),
     # a value the parent passes that is not text leaves the declaration as it is
     ({"Type": SSM_AMI, "Default": ECS_AMI}, {"EcsAmi": {"Fn::ImportValue": "Shared:Ami"}},
      {"Type": SSM_AMI, "Default": ECS_AMI}),
     # a declaration that is not an object declares nothing
     ("not an object", {}, {})],
    ids=["passed wins", "passed without default", "not passed", "passed unknown",
         "declaration not an object"],
)
def test_a_nested_parameter_shows_what_the_parent_passes(
    declaration: Any, passed: JSON, expected: JSON
) -> None:
    model = child_with_ami_parameter(declaration, **passed)
    assert model.parameter(Param(CHILD, "EcsAmi")) == expected


# -- another stack's output (Fn::GetStackOutput) -------------------------------------------


def two_stacks(x: Any) -> Model:
    other = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
             "Outputs": {"X": {"Value": x}, "Y": {"Value": "y"}}}
    return Model([(PARENT, {"Resources": {}}, None), ("Other.template.json", other, None)])


def stack_output(name: str) -> Any:
    return {"Fn::GetStackOutput": {"StackName": "Other", "OutputName": name}}


@pytest.mark.parametrize(
    ("levels", "depth", "value"),
    [(31, 0, "v"), (31, 1, Unknown("value nested too deeply")),
     (30, 2, "v"), (30, 3, Unknown("value nested too deeply"))],
)
def test_a_stack_output_is_resolved_one_level_deeper_than_its_reader(
    levels: int, depth: int, value: Any
) -> None:
    model = two_stacks(joins(levels))
    assert model.templates[PARENT].resolver.resolve(stack_output("X"), depth) == value


def test_two_outputs_of_a_stack_are_two_values() -> None:
    resolver = two_stacks("x").templates[PARENT].resolver
    assert [resolver.resolve(stack_output(name)) for name in ("X", "Y", "X")] == ["x", "y", "x"]

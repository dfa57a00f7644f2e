"""How messages name references (``intrinsics.describe`` and its callers), pinned on whole
messages: a reference by its logical ID, an attribute as ``LogicalId.Attr``, a parameter as
``parameter P``; the template only when it is another than the one the message is about; a
reference to the wrong kind of resource said to be one; a value that cannot be resolved said
to be so, with why (never ``ref App.template.json X`` or nested brackets)."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import Template, arn, exec_app, import_value, ref
from explain_outline import chains, links_of
from test_instance_role_sources import FALLBACK, app_without_task_role, set_profile, summary

NOT_EXPORTED = "no template of the input exports it"


def way_out(t: Template) -> str:
    """What the explanation of the tasks' subnet says of its way out."""
    (net,) = links_of(chains(t), "network")
    subnet = next(c for c in net.children if c.kind == "subnet")
    return next(d for d in subnet.details if d.startswith("way out"))


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        ({"NatGatewayId": import_value("Nat")},
         "the NAT gateway of route PrivateSubnetDefaultRoute cannot be resolved "
         f"(Fn::ImportValue Nat: {NOT_EXPORTED})"),
        ({"NatGatewayId": ref("TaskSg")},
         "NatGatewayId of route PrivateSubnetDefaultRoute is TaskSg (AWS::EC2::SecurityGroup), "
         "not a NAT gateway"),
        ({"GatewayId": import_value("Igw")},
         "the gateway of route PrivateSubnetDefaultRoute cannot be resolved "
         f"(Fn::ImportValue Igw: {NOT_EXPORTED})"),
        ({"TransitGatewayId": import_value("Tgw")},
         "route PrivateSubnetDefaultRoute sends 0.0.0.0/0 to a transit gateway (Fn::ImportValue "
         f"Tgw: {NOT_EXPORTED}), whose way on is not in the input"),
    ],
    ids=["nat unresolved", "nat of another kind", "gateway unresolved", "elsewhere unresolved"],
)
def test_route_targets(route: dict[str, Any], expected: str) -> None:
    t = exec_app()
    props = t.props("PrivateSubnetDefaultRoute")
    del props["NatGatewayId"]
    props.update(route)
    assert way_out(t) == f"way out cannot be verified: {expected}"


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (import_value("Rt"), "the route table of subnet PrivateSubnet cannot be resolved "
                             f"(Fn::ImportValue Rt: {NOT_EXPORTED})"),
        (ref("Vpc"), "RouteTableId of PrivateSubnetRouteTableAssociation is Vpc (AWS::EC2::VPC), "
                     "not a route table"),
        ("rtb-0123", 'route table "rtb-0123" is not in the input'),
    ],
    ids=["unresolved", "another kind", "outside the input"],
)
def test_route_tables(table: Any, expected: str) -> None:
    t = exec_app()
    t.props("PrivateSubnetRouteTableAssociation")["RouteTableId"] = table
    assert way_out(t) == f"way out cannot be verified: {expected}"


def shared_role() -> Template:
    """Another stack, whose role's ARN it exports."""
    shared = Template("Shared")
    shared.role("SharedRole", service="ec2.amazonaws.com")
    shared.export("SharedRoleArn", arn("SharedRole"))
    return shared


def test_a_reference_into_another_template_names_it() -> None:
    """The instance profile given as another stack's role ARN: the role is named with its
    template, as the finding is on this one's task definition."""
    app = app_without_task_role()
    set_profile(app, {"Arn": import_value("SharedRoleArn")})
    found = [(f.rule_id, f.severity.value, f.template, f.logical_id, f.message)
             for f in app.analyze(shared_role()).findings]
    assert found == [("EcsExec-IAM1", "warning", "App.template.json", "TaskDef", (
        f"{FALLBACK}the instance profile of AsgLaunchTemplate is SharedRole.Arn in "
        "Shared.template.json, which is not an instance profile (AWS::IAM::Role)."))]


def test_a_reference_within_the_template_is_named_alone() -> None:
    app = app_without_task_role()
    app.role("LocalRole", service="ec2.amazonaws.com")
    set_profile(app, {"Arn": arn("LocalRole")})
    assert summary(app) == [("EcsExec-IAM1", "warning", "TaskDef", (
        f"{FALLBACK}the instance profile of AsgLaunchTemplate is LocalRole.Arn, which is not an "
        "instance profile (AWS::IAM::Role)."))]


def test_explain_names_a_kms_key_of_another_template() -> None:
    t = exec_app()
    t.props("Cluster")["Configuration"] = {"ExecuteCommandConfiguration": {
        "KmsKeyId": import_value("SharedKey")}}
    shared = Template("Shared")
    shared.add("Key", "AWS::KMS::Key")
    shared.export("SharedKey", ref("Key"))
    (cluster,) = links_of(chains(t, shared), "cluster")
    assert "exec KMS key: Key in Shared.template.json" in cluster.details
    # Within its own template, the key is its logical ID.
    t.add("Key", "AWS::KMS::Key")
    t.props("Cluster")["Configuration"]["ExecuteCommandConfiguration"]["KmsKeyId"] = ref("Key")
    (cluster,) = links_of(chains(t), "cluster")
    assert "exec KMS key: Key" in cluster.details


def test_each_task_role_override_is_checked_on_its_own() -> None:
    """Two pipes run one task definition with different Overrides.TaskRoleArn: each role is
    checked (the roles are told apart by their whole value, not by how a message shows them)."""
    app = exec_app()
    app.remove("Service")
    app.pipe("PipeA", Overrides={"TaskRoleArn": arn("TaskRole")})
    app.pipe("PipeB", Overrides={"TaskRoleArn": arn("OtherRole")})
    app.role("OtherRole")
    assert [(f.rule_id, f.severity.value, f.logical_id, f.message)
            for f in app.analyze().findings] == [(
        "EcsExec-IAM2", "error", "OtherRole", "Task role OtherRole of TaskDef as launched by "
        "PipeB (pipe target) (Overrides.TaskRoleArn) does not allow "
        "ssmmessages:CreateControlChannel, ssmmessages:CreateDataChannel, "
        "ssmmessages:OpenControlChannel, ssmmessages:OpenDataChannel.")]


def test_wrong_kinds_in_another_template_name_it() -> None:
    """A route table, a capacity provider and an instance profile's role that are another
    stack's resources of another kind: named with that stack's template."""
    shared = Template("Shared")
    shared.add("Topic", "AWS::SNS::Topic")
    shared.export("SharedTopic", ref("Topic"))
    t = exec_app()
    t.props("PrivateSubnetRouteTableAssociation")["RouteTableId"] = import_value("SharedTopic")
    (net,) = links_of(chains(t, shared), "network")
    subnet = next(c for c in net.children if c.kind == "subnet")
    assert "way out cannot be verified: RouteTableId of PrivateSubnetRouteTableAssociation is " \
        "Topic in Shared.template.json (AWS::SNS::Topic), not a route table" in subnet.details
    app = app_without_task_role()
    app.props("InstanceProfile")["Roles"] = [import_value("SharedTopic")]
    assert [f.message for f in app.analyze(shared).findings] == [
        f"{FALLBACK}role Topic in Shared.template.json of instance profile InstanceProfile is "
        "not in the input."]

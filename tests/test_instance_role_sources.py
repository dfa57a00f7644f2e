"""Where IAM1 finds the role of EC2 container instances (``instance_roles``), pinned by the
whole report: a profile named by the wrong kind of resource, by a name or a malformed ARN, by
both Arn and Name; a profile whose role cannot be resolved; user data that is not a plain
string (issue 15: mutation testing)."""

from __future__ import annotations

from typing import Any

from cfn import Template, arn, aws_managed, ec2_app, ref

FALLBACK = ("Cannot verify: Task definition TaskDef has no task role, so on EC2 the exec "
            "agent uses the container instances' role: ")


def app_without_task_role() -> Template:
    """EC2 app without a task role; its instances' role allows exec (SSM core policy)."""
    app = ec2_app()
    del app.props("TaskDef")["TaskRoleArn"]
    app.remove("TaskRoleDefaultPolicy", "TaskRole")
    app.role("InstanceRole", service="ec2.amazonaws.com", ManagedPolicyArns=[
        aws_managed("service-role/AmazonEC2ContainerServiceforEC2Role"),
        aws_managed("AmazonSSMManagedInstanceCore")])
    app.add("InstanceProfile", "AWS::IAM::InstanceProfile", Roles=[ref("InstanceRole")])
    set_profile(app, {"Arn": arn("InstanceProfile")})
    return app


def set_profile(app: Template, profile: Any) -> None:
    app.props("AsgLaunchTemplate")["LaunchTemplateData"]["IamInstanceProfile"] = profile


def summary(app: Template) -> list[tuple[str, str, str, str]]:
    return [(f.rule_id, f.severity.value, f.logical_id, f.message)
            for f in app.analyze().findings]


def iam1_warning(detail: str) -> list[tuple[str, str, str, str]]:
    return [("EcsExec-IAM1", "warning", "TaskDef", FALLBACK + detail)]


def test_the_compliant_twin_is_clean() -> None:
    assert summary(app_without_task_role()) == []


def test_a_role_arn_given_as_the_instance_profile_is_not_a_profile() -> None:
    """A common slip: the role's ARN where the profile's belongs. The role is not read as a
    profile (it has no Roles), and the message names what was given."""
    app = app_without_task_role()
    set_profile(app, {"Arn": arn("InstanceRole")})
    assert summary(app) == iam1_warning(
        "the instance profile of AsgLaunchTemplate is InstanceRole.Arn, which is not an instance "
        "profile (AWS::IAM::Role).")


def test_a_profile_name_is_looked_up_whole() -> None:
    """Only an ARN is cut at its last "/": a name is compared as it is."""
    app = app_without_task_role()
    app.props("InstanceProfile")["InstanceProfileName"] = "ecs-hosts"
    set_profile(app, {"Name": "team/ecs-hosts"})
    assert summary(app) == iam1_warning(
        "instance profile team/ecs-hosts of AsgLaunchTemplate is not in the input.")


def test_an_instance_profile_arn_without_a_path_is_not_in_the_input() -> None:
    app = app_without_task_role()
    set_profile(app, {"Arn": "arn:aws:iam::123456789012:ecs-hosts"})
    assert summary(app) == iam1_warning(
        "instance profile arn:aws:iam::123456789012:ecs-hosts of AsgLaunchTemplate is not in "
        "the input.")


def test_the_profile_arn_wins_over_its_name() -> None:
    app = app_without_task_role()
    set_profile(app, {"Arn": arn("InstanceProfile"), "Name": "some-other-profile"})
    assert summary(app) == []


def test_a_profile_role_from_a_parameter_is_named_as_such() -> None:
    app = app_without_task_role()
    app.parameters["RoleName"] = {"Type": "String"}
    app.props("InstanceProfile")["Roles"] = [ref("RoleName")]
    assert summary(app) == iam1_warning(
        "role parameter RoleName (set at deploy time) of instance profile InstanceProfile is "
        "not in the input.")


def test_a_profile_role_imported_from_outside_the_input_says_why() -> None:
    app = app_without_task_role()
    app.props("InstanceProfile")["Roles"] = [{"Fn::ImportValue": "Shared:Role"}]
    assert summary(app) == iam1_warning(
        "role Fn::ImportValue Shared:Role: no template of the input exports it of instance "
        "profile InstanceProfile is not in the input.")


def through_a_capacity_provider(app: Template) -> None:
    """The service reaches its instances through a capacity provider, so that which cluster
    the instances join does not depend on their user data."""
    app.add("AsgProvider", "AWS::ECS::CapacityProvider",
            AutoScalingGroupProvider={"AutoScalingGroupArn": ref("Asg")})
    svc = app.props("Service")
    del svc["LaunchType"]
    svc["CapacityProviderStrategy"] = [{"CapacityProvider": ref("AsgProvider"), "Weight": 1}]


def test_user_data_that_cannot_be_resolved_does_not_block_the_instance_role() -> None:
    app = app_without_task_role()
    through_a_capacity_provider(app)
    app.props("AsgLaunchTemplate")["LaunchTemplateData"]["UserData"] = {
        "Fn::Base64": {"Fn::ImportValue": "Shared:UserData"}}
    assert summary(app) == []


def test_user_data_that_is_not_a_string_is_read_as_its_json_text() -> None:
    app = app_without_task_role()
    through_a_capacity_provider(app)
    app.props("AsgLaunchTemplate")["LaunchTemplateData"]["UserData"] = [
        "echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config",
        {"Fn::ImportValue": "Shared:Rest"}]
    assert summary(app) == [(
        "EcsExec-IAM1", "error", "TaskDef",
        "Task definition TaskDef has no task role. AsgLaunchTemplate sets "
        "ECS_AWSVPC_BLOCK_IMDS=true, so awsvpc tasks cannot use the instance credentials.")]

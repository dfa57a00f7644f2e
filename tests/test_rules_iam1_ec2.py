"""IAM1 on EC2 (issue 10.8): a task without a task role falls back to the container instance's
role. IAM1 is an error only when that role (through the launch template, launch configuration or
instance profile) lacks the exec actions, a cannot-verify when it cannot be seen; Fargate and
Managed Instances keep IAM1 as an error."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import (
    EXEC_ACTIONS,
    Template,
    arn,
    aws_managed,
    describe,
    ec2_app,
    exec_app,
    ref,
    sub,
)

from ecs_exec_guard.analysis import Severity

NO_ROLE = "Task definition TaskDef has no task role."
FALLBACK = ("Cannot verify: Task definition TaskDef has no task role, so on EC2 the exec "
            "agent uses the container instances' role: ")


def summary(app: Template) -> list[tuple[str, str, str, str]]:
    return [(f.rule_id, f.severity.value, f.logical_id, f.message)
            for f in app.analyze().findings]


def ec2_without_task_role(*instance_policies: Any, network_mode: str = "awsvpc") -> Template:
    """EC2 app, no task role; the launch template's instance profile holds a role with
    ``instance_policies`` (AWS managed policy names). None: no instance profile at all."""
    app = ec2_app(network_mode=network_mode)
    del app.props("TaskDef")["TaskRoleArn"]
    app.remove("TaskRoleDefaultPolicy", "TaskRole")
    if instance_policies:
        app.role("InstanceRole", service="ec2.amazonaws.com",
                 ManagedPolicyArns=[aws_managed(p) for p in instance_policies])
        app.add("InstanceProfile", "AWS::IAM::InstanceProfile", Roles=[ref("InstanceRole")])
        app.props("AsgLaunchTemplate")["LaunchTemplateData"]["IamInstanceProfile"] = {
            "Arn": arn("InstanceProfile")}
    return app


ECS_FOR_EC2 = "service-role/AmazonEC2ContainerServiceforEC2Role"
SSM_CORE = "AmazonSSMManagedInstanceCore"


def test_fargate_without_task_role_stays_an_error() -> None:
    app = exec_app()
    del app.props("TaskDef")["TaskRoleArn"]
    assert summary(app) == [("EcsExec-IAM1", "error", "TaskDef", NO_ROLE)]


def test_ec2_instance_role_with_the_exec_actions_passes() -> None:
    assert summary(ec2_without_task_role(ECS_FOR_EC2, SSM_CORE)) == []


def test_ec2_instance_role_without_the_exec_actions_is_an_error() -> None:
    assert summary(ec2_without_task_role(ECS_FOR_EC2)) == [(
        "EcsExec-IAM1", "error", "TaskDef",
        f"{NO_ROLE} The role InstanceRole of its container instances (Asg), which exec falls "
        f"back to on EC2, does not allow {', '.join(EXEC_ACTIONS)}.",
    )]


def test_ec2_instances_without_an_instance_profile_is_an_error() -> None:
    assert summary(ec2_without_task_role()) == [(
        "EcsExec-IAM1", "error", "TaskDef",
        f"{NO_ROLE} AsgLaunchTemplate gives the instances no instance profile.",
    )]


def test_awsvpc_tasks_cut_off_from_instance_metadata_are_an_error() -> None:
    app = ec2_without_task_role(ECS_FOR_EC2, SSM_CORE)
    app.props("AsgLaunchTemplate")["LaunchTemplateData"]["UserData"] = {"Fn::Base64": sub(
        "#!/bin/bash\necho ECS_CLUSTER=${Cluster} >> /etc/ecs/ecs.config\n"
        "echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config\n")}
    assert summary(app) == [(
        "EcsExec-IAM1", "error", "TaskDef",
        f"{NO_ROLE} AsgLaunchTemplate sets ECS_AWSVPC_BLOCK_IMDS=true, so awsvpc tasks cannot "
        "use the instance credentials.",
    )]


def test_bridge_tasks_are_not_cut_off_by_the_awsvpc_setting() -> None:
    app = ec2_without_task_role(ECS_FOR_EC2, SSM_CORE, network_mode="bridge")
    app.props("AsgLaunchTemplate")["LaunchTemplateData"]["UserData"] = {"Fn::Base64": sub(
        "#!/bin/bash\necho ECS_CLUSTER=${Cluster} >> /etc/ecs/ecs.config\n"
        "echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config\n")}
    assert summary(app) == []


def test_instance_profile_outside_the_input_cannot_be_verified() -> None:
    app = ec2_without_task_role()
    app.props("AsgLaunchTemplate")["LaunchTemplateData"]["IamInstanceProfile"] = {
        "Name": "ecsInstanceRole"}
    assert summary(app) == [(
        "EcsExec-IAM1", "warning", "TaskDef",
        f"{FALLBACK}instance profile ecsInstanceRole of AsgLaunchTemplate is not in the input.",
    )]


def test_instance_profile_named_by_its_name_in_the_template() -> None:
    app = ec2_without_task_role(ECS_FOR_EC2, SSM_CORE)
    app.props("InstanceProfile")["InstanceProfileName"] = "ecs-hosts"
    app.props("AsgLaunchTemplate")["LaunchTemplateData"]["IamInstanceProfile"] = {
        "Name": "ecs-hosts"}
    assert summary(app) == []


def test_launch_configuration_with_a_profile_whose_role_lacks_the_actions() -> None:
    app = ec2_without_task_role(ECS_FOR_EC2)
    app.remove("AsgLaunchTemplate")
    app.add("AsgLaunchConfig", "AWS::AutoScaling::LaunchConfiguration",
            ImageId=ref("EcsAmi"), InstanceType="t3.small",
            IamInstanceProfile=ref("InstanceProfile"),
            UserData={"Fn::Base64": sub("#!/bin/bash\necho ECS_CLUSTER=${Cluster} >> "
                                        "/etc/ecs/ecs.config\n")})
    asg = app.props("Asg")
    del asg["LaunchTemplate"]
    asg["LaunchConfigurationName"] = ref("AsgLaunchConfig")
    report = app.analyze()
    assert [(f.rule_id, f.severity) for f in report.findings] == [
        ("EcsExec-IAM1", Severity.ERROR)], describe(report)
    assert "The role InstanceRole of its container instances (Asg)" in report.findings[0].message


def test_launch_configuration_twin_with_the_actions_passes() -> None:
    app = ec2_without_task_role(ECS_FOR_EC2, SSM_CORE)
    app.remove("AsgLaunchTemplate")
    app.add("AsgLaunchConfig", "AWS::AutoScaling::LaunchConfiguration",
            ImageId=ref("EcsAmi"), InstanceType="t3.small",
            IamInstanceProfile=ref("InstanceProfile"),
            UserData={"Fn::Base64": sub("#!/bin/bash\necho ECS_CLUSTER=${Cluster} >> "
                                        "/etc/ecs/ecs.config\n")})
    asg = app.props("Asg")
    del asg["LaunchTemplate"]
    asg["LaunchConfigurationName"] = ref("AsgLaunchConfig")
    assert summary(app) == []


def test_ec2_hosts_outside_the_input_cannot_be_verified() -> None:
    app = ec2_without_task_role()
    app.remove("Asg", "AsgLaunchTemplate")
    assert summary(app) == [
        ("EcsExec-IAM1", "warning", "TaskDef",
         f"{FALLBACK}the container instances of Service (service) are not in the input."),
        ("EcsExec-PLT2", "warning", "Service",
         "Cannot verify: Service (service): the container instances are not in the input; "
         "their AMI and agent version cannot be checked."),
    ]


def test_managed_instances_without_task_role_stay_an_error() -> None:
    app = ec2_without_task_role(ECS_FOR_EC2, SSM_CORE)
    app.props("TaskDef")["RequiresCompatibilities"] = ["MANAGED_INSTANCES"]
    app.add("MiProvider", "AWS::ECS::CapacityProvider", ManagedInstancesProvider={
        "InfrastructureRoleArn": "arn:aws:iam::123456789012:role/ecsInfra",
        "InstanceLaunchTemplate": {"Ec2InstanceProfileArn": arn("InstanceProfile"),
                                   "NetworkConfiguration": {"Subnets": [ref("PrivateSubnet")]}}})
    svc = app.props("Service")
    del svc["LaunchType"]
    svc["CapacityProviderStrategy"] = [{"CapacityProvider": ref("MiProvider"), "Weight": 1}]
    report = app.analyze()
    iam1 = [(f.rule_id, f.severity.value, f.message) for f in report.findings
             if f.rule_id == "EcsExec-IAM1"]
    assert iam1 == [("EcsExec-IAM1", "error", NO_ROLE)], describe(report)


# -- every way the instance role may be found, or not ----------------------------------------


def iam1(app: Template) -> tuple[str, str]:
    """The one finding, which must be IAM1 on TaskDef: (severity, message)."""
    report = app.analyze()
    assert [(f.rule_id, f.logical_id) for f in report.findings] == [
        ("EcsExec-IAM1", "TaskDef")], describe(report)
    return report.findings[0].severity.value, report.findings[0].message


def with_launch_configuration(app: Template, **props: Any) -> None:
    app.remove("AsgLaunchTemplate")
    app.add("AsgLaunchConfig", "AWS::AutoScaling::LaunchConfiguration",
            ImageId=ref("EcsAmi"), InstanceType="t3.small",
            UserData={"Fn::Base64": sub("#!/bin/bash\necho ECS_CLUSTER=${Cluster} >> "
                                        "/etc/ecs/ecs.config\n")}, **props)
    asg = app.props("Asg")
    del asg["LaunchTemplate"]
    asg["LaunchConfigurationName"] = ref("AsgLaunchConfig")


def test_launch_configuration_that_blocks_instance_metadata_for_awsvpc_tasks() -> None:
    app = ec2_without_task_role(ECS_FOR_EC2, SSM_CORE)
    with_launch_configuration(app, IamInstanceProfile=ref("InstanceProfile"))
    app.props("AsgLaunchConfig")["UserData"] = {"Fn::Base64": sub(
        "#!/bin/bash\necho ECS_CLUSTER=${Cluster} >> /etc/ecs/ecs.config\n"
        "echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config\n")}
    assert iam1(app) == ("error", f"{NO_ROLE} AsgLaunchConfig sets ECS_AWSVPC_BLOCK_IMDS=true, "
                                  "so awsvpc tasks cannot use the instance credentials.")


def test_launch_configuration_without_a_profile() -> None:
    app = ec2_without_task_role(ECS_FOR_EC2, SSM_CORE)
    with_launch_configuration(app)
    assert iam1(app) == ("error",
                         f"{NO_ROLE} AsgLaunchConfig gives the instances no instance profile.")


def test_launch_template_outside_the_input_cannot_be_verified() -> None:
    app = ec2_without_task_role(ECS_FOR_EC2, SSM_CORE)
    app.remove("AsgLaunchTemplate")
    app.props("Asg")["LaunchTemplate"] = {"LaunchTemplateId": "lt-0123456789abcdef0",
                                          "Version": "1"}
    # The service names the ASG through a capacity provider; its launch template is elsewhere.
    app.add("AsgProvider", "AWS::ECS::CapacityProvider", AutoScalingGroupProvider={
        "AutoScalingGroupArn": ref("Asg")})
    svc = app.props("Service")
    del svc["LaunchType"]
    svc["CapacityProviderStrategy"] = [{"CapacityProvider": ref("AsgProvider"), "Weight": 1}]
    report = app.analyze()
    iam1_messages = [f.message for f in report.findings if f.rule_id == "EcsExec-IAM1"]
    assert iam1_messages == [f"{FALLBACK}the launch template or configuration of Asg is not in "
                             "the input."], describe(report)


def test_instance_profile_imported_from_outside_the_input_cannot_be_verified() -> None:
    app = ec2_without_task_role(ECS_FOR_EC2, SSM_CORE)
    app.props("AsgLaunchTemplate")["LaunchTemplateData"]["IamInstanceProfile"] = {
        "Arn": {"Fn::ImportValue": "Shared:InstanceProfileArn"}}
    severity, message = iam1(app)
    assert severity == "warning"
    assert message.startswith(f"{FALLBACK}the instance profile of AsgLaunchTemplate is ")
    assert "Shared:InstanceProfileArn" in message


@pytest.mark.parametrize(
    "profile",
    ["arn:aws:iam::123456789012:instance-profile/ecs-hosts",
     "arn:aws:iam::123456789012:instance-profile/path/ecs-hosts", "ecs-hosts"],
    ids=["arn", "arn with a path", "name"],
)
def test_instance_profile_named_by_arn_or_name_of_a_profile_in_the_template(
    profile: str,
) -> None:
    app = ec2_without_task_role(ECS_FOR_EC2)  # the role lacks the actions: IAM1 says so
    app.props("InstanceProfile")["InstanceProfileName"] = "ecs-hosts"
    app.props("AsgLaunchTemplate")["LaunchTemplateData"]["IamInstanceProfile"] = {
        "Arn" if profile.startswith("arn:") else "Name": profile}
    severity, message = iam1(app)
    assert severity == "error" and "The role InstanceRole of its container instances" in message


def test_instance_profile_arn_of_a_profile_outside_the_template() -> None:
    app = ec2_without_task_role(ECS_FOR_EC2)
    app.props("AsgLaunchTemplate")["LaunchTemplateData"]["IamInstanceProfile"] = {
        "Arn": "arn:aws:iam::123456789012:instance-profile/ecs-hosts"}
    assert iam1(app) == ("warning", f"{FALLBACK}instance profile arn:aws:iam::123456789012:"
                                    "instance-profile/ecs-hosts of AsgLaunchTemplate is not in "
                                    "the input.")


def test_instance_profile_without_a_role() -> None:
    app = ec2_without_task_role(ECS_FOR_EC2, SSM_CORE)
    app.props("InstanceProfile")["Roles"] = []
    assert iam1(app) == ("error", f"{NO_ROLE} instance profile InstanceProfile has no role.")


def test_instance_profile_whose_role_is_outside_the_input() -> None:
    app = ec2_without_task_role(ECS_FOR_EC2, SSM_CORE)
    app.props("InstanceProfile")["Roles"] = ["ecsInstanceRole"]
    assert iam1(app) == ("warning", f'{FALLBACK}role "ecsInstanceRole" of instance profile '
                                    "InstanceProfile is not in the input.")


def test_instance_profile_whose_role_is_unknown() -> None:
    app = ec2_without_task_role(ECS_FOR_EC2, SSM_CORE)
    app.parameters["RoleName"] = {"Type": "String"}
    app.props("InstanceProfile")["Roles"] = [ref("RoleName")]
    severity, message = iam1(app)
    assert severity == "warning"
    assert message.startswith(f"{FALLBACK}role ") and "RoleName" in message
    assert message.endswith(" of instance profile InstanceProfile is not in the input.")


def test_user_data_that_cannot_be_resolved_is_read_as_it_is() -> None:
    """User data imported from outside the input: which cluster the instances join is unknown."""
    app = ec2_without_task_role(ECS_FOR_EC2, SSM_CORE)
    data = app.props("AsgLaunchTemplate")["LaunchTemplateData"]
    data["UserData"] = {"Fn::Base64": {"Fn::ImportValue": "Shared:UserData"}}
    assert summary(app) == [
        ("EcsExec-IAM1", "warning", "TaskDef",
         f"{FALLBACK}the container instances of Service (service) are not in the input."),
        ("EcsExec-PLT2", "warning", "Service",
         "Cannot verify: Service (service): the container instances are not in the input; "
         "their AMI and agent version cannot be checked."),
    ]


def test_managed_instances_by_the_task_definition_alone_stay_an_error() -> None:
    """No launch type, no strategy (EC2 by default), but the task definition requires Managed
    Instances: there is no instance role to fall back on."""
    app = ec2_without_task_role(ECS_FOR_EC2, SSM_CORE)
    app.props("TaskDef")["RequiresCompatibilities"] = ["MANAGED_INSTANCES"]
    del app.props("Service")["LaunchType"]
    assert iam1(app) == ("error", NO_ROLE)


@pytest.mark.parametrize(
    ("launch_type", "why"),
    [("EXTERNAL", "Service (service) runs on external capacity"),
     ({"Fn::ImportValue": "Shared:LaunchType"},
      "Service (service) runs on unknown capacity (launch type is Fn::ImportValue "
      "Shared:LaunchType: no template of the input exports it)")],
    ids=["external", "unknown"],
)
def test_capacity_other_than_ec2_or_fargate_cannot_be_verified(launch_type: Any, why: str) -> None:
    app = ec2_without_task_role(ECS_FOR_EC2, SSM_CORE)
    app.parameters["Env"] = {"Type": "String"}
    app.conditions["Prod"] = {"Fn::Equals": [ref("Env"), "prod"]}
    app.props("Service")["LaunchType"] = launch_type
    report = app.analyze()
    iam1_messages = [f.message for f in report.findings if f.rule_id == "EcsExec-IAM1"]
    assert iam1_messages == [f"{FALLBACK}{why}."], describe(report)


def second_host(app: Template, profile: str | None) -> None:
    """Another Auto Scaling group joining the cluster, its instances given ``profile``."""
    app.container_instances(ref("EcsAmi"), logical_id="Asg2")
    if profile is not None:
        app.props("Asg2LaunchTemplate")["LaunchTemplateData"]["IamInstanceProfile"] = {
            "Arn": arn(profile)}


def test_every_host_group_is_checked_after_one_without_a_profile() -> None:
    app = ec2_without_task_role(ECS_FOR_EC2)
    del app.props("AsgLaunchTemplate")["LaunchTemplateData"]["IamInstanceProfile"]
    second_host(app, "InstanceProfile")
    assert iam1(app) == ("error", (
        f"{NO_ROLE} AsgLaunchTemplate gives the instances no instance profile; The role "
        "InstanceRole of its container instances (Asg2), which exec falls back to on EC2, does "
        f"not allow {', '.join(EXEC_ACTIONS)}."))


def test_every_host_group_is_checked_after_one_whose_role_is_unknown() -> None:
    app = ec2_without_task_role(ECS_FOR_EC2)
    app.props("AsgLaunchTemplate")["LaunchTemplateData"]["IamInstanceProfile"] = {
        "Name": "ecsInstanceRole"}
    second_host(app, "InstanceProfile")
    severity, message = iam1(app)
    assert severity == "error"
    assert "InstanceRole of its container instances (Asg2)" in message


def test_two_unknown_host_groups_are_both_named() -> None:
    app = ec2_without_task_role()
    app.props("AsgLaunchTemplate")["LaunchTemplateData"]["IamInstanceProfile"] = {
        "Name": "one"}
    second_host(app, None)
    app.props("Asg2LaunchTemplate")["LaunchTemplateData"]["IamInstanceProfile"] = {
        "Name": "two"}
    assert iam1(app) == ("warning", (
        f"{FALLBACK}instance profile one of AsgLaunchTemplate is not in the input; instance "
        "profile two of Asg2LaunchTemplate is not in the input."))


def test_instance_role_allowing_exec_only_under_a_condition_cannot_be_verified() -> None:
    app = ec2_without_task_role(ECS_FOR_EC2)
    app.policy("InstancePolicy", {"Effect": "Allow", "Action": "ssmmessages:*", "Resource": "*",
                                  "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
               roles=["InstanceRole"])
    severity, message = iam1(app)
    assert severity == "warning"
    assert message.startswith(f"{FALLBACK}InstanceRole: ssmmessages:CreateControlChannel: ")
    assert message.count("InstanceRole: ssmmessages:") == 4

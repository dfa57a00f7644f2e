"""Container instances from every source (issue 15 item 4): PLT2 (the AMI) and NET3 (public IP
of hosts in a subnet whose only way out is an internet gateway) for an Auto Scaling group with
a launch configuration, one with a mixed-instances policy, and a plain AWS::EC2::Instance.

Shapes: AWS::AutoScaling::LaunchConfiguration {ImageId, SecurityGroups, UserData,
AssociatePublicIpAddress}; AutoScalingGroup ``MixedInstancesPolicy.LaunchTemplate.
LaunchTemplateSpecification`` as CDK's ``mixedInstancesPolicy`` writes it; AWS::EC2::Instance
{ImageId, SubnetId, SecurityGroupIds, UserData, NetworkInterfaces[].AssociatePublicIpAddress}
(cfn-lint schemas). The instances join the cluster through ``ECS_CLUSTER`` in their user data.
"""

from __future__ import annotations

from typing import Any

import pytest
from cfn import Template, att, describe, ec2_app, one, ref, rule_ids, sub

from ecs_exec_guard.analysis import Severity

OLD_AMI = "ami-0123456789abcdef0"
SOURCES = ["launch configuration", "mixed instances policy", "instance"]


def user_data() -> dict[str, Any]:
    return {"Fn::Base64": sub("#!/bin/bash\necho ECS_CLUSTER=${Cluster} >> /etc/ecs/ecs.config\n")}


def hosts_from(source: str, *, image: Any, subnet: str, public_ip: bool | None) -> Template:
    """The bridge-mode app whose container instances come from ``source``.

    Returns the app; the resource carrying the AMI is ``Hosts`` (launch configuration or
    instance) or ``AsgLaunchTemplate`` (mixed instances policy).
    """
    app = ec2_app(network_mode="bridge", image_id=image)
    asg = app.props("Asg")
    asg["VPCZoneIdentifier"] = [ref(subnet)]
    lt_data = app.props("AsgLaunchTemplate")["LaunchTemplateData"]
    if source == "launch configuration":
        app.remove("AsgLaunchTemplate")
        del asg["LaunchTemplate"]
        props = app.add("Hosts", "AWS::AutoScaling::LaunchConfiguration", ImageId=image,
                        InstanceType="t3.small", UserData=user_data(),
                        SecurityGroups=[att("TaskSg", "GroupId")])
        if public_ip is not None:
            props["AssociatePublicIpAddress"] = public_ip
        asg["LaunchConfigurationName"] = ref("Hosts")
    elif source == "mixed instances policy":
        spec = asg.pop("LaunchTemplate")
        asg["MixedInstancesPolicy"] = {
            "LaunchTemplate": {"LaunchTemplateSpecification": spec,
                               "Overrides": [{"InstanceType": "t3.small"},
                                             {"InstanceType": "t3a.small"}]},
            "InstancesDistribution": {"OnDemandPercentageAboveBaseCapacity": 0}}
        if public_ip is not None:
            del lt_data["SecurityGroupIds"]
            lt_data["NetworkInterfaces"] = [{
                "DeviceIndex": 0, "AssociatePublicIpAddress": public_ip,
                "Groups": [att("TaskSg", "GroupId")]}]
    else:
        app.remove("Asg", "AsgLaunchTemplate")
        props = app.add("Hosts", "AWS::EC2::Instance", ImageId=image, InstanceType="t3.small",
                        UserData=user_data())
        if public_ip is None:
            props.update(SubnetId=ref(subnet), SecurityGroupIds=[att("TaskSg", "GroupId")])
        else:
            props["NetworkInterfaces"] = [{
                "DeviceIndex": "0", "SubnetId": ref(subnet), "AssociatePublicIpAddress": public_ip,
                "GroupSet": [att("TaskSg", "GroupId")]}]
    return app


def ami_carrier(source: str) -> str:
    return "AsgLaunchTemplate" if source == "mixed instances policy" else "Hosts"


@pytest.mark.parametrize("source", SOURCES)
def test_hosts_with_the_ecs_optimized_ami_in_a_private_subnet(source: str) -> None:
    app = hosts_from(source, image=ref("EcsAmi"), subnet="PrivateSubnet", public_ip=None)
    assert app.analyze().findings == []


@pytest.mark.parametrize("source", SOURCES)
def test_plt2_hosts_with_a_literal_ami(source: str) -> None:
    app = hosts_from(source, image=OLD_AMI, subnet="PrivateSubnet", public_ip=None)
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-PLT2"], describe(report)
    f = one(report, "EcsExec-PLT2", Severity.WARNING, ami_carrier(source))
    assert f"AMI {OLD_AMI} cannot be shown to be ECS-optimized" in f.message


@pytest.mark.parametrize("source", SOURCES)
def test_net3_hosts_in_a_public_subnet_without_a_public_ip(source: str) -> None:
    app = hosts_from(source, image=ref("EcsAmi"), subnet="PublicSubnet", public_ip=False)
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-NET3"], describe(report)
    assert "subnet(s) PublicSubnet reach the internet only through an internet gateway" in one(
        report, "EcsExec-NET3", Severity.ERROR, "Service").message


@pytest.mark.parametrize("source", SOURCES)
def test_net3_hosts_in_a_public_subnet_with_a_public_ip(source: str) -> None:
    app = hosts_from(source, image=ref("EcsAmi"), subnet="PublicSubnet", public_ip=True)
    assert app.analyze().findings == []

"""The container instances of a launch, as ``container_hosts`` returns them (issue 15 item 1).

Each source of hosts is pinned as the whole ``Host``: the resource, where its AMI is written, the
AMI, subnets, security groups and public IP. Sources: capacity providers (an Auto Scaling group
by reference or by the name at the end of its ARN; an ECS Managed Instances launch template) and,
with no provider, the Auto Scaling groups and instances whose user data names the cluster.
Shapes: AWS::ECS::CapacityProvider AutoScalingGroupProvider.AutoScalingGroupArn and
ManagedInstancesProvider.InstanceLaunchTemplate.NetworkConfiguration; AWS::AutoScaling::
AutoScalingGroup LaunchTemplate / MixedInstancesPolicy / LaunchConfigurationName;
AWS::EC2::LaunchTemplate LaunchTemplateData {ImageId, SecurityGroupIds, NetworkInterfaces[]
{Groups, AssociatePublicIpAddress}, UserData}; AWS::EC2::Instance {SubnetId, SecurityGroupIds,
NetworkInterfaces[] {SubnetId, GroupSet, AssociatePublicIpAddress}} (cfn-lint schemas).
"""

from __future__ import annotations

from typing import Any

from cfn import Template, att, join, ref, sub
from netindex import model_of, res

from ecs_exec_guard.analysis.intrinsics import Param, Ref, Unknown
from ecs_exec_guard.analysis.launch import Capacity
from ecs_exec_guard.analysis.network import Host, container_hosts

T = "App.template.json"
AMI = "ami-0123456789abcdef0"


def joins(cluster: str, *more: str) -> dict[str, Any]:
    lines = "".join(f"echo ECS_CLUSTER=${{{c}}} >> /etc/ecs/ecs.config\n" for c in (cluster, *more))
    return {"Fn::Base64": sub("#!/bin/bash\n" + lines)}


def sg(name: str) -> Ref:
    """A security group's GroupId, as the resolver writes it (the same as its Ref)."""
    return Ref(T, name)


def with_network(t: Template) -> Template:
    """Subnets SubnetA and SubnetB and security groups SgA, SgB and SgC for the hosts."""
    t.vpc()
    t.subnet("SubnetA", "10.0.1.0/24")
    t.subnet("SubnetB", "10.0.2.0/24")
    for name in ("SgA", "SgB", "SgC"):
        t.security_group(name)
    return t


def hosts_app() -> Template:
    """Two clusters and hosts of every shape; most join Cluster through their user data."""
    t = with_network(Template())
    t.cluster()
    t.cluster("Other")
    t.parameters["EcsAmi"] = {"Type": "AWS::EC2::Image::Id"}
    # An ASG with a launch template (by ID) whose NICs carry groups and a public IP.
    t.add("LtA", "AWS::EC2::LaunchTemplate", LaunchTemplateData={
        "ImageId": ref("EcsAmi"), "SecurityGroupIds": [att("SgA", "GroupId")],
        "UserData": joins("Cluster"),
        "NetworkInterfaces": [{"DeviceIndex": 0, "Groups": [att("SgB", "GroupId")]},
                              {"DeviceIndex": 1, "AssociatePublicIpAddress": "true",
                               "Groups": [att("SgC", "GroupId")]}]})
    t.add("AsgA", "AWS::AutoScaling::AutoScalingGroup", MinSize="1", MaxSize="1",
          VPCZoneIdentifier=[ref("SubnetA"), ref("SubnetB")],
          LaunchTemplate={"LaunchTemplateId": ref("LtA"), "Version": "1"})
    # An ASG with a mixed-instances policy naming its launch template by name.
    t.add("LtB", "AWS::EC2::LaunchTemplate", LaunchTemplateName="hosts-b", LaunchTemplateData={
        "ImageId": AMI, "UserData": joins("Cluster", "Cluster")})
    t.add("AsgB", "AWS::AutoScaling::AutoScalingGroup", MinSize="1", MaxSize="1",
          VPCZoneIdentifier=ref("SubnetA"),
          MixedInstancesPolicy={"LaunchTemplate": {"LaunchTemplateSpecification": {
              "LaunchTemplateName": "hosts-b", "Version": "1"}}})
    # An ASG with a launch configuration that joins both clusters.
    t.add("LcC", "AWS::AutoScaling::LaunchConfiguration", ImageId=AMI, InstanceType="t3.small",
          SecurityGroups=[att("SgA", "GroupId")], AssociatePublicIpAddress=False,
          UserData=joins("Other", "Cluster"))
    t.add("AsgC", "AWS::AutoScaling::AutoScalingGroup", MinSize="1", MaxSize="1",
          VPCZoneIdentifier=[ref("SubnetB")], LaunchConfigurationName=ref("LcC"))
    # An ASG whose launch template is outside the input: its user data is unknown.
    t.add("AsgD", "AWS::AutoScaling::AutoScalingGroup", MinSize="1", MaxSize="1",
          VPCZoneIdentifier=[ref("SubnetB")],
          LaunchTemplate={"LaunchTemplateId": "lt-0123456789abcdef0", "Version": "1"})
    # An instance with its subnet and groups on itself; one with them on its NICs.
    t.add("InstE", "AWS::EC2::Instance", ImageId=AMI, SubnetId=ref("SubnetA"),
          SecurityGroupIds=[att("SgA", "GroupId")], UserData=joins("Cluster"))
    t.add("InstF", "AWS::EC2::Instance", ImageId=ref("EcsAmi"), UserData=joins("Other"),
          NetworkInterfaces=[
              {"DeviceIndex": "0", "SubnetId": ref("SubnetB"), "GroupSet": [att("SgB", "GroupId")]},
              {"DeviceIndex": "1", "SubnetId": ref("SubnetA"), "GroupSet": [att("SgC", "GroupId")],
               "AssociatePublicIpAddress": False}])
    # An instance that joins no cluster of the input.
    t.add("InstG", "AWS::EC2::Instance", ImageId=AMI, SubnetId=ref("SubnetA"),
          UserData={"Fn::Base64": "#!/bin/bash\necho ECS_CLUSTER=elsewhere >> /etc/ecs/ecs.config"})
    return t


def expected_hosts(model: Any) -> dict[str, Host]:
    return {
        "AsgA": Host(res(model, "AsgA"), res(model, "LtA"), Param(T, "EcsAmi"),
                     [Ref(T, "SubnetA"), Ref(T, "SubnetB")], [sg("SgA"), sg("SgB"), sg("SgC")],
                     True),
        "AsgB": Host(res(model, "AsgB"), res(model, "LtB"), AMI, [Ref(T, "SubnetA")], [], None),
        "AsgC": Host(res(model, "AsgC"), res(model, "LcC"), AMI, [Ref(T, "SubnetB")],
                     [sg("SgA")], False),
        "AsgD": Host(res(model, "AsgD"), None,
                     Unknown("the launch template or configuration is not in the input"),
                     [Ref(T, "SubnetB")], [], None),
        "InstE": Host(res(model, "InstE"), res(model, "InstE"), AMI, [Ref(T, "SubnetA")],
                      [sg("SgA")], None),
        "InstF": Host(res(model, "InstF"), res(model, "InstF"), Param(T, "EcsAmi"),
                      [Ref(T, "SubnetB"), Ref(T, "SubnetA")], [sg("SgB"), sg("SgC")], False),
    }


def test_hosts_that_join_each_cluster_through_their_user_data() -> None:
    model = model_of(hosts_app())
    want = expected_hosts(model)
    ec2 = Capacity("EC2")
    assert container_hosts(model, ec2, res(model, "Cluster")) == [
        want["AsgA"], want["AsgB"], want["AsgC"], want["InstE"]]
    assert container_hosts(model, ec2, res(model, "Other")) == [want["AsgC"], want["InstF"]]
    assert container_hosts(model, ec2, None) == []


def test_hosts_of_capacity_providers() -> None:
    t = hosts_app()
    t.add("ByRef", "AWS::ECS::CapacityProvider", AutoScalingGroupProvider={
        "AutoScalingGroupArn": ref("AsgC")})
    t.props("AsgA")["AutoScalingGroupName"] = "hosts-a"
    t.add("ByArn", "AWS::ECS::CapacityProvider", AutoScalingGroupProvider={
        "AutoScalingGroupArn": "arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:"
                               "0000:autoScalingGroupName/hosts-a"})
    t.add("ByName", "AWS::ECS::CapacityProvider", AutoScalingGroupProvider={
        "AutoScalingGroupArn": "hosts-a"})
    t.add("Missing", "AWS::ECS::CapacityProvider", AutoScalingGroupProvider={
        "AutoScalingGroupArn": "arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:"
                               "0000:autoScalingGroupName/hosts-z"})
    t.add("NotAnAsg", "AWS::ECS::CapacityProvider", AutoScalingGroupProvider={
        "AutoScalingGroupArn": ref("LtA")})
    t.add("Managed", "AWS::ECS::CapacityProvider", ManagedInstancesProvider={
        "InstanceLaunchTemplate": {"NetworkConfiguration": {
            "Subnets": [ref("SubnetA")], "SecurityGroups": att("SgB", "GroupId")}}})
    t.add("ManagedBare", "AWS::ECS::CapacityProvider", ManagedInstancesProvider={
        "InstanceLaunchTemplate": {}})
    model = model_of(t)
    want = expected_hosts(model)
    providers = [res(model, p) for p in ("ByRef", "ByArn", "Missing", "Managed", "ByName",
                                         "NotAnAsg", "ManagedBare")]
    managed = [
        Host(res(model, "Managed"), None, None, [Ref(T, "SubnetA")], [sg("SgB")], None,
             managed=True),
        Host(res(model, "ManagedBare"), None, None, [], [], None, managed=True),
    ]
    # Managed Instances first, then the groups in the providers' order; with providers,
    # the hosts that join the cluster through user data are not added.
    assert container_hosts(model, Capacity("EC2", providers), res(model, "Cluster")) == [
        *managed, want["AsgC"], want["AsgA"], want["AsgA"]]


def test_a_launch_configuration_without_a_public_ip_setting() -> None:
    t = hosts_app()
    del t.props("LcC")["AssociatePublicIpAddress"]
    t.add("AsgH", "AWS::AutoScaling::AutoScalingGroup", MinSize="1", MaxSize="1",
          LaunchConfigurationName="lc-outside", VPCZoneIdentifier=[ref("SubnetB")])
    t.add("LcI", "AWS::AutoScaling::LaunchConfiguration", ImageId=AMI,
          AssociatePublicIpAddress="True", UserData=joins("Other"))
    t.add("AsgI", "AWS::AutoScaling::AutoScalingGroup", MinSize="1", MaxSize="1",
          LaunchConfigurationName=ref("LcI"))
    model = model_of(t)
    hosts = container_hosts(model, Capacity("EC2"), res(model, "Other"))
    assert hosts == [
        Host(res(model, "AsgC"), res(model, "LcC"), AMI, [Ref(T, "SubnetB")], [sg("SgA")], None),
        Host(res(model, "AsgI"), res(model, "LcI"), AMI, [], [], True),
        expected_hosts(model)["InstF"],
    ]


def test_hosts_of_asgs_whose_source_is_outside_the_input() -> None:
    t = with_network(Template())
    t.cluster()
    t.add("P1", "AWS::ECS::CapacityProvider", AutoScalingGroupProvider={
        "AutoScalingGroupArn": ref("AsgH")})
    t.add("P2", "AWS::ECS::CapacityProvider", AutoScalingGroupProvider={
        "AutoScalingGroupArn": ref("AsgJ")})
    t.add("P3", "AWS::ECS::CapacityProvider", AutoScalingGroupProvider={
        "AutoScalingGroupArn": ref("AsgK")})
    t.add("AsgH", "AWS::AutoScaling::AutoScalingGroup", MinSize="1", MaxSize="1",
          LaunchConfigurationName="lc-outside", VPCZoneIdentifier=[ref("SubnetB")])
    t.add("AsgJ", "AWS::AutoScaling::AutoScalingGroup", MinSize="1", MaxSize="1",
          LaunchTemplate={"LaunchTemplateName": "lt-outside", "Version": "1"})
    t.add("AsgK", "AWS::AutoScaling::AutoScalingGroup", MinSize="1", MaxSize="1",
          MixedInstancesPolicy={"LaunchTemplate": {"LaunchTemplateSpecification": {
              "LaunchTemplateId": ref("NotATemplate")}}})
    t.add("NotATemplate", "AWS::AutoScaling::LaunchConfiguration", ImageId=AMI)
    model = model_of(t)
    providers = [res(model, p) for p in ("P1", "P2", "P3")]
    missing = Unknown("the launch template or configuration is not in the input")
    assert container_hosts(model, Capacity("EC2", providers), None) == [
        Host(res(model, "AsgH"), None, missing, [Ref(T, "SubnetB")], [], None),
        Host(res(model, "AsgJ"), None, missing, [], [], None),
        Host(res(model, "AsgK"), None, missing, [], [], None),
    ]


def test_reading_hosts_leaves_the_templates_as_they_are() -> None:
    """The groups of a launch template's NICs (or an instance's) are added to the host's list,
    not to the resolved properties it was read from: reading the hosts again (another launch,
    another cluster) gives the same groups, not those of the NICs twice."""
    t = hosts_app()
    t.props("InstE")["NetworkInterfaces"] = [
        {"DeviceIndex": "0", "SubnetId": ref("SubnetB"), "GroupSet": [att("SgC", "GroupId")]}]
    t.add("P", "AWS::ECS::CapacityProvider", AutoScalingGroupProvider={
        "AutoScalingGroupArn": ref("AsgA")})
    model = model_of(t)
    cluster = res(model, "Cluster")
    joined = container_hosts(model, Capacity("EC2"), cluster)
    by_provider = container_hosts(model, Capacity("EC2", [res(model, "P")]), cluster)
    assert [h.security_groups for h in joined] == [
        [sg("SgA"), sg("SgB"), sg("SgC")], [], [sg("SgA")], [sg("SgA"), sg("SgC")]]
    assert [h.subnets for h in joined][3] == [Ref(T, "SubnetA"), Ref(T, "SubnetB")]
    assert by_provider[0].security_groups == [sg("SgA"), sg("SgB"), sg("SgC")]
    assert res(model, "LtA").props["LaunchTemplateData"]["SecurityGroupIds"] == [sg("SgA")]
    assert res(model, "InstE").props["SecurityGroupIds"] == [sg("SgA")]
    assert res(model, "InstE").props["SubnetId"] == Ref(T, "SubnetA")


def test_an_asg_with_no_launch_template_or_configuration() -> None:
    """(An ASG made from an instance, ``InstanceId``.) Its AMI source is unknown: no host of it
    joins a cluster, and as a provider's group it has no AMI and no groups."""
    t = with_network(Template())
    t.cluster()
    t.add("Bare", "AWS::AutoScaling::AutoScalingGroup", MinSize="1", MaxSize="1",
          InstanceId="i-0123456789abcdef0", VPCZoneIdentifier=[ref("SubnetA")])
    t.add("P", "AWS::ECS::CapacityProvider", AutoScalingGroupProvider={
        "AutoScalingGroupArn": ref("Bare")})
    model = model_of(t)
    assert container_hosts(model, Capacity("EC2"), res(model, "Cluster")) == []
    assert container_hosts(model, Capacity("EC2", [res(model, "P")]), None) == [
        Host(res(model, "Bare"), None,
             Unknown("the launch template or configuration is not in the input"),
             [Ref(T, "SubnetA")], [], None)]


def test_launch_sources_named_by_a_joined_reference_or_of_another_type() -> None:
    t = with_network(Template())
    t.add("Lt", "AWS::EC2::LaunchTemplate", LaunchTemplateName="lt",
          LaunchTemplateData={"ImageId": AMI})
    # A LaunchTemplateId that resolves to a lone reference token (an Fn::Join of one Ref).
    t.add("Joined", "AWS::AutoScaling::AutoScalingGroup", MinSize="1", MaxSize="1",
          LaunchTemplate={"LaunchTemplateId": join("", [ref("Lt")]), "Version": "1"})
    # A LaunchConfigurationName naming a launch template is no launch configuration.
    t.add("WrongType", "AWS::AutoScaling::AutoScalingGroup", MinSize="1", MaxSize="1",
          LaunchConfigurationName=ref("Lt"))
    for name in ("Joined", "WrongType"):
        t.add(f"P{name}", "AWS::ECS::CapacityProvider", AutoScalingGroupProvider={
            "AutoScalingGroupArn": ref(name)})
    model = model_of(t)
    providers = [res(model, "PJoined"), res(model, "PWrongType")]
    assert container_hosts(model, Capacity("EC2", providers), None) == [
        Host(res(model, "Joined"), res(model, "Lt"), AMI, [], [], None),
        Host(res(model, "WrongType"), None,
             Unknown("the launch template or configuration is not in the input"), [], [], None),
    ]

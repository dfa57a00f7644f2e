"""A small builder for minimal CloudFormation templates, so each rule test states only what differs.

``exec_app()`` returns a template that passes every rule: a VPC with public (IGW), private
(NAT) and isolated subnets, a task security group that allows all egress, a task role whose
policy allows the four ssmmessages actions, a Fargate task definition with the init process on,
a cluster and an exec-enabled Fargate service in the private subnet. Tests then change one
thing (``app.container()["ReadonlyRootFilesystem"] = True``) and check the one finding.

Pure dicts: no aws_cdk import, so these tests run in milliseconds.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from ecs_exec_guard.analysis import Finding, Report, Severity, analyze

JSON = dict[str, Any]

EXEC_ACTIONS = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]
ALLOW_ALL_EGRESS = [{"CidrIp": "0.0.0.0/0", "IpProtocol": "-1", "Description": "all"}]
IMAGE = "public.ecr.aws/docker/library/nginx:stable"


# -- intrinsics ----------------------------------------------------------------------------


def ref(name: str) -> JSON:
    return {"Ref": name}


def att(logical_id: str, attribute: str) -> JSON:
    return {"Fn::GetAtt": [logical_id, attribute]}


def arn(logical_id: str) -> JSON:
    return att(logical_id, "Arn")


def join(sep: str, parts: list[Any]) -> JSON:
    return {"Fn::Join": [sep, parts]}


def sub(text: str, variables: JSON | None = None) -> JSON:
    return {"Fn::Sub": text if variables is None else [text, variables]}


def import_value(name: str) -> JSON:
    return {"Fn::ImportValue": name}


def fn_if(condition: str, yes: Any, no: Any) -> JSON:
    return {"Fn::If": [condition, yes, no]}


#: The account's root principal as CDK writes it (``AccountRootPrincipal``).
ACCOUNT_ROOT = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::",
                                  {"Ref": "AWS::AccountId"}, ":root"]]}


def aws_managed(name: str) -> JSON:
    """A managed policy ARN the way CDK writes it (``ManagedPolicy.fromAwsManagedPolicyName``)."""
    return join("", ["arn:", ref("AWS::Partition"), f":iam::aws:policy/{name}"])


def allow(actions: str | list[str], resource: Any = "*", **extra: Any) -> JSON:
    return {"Effect": "Allow", "Action": actions, "Resource": resource, **extra}


def deny(actions: str | list[str], resource: Any = "*", **extra: Any) -> JSON:
    return {"Effect": "Deny", "Action": actions, "Resource": resource, **extra}


def document(*statements: JSON) -> JSON:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# -- the template builder ------------------------------------------------------------------


class Template:
    """One template under construction. Every ``add``-style method returns the new Properties."""

    def __init__(self, stack: str = "App") -> None:
        self.name = f"{stack}.template.json"
        self.resources: dict[str, JSON] = {}
        self.outputs: dict[str, JSON] = {}
        self.parameters: dict[str, JSON] = {}
        self.conditions: dict[str, Any] = {}

    # generic ------------------------------------------------------------------------------
    def add(self, logical_id: str, rtype: str, **props: Any) -> JSON:
        self.resources[logical_id] = {"Type": rtype, "Properties": dict(props)}
        return self.resources[logical_id]["Properties"]  # type: ignore[no-any-return]

    def props(self, logical_id: str) -> JSON:
        return self.resources[logical_id]["Properties"]  # type: ignore[no-any-return]

    def remove(self, *logical_ids: str) -> None:
        for logical_id in logical_ids:
            del self.resources[logical_id]

    def export(self, name: Any, value: Any) -> None:
        self.outputs[f"Export{len(self.outputs)}"] = {"Value": value, "Export": {"Name": name}}

    def body(self) -> JSON:
        out: JSON = {"Resources": copy.deepcopy(self.resources)}
        for key, value in (
            ("Parameters", self.parameters),
            ("Conditions", self.conditions),
            ("Outputs", self.outputs),
        ):
            if value:
                out[key] = copy.deepcopy(value)
        return out

    # network ------------------------------------------------------------------------------
    def vpc(self, logical_id: str = "Vpc", cidr: str = "10.0.0.0/16") -> JSON:
        return self.add(logical_id, "AWS::EC2::VPC", CidrBlock=cidr, EnableDnsSupport=True,
                        EnableDnsHostnames=True)

    def internet_gateway(self, logical_id: str = "Igw", vpc: str = "Vpc") -> JSON:
        props = self.add(logical_id, "AWS::EC2::InternetGateway")
        self.add(f"{logical_id}Attachment", "AWS::EC2::VPCGatewayAttachment",
                 VpcId=ref(vpc), InternetGatewayId=ref(logical_id))
        return props

    def subnet(
        self,
        logical_id: str,
        cidr: str,
        *,
        route: JSON | None = None,
        public_ip_on_launch: bool = False,
        vpc: str = "Vpc",
    ) -> JSON:
        """A subnet with its own route table; ``route`` is the 0.0.0.0/0 route's target."""
        props = self.add(logical_id, "AWS::EC2::Subnet", VpcId=ref(vpc), CidrBlock=cidr,
                         AvailabilityZone="eu-west-1a",
                         MapPublicIpOnLaunch=public_ip_on_launch)
        rt = f"{logical_id}RouteTable"
        self.add(rt, "AWS::EC2::RouteTable", VpcId=ref(vpc))
        self.add(f"{logical_id}RouteTableAssociation", "AWS::EC2::SubnetRouteTableAssociation",
                 SubnetId=ref(logical_id), RouteTableId=ref(rt))
        if route is not None:
            self.add(f"{logical_id}DefaultRoute", "AWS::EC2::Route", RouteTableId=ref(rt),
                     DestinationCidrBlock="0.0.0.0/0", **route)
        return props

    def nat_gateway(self, logical_id: str = "Nat", subnet: str = "PublicSubnet") -> JSON:
        self.add(f"{logical_id}Eip", "AWS::EC2::EIP", Domain="vpc")
        return self.add(logical_id, "AWS::EC2::NatGateway", SubnetId=ref(subnet),
                        AllocationId=att(f"{logical_id}Eip", "AllocationId"))

    def security_group(
        self,
        logical_id: str,
        *,
        egress: list[JSON] | None = None,
        ingress: list[JSON] | None = None,
        vpc: str = "Vpc",
    ) -> JSON:
        """``egress=None`` leaves SecurityGroupEgress out (CloudFormation then allows all)."""
        props = self.add(logical_id, "AWS::EC2::SecurityGroup",
                         GroupDescription=logical_id, VpcId=ref(vpc))
        if egress is not None:
            props["SecurityGroupEgress"] = egress
        if ingress is not None:
            props["SecurityGroupIngress"] = ingress
        return props

    def endpoint(
        self,
        logical_id: str = "SsmMessagesEndpoint",
        service: str = "ssmmessages",
        *,
        private_dns: bool = True,
        security_groups: list[Any] | None = None,
        subnets: list[str] | None = None,
        interface: bool = True,
        vpc: str = "Vpc",
    ) -> JSON:
        """An endpoint; interface endpoints get a security group admitting 443 from the VPC."""
        name = join("", ["com.amazonaws.", ref("AWS::Region"), f".{service}"])
        if not interface:
            return self.add(logical_id, "AWS::EC2::VPCEndpoint", VpcId=ref(vpc),
                            ServiceName=name, VpcEndpointType="Gateway",
                            RouteTableIds=[ref("IsolatedSubnetRouteTable")])
        if security_groups is None:
            sg = f"{logical_id}Sg"
            self.security_group(sg, ingress=[https_from_cidr(att(vpc, "CidrBlock"))])
            security_groups = [att(sg, "GroupId")]
        return self.add(logical_id, "AWS::EC2::VPCEndpoint", VpcId=ref(vpc), ServiceName=name,
                        VpcEndpointType="Interface", PrivateDnsEnabled=private_dns,
                        SecurityGroupIds=security_groups,
                        SubnetIds=[ref(s) for s in subnets or ["IsolatedSubnet"]])

    # IAM ----------------------------------------------------------------------------------
    def role(
        self,
        logical_id: str,
        service: str = "ecs-tasks.amazonaws.com",
        *,
        principal: Any = None,
        **props: Any,
    ) -> JSON:
        """A role that ``service`` assumes, or ``principal`` (a trust-policy Principal)."""
        trust = document({"Effect": "Allow",
                          "Principal": principal if principal is not None else {"Service": service},
                          "Action": "sts:AssumeRole"})
        return self.add(logical_id, "AWS::IAM::Role", AssumeRolePolicyDocument=trust, **props)

    def policy(self, logical_id: str, *statements: JSON, roles: list[str] | None = None) -> JSON:
        """An AWS::IAM::Policy attached to ``roles`` (default: the task role)."""
        return self.add(logical_id, "AWS::IAM::Policy", PolicyName=logical_id,
                        PolicyDocument=document(*statements),
                        Roles=[ref(r) for r in (roles if roles is not None else ["TaskRole"])])

    def managed_policy(self, logical_id: str, *statements: JSON, **props: Any) -> JSON:
        return self.add(logical_id, "AWS::IAM::ManagedPolicy",
                        PolicyDocument=document(*statements), **props)

    def task_policy(self) -> JSON:
        """The policy document of the task role's default policy (extend its Statement)."""
        return self.props("TaskRoleDefaultPolicy")["PolicyDocument"]  # type: ignore[no-any-return]

    # ECS ----------------------------------------------------------------------------------
    def task_definition(
        self,
        logical_id: str = "TaskDef",
        *,
        containers: list[JSON] | None = None,
        network_mode: str | None = "awsvpc",
        task_role: Any = None,
        fargate: bool = True,
    ) -> JSON:
        props = self.add(logical_id, "AWS::ECS::TaskDefinition", Family=logical_id.lower(),
                         Cpu="256", Memory="512",
                         ContainerDefinitions=containers or [container("app")])
        if network_mode is not None:
            props["NetworkMode"] = network_mode
        if fargate:
            props["RequiresCompatibilities"] = ["FARGATE"]
        if task_role is not None:
            props["TaskRoleArn"] = task_role
        return props

    def container(self, index: int = 0, task_definition: str = "TaskDef") -> JSON:
        return self.props(task_definition)["ContainerDefinitions"][index]  # type: ignore[no-any-return]

    def cluster(self, logical_id: str = "Cluster", **props: Any) -> JSON:
        return self.add(logical_id, "AWS::ECS::Cluster", **props)

    def service(
        self,
        logical_id: str = "Service",
        *,
        subnets: list[Any] | None = None,
        security_groups: list[Any] | None = None,
        public_ip: bool = False,
        exec_enabled: bool | None = True,
        task_definition: str = "TaskDef",
        cluster: str = "Cluster",
        launch_type: str | None = "FARGATE",
    ) -> JSON:
        props = self.add(logical_id, "AWS::ECS::Service", Cluster=ref(cluster),
                         TaskDefinition=ref(task_definition), DesiredCount=1)
        if launch_type is not None:
            props["LaunchType"] = launch_type
        if exec_enabled is not None:
            props["EnableExecuteCommand"] = exec_enabled
        props["NetworkConfiguration"] = {"AwsvpcConfiguration": awsvpc(
            subnets if subnets is not None else [ref("PrivateSubnet")],
            security_groups if security_groups is not None else [att("TaskSg", "GroupId")],
            public_ip,
        )}
        return props

    def events_rule(
        self, logical_id: str = "Rule", *, exec_enabled: bool | None = True, **ecs: Any
    ) -> JSON:
        """A scheduled EventBridge rule running the task definition on the cluster."""
        params = ecs_parameters("TaskDefinitionArn", "AwsVpcConfiguration", exec_enabled, ecs)
        return self.add(logical_id, "AWS::Events::Rule", ScheduleExpression="rate(1 hour)",
                        State="ENABLED", Targets=[{
                            "Id": "Target0", "Arn": arn("Cluster"),
                            "RoleArn": arn("ExecutionRole"), "EcsParameters": params}])

    def schedule(
        self, logical_id: str = "Schedule", *, exec_enabled: bool | None = True, **ecs: Any
    ) -> JSON:
        """An EventBridge Scheduler schedule running the task definition on the cluster."""
        params = ecs_parameters("TaskDefinitionArn", "AwsvpcConfiguration", exec_enabled, ecs)
        return self.add(logical_id, "AWS::Scheduler::Schedule",
                        ScheduleExpression="rate(1 hour)",
                        FlexibleTimeWindow={"Mode": "OFF"},
                        Target={"Arn": arn("Cluster"), "RoleArn": arn("ExecutionRole"),
                                "EcsParameters": params})

    def state_machine(
        self, logical_id: str = "StateMachine", *, exec_enabled: bool | None = True,
        **ecs: Any
    ) -> JSON:
        """A state machine whose one state runs the task (ecs:runTask.sync), as CDK writes it:
        a DefinitionString that is an Fn::Join of JSON pieces and references."""
        params = ecs_parameters("TaskDefinition", "AwsvpcConfiguration", exec_enabled, ecs)
        params["Cluster"] = arn("Cluster")
        parts: list[Any] = ['{"StartAt":"RunTask","States":{"RunTask":{"Type":"Task",'
                            '"Resource":"arn:', ref("AWS::Partition"),
                            ':states:::ecs:runTask.sync","Parameters":']
        parts.extend(json_pieces(params))
        parts.append(',"End":true}}}')
        return self.add(logical_id, "AWS::StepFunctions::StateMachine",
                        RoleArn=arn("ExecutionRole"), DefinitionString=join("", parts))

    def container_instances(
        self,
        image_id: Any,
        *,
        logical_id: str = "Asg",
        subnet: str = "PrivateSubnet",
        cluster: str = "Cluster",
        security_group: str = "TaskSg",
    ) -> JSON:
        """An Auto Scaling group whose launch template joins ``cluster`` in its user data."""
        lt = f"{logical_id}LaunchTemplate"
        user_data = {"Fn::Base64": sub(
            f"#!/bin/bash\necho ECS_CLUSTER=${{{cluster}}} >> /etc/ecs/ecs.config\n")}
        self.add(lt, "AWS::EC2::LaunchTemplate", LaunchTemplateData={
            "ImageId": image_id, "InstanceType": "t3.small", "UserData": user_data,
            "SecurityGroupIds": [att(security_group, "GroupId")]})
        return self.add(logical_id, "AWS::AutoScaling::AutoScalingGroup", MinSize="1",
                        MaxSize="2", VPCZoneIdentifier=[ref(subnet)],
                        LaunchTemplate={"LaunchTemplateId": ref(lt),
                                        "Version": att(lt, "LatestVersionNumber")})

    # newer launch points (property names from the cfn-lint schemas of AWS::ECS::Daemon,
    # AWS::ECS::DaemonTaskDefinition, AWS::ECS::CapacityProvider, AWS::Pipes::Pipe and
    # AWS::Batch::JobDefinition) ------------------------------------------------------------
    def managed_instances_provider(
        self,
        logical_id: str = "MiProvider",
        *,
        subnet: str = "PrivateSubnet",
        security_group: str = "TaskSg",
        cluster: str = "Cluster",
    ) -> JSON:
        """An ECS Managed Instances capacity provider; its launch template's network is where
        host-mode tasks and daemons run."""
        return self.add(logical_id, "AWS::ECS::CapacityProvider", ClusterName=ref(cluster),
                        ManagedInstancesProvider={
                            "InfrastructureRoleArn": arn("InfrastructureRole"),
                            "InstanceLaunchTemplate": {
                                "Ec2InstanceProfileArn": arn("InstanceProfile"),
                                "NetworkConfiguration": {
                                    "Subnets": [ref(subnet)],
                                    "SecurityGroups": [att(security_group, "GroupId")]}}})

    def daemon_task_definition(
        self,
        logical_id: str = "DaemonTaskDef",
        *,
        containers: list[JSON] | None = None,
        task_role: Any = None,
    ) -> JSON:
        props = self.add(logical_id, "AWS::ECS::DaemonTaskDefinition",
                         Family=logical_id.lower(), Cpu="256", Memory="512",
                         ContainerDefinitions=containers or [container("agent")])
        if task_role is not None:
            props["TaskRoleArn"] = task_role
        return props

    def daemon(
        self,
        logical_id: str = "Daemon",
        *,
        exec_enabled: bool | None = True,
        task_definition: str = "DaemonTaskDef",
        cluster: str = "Cluster",
        providers: list[Any] | None = None,
    ) -> JSON:
        """A daemon on Managed Instances providers, named by ARN as CDK joins it from the
        provider's Ref (its name)."""
        provider_arns = providers if providers is not None else [sub(
            "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:capacity-provider/"
            "${MiProvider}")]
        props = self.add(logical_id, "AWS::ECS::Daemon", ClusterArn=arn(cluster),
                         DaemonTaskDefinitionArn=ref(task_definition),
                         CapacityProviderArns=provider_arns)
        if exec_enabled is not None:
            props["EnableExecuteCommand"] = exec_enabled
        return props

    def pipe(
        self, logical_id: str = "Pipe", *, exec_enabled: bool | None = True, **ecs: Any
    ) -> JSON:
        """An EventBridge pipe from a queue to an ECS task on the cluster."""
        params = ecs_parameters("TaskDefinitionArn", "AwsvpcConfiguration", exec_enabled, ecs)
        return self.add(logical_id, "AWS::Pipes::Pipe", RoleArn=arn("ExecutionRole"),
                        Source=arn("Queue"), Target=arn("Cluster"),
                        TargetParameters={"EcsTaskParameters": params})

    def batch_job(
        self,
        logical_id: str = "Job",
        *,
        exec_enabled: bool | None = True,
        containers: list[JSON] | None = None,
        task_role: Any = None,
        fargate: bool = True,
        **task: Any,
    ) -> JSON:
        """A Batch job definition whose EcsProperties run one task (Fargate by default)."""
        props: JSON = {"Containers": containers or [container("job")], **task}
        if task_role is not None:
            props["TaskRoleArn"] = task_role
        if exec_enabled is not None:
            props["EnableExecuteCommand"] = exec_enabled
        return self.add(logical_id, "AWS::Batch::JobDefinition", Type="container",
                        PlatformCapabilities=["FARGATE" if fargate else "EC2"],
                        EcsProperties={"TaskProperties": [props]})

    # analysis -----------------------------------------------------------------------------
    def analyze(self, *others: Template, require_exec: bool = False) -> Report:
        return run(self, *others, require_exec=require_exec)


def ecs_parameters(
    task_key: str, vpc_key: str, exec_enabled: bool | None, overrides: JSON
) -> JSON:
    """Run-task parameters for the compliant app (Fargate, private subnet)."""
    params: JSON = {
        task_key: ref("TaskDef"),
        "LaunchType": "FARGATE",
        "NetworkConfiguration": {vpc_key: awsvpc(
            [ref("PrivateSubnet")], [att("TaskSg", "GroupId")])},
    }
    if exec_enabled is not None:
        params["EnableExecuteCommand"] = exec_enabled
    params.update(overrides)
    return params


def json_pieces(value: Any) -> list[Any]:
    """``value`` as JSON text pieces, intrinsics left in place (for an Fn::Join)."""
    if isinstance(value, dict) and len(value) == 1 and (
        "Ref" in value or next(iter(value)).startswith("Fn::")
    ):
        return ['"', value, '"']
    if isinstance(value, dict):
        out: list[Any] = ["{"]
        for i, (k, v) in enumerate(value.items()):
            out.extend([("," if i else "") + json.dumps(k) + ":", *json_pieces(v)])
        return [*out, "}"]
    if isinstance(value, list):
        out = ["["]
        for i, v in enumerate(value):
            out.extend([*([","] if i else []), *json_pieces(v)])
        return [*out, "]"]
    return [json.dumps(value)]


def container(name: str = "app", **props: Any) -> JSON:
    """A container definition with the init process on (what CTR2 wants)."""
    return {"Name": name, "Image": IMAGE, "Essential": True,
            "LinuxParameters": {"InitProcessEnabled": True}, **props}


def awsvpc(subnets: list[Any], security_groups: list[Any], public_ip: bool = False) -> JSON:
    return {"Subnets": subnets, "SecurityGroups": security_groups,
            "AssignPublicIp": "ENABLED" if public_ip else "DISABLED"}


def https_from_cidr(cidr: Any) -> JSON:
    return {"CidrIp": cidr, "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}


def https_from_group(group: Any) -> JSON:
    return {"SourceSecurityGroupId": group, "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}


def https_to_group(group: Any) -> JSON:
    return {"DestinationSecurityGroupId": group, "IpProtocol": "tcp", "FromPort": 443,
            "ToPort": 443}


# -- the compliant app ---------------------------------------------------------------------


def network(t: Template) -> None:
    """A VPC with a public (IGW), a private (NAT) and an isolated subnet, and the task SG."""
    t.vpc()
    t.internet_gateway()
    t.subnet("PublicSubnet", "10.0.0.0/24", route={"GatewayId": ref("Igw")},
             public_ip_on_launch=True)
    t.nat_gateway()
    t.subnet("PrivateSubnet", "10.0.1.0/24", route={"NatGatewayId": ref("Nat")})
    t.subnet("IsolatedSubnet", "10.0.2.0/24")
    t.security_group("TaskSg", egress=copy.deepcopy(ALLOW_ALL_EGRESS))


def exec_app(stack: str = "App", *, subnet: str = "private") -> Template:
    """A template that passes every rule: exec on a Fargate service in the ``subnet`` subnet.

    ``subnet``: ``private`` (NAT), ``public`` (IGW, with AssignPublicIp ENABLED) or
    ``isolated`` (no route; an ssmmessages endpoint with private DNS is added).
    """
    t = Template(stack)
    network(t)
    t.role("TaskRole")
    t.policy("TaskRoleDefaultPolicy", allow(list(EXEC_ACTIONS)))
    t.role("ExecutionRole", ManagedPolicyArns=[
        aws_managed("service-role/AmazonECSTaskExecutionRolePolicy")])
    td = t.task_definition(task_role=arn("TaskRole"))
    td["ExecutionRoleArn"] = arn("ExecutionRole")
    t.cluster()
    subnet_id = {"private": "PrivateSubnet", "public": "PublicSubnet",
                 "isolated": "IsolatedSubnet"}[subnet]
    t.service(subnets=[ref(subnet_id)], public_ip=subnet == "public")
    if subnet == "isolated":
        t.endpoint()
    return t


ECS_AMI_PARAMETER = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"


def ec2_app(*, network_mode: str = "awsvpc", image_id: Any = None) -> Template:
    """The compliant app on EC2 capacity: an ASG with the ECS-optimized AMI parameter."""
    t = exec_app()
    td = t.props("TaskDef")
    del td["RequiresCompatibilities"]
    td["NetworkMode"] = network_mode
    svc = t.props("Service")
    svc["LaunchType"] = "EC2"
    if network_mode != "awsvpc":
        del svc["NetworkConfiguration"]
    t.parameters["EcsAmi"] = {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
                              "Default": ECS_AMI_PARAMETER}
    t.container_instances(image_id if image_id is not None else ref("EcsAmi"))
    return t


# -- running and asserting -----------------------------------------------------------------


def run(*templates: Template, require_exec: bool = False) -> Report:
    return analyze({t.name: t.body() for t in templates}, require_exec=require_exec)


def of_rule(report: Report, rule_id: str) -> list[Finding]:
    return [f for f in report.findings if f.rule_id == rule_id]


Expected = tuple[str, Severity, str]


def findings_of(report: Report) -> list[Expected]:
    """The whole report as (rule, severity, logical ID) triples, sorted."""
    return sorted((f.rule_id, f.severity, f.logical_id) for f in report.findings)


def exactly(report: Report, *expected: Expected) -> list[Finding]:
    """The report holds these findings and nothing else; returns them in the order given.

    A twin that must not trigger a rule states everything it does report, so that a finding
    moving to another rule or resource (or a new one appearing) fails the test.
    """
    assert findings_of(report) == sorted(expected), describe(report)
    left = list(report.findings)
    out = []
    for rule_id, severity, logical_id in expected:
        finding = next(f for f in left if (f.rule_id, f.severity, f.logical_id)
                       == (rule_id, severity, logical_id))
        left.remove(finding)
        assert finding.unverified == finding.message.startswith("Cannot verify:"), finding
        out.append(finding)
    return out


def one(report: Report, rule_id: str, severity: Severity, logical_id: str) -> Finding:
    """The report's only finding: ``rule_id`` with this severity on this resource."""
    return exactly(report, (rule_id, severity, logical_id))[0]


def clean(report: Report) -> None:
    """No finding at all (a compliant twin), and at least one exec launch was looked at."""
    assert report.findings == [], describe(report)
    assert report.launches_checked >= 1, "nothing was checked"


def rule_ids(report: Report) -> list[str]:
    return sorted(f.rule_id for f in report.findings)


def describe(report: Report) -> str:
    return "\n".join(
        f"{f.rule_id} {f.severity.value} {f.template}:{f.logical_id}: {f.message}"
        for f in report.findings
    ) or "(no findings)"

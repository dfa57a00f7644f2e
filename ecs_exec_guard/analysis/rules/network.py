"""Network rules: NET1 (mode none), NET2 (no route out), NET3 (public subnet without public IP),
NET4 (egress 443), NET5 (unusable endpoint), NET6 (logging endpoints), NET7 (cannot verify),
NET8 (network ACLs)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..findings import Finding, Severity
from ..intrinsics import Unknown, describe
from ..model import Resource
from ..network import HTTPS_PORTS, AclProblem, Assessment, flow_problems, service_endpoints
from .base import Context, Rule, names
from .cluster import exec_endpoint_services


class NET1(Rule):
    id = "EcsExec-NET1"
    severity = Severity.ERROR
    reported_on = "task definition"
    description = "An exec-enabled task does not use network mode none."
    explanation = (
        "With NetworkMode none the task has no external connectivity, so the SSM agent can "
        "never reach Session Manager and exec cannot work."
    )
    fix = (
        "Use network_mode=ecs.NetworkMode.AWS_VPC (recommended), BRIDGE or HOST on the task "
        "definition (NetworkMode awsvpc, bridge or host in CloudFormation) for tasks you exec "
        "into."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        for td in ctx.exec_task_definitions():
            mode = td.props.get("NetworkMode")
            if isinstance(mode, str) and mode.lower() == "none":
                yield self.finding(td, f"{td.logical_id} uses NetworkMode none.")


class NET2(Rule):
    id = "EcsExec-NET2"
    severity = Severity.ERROR
    reported_on = "service / rule / schedule"
    description = (
        "The tasks' subnets reach ssmmessages: a default route that leads out (an internet "
        "gateway attached to the VPC, or a public NAT gateway in a subnet routed to one), or "
        "an ssmmessages interface endpoint."
    )
    explanation = (
        "The SSM agent dials out to ssmmessages.<region>.amazonaws.com on TCP 443. In a subnet "
        "with no default route (an isolated subnet), or one whose default route leads nowhere "
        "(a private NAT gateway, a NAT gateway in a subnet without an internet gateway, an "
        "internet gateway not attached to the VPC), that needs an interface VPC endpoint for "
        "com.amazonaws.<region>.ssmmessages with private DNS; otherwise the agent never "
        "connects (TargetNotConnectedException). IPv6-only subnets need a ::/0 route to an "
        "egress-only or internet gateway. Routes to NAT instances, transit gateways, Cloud WAN, "
        "peering, virtual private, carrier or local gateways are reported as cannot-verify "
        "(EcsExec-NET7)."
    )
    fix = (
        "Add an interface VPC endpoint for ssmmessages with private DNS and a security group "
        "admitting TCP 443 from the tasks: vpc.add_interface_endpoint(\"SsmMessages\", "
        "service=ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES) in CDK (an "
        "AWS::EC2::VPCEndpoint with PrivateDnsEnabled true in CloudFormation), or a NAT route; "
        "EcsExecAutoFix creates the endpoint."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        for launch in ctx.exec_launches:
            a = ctx.network(launch)
            if a is None or not a.no_route or a.ssm_endpoint is not None:
                continue
            broken = [ep.resource.logical_id for ep, _ in a.endpoint_problems]
            endpoint_note = (
                f"its ssmmessages endpoint {', '.join(broken)} is not usable (see EcsExec-NET5)"
                if broken
                else "the VPC has no ssmmessages interface endpoint"
            )
            why = f" ({'; '.join(dict.fromkeys(a.no_route_why))})" if a.no_route_why else ""
            yield self.finding(
                launch.resource,
                f"{launch.label}: subnet(s) {names(a.no_route)} have no default route that "
                f"leads to the internet{why}, and {endpoint_note}.",
            )


class NET3(Rule):
    id = "EcsExec-NET3"
    severity = Severity.ERROR
    reported_on = "service / rule / schedule"
    description = (
        "Tasks in a subnet whose only way out is an internet gateway have a public IP."
    )
    explanation = (
        "An internet gateway only carries traffic from addresses with a public IP. A Fargate "
        "task in a public subnet with AssignPublicIp DISABLED (or any awsvpc task on EC2, which "
        "never gets a public IP) has no path to ssmmessages without a NAT or an endpoint."
    )
    fix = (
        "Set assign_public_ip=True on the service in CDK (AssignPublicIp ENABLED in "
        "CloudFormation), move the tasks to private subnets with a NAT route "
        "(vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)), or "
        "add an ssmmessages interface endpoint."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        for launch in ctx.exec_launches:
            a = ctx.network(launch)
            if a is None or not a.igw_no_ip or a.ssm_endpoint is not None:
                continue
            note = f" ({a.public_ip_note})" if a.public_ip_note else ""
            yield self.finding(
                launch.resource,
                f"{launch.label}: subnet(s) {names(a.igw_no_ip)} reach the internet only through "
                f"an internet gateway, but the tasks get no public IP{note}, and there is no "
                "usable ssmmessages endpoint.",
            )


class NET4(Rule):
    id = "EcsExec-NET4"
    severity = Severity.ERROR
    reported_on = "service / rule / schedule"
    description = "A security group of the tasks allows egress on TCP 443 to ssmmessages."
    explanation = (
        "The agent's connection to ssmmessages (or to its endpoint) is outbound TCP 443. If no "
        "security group of the task allows that egress, the session never opens. Tasks that "
        "name no security group get their VPC's default group, which allows all egress unless "
        "CDK's restrictDefaultSecurityGroup emptied it; when that VPC is not in the input, or "
        "the tasks' VPC is unknown and their groups let 443 out somewhere, it is a "
        "cannot-verify (EcsExec-NET7)."
    )
    fix = (
        "Allow egress TCP 443 to 0.0.0.0/0, or to the ssmmessages endpoint's security group when "
        "the VPC has one: security_group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443)) "
        "in CDK (SecurityGroupEgress in CloudFormation); EcsExecAutoFix adds it."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        for launch in ctx.exec_launches:
            a = ctx.network(launch)
            if a is None or a.egress is not False:
                continue
            yield self.finding(
                launch.resource,
                f"{launch.label}: no security group of the tasks allows egress on TCP 443 to "
                f"{a.egress_detail}.",
            )


class NET5(Rule):
    id = "EcsExec-NET5"
    severity = Severity.ERROR
    reported_on = "the VPC endpoint"
    description = (
        "An ssmmessages endpoint in the tasks' VPC has private DNS on and admits TCP 443 from "
        "the tasks."
    )
    explanation = (
        "With private DNS on, every task in the VPC resolves ssmmessages to the endpoint, so an "
        "endpoint whose security groups do not admit TCP 443 from the tasks breaks exec even "
        "where a NAT route exists. With private DNS off the agent never uses the endpoint."
    )
    fix = (
        "Set private_dns_enabled=True on the endpoint (PrivateDnsEnabled in CloudFormation) and "
        "let its security group admit TCP 443 from the tasks' security groups or subnets: "
        "endpoint.connections.allow_default_port_from(service) in CDK."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        seen: set[tuple[Resource, str]] = set()
        for launch in ctx.exec_launches:
            a = ctx.network(launch)
            if a is None:
                continue
            for ep, problem in a.endpoint_problems:
                if (ep.resource, problem) in seen:
                    continue
                seen.add((ep.resource, problem))
                yield self.finding(
                    ep.resource,
                    f"ssmmessages endpoint {ep.resource.logical_id} is not usable by "
                    f"{launch.label}: {problem}.",
                )


class NET6(Rule):
    id = "EcsExec-NET6"
    severity = Severity.WARNING
    reported_on = "service"
    description = (
        "Isolated tasks whose cluster logs or encrypts exec sessions have logs / s3 / kms "
        "endpoints: logs for CloudWatch logging, s3 for S3 logging, kms whenever the cluster "
        "sets a KmsKeyId."
    )
    explanation = (
        "Exec session logging writes to CloudWatch Logs or S3 and a KMS-encrypted session calls "
        "KMS from the task. Without a route to the internet these calls need a logs or kms "
        "interface endpoint and an s3 gateway endpoint, or sessions fail to start."
    )
    fix = (
        "Add interface endpoints for logs and kms "
        "(ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS and KMS) and a gateway endpoint for "
        "s3 (ec2.GatewayVpcEndpointAwsService.S3) in the VPC; EcsExecAutoFix adds them."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        for launch in ctx.exec_launches:
            a = ctx.network(launch)
            cluster = ctx.facts(launch).cluster
            if a is None or not a.needs_endpoint or cluster is None or not a.vpcs:
                continue
            wanted = exec_endpoint_services(cluster)
            missing = sorted(wanted - service_endpoints(ctx.net, a.vpcs))
            if missing:
                yield self.finding(
                    launch.resource,
                    f"{launch.label}: the tasks have no route to the internet and cluster "
                    f"{cluster.logical_id} logs or encrypts exec sessions, but the VPC has no "
                    f"{', '.join(missing)} endpoint.",
                )


class NET7(Rule):
    id = "EcsExec-NET7"
    severity = Severity.WARNING
    reported_on = "service"
    description = "The tasks' network path to ssmmessages can be verified from the templates."
    explanation = (
        "Subnets, route tables, VPCs or security groups that are imported or do not resolve "
        "hide whether the agent can reach ssmmessages. The check reports what it could not see "
        "instead of passing it. A launch without a network configuration or without subnets "
        "(ECS rejects both for an awsvpc task) is reported here, naming what is missing."
    )
    fix = (
        "Define the network in the app, or confirm the path (route or endpoint, and egress 443) "
        "out of band and acknowledge this warning."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        for launch in ctx.exec_launches:
            a = ctx.network(launch)
            if a is None:
                continue
            reasons = list(a.unknown)
            if a.egress is None:
                reasons.append(f"egress on TCP 443: {a.egress_detail}")
            if reasons:
                yield self.finding(
                    launch.resource,
                    f"{launch.label}: " + "; ".join(dict.fromkeys(reasons)) + ".",
                    unverified=True,
                )


class NET8(Rule):
    id = "EcsExec-NET8"
    severity = Severity.ERROR
    reported_on = "service / rule / schedule"
    description = (
        "The network ACLs of the tasks' subnets (and of the ssmmessages endpoint's or the NAT "
        "gateway's subnets) let the agent's TCP 443 connection and its return traffic through."
    )
    explanation = (
        "Network ACLs are stateless and evaluated by rule number, first match wins, nothing "
        "matching is denied. The tasks' subnet ACL must allow outbound TCP 443 to where the "
        "agent goes (anywhere through a NAT or internet gateway, or the endpoint's subnets) and "
        "inbound TCP 1024-65535 return traffic; an endpoint subnet's ACL must allow inbound 443 "
        "from the tasks and the return traffic out, and a NAT gateway's subnet both (443 in "
        "from the tasks and out to anywhere). A subnet without an explicit association uses "
        "the VPC's default ACL, which allows everything."
    )
    fix = (
        "Add the network ACL entries the finding names (AWS::EC2::NetworkAclEntry, or "
        "acl.add_entry(...) on an ec2.NetworkAcl), numbered below any entry that denies the "
        "traffic. EcsExecAutoFix does not change network ACLs."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        for launch in ctx.exec_launches:
            a = ctx.network(launch)
            if a is None or a.over_budget:
                continue  # NET7 names the spent network budget
            problems = list(dict.fromkeys(acl_problems(ctx, a)))
            if ctx.net.budget.exhausted:  # spent on these ACLs (or an earlier launch's)
                yield self.finding(
                    launch.resource,
                    f"{launch.label}: whether the network ACLs let exec through: "
                    f"{ctx.net.budget.reason}.",
                    unverified=True,
                )
                continue
            denied = [p for p in problems if p.verdict == "deny"]
            unknown = [p for p in problems if p.verdict != "deny"]
            if denied:
                yield self.finding(
                    launch.resource,
                    f"{launch.label}: "
                    + "; ".join(
                        f"{p.key.name if p.key else 'the network ACL'} of subnet "
                        f"{p.subnet.logical_id} denies {p.traffic} ({p.why})"
                        for p in denied
                    )
                    + ".",
                    fix="Add " + "; add ".join(dict.fromkeys(p.entry_to_add for p in denied))
                    + ". EcsExecAutoFix does not change network ACLs.",
                )
            if unknown:
                yield self.finding(
                    launch.resource,
                    f"{launch.label}: whether the network ACLs let exec through: "
                    + "; ".join(
                        dict.fromkeys(
                            f"{p.traffic} at subnet {p.subnet.logical_id}: {p.why}"
                            for p in unknown
                        )
                    )
                    + ".",
                    unverified=True,
                )


def acl_problems(ctx: Context, a: Assessment) -> list[AclProblem]:
    """The ACL problems on the agent's way: to the ssmmessages endpoint, else to anywhere."""
    acls = ctx.net.acls
    out: list[AclProblem] = []
    ep = a.private_dns_endpoint
    # Every task subnet meets every endpoint subnet: the pairs are charged to the budget first
    # (the check reports a spent budget, whatever was found).
    if not ctx.net.budget.spend(len(a.subnets) * (1 + len(ep.subnets if ep else ()))):
        return out
    if ep is not None:
        ep_subnets = [ctx.model.deref(s, "AWS::EC2::Subnet") for s in ep.subnets]
        for task_subnet in a.subnets:
            for raw, ep_subnet in zip(ep.subnets, ep_subnets, strict=True):
                if ep_subnet is None:
                    out.append(AclProblem(
                        task_subnet, None, True, describe(raw), HTTPS_PORTS, "unknown",
                        f"a subnet of endpoint {ep.resource.logical_id} cannot be resolved "
                        f"({raw.reason})"
                        if isinstance(raw, Unknown)
                        else f"subnet {describe(raw, ep.resource.template.name)} of endpoint "
                        f"{ep.resource.logical_id} is not in the input",
                    ))
                    continue
                if ep_subnet == task_subnet:
                    continue  # ACLs apply only where traffic leaves or enters a subnet
                out.extend(flow_problems(acls, task_subnet, _cidr(ep_subnet), client=True))
                out.extend(flow_problems(acls, ep_subnet, _cidr(task_subnet), client=False))
        return out
    for task_subnet in a.subnets:
        if task_subnet in a.no_route or task_subnet in a.igw_no_ip:
            continue  # NET2 / NET3 already
        anywhere = "::/0" if task_subnet in a.ipv6_only else "0.0.0.0/0"
        out.extend(flow_problems(acls, task_subnet, anywhere, client=True))
        nat_subnet = None if task_subnet in a.ipv6_only else ctx.net.routing.nat_subnet(task_subnet)
        if nat_subnet is not None and nat_subnet != task_subnet:
            # The NAT gateway's subnet relays: 443 in from the tasks and out to anywhere.
            out.extend(flow_problems(acls, nat_subnet, _cidr(task_subnet), client=False))
            out.extend(flow_problems(acls, nat_subnet, anywhere, client=True))
    return out


def _cidr(subnet: Resource) -> Any:
    cidr = subnet.props.get("CidrBlock")
    return cidr if cidr is not None else subnet.props.get("Ipv6CidrBlock")

"""VPC endpoints: which services each VPC reaches privately, and who may use them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ..model import Model, Resource, as_list, truthy
from .groups import GroupIndex


@dataclass
class Endpoint:
    resource: Resource
    service: str  # ssmmessages, logs, kms, s3, ...
    interface: bool
    private_dns: bool | None
    security_groups: list[Any]
    subnets: list[Any]


def endpoints_by_vpc(model: Model) -> tuple[dict[Resource, list[Endpoint]], list[Resource]]:
    """The endpoints of each VPC of the input, and those whose VPC or service is unknown."""
    endpoints: dict[Resource, list[Endpoint]] = defaultdict(list)
    unplaced: list[Resource] = []
    for ep in model.resources("AWS::EC2::VPCEndpoint"):
        vpc = model.deref(ep.props.get("VpcId"), "AWS::EC2::VPC")
        name = ep.props.get("ServiceName")
        if vpc is None or not isinstance(name, str):
            unplaced.append(ep)
            continue
        etype = ep.props.get("VpcEndpointType", "Gateway")
        endpoints[vpc].append(
            Endpoint(
                ep,
                name.rsplit(".", 1)[-1].lower(),
                isinstance(etype, str) and etype.lower() == "interface",
                truthy(ep.props.get("PrivateDnsEnabled", False)),
                as_list(ep.props.get("SecurityGroupIds")),
                as_list(ep.props.get("SubnetIds")),
            )
        )
    return endpoints, unplaced


def endpoint_admits(
    model: Model, groups: GroupIndex, ep: Endpoint, peers: list[Any], cidrs: list[Any]
) -> tuple[bool | None, str]:
    """Whether the endpoint's security groups admit TCP 443 from the peers or the CIDRs."""
    unknown = False
    for raw in ep.security_groups:
        sg = model.deref(raw, "AWS::EC2::SecurityGroup")
        if sg is None:
            unknown = True
            continue
        verdict = groups.admits(groups.ingress.get(sg, []), peers, cidrs)
        if verdict is True:
            return True, ""
        if verdict is None:
            unknown = True
    return (None, "a security group or rule cannot be resolved") if unknown else (False, "")

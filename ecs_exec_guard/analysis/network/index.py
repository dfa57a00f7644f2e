"""The network index: routes, security groups and endpoints of the input, built once."""

from __future__ import annotations

from typing import Any

from ..intrinsics import Unknown
from ..model import Model, Resource
from .acls import AclIndex
from .endpoints import Endpoint, endpoints_by_vpc
from .groups import GroupIndex, egress_verdict
from .routes import Exit, RouteIndex


class NetworkIndex:
    """Everything about the network of the input that the rules ask per launch."""

    def __init__(self, model: Model) -> None:
        self.model = model
        #: Spent by every sub-index (budget.py): a crafted input gets "cannot verify", not a hang.
        self.budget = model.budgets.network
        self.routing = RouteIndex(model, self.budget)
        self.groups = GroupIndex(model, self.budget)
        self.endpoints: dict[Resource, list[Endpoint]]
        self.endpoints, self.endpoints_unplaced = endpoints_by_vpc(model)
        self.route_table = self.routing.route_table
        self.acls = AclIndex(model, self.budget)

    def subnet_path(self, subnet: Resource, ipv6: bool = False) -> Exit | Unknown:
        return self.routing.subnet_path(subnet, ipv6)

    def vpc_of(self, subnet: Resource) -> Resource | None:
        return self.routing.vpc_of(subnet)


def service_endpoints(index: NetworkIndex, vpcs: list[Resource]) -> set[str]:
    """The exec logging services (logs, kms, s3) the VPCs have a usable endpoint for."""
    found: set[str] = set()
    for vpc in vpcs:
        found |= index.model.cached(("service-endpoints", vpc), lambda v=vpc: _services(index, v))
    return found


def _services(index: NetworkIndex, vpc: Resource) -> set[str]:
    """The logging services (logs, kms, s3) a VPC has usable endpoints for (once per VPC)."""
    found: set[str] = set()
    for ep in index.endpoints.get(vpc, ()):
        if ep.service in ("logs", "kms") and ep.interface and ep.private_dns:
            found.add(ep.service)
        elif ep.service == "s3":
            found.add("s3")
    return found


def egress_allows(
    model: Model,
    index: NetworkIndex,
    groups: list[Any],
    dest_groups: list[Any],
    dest_cidrs: list[Any],
) -> tuple[bool | None, str]:
    """Whether one of ``groups`` allows egress TCP 443 to a destination (None: unknown, why)."""
    return egress_verdict(model, index.groups, groups, dest_groups, dest_cidrs)

"""Security groups: their ingress and egress rules, and whether they let TCP 443 through."""

from __future__ import annotations

import functools
import ipaddress
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ..budget import Budget
from ..intrinsics import GetAtt, Ref, describe, is_unknown, unknown_reason
from ..model import Model, Resource, as_list, get_ci

HTTPS = 443
ANYWHERE = ipaddress.IPv4Network("0.0.0.0/0")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass
class SgRule:
    """One ingress or egress rule of a security group."""

    protocol: Any
    from_port: Any
    to_port: Any
    cidr: Any
    group: Any  # source / destination security group reference
    prefix_list: Any
    cidr_ipv6: Any = None


def ip_network(value: Any) -> Network | None:
    """A CIDR string (IPv4 or IPv6) as a network; None when it is not one (or not known)."""
    return _parse_network(value) if isinstance(value, str) else None


@functools.lru_cache(maxsize=4096)
def _parse_network(text: str) -> Network | None:
    # Parsed once per distinct string: the same few CIDRs come back for every launch.
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)
def network_within(inner: Network, outer: Network) -> bool:
    """Whether ``inner`` lies inside ``outer`` (False across IPv4/IPv6)."""
    return inner.version == outer.version and inner.subnet_of(outer)  # type: ignore[arg-type]


@dataclass(frozen=True)
class UnknownCidr:
    """A CIDR the input does not give, of a known address family (4 or 6): an IPv6-only
    subnet's ``Ipv6CidrBlock`` written as a token, say. A rule of the other family never
    holds it; a rule for the whole family (``0.0.0.0/0``, ``::/0``) always does."""

    version: int


@dataclass(frozen=True)
class DefaultGroupOfUnknownVpc:
    """The security group of tasks (or hosts) that name none: their VPC's default group,
    when that VPC is not in the input. ``why`` says why it cannot be read."""

    why: str


class GroupIndex:
    """The rules of every security group of the input, inline and separate."""

    def __init__(self, model: Model, budget: Budget) -> None:
        self.model = model
        self.budget = budget
        self.ingress: dict[Resource, list[SgRule]] = defaultdict(list)
        self.egress: dict[Resource, list[SgRule]] = defaultdict(list)
        self.inline_egress: dict[Resource, bool] = {}
        for sg in model.resources("AWS::EC2::SecurityGroup"):
            for r in as_list(sg.props.get("SecurityGroupIngress")):
                self.ingress[sg].append(_rule(r, "SourceSecurityGroupId", "SourcePrefixListId"))
            inline = sg.props.get("SecurityGroupEgress")
            self.inline_egress[sg] = bool(inline)
            for r in as_list(inline):
                self.egress[sg].append(
                    _rule(r, "DestinationSecurityGroupId", "DestinationPrefixListId")
                )
        for r in model.resources("AWS::EC2::SecurityGroupIngress"):
            group = model.deref(r.props.get("GroupId"), "AWS::EC2::SecurityGroup")
            if group is not None:
                self.ingress[group].append(
                    _rule(r.props, "SourceSecurityGroupId", "SourcePrefixListId")
                )
        for r in model.resources("AWS::EC2::SecurityGroupEgress"):
            group = model.deref(r.props.get("GroupId"), "AWS::EC2::SecurityGroup")
            if group is not None:
                self.egress[group].append(
                    _rule(r.props, "DestinationSecurityGroupId", "DestinationPrefixListId")
                )
        self.restricted_default_sg: set[Resource] = set()
        for res in model.resources("Custom::VpcRestrictDefaultSG"):
            vpc = model.deref(res.props.get("DefaultSecurityGroupId"), "AWS::EC2::VPC")
            if vpc is not None:
                self.restricted_default_sg.add(vpc)

    def egress_rules(self, sg: Resource) -> list[SgRule] | None:
        """The group's egress rules; None when it allows all (no egress rule in the template)."""
        if not self.inline_egress.get(sg):
            return None
        return self.egress[sg]

    def admits(
        self,
        rules: list[SgRule],
        peer_groups: list[Any],
        peer_cidrs: list[Any],
        reasons: list[str] | None = None,
    ) -> bool | None:
        """Whether any rule admits TCP 443 from/to the given groups or all of the CIDRs.

        Why a rule could not be judged is appended to ``reasons`` when given. None once the
        network budget is spent.
        """
        if not self.budget.spend(len(rules) * (1 + len(peer_groups) + len(peer_cidrs))):
            if reasons is not None:
                reasons.append(self.budget.reason)
            return None
        unknown = False
        for rule in rules:
            ports = covers_https(rule)
            if ports is False:
                continue
            match = self._peer_match(rule, peer_groups, peer_cidrs, reasons)
            if ports is True and match is True:
                return True
            if ports is None or match is None:
                unknown = unknown or match is not False
        return None if unknown else False

    def _peer_match(
        self, rule: SgRule, groups: list[Any], cidrs: list[Any], reasons: list[str] | None
    ) -> bool | None:
        if rule.group is not None:
            if is_unknown(rule.group):
                return None
            return any(same_group(self.model, rule.group, g) for g in groups)
        if rule.prefix_list is not None:
            entries = self.prefix_list_cidrs(rule.prefix_list)
            if entries is None:
                if reasons is not None:
                    reasons.append(f"prefix list {describe(rule.prefix_list)} is not in the input")
                return None
            if not cidrs:
                return None
            if not self.budget.spend(len(entries) * len(cidrs)):
                if reasons is not None:
                    reasons.append(self.budget.reason)
                return None
            per_dest: list[bool | None] = []
            for dest in cidrs:
                found = [_cidr_match(e, [dest]) for e in entries]
                per_dest.append(True if True in found else (None if None in found else False))
            if False in per_dest:
                return False
            return None if None in per_dest else True
        cidr = rule.cidr if rule.cidr is not None else rule.cidr_ipv6
        if cidr is not None:
            return _cidr_match(cidr, cidrs)
        return False

    def prefix_list_cidrs(self, value: Any) -> list[Any] | None:
        """The CIDRs of a managed prefix list defined in the input; None when it is not."""
        pl = self.model.deref(value, "AWS::EC2::PrefixList")
        if pl is None:
            return None
        entries = pl.props.get("Entries")
        if not isinstance(entries, list):
            return None
        return [get_ci(e, "Cidr") for e in entries]


def _cidr_match(cidr: Any, dests: list[Any]) -> bool | None:
    """Whether the rule's CIDR holds every destination (None when one is not known)."""
    net = ip_network(cidr)
    if net is None or not dests:
        return None
    found = [_holds(net, dest) for dest in dests]
    if None in found:
        return None
    return all(found)


def _holds(net: Network, dest: Any) -> bool | None:
    """Whether ``net`` holds the destination CIDR ``dest`` (None when that is not known)."""
    if isinstance(dest, UnknownCidr):
        if dest.version != net.version:
            return False
        return True if net.prefixlen == 0 else None
    inner = ip_network(dest)
    if inner is None:
        return True if net == ANYWHERE else None
    return network_within(inner, net)


def _rule(raw: Any, group_key: str, prefix_key: str) -> SgRule:
    return SgRule(
        protocol=get_ci(raw, "IpProtocol"),
        from_port=get_ci(raw, "FromPort"),
        to_port=get_ci(raw, "ToPort"),
        cidr=get_ci(raw, "CidrIp"),
        group=get_ci(raw, group_key),
        prefix_list=get_ci(raw, prefix_key),
        cidr_ipv6=get_ci(raw, "CidrIpv6"),
    )


def covers_https(rule: SgRule) -> bool | None:
    proto = rule.protocol
    if is_unknown(proto):
        return None
    proto_s = str(proto).lower()
    if proto_s in ("-1", "all"):
        return True
    if proto_s not in ("tcp", "6"):
        return False
    try:
        low, high = int(rule.from_port), int(rule.to_port)
    except (TypeError, ValueError):
        return None
    if low == -1 and high == -1:
        return True
    return low <= HTTPS <= high


def same_group(model: Model, a: Any, b: Any) -> bool:
    ra, rb = model.deref(a), model.deref(b)
    if ra is not None and rb is not None:
        return ra == rb
    if isinstance(a, GetAtt) and isinstance(b, GetAtt):
        return a == b
    return isinstance(a, str) and a == b


def egress_verdict(
    model: Model,
    index: GroupIndex,
    groups: list[Any],
    dest_groups: list[Any],
    dest_cidrs: list[Any],
) -> tuple[bool | None, str]:
    """Whether one of ``groups`` lets TCP 443 out to the destination; else what is unknown."""
    return egress_verdict_by_family(model, index, groups, dest_groups, [dest_cidrs])


def egress_verdict_by_family(
    model: Model,
    index: GroupIndex,
    groups: list[Any],
    dest_groups: list[Any],
    families: list[list[Any]],
) -> tuple[bool | None, str]:
    """Whether, for each list of destination CIDRs (one per address family the tasks use), one
    of ``groups`` lets TCP 443 out to the destination; else what is unknown, each reason once."""
    return all_of([_egress(model, index, groups, dest_groups, cidrs) for cidrs in families])


def all_of(verdicts: list[tuple[bool | None, list[str]]]) -> tuple[bool | None, str]:
    """Verdicts that must all hold, taken together: False when one is, else None (cannot
    verify) when one is, else True; with the reasons of the verdicts that decide, each once."""
    for wanted in (False, None):
        if any(verdict is wanted for verdict, _ in verdicts):
            reasons = [r for verdict, found in verdicts if verdict is wanted for r in found]
            return wanted, "; ".join(dict.fromkeys(reasons))
    return True, ""


def _egress(
    model: Model,
    index: GroupIndex,
    groups: list[Any],
    dest_groups: list[Any],
    dest_cidrs: list[Any],
) -> tuple[bool | None, list[str]]:
    unknown: list[str] = []
    for raw in groups:
        if isinstance(raw, DefaultGroupOfUnknownVpc):
            unknown.append(raw.why)
            continue
        if isinstance(raw, GetAtt) and raw.attribute == "DefaultSecurityGroup":
            vpc = model.deref(Ref(raw.template, raw.logical_id))
            if vpc is not None and vpc in index.restricted_default_sg:
                continue  # CDK removed its rules
            if vpc is not None:
                return True, []
            unknown.append("the VPC default security group")
            continue
        sg = model.deref(raw, "AWS::EC2::SecurityGroup")
        if sg is None:
            unknown.append(
                f"a security group cannot be resolved ({unknown_reason(raw)})"
                if is_unknown(raw)
                else f"security group {describe(raw)} is not in the input"
            )
            continue
        rules = index.egress_rules(sg)
        if rules is None:
            return True, []
        reasons: list[str] = []
        verdict = index.admits(rules, dest_groups, dest_cidrs, reasons)
        if verdict is True:
            return True, []
        if verdict is None:
            why = f" ({'; '.join(dict.fromkeys(reasons))})" if reasons else ""
            unknown.append(f"an egress rule of {sg.logical_id} cannot be resolved{why}")
    if unknown:
        return None, unknown
    return False, []

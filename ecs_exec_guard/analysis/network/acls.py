"""Network ACLs: whether a subnet's ACL lets the agent's TCP traffic through, as AWS evaluates.

ACLs are stateless and apply where traffic crosses a subnet's edge. Entries are evaluated by
ascending RuleNumber; the first entry that matches the traffic decides (allow or deny); nothing
matching is denied. A subnet without an explicit ``AWS::EC2::SubnetNetworkAclAssociation`` uses
its VPC's default ACL, which allows everything (entries added to it with
``Fn::GetAtt <Vpc>.DefaultNetworkAcl`` come first). A custom ACL starts with no entry: it
denies everything.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ..budget import Budget
from ..intrinsics import GetAtt, Ref, Unknown, describe, is_unknown, unknown_reason
from ..model import Model, Resource, get_ci, truthy
from .groups import ip_network, network_within

EPHEMERAL = (1024, 65535)
HTTPS_PORTS = (443, 443)
_TCP = ("6", "tcp")
_ALL = ("-1", "all")


@dataclass(frozen=True)
class AclKey:
    """A network ACL: one of the input, or the default ACL of a VPC of the input."""

    acl: Resource | None
    vpc: Resource | None = None

    @property
    def name(self) -> str:
        if self.acl is not None:
            return f"network ACL {self.acl.logical_id}"
        assert self.vpc is not None
        return f"the default network ACL of {self.vpc.logical_id}"


@dataclass
class Decision:
    """The ACL's verdict on some traffic: ``allow``, ``deny`` or ``unknown``, and by what."""

    verdict: str
    entry: Resource | None = None  # the deciding entry (None: the implicit deny / default)
    number: int | None = None
    why: str = ""


class AclIndex:
    def __init__(self, model: Model, budget: Budget) -> None:
        self.model = model
        self.budget = budget
        self.association: dict[Resource, AclKey | Unknown] = {}
        for assoc in model.resources("AWS::EC2::SubnetNetworkAclAssociation"):
            subnet = model.deref(assoc.props.get("SubnetId"), "AWS::EC2::Subnet")
            if subnet is not None:
                raw = assoc.props.get("NetworkAclId")
                key = self._key(raw)
                self.association[subnet] = key if key is not None else Unknown(
                    f"network ACL {describe(raw, assoc.template.name)} of subnet "
                    f"{subnet.logical_id} is not in the "
                    "input"
                    if not is_unknown(raw)
                    else f"the network ACL of subnet {subnet.logical_id} is {unknown_reason(raw)}"
                )
        self._decisions: dict[tuple[AclKey, bool, Any, tuple[int, int]], Decision] = {}
        self.entries: dict[AclKey, list[Resource]] = defaultdict(list)
        for entry in model.resources("AWS::EC2::NetworkAclEntry"):
            key = self._key(entry.props.get("NetworkAclId"))
            if key is not None:
                self.entries[key].append(entry)

    def _key(self, raw: Any) -> AclKey | None:
        acl = self.model.deref(raw, "AWS::EC2::NetworkAcl")
        if acl is not None:
            return AclKey(acl)
        if isinstance(raw, GetAtt) and raw.attribute == "DefaultNetworkAcl":
            vpc = self.model.deref(Ref(raw.template, raw.logical_id), "AWS::EC2::VPC")
            if vpc is not None:
                return AclKey(None, vpc)
        return None

    def acl_of(self, subnet: Resource) -> AclKey | Unknown:
        found = self.association.get(subnet)
        if found is not None:
            return found
        vpc = self.model.deref(subnet.props.get("VpcId"), "AWS::EC2::VPC")
        if vpc is None:
            return Unknown(f"the default network ACL of subnet {subnet.logical_id}'s VPC")
        return AclKey(None, vpc)

    def decide(self, key: AclKey, egress: bool, peer: Any, ports: tuple[int, int]) -> Decision:
        """How the ACL treats TCP ``ports`` to (egress) or from ``peer`` (a CIDR)."""
        if not isinstance(peer, str):
            return self._decide(key, egress, peer, ports)
        memo = (key, egress, peer, ports)
        if memo not in self._decisions:
            self._decisions[memo] = self._decide(key, egress, peer, ports)
        return self._decisions[memo]

    def _decide(self, key: AclKey, egress: bool, peer: Any, ports: tuple[int, int]) -> Decision:
        # An unresolved peer range (an IPAM-allocated subnet, say) is judged only by entries
        # that cover every IPv4 address; any other entry it meets makes the decision unknown.
        entries = self.entries.get(key, [])
        if not self.budget.spend(1 + len(entries)):
            return Decision("unknown", why=self.budget.reason)
        net = ip_network(peer)
        ordered: list[tuple[int, Resource]] = []
        for entry in entries:
            if truthy(entry.props.get("Egress", False)) is not egress:
                if truthy(entry.props.get("Egress", False)) is None:
                    return Decision("unknown", entry, why=f"Egress of {entry.logical_id}")
                continue
            number = _int(entry.props.get("RuleNumber"))
            if number is None:
                return Decision("unknown", entry, why=f"RuleNumber of {entry.logical_id}")
            ordered.append((number, entry))
        ordered.sort(key=lambda item: item[0])
        partial: set[str] = set()
        for number, entry in ordered:
            if key.acl is None and number > (101 if net is not None and net.version == 6 else 100):
                break  # the default ACL's own allow-all (rule 100, IPv6 101) matches first
            match = _matches(entry, net, ports, peer)
            if isinstance(match, Unknown):
                return Decision("unknown", entry, number, match.reason)
            if match == "none":
                continue
            action = str(entry.props.get("RuleAction", "")).lower()
            if action not in ("allow", "deny"):
                return Decision("unknown", entry, number, f"RuleAction of {entry.logical_id}")
            if match == "part":
                partial.add(action)
                continue
            if partial - {action}:
                return Decision(
                    "unknown", entry, number,
                    f"entries before {entry.logical_id} match only part of the traffic",
                )
            return Decision(action, entry, number)
        if key.acl is None:  # the default ACL's own rules 100 / 101: allow all
            if "deny" in partial:
                return Decision("unknown", why="an entry denies part of the traffic")
            return Decision("allow")
        if "allow" in partial:
            return Decision("unknown", why="entries allow only part of the traffic")
        return Decision("deny")


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _matches(entry: Resource, net: Any, ports: tuple[int, int], peer: Any = None) -> str | Unknown:
    """``all``, ``part`` or ``none`` of the TCP traffic to/from ``net`` on ``ports``.

    ``net`` None: the peer range (``peer``) is unresolved; only an entry for every IPv4
    address (0.0.0.0/0) is known to cover it."""
    p = entry.props
    lid = entry.logical_id
    proto = p.get("Protocol")
    if is_unknown(proto) or proto is None:
        return Unknown(f"Protocol of {lid}")
    proto_s = str(proto).lower()
    if proto_s not in _TCP + _ALL:
        return "none"
    cidr = p.get("CidrBlock") if p.get("CidrBlock") is not None else p.get("Ipv6CidrBlock")
    entry_net = ip_network(cidr)
    if entry_net is None:
        shown = cidr.reason if isinstance(cidr, Unknown) else describe(cidr)
        return Unknown(f"the address range of {lid} ({shown})")
    if net is None:
        if entry_net.version != 4 or entry_net.prefixlen != 0:
            why = peer.reason if isinstance(peer, Unknown) else describe(peer)
            return Unknown(
                f"whether {lid} ({cidr}) covers the peer address range, which is unknown ({why})"
            )
        whole = True
    elif entry_net.version != net.version or not entry_net.overlaps(net):
        return "none"
    else:
        whole = network_within(net, entry_net)
    if proto_s in _TCP:
        rng = p.get("PortRange")
        low, high = _int(get_ci(rng, "From")), _int(get_ci(rng, "To"))
        if low is None or high is None:
            return Unknown(f"PortRange of {lid}")
        if high < ports[0] or low > ports[1]:
            return "none"
        whole = whole and low <= ports[0] and ports[1] <= high
    return "all" if whole else "part"


@dataclass(frozen=True)
class AclProblem:
    """Traffic exec needs that a subnet's ACL denies (or that cannot be judged)."""

    subnet: Resource
    key: AclKey | None  # None: the ACL itself is unknown
    egress: bool
    peer: str  # the CIDR (or how it is unknown)
    ports: tuple[int, int]
    verdict: str  # deny | unknown
    why: str
    below: int | None = None  # the rule number of the denying entry

    @property
    def traffic(self) -> str:
        low, high = self.ports
        ports = str(low) if low == high else f"{low}-{high}"
        way = "to" if self.egress else "from"
        return f"{'outbound' if self.egress else 'inbound'} TCP {ports} {way} {self.peer}"

    @property
    def entry_to_add(self) -> str:
        where = self.key.name if self.key is not None else "the subnet's network ACL"
        below = f" numbered below {self.below}" if self.below is not None else ""
        return f"to {where}, an entry allowing {self.traffic}{below}"


def flow_problems(
    index: AclIndex, subnet: Resource, peer: Any, *, client: bool
) -> list[AclProblem]:
    """What the subnet's ACL blocks of a TCP 443 connection with ``peer``.

    ``client``: the subnet opens the connection (outbound 443, inbound return traffic on the
    ephemeral ports); otherwise it receives it (inbound 443, outbound return traffic).
    """
    key = index.acl_of(subnet)
    # A text, so that problems stay hashable.
    shown = (
        peer if isinstance(peer, str)
        else f"an unknown address range ({peer.reason})" if isinstance(peer, Unknown)
        else describe(peer, subnet.template.name)
    )
    flows = [(True, HTTPS_PORTS), (False, EPHEMERAL)] if client else [
        (False, HTTPS_PORTS), (True, EPHEMERAL)]
    if isinstance(key, Unknown):
        return [AclProblem(subnet, None, flows[0][0], shown, flows[0][1], "unknown", key.reason)]
    out: list[AclProblem] = []
    for egress, ports in flows:
        d = index.decide(key, egress, peer, ports)
        if d.verdict == "allow":
            continue
        if d.verdict == "deny":
            why = (
                f"entry {d.entry.logical_id}, rule {d.number}" if d.entry is not None
                else "no entry allows it"
            )
        else:
            why = d.why
        below = d.number if d.verdict == "deny" else None
        out.append(AclProblem(subnet, key, egress, shown, ports, d.verdict, why, below))
    return out

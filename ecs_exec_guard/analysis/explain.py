"""``ecs-exec-guard explain``: the chain of facts the analyzer follows for one exec launch.

For a service, rule, schedule or state machine (picked by logical ID or construct path) it
lays out, as a tree of *links*, what exec depends on: the task definition and its containers,
the task role and the statements that allow or deny each action the exec agent calls, the
platform, each subnet's route table and default route down to the internet gateway, each
subnet's network ACL (and those of the NAT gateway's or the endpoint's subnets when they block
something), the security groups, and the ``ssmmessages`` endpoints. Every link carries a verdict:

- ``ok``: the link holds;
- ``broken``: exec fails here (an error finding, a missing route, a denied action);
- ``unknown``: the fact is outside the input (a cannot-verify warning names it);
- ``warning``: a warning finding on that resource;
- ``info``: a fact shown for context.

The verdicts come from the analyzer itself: the findings of :func:`analyze` on each resource,
:meth:`Permissions.evaluate` for each action, :meth:`NetworkIndex.subnet_path`, NET8's
:func:`acl_problems` and the launch's network :class:`Assessment`. This module only arranges
them; it decides nothing the rules do not. Pure Python, like the rest of the analyzer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .analyzer import TemplateInput, analyze, normalise_inputs
from .findings import Finding, Severity
from .iam import EXEC_ACTIONS, Decision, Statement
from .intrinsics import Unknown, describe, humanize, is_unknown, unknown_reason
from .launches import Launch
from .model import Model, Resource, as_list, get_ci, truthy
from .network import AclProblem, Assessment, container_hosts
from .rules import Context, Options
from .rules.network import acl_problems

OK, BROKEN, UNKNOWN, WARNING, INFO = "ok", "broken", "unknown", "warning", "info"
#: Worst first: a link's verdict is the worst of its own and its findings'.
_RANK = {BROKEN: 4, UNKNOWN: 3, WARNING: 2, OK: 1, INFO: 0}
_DECISION = {
    Decision.ALLOW: OK,
    Decision.DENY: BROKEN,
    Decision.IMPLICIT_DENY: BROKEN,
    Decision.UNKNOWN: UNKNOWN,
}


class ExplainError(Exception):
    """The launch to explain is not in the input (the message lists those that are)."""


@dataclass
class Link:
    """One fact of the chain: what it is, whether it holds, and the facts it rests on."""

    kind: str
    title: str
    verdict: str = INFO
    details: list[str] = field(default_factory=list)
    children: list[Link] = field(default_factory=list)

    def add(self, link: Link) -> Link:
        self.children.append(link)
        return link

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "verdict": self.verdict,
            "details": self.details,
            "children": [c.to_json() for c in self.children],
        }


def _name(res: Resource) -> str:
    path = res.construct_path
    return f"{res.logical_id} ({res.type})" + (f" [{path}]" if path else "")


def launch_label(res: Resource) -> str:
    """How findings name a launch (``Finding.launches``): construct path, else template/ID."""
    return res.construct_path or f"{res.template.name}/{res.logical_id}"


def _text(value: Any, home: str | None = None) -> str:
    """A resolved value for display: strings (their references humanized) and numbers as they
    are, the rest described; ``home`` is the template the value was read in (see describe)."""
    if isinstance(value, str | int) and not isinstance(value, bool):
        return humanize(str(value))
    return describe(value, home)


def _paint(link: Link, verdict: str) -> None:
    """Give the links of a route chain the verdict of the subnet they lead out of."""
    if link.verdict == INFO:
        link.verdict = verdict
    for child in link.children:
        _paint(child, verdict)


def _worst(*verdicts: str) -> str:
    return max(verdicts, key=lambda v: _RANK[v]) if verdicts else INFO


def _finding_verdict(f: Finding) -> str:
    if f.severity is Severity.ERROR:
        return BROKEN
    return UNKNOWN if f.unverified else WARNING


class _Builder:
    def __init__(self, ctx: Context, findings: list[Finding]) -> None:
        self.ctx = ctx
        self.model: Model = ctx.model
        self.by_resource: dict[tuple[str, str], list[Finding]] = {}
        for f in findings:
            self.by_resource.setdefault((f.template, f.logical_id), []).append(f)
        #: The findings already on a link, as (rule, template, logical ID, message).
        self.shown: set[tuple[str, str, str, str]] = set()
        self.acl_issues: list[AclProblem] = []

    def judged(
        self, link: Link, res: Resource | None, default: str = OK, only: tuple[str, ...] = ()
    ) -> Link:
        """Attach the findings on ``res`` (of the rule families ``only``, e.g. ``("NET",)``,
        when given) to the link; its verdict is the worst of them and ``default``."""
        verdicts = [default]
        if res is not None:
            for f in self.by_resource.get((res.template.name, res.logical_id), []):
                key = (f.rule_id, f.template, f.logical_id, f.message)
                family = f.rule_id.removeprefix("EcsExec-").rstrip("0123456789")
                if key in self.shown or (only and family not in only):
                    continue
                self.shown.add(key)
                link.details.append(f"{f.rule_id} ({f.severity.value}): {f.message}")
                verdicts.append(_finding_verdict(f))
        link.verdict = _worst(*verdicts)
        return link

    # -- the launch ---------------------------------------------------------------------------
    def launch(self, launch: Launch) -> Link:
        facts = self.ctx.facts(launch)
        enabled = {True: OK, None: UNKNOWN, False: BROKEN}[launch.exec_enabled]
        root = Link("launch", f"{_name(launch.resource)}: {launch.where}")
        root.details.append(
            f"EnableExecuteCommand: {_text(launch.exec_enabled)}"
            if launch.exec_enabled is not None
            else "EnableExecuteCommand cannot be resolved"
        )
        root.verdict = enabled
        self.cluster(root, facts.cluster, launch)
        self.task_definition(root, facts.task_definition, launch)
        self.platform(root, launch)
        self.network(root, launch)
        # What the launch carries besides its platform and network findings (ENB1, CFG1, ...).
        self.judged(root, launch.resource, enabled)
        return root

    def cluster(self, root: Link, cluster: Resource | None, launch: Launch) -> None:
        if cluster is None:
            shown = _text(launch.cluster, launch.resource.template.name)
            link = root.add(Link("cluster", f"cluster {shown}", INFO))
            link.details.append("not in the input (exec logging settings unknown)")
            return
        link = root.add(Link("cluster", f"cluster {_name(cluster)}"))
        cfg = get_ci(cluster.props.get("Configuration"), "ExecuteCommandConfiguration")
        if isinstance(cfg, dict):
            logging = get_ci(cfg, "Logging")
            link.details.append(f"exec logging: {_text(logging) if logging else 'DEFAULT'}")
            if get_ci(cfg, "KmsKeyId") is not None:
                key = _text(get_ci(cfg, "KmsKeyId"), cluster.template.name)
                link.details.append(f"exec KMS key: {key}")
        else:
            link.details.append("no ExecuteCommandConfiguration (exec logging: DEFAULT)")
        self.judged(link, cluster)

    # -- task definition, containers, role ----------------------------------------------------
    def task_definition(self, root: Link, td: Resource | None, launch: Launch) -> Link:
        if td is None:
            shown = _text(launch.task_definition, launch.resource.template.name)
            link = root.add(Link("task-definition", f"task definition {shown}"))
            link.verdict = UNKNOWN
            link.details.append("not in the input: containers and task role cannot be checked")
            return link
        link = root.add(Link("task-definition", f"task definition {_name(td)}"))
        facts = self.ctx.facts(launch)
        link.details.append(f"network mode: {_text(facts.network_mode)}")
        if facts.windows:
            link.details.append("platform family: Windows")
        self.judged(link, td)
        self.task_role(link, td, launch)
        for index, container in enumerate(as_list(td.props.get("ContainerDefinitions"))):
            link.add(self.container(index, container, td))
        return link

    def container(self, index: int, container: Any, td: Resource) -> Link:
        name = get_ci(container, "Name")
        link = Link("container", f"container {_text(name) if name else f'#{index + 1}'}")
        readonly = truthy(get_ci(container, "ReadonlyRootFilesystem") or False)
        exec_names = td.exec_containers
        in_scope = exec_names is None or (isinstance(name, str) and name in exec_names)
        if readonly is True:
            link.details.append("read-only root filesystem: the exec agent cannot write")
            link.verdict = BROKEN if in_scope else INFO
        elif readonly is None:
            link.details.append("ReadonlyRootFilesystem cannot be resolved")
            link.verdict = UNKNOWN
        else:
            link.details.append("writable root filesystem")
            link.verdict = OK
        init = get_ci(get_ci(container, "LinuxParameters"), "InitProcessEnabled")
        link.details.append(f"init process: {_text(init) if init is not None else 'not set'}")
        if not in_scope:
            link.details.append("not an exec container (exec_containers metadata)")
        return link

    def task_role(self, parent: Link, td: Resource, launch: Launch) -> None:
        # The launch's Overrides.TaskRoleArn, when it sets one, is the role exec uses.
        overridden = launch.task_role_override is not None
        raw = launch.task_role_override if overridden else td.props.get("TaskRoleArn")
        if overridden:
            parent.details.append("task role overridden by the launch (Overrides.TaskRoleArn)")
        if is_unknown(raw):
            link = parent.add(Link("task-role", "task role: cannot be resolved", UNKNOWN))
            link.details.append(unknown_reason(raw))
            return
        if raw is None:
            link = parent.add(Link("task-role", "task role: none", BROKEN))
            link.details.append("no TaskRoleArn: the exec agent has no credentials")
            return
        role = self.ctx.iam.principal(raw, "AWS::IAM::Role")
        if role is None:
            home = (launch.resource if overridden else td).template.name
            link = parent.add(Link("task-role", f"task role {_text(raw, home)}", UNKNOWN))
            link.details.append("not in the input: its permissions cannot be read")
            return
        link = parent.add(Link("task-role", f"task role {_name(role)}"))
        perms = self.ctx.iam.permissions(role)
        verdicts = []
        for action in EXEC_ACTIONS:
            decision, reasons = perms.evaluate(action)
            verdict = _DECISION[decision]
            verdicts.append(verdict)
            act = link.add(Link("action", f"{action}: {decision.value}", verdict))
            act.details.extend(reasons)
            for st in perms.allowing(action):
                act.add(Link("statement", _statement(st), OK if not st.has_condition else UNKNOWN))
            for st in perms.statements:
                if (
                    st.effect == "Deny"
                    and st.matches_action(action)
                    and st.covers("*") is not False
                ):
                    act.add(Link("statement", _statement(st), BROKEN))
        self.judged(link, role, _worst(*verdicts))

    # -- platform -------------------------------------------------------------------------------
    def platform(self, root: Link, launch: Launch) -> None:
        cap = self.ctx.facts(launch).capacity
        title = f"capacity: {cap.kind}"
        if cap.kind == "FARGATE":
            version = launch.platform_version
            title += f", platform version {_text(version) if version is not None else 'LATEST'}"
        link = root.add(Link("platform", title, UNKNOWN if cap.kind == "UNKNOWN" else OK))
        if cap.reason:
            link.details.append(cap.reason)
        for provider in cap.providers:
            link.details.append(f"capacity provider {_name(provider)}")
        self.judged(link, launch.resource, link.verdict, only=("PLT",))

    # -- network ----------------------------------------------------------------------------------
    def network(self, root: Link, launch: Launch) -> None:
        assessment = self.ctx.network(launch)
        if assessment is None:
            root.add(Link("network", "network mode none: no way out", BROKEN))
            return
        net = root.add(Link("network", f"network (mode {assessment.mode})"))
        for reason in assessment.unknown:
            net.add(Link("unknown", f"cannot verify: {reason}", UNKNOWN))
        endpoint_ok = assessment.ssm_endpoint is not None
        self.acl_issues = list(dict.fromkeys(acl_problems(self.ctx, assessment)))
        for subnet in assessment.subnets:
            net.add(self.subnet(subnet, assessment, endpoint_ok))
        # ACLs on the way but outside the tasks' subnets: the NAT gateway's, the endpoint's.
        relays = list(
            dict.fromkeys(p.subnet for p in self.acl_issues if p.subnet not in assessment.subnets)
        )
        for subnet in relays:
            relay = net.add(Link("subnet", f"subnet {_name(subnet)} (on the way)", INFO))
            relay.add(self.acl(subnet))
            relay.verdict = relay.children[0].verdict
        self.security_groups(net, launch, assessment)
        self.endpoints(net, assessment)
        if assessment.public_ip_note:
            net.details.append(assessment.public_ip_note)
        own = [c.verdict for c in net.children]
        self.judged(net, launch.resource, _worst(OK, *own), only=("NET",))

    def subnet(self, subnet: Resource, assessment: Assessment, endpoint_ok: bool) -> Link:
        link = Link("subnet", f"subnet {_name(subnet)}")
        cidr = subnet.props.get("CidrBlock")
        if cidr is not None:
            link.details.append(f"CIDR {_text(cidr)}")
        exit_ = self.ctx.net.subnet_path(subnet)
        path = exit_ if isinstance(exit_, Unknown) else exit_.kind
        rt = self.ctx.net.route_table.get(subnet)
        if isinstance(rt, Unknown):
            link.add(Link("route-table", f"route table: {rt.reason}", UNKNOWN))
        elif rt is None:
            link.add(Link("route-table", "the VPC's main route table (local route only)", INFO))
        else:
            link.add(self.route_table(rt, depth=0))
        if isinstance(path, Unknown):
            link.verdict = UNKNOWN
            link.details.append(f"way out cannot be verified: {path.reason}")
        elif path == "internet":
            link.verdict = OK
            link.details.append("default route leads to the internet (NAT or equivalent)")
        elif path == "igw":
            if subnet in assessment.igw_no_ip:
                link.verdict = OK if endpoint_ok else BROKEN
                link.details.append("internet gateway, but the tasks get no public IP")
            else:
                link.verdict = OK
                link.details.append("internet gateway, with a public IP")
        else:
            link.verdict = OK if endpoint_ok else BROKEN
            why = exit_.why if not isinstance(exit_, Unknown) else ""
            link.details.append(
                f"no default route that leads to the internet{': ' + why if why else ''}"
            )
        if endpoint_ok and link.verdict == OK and path not in ("internet", "igw"):
            link.details.append("the ssmmessages endpoint is reached inside the VPC instead")
        elif link.verdict != OK or path in ("internet", "igw"):
            for child in link.children:
                _paint(child, link.verdict)
        link.add(self.acl(subnet))
        return link

    def acl(self, subnet: Resource) -> Link:
        """The subnet's network ACL and what it blocks of exec's traffic (NET8's problems)."""
        key = self.ctx.net.acls.acl_of(subnet)
        mine = [p for p in self.acl_issues if p.subnet == subnet]
        title = key.reason if isinstance(key, Unknown) else key.name
        verdict = OK
        if any(p.verdict == "deny" for p in mine):
            verdict = BROKEN
        elif mine or isinstance(key, Unknown):
            verdict = UNKNOWN
        link = Link("acl", f"{title}", verdict)
        link.details.extend(f"{p.traffic}: {p.verdict} ({p.why})" for p in mine)
        if not mine and not isinstance(key, Unknown):
            link.details.append("lets exec's TCP 443 and its return traffic through")
        return link

    def route_table(self, rt: Resource, depth: int) -> Link:
        link = Link("route-table", f"route table {_name(rt)}", INFO)
        routes = [
            r
            for r in self.model.resources("AWS::EC2::Route")
            if self.model.deref(r.props.get("RouteTableId"), "AWS::EC2::RouteTable") == rt
        ]
        defaults = [r for r in routes if r.props.get("DestinationCidrBlock") == "0.0.0.0/0"]
        if not defaults:
            link.details.append("no 0.0.0.0/0 route")
        for route in defaults:
            link.add(self.next_hop(route, depth))
        return link

    def next_hop(self, route: Resource, depth: int) -> Link:
        p = route.props
        targets = (
            "NatGatewayId",
            "GatewayId",
            "InstanceId",
            "NetworkInterfaceId",
            "TransitGatewayId",
            "VpcEndpointId",
            "VpcPeeringConnectionId",
            "CarrierGatewayId",
            "LocalGatewayId",
            "CoreNetworkArn",
        )
        key = next((k for k in targets if p.get(k) is not None), None)
        if key is None:
            return Link("route", f"route {route.logical_id}: 0.0.0.0/0 to nothing known", UNKNOWN)
        value = p[key]
        target = self.model.deref(value)
        hop = Link(
            "route",
            f"route {route.logical_id}: 0.0.0.0/0 via {key[:-2] if key.endswith('Id') else key}",
        )
        if is_unknown(value):
            hop.verdict = UNKNOWN
            hop.details.append(unknown_reason(value))
            return hop
        if target is None:
            hop.add(Link("gateway", _text(value), INFO))
            return hop
        gw = hop.add(Link("gateway", _name(target), INFO))
        if target.type == "AWS::EC2::InternetGateway":
            gw.verdict = OK
        elif target.type == "AWS::EC2::NatGateway" and depth < 3:
            kind = target.props.get("ConnectivityType", "public")
            gw.details.append(f"connectivity: {_text(kind)}")
            nat_subnet = self.model.deref(target.props.get("SubnetId"), "AWS::EC2::Subnet")
            if nat_subnet is not None:
                where = gw.add(Link("subnet", f"in subnet {_name(nat_subnet)}", INFO))
                rt = self.ctx.net.route_table.get(nat_subnet)
                if isinstance(rt, Resource):
                    where.add(self.route_table(rt, depth + 1))
        return hop

    def security_groups(self, net: Link, launch: Launch, assessment: Assessment) -> None:
        if not assessment.egress_detail:
            # The assessment stopped at a cannot-verify (network mode, configuration, hosts)
            # before it judged egress: there is nothing to show, least of all an "ok".
            return
        groups: list[Any] = []
        if assessment.mode == "awsvpc" and isinstance(launch.awsvpc, dict):
            groups = as_list(get_ci(launch.awsvpc, "SecurityGroups"))
        else:
            facts = self.ctx.facts(launch)
            for host in container_hosts(self.model, facts.capacity, facts.cluster):
                groups.extend(host.security_groups)
        verdict = {True: OK, False: BROKEN, None: UNKNOWN}[assessment.egress]
        title = (
            f"egress TCP 443 to {assessment.egress_detail}"
            if assessment.egress is not None
            else "egress TCP 443"
        )
        link = net.add(Link("egress", title, verdict))
        if assessment.egress is None:
            link.details.append(f"cannot verify: {assessment.egress_detail}")
        if not groups:
            link.details.append("no security group given: the VPC's default security group")
        for raw in groups:
            sg = self.model.deref(raw, "AWS::EC2::SecurityGroup")
            if sg is None:
                link.add(Link("security-group", f"security group {_text(raw)}", UNKNOWN))
                continue
            link.add(
                Link(
                    "security-group",
                    f"security group {_name(sg)}",
                    INFO,
                    details=self.egress_lines(sg),
                )
            )

    def egress_lines(self, sg: Resource) -> list[str]:
        inline = as_list(sg.props.get("SecurityGroupEgress"))
        extra = [
            r.props
            for r in self.model.resources("AWS::EC2::SecurityGroupEgress")
            if self.model.deref(r.props.get("GroupId"), "AWS::EC2::SecurityGroup") == sg
        ]
        if not inline:
            return ["no egress rule in the template: allows all outbound"]
        lines = []
        for rule in [*inline, *extra]:
            proto = get_ci(rule, "IpProtocol")
            if str(proto) in ("-1", "all"):
                ports = "all traffic"
            elif str(proto).lower() in ("icmp", "1", "icmpv6", "58"):  # ports are type, code
                kind, code = get_ci(rule, "FromPort"), get_ci(rule, "ToPort")
                ports = f"{_text(proto)} type {_text(kind)} code {_text(code)}"
            else:
                low, high = get_ci(rule, "FromPort"), get_ci(rule, "ToPort")
                ports = f"{_text(proto)} {_text(low)}" + (f"-{_text(high)}" if high != low else "")
            peer = next(
                (
                    get_ci(rule, k)
                    for k in (
                        "CidrIp",
                        "DestinationSecurityGroupId",
                        "DestinationPrefixListId",
                        "CidrIpv6",
                    )
                    if get_ci(rule, k) is not None
                ),
                None,
            )
            placeholder = (ports, peer) == ("icmp type 252 code 86", "255.255.255.255/32")
            lines.append(f"egress {ports} to {_text(peer)}" + (
                " (CDK's placeholder for allow_all_outbound=False: no traffic)"
                if placeholder else ""))
        return lines

    def endpoints(self, net: Link, assessment: Assessment) -> None:
        problems = {id(ep): why for ep, why in assessment.endpoint_problems}
        listed = False
        for vpc in assessment.vpcs:
            for ep in self.ctx.net.endpoints.get(vpc, ()):
                if ep.service != "ssmmessages":
                    continue
                listed = True
                link = net.add(Link("endpoint", f"ssmmessages endpoint {_name(ep.resource)}"))
                dns = "cannot be resolved" if ep.private_dns is None else _text(ep.private_dns)
                link.details.append(
                    f"{'Interface' if ep.interface else 'Gateway'}, private DNS {dns}"
                )
                default = OK if ep is assessment.ssm_endpoint else INFO
                if id(ep) in problems:
                    link.details.append(problems[id(ep)])
                    default = BROKEN
                self.judged(link, ep.resource, default)
        if not listed and assessment.vpcs:
            needed = BROKEN if assessment.needs_endpoint else INFO
            net.add(Link("endpoint", "no ssmmessages endpoint in the VPC", needed))


def _statement(st: Statement) -> str:
    where = st.source.logical_id if st.source is not None else "an AWS managed policy"
    if st.actions is not None:
        shown = ", ".join(st.actions[:2]) + (
            f" (+{len(st.actions) - 2})" if len(st.actions) > 2 else ""
        )
        actions = f"Action {shown}"
    else:
        actions = f"NotAction {', '.join(st.not_actions or ())}"
    if st.resources is not None:
        resources = "Resource " + ", ".join(_text(r) for r in st.resources)
    else:
        resources = "NotResource " + ", ".join(_text(r) for r in (st.not_resources or ()))
    cond = ", under a Condition" if st.has_condition else ""
    return f"{st.effect} in {where}: {actions}; {resources}{cond}"


def pick_launches(launches: list[Launch], target: str) -> list[Launch]:
    """The launches named by logical ID, construct path or ``template/logical-id``; failing
    that, the one launch whose construct path contains ``target`` as whole segments (the
    construct a user wrote: ``Web`` or ``App/Web`` for ``App/Web/Service/Service``)."""
    wanted = target.strip().strip("/")
    # A launch without a construct path has no path to match (an empty target names nothing).
    chosen = [lc for lc in launches if wanted in (
        lc.resource.logical_id, f"{lc.resource.template.name}/{lc.resource.logical_id}",
        *([lc.resource.construct_path] if lc.resource.construct_path else []))]
    if not chosen and wanted:
        chosen = [lc for lc in launches
                  if f"/{wanted}/" in f"/{lc.resource.construct_path or ''}/"]
        names = sorted({launch_label(lc.resource) for lc in chosen})
        if len(names) > 1:
            raise ExplainError(f"{target!r} names several launches ({', '.join(names)}): "
                               "give one's construct path or logical ID")
    if not chosen:
        known = sorted({launch_label(lc.resource) for lc in launches})
        listing = ", ".join(known) if known else "none"
        raise ExplainError(f"no launch named {target!r} in the input (launches: {listing})")
    return chosen


def explain(
    templates: Mapping[str, Mapping[str, Any]] | Iterable[TemplateInput],
    target: str,
    *,
    require_exec: bool = False,
) -> list[Link]:
    """The chains of the launches of one resource, picked by logical ID, construct path or
    ``template/logical-id``. ExplainError when nothing in the input launches tasks under
    that name (the message lists what does)."""
    inputs = normalise_inputs(templates)
    report = analyze(inputs, require_exec=require_exec)
    ctx = Context(Model(inputs), Options(require_exec=require_exec))
    chosen = pick_launches(ctx.launches, target)
    builder = _Builder(ctx, report.findings)
    chains = [builder.launch(lc) for lc in chosen]
    # Each launch's findings that no link showed (a host's AMI, say), under its own chain.
    for launch, chain in zip(chosen, chains, strict=True):
        label = launch_label(launch.resource)
        unshown = [
            f
            for f in report.findings
            if label in f.launches
            and (f.rule_id, f.template, f.logical_id, f.message) not in builder.shown
        ]
        if unshown:
            other = chain.add(Link("findings", "other findings for this launch"))
            for f in unshown:
                other.add(
                    Link(
                        "finding",
                        f"{f.rule_id} on {f.logical_id}: {f.message}",
                        _finding_verdict(f),
                    )
                )
            other.verdict = _worst(*(c.verdict for c in other.children))
        chain.verdict = _worst(chain.verdict, *_verdicts_below(chain))
    return chains


def _verdicts_below(link: Link) -> list[str]:
    out: list[str] = []
    for child in link.children:
        if child.verdict in (BROKEN, UNKNOWN, WARNING):
            out.append(child.verdict)
        out.extend(_verdicts_below(child))
    return out

"""IAM evaluation over template policies, close enough to AWS's to be trusted for exec checks.

Evaluation follows the IAM policy logic for one principal: an explicit ``Deny`` wins, then
an ``Allow`` is needed, and a permissions boundary must allow too. Action patterns are
case-insensitive globs (``*``, ``?``); ``NotAction`` and ``NotResource`` are honoured. What
cannot be decided (an Allow under a ``Condition``, an unknown managed policy, a document that
does not resolve) makes the answer UNKNOWN, with the reasons, never ALLOW or DENY.
"""

from __future__ import annotations

import enum
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from . import managed_policies
from .budget import weight
from .intrinsics import (
    Ref,
    Unknown,
    as_text,
    describe,
    is_unknown,
    parse_token,
    unknown_reason,
)
from .model import Model, Resource, as_list, get_ci

EXEC_ACTIONS = (
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
)

ALL = "*"


class Decision(enum.Enum):
    ALLOW = "allow"
    DENY = "deny"  # explicit deny
    IMPLICIT_DENY = "implicit-deny"  # nothing allows it
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[Any, ...] | None
    not_resources: tuple[Any, ...] | None
    has_condition: bool
    principal: Any
    source: Resource | None
    unknown: str | None = None  # why part of the statement could not be resolved

    def matches_action(self, action: str) -> bool | None:
        if self.actions is not None:
            return any(action_matches(p, action) for p in self.actions)
        if self.not_actions is not None:
            return not any(action_matches(p, action) for p in self.not_actions)
        return False

    def covers(self, target: str) -> bool | None:
        if self.resources is not None:
            return any_true(resource_covers(p, target) for p in self.resources)
        if self.not_resources is not None:
            excluded = any_true(resource_covers(p, target) for p in self.not_resources)
            return None if excluded is None else not excluded
        return None


def any_true(values: Any) -> bool | None:
    """Three-valued OR: True if any is True, None if any is unknown, else False."""
    unknown = False
    for v in values:
        if v is True:
            return True
        if v is None:
            unknown = True
    return None if unknown else False


def glob_match(pattern: str, text: str) -> bool:
    """Whether an IAM pattern (``*`` any run, ``?`` any one character) matches all of
    ``text``. No regex is compiled and nothing backtracks: the pieces between stars are found
    left to right (the leftmost place of each is always a right choice), so thousands of
    distinct patterns, or one of thousands of stars, cost about their length."""
    if "*" not in pattern:
        return len(pattern) == len(text) and _piece_at(pattern, text, 0)
    first, *middle, last = pattern.split("*")
    end = len(text) - len(last)
    if end < len(first) or not _piece_at(first, text, 0) or not _piece_at(last, text, end):
        return False
    pos = len(first)
    for piece in middle:
        if piece:
            found = _find_piece(piece, text, pos, end)
            if found < 0:
                return False
            pos = found + len(piece)
    return True


def _piece_at(piece: str, text: str, pos: int) -> bool:
    if "?" not in piece:
        return text.startswith(piece, pos)
    if pos + len(piece) > len(text):
        return False
    return all(p == "?" or p == c for p, c in zip(piece, text[pos:pos + len(piece)], strict=True))


def _find_piece(piece: str, text: str, start: int, end: int) -> int:
    """The leftmost index >= start where ``piece`` matches and ends by ``end``; -1 if none."""
    if "?" not in piece:
        return text.find(piece, start, end)
    regex = _piece_regex(piece)
    m = regex.search(text, start, end)
    return m.start() if m else -1


@lru_cache(maxsize=256)
def _piece_regex(piece: str) -> re.Pattern[str]:
    return re.compile(".".join(re.escape(part) for part in piece.split("?")), re.DOTALL)


def action_matches(pattern: str, action: str) -> bool:
    """IAM action patterns are case-insensitive."""
    return glob_match(pattern.lower(), action.lower())


_PLACEHOLDER = re.compile(r"\$\{AWS::[A-Za-z]+\}")
#: An ARN's ":" separators, not the ones inside a ``${AWS::...}`` placeholder.
_ARN_SEP = re.compile(r":(?![^{]*\})")


def resource_covers(pattern: Any, target: str) -> bool | None:
    """Whether an IAM ``Resource`` pattern covers ``target``; None when it cannot be told.

    Both sides may hold pseudo-parameter placeholders (``${AWS::Region}``) and resource tokens;
    a concrete value facing a placeholder cannot be compared, which makes the answer None.
    """
    if not isinstance(pattern, str):
        return None
    if pattern == ALL:
        return True
    if glob_match(pattern, target):
        return True
    if not (_PLACEHOLDER.search(pattern) or _PLACEHOLDER.search(target)):
        return False
    # Compare ARNs segment by segment (placeholders hold colons: split outside them); a
    # placeholder facing a value the pattern does not match outright may match it or not.
    p_parts, t_parts = _ARN_SEP.split(pattern, 5), _ARN_SEP.split(target, 5)
    if len(p_parts) != len(t_parts):
        return False
    uncertain = False
    for p, t in zip(p_parts, t_parts, strict=True):
        if glob_match(p, t):
            continue
        if _PLACEHOLDER.fullmatch(p) or _PLACEHOLDER.fullmatch(t):
            uncertain = True
            continue
        return False
    return None if uncertain else True


def _strings(value: Any) -> tuple[tuple[Any, ...] | None, str | None]:
    """A resolved Action/Resource list as strings; the reason when part is unresolvable."""
    if value is None:
        return None, None
    items = as_list(value)
    out: list[Any] = []
    problem = None
    for item in items:
        text = as_text(item)
        if isinstance(text, str):
            out.append(text)
        else:
            out.append(None)
            problem = unknown_reason(item) if is_unknown(item) else f"value {describe(item)}"
    return tuple(out), problem


def parse_document(document: Any, source: Resource | None) -> tuple[list[Statement], list[str]]:
    """The statements of a resolved policy document, and what could not be read."""
    if is_unknown(document):
        return [], [f"policy document is {unknown_reason(document)}"]
    if not isinstance(document, dict):
        return [], ["policy document is not an object"]
    raw = document.get("Statement")
    statements: list[Statement] = []
    problems: list[str] = []
    for st in as_list(raw):
        if not isinstance(st, dict):
            problems.append("a statement is not an object")
            continue
        effect = st.get("Effect")
        if effect not in ("Allow", "Deny"):
            problems.append(f"a statement has Effect {describe(effect)}")
            continue
        actions, p1 = _strings(st.get("Action"))
        not_actions, p2 = _strings(st.get("NotAction"))
        resources, p3 = _strings(st.get("Resource"))
        not_resources, p4 = _strings(st.get("NotResource"))
        problem = p1 or p2 or p3 or p4
        # Unresolvable action entries cannot match anything we rely on; keep the known ones.
        statements.append(
            Statement(
                effect=effect,
                actions=tuple(a for a in actions if a is not None) if actions is not None else None,
                not_actions=(
                    tuple(a for a in not_actions if a is not None)
                    if not_actions is not None
                    else None
                ),
                resources=resources,
                not_resources=not_resources,
                has_condition=bool(st.get("Condition")),
                principal=st.get("Principal"),
                source=source,
                unknown=problem,
            )
        )
    return statements, problems


@dataclass
class Permissions:
    """Everything that decides what one principal may do."""

    statements: list[Statement] = field(default_factory=list)
    #: Why some of the principal's permissions could not be read (e.g. an unknown managed policy).
    unknown_sources: list[str] = field(default_factory=list)
    boundary: Permissions | None = None
    #: Sources known only for some actions (AWS managed policies, from the data file): the
    #: actions they are known for, and what to say when asked about another.
    partial_sources: list[tuple[frozenset[str], str]] = field(default_factory=list)

    def evaluate(self, action: str, target: str = ALL) -> tuple[Decision, list[str]]:
        unknown = self.unknown_sources + [
            f"{what} is not known for {action}"
            for known, what in self.partial_sources
            if action.lower() not in known
        ]
        decision, reasons = _evaluate(self.statements, unknown, action, target)
        if self.boundary is None or decision is Decision.DENY:
            return decision, reasons
        b_decision, b_reasons = self.boundary.evaluate(action, target)
        if b_decision is Decision.ALLOW:
            return decision, reasons
        if b_decision is Decision.UNKNOWN:
            if decision is Decision.IMPLICIT_DENY:
                return decision, reasons
            return Decision.UNKNOWN, reasons + [f"permissions boundary: {r}" for r in b_reasons]
        return (
            Decision.DENY if b_decision is Decision.DENY else Decision.IMPLICIT_DENY,
            [f"the permissions boundary does not allow {action}"],
        )

    def allowing(self, action: str, target: str = ALL) -> list[Statement]:
        return [
            s
            for s in self.statements
            if s.effect == "Allow" and s.matches_action(action) and s.covers(target) is not False
        ]


def _evaluate(
    statements: list[Statement], unknown_sources: list[str], action: str, target: str
) -> tuple[Decision, list[str]]:
    allowed = False
    maybe_allowed: list[str] = []
    maybe_denied: list[str] = []
    for st in statements:
        if not st.matches_action(action):
            continue
        covers = st.covers(target)
        if covers is False:
            continue
        where = f" in {st.source.logical_id}" if st.source else ""
        if st.effect == "Deny":
            if covers is True and not st.has_condition:
                return Decision.DENY, [f"explicitly denied{where}"]
            maybe_denied.append(
                f"a Deny{where} under a Condition"
                if st.has_condition
                else f"a Deny{where} on an unresolvable resource"
            )
        elif covers is True and not st.has_condition:
            allowed = True
        elif st.has_condition:
            maybe_allowed.append(f"an Allow{where} that only holds under a Condition")
        else:
            maybe_allowed.append(
                f"an Allow{where} on a resource that cannot be resolved"
                + (f" ({st.unknown})" if st.unknown else "")
            )
    if allowed:
        return (Decision.UNKNOWN, maybe_denied) if maybe_denied else (Decision.ALLOW, [])
    if maybe_allowed or unknown_sources:
        return Decision.UNKNOWN, maybe_allowed + unknown_sources
    return Decision.IMPLICIT_DENY, []


class IamIndex:
    """Which policies attach to which role/user/group, across all templates of the input."""

    PRINCIPAL_TYPES = ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group")

    def __init__(self, model: Model) -> None:
        self.model = model
        # One policy attached to many principals is evaluated for each of them.
        self.budget = model.budgets.statements
        self.attached: dict[Resource, list[Resource]] = defaultdict(list)
        by_name: dict[tuple[str, str], Resource] = {}
        for principal in model.resources(*self.PRINCIPAL_TYPES):
            name = principal.props.get(self._name_key(principal.type))
            if isinstance(name, str):
                by_name[(principal.type, name)] = principal
        self._by_name = by_name
        links = {
            "Roles": "AWS::IAM::Role",
            "Users": "AWS::IAM::User",
            "Groups": "AWS::IAM::Group",
        }
        for policy in model.resources("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for key, ptype in links.items():
                for entry in as_list(policy.props.get(key)):
                    target = self.principal(entry, ptype)
                    if target is not None:
                        self.attached[target].append(policy)
        singles = {
            "AWS::IAM::RolePolicy": ("RoleName", "AWS::IAM::Role"),
            "AWS::IAM::UserPolicy": ("UserName", "AWS::IAM::User"),
            "AWS::IAM::GroupPolicy": ("GroupName", "AWS::IAM::Group"),
        }
        for rtype, (key, ptype) in singles.items():
            for policy in model.resources(rtype):
                target = self.principal(policy.props.get(key), ptype)
                if target is not None:
                    self.attached[target].append(policy)

    @staticmethod
    def _name_key(ptype: str) -> str:
        return {"AWS::IAM::Role": "RoleName", "AWS::IAM::User": "UserName"}.get(ptype, "GroupName")

    def principal(self, value: Any, ptype: str) -> Resource | None:
        """The role/user/group a resolved reference (Ref, GetAtt Arn, name or ARN) names."""
        res = self.model.deref(value, ptype)
        if res is not None:
            return res
        if isinstance(value, str):
            name = value.rsplit("/", 1)[-1] if value.startswith("arn:") else value
            token = parse_token(name)
            if isinstance(token, Ref):
                # ``arn:...:role/${TaskRole}``: Ref of a role, user or group is its name.
                return self.model.deref(token, ptype)
            return self._by_name.get((ptype, name))
        return None

    def permissions(self, principal: Resource) -> Permissions:
        perms: Permissions = self.model.cached(
            ("perms", principal), lambda: self._permissions(principal)
        )
        return perms

    def _permissions(self, principal: Resource) -> Permissions:
        perms = Permissions()
        props = principal.props
        for inline in as_list(props.get("Policies")):
            doc = get_ci(inline, "PolicyDocument")
            self._add(perms, doc, principal)
        for policy in self.attached.get(principal, ()):
            self._add(perms, policy.props.get("PolicyDocument"), policy)
        for arn in as_list(props.get("ManagedPolicyArns")):
            self._add_managed(perms, arn)
        if principal.type == "AWS::IAM::User":
            for group_ref in as_list(props.get("Groups")):
                group = self.principal(group_ref, "AWS::IAM::Group")
                if group is None:
                    perms.unknown_sources.append(
                        f"a group cannot be resolved ({group_ref.reason})"
                        if isinstance(group_ref, Unknown)
                        else f"group {describe(group_ref, principal.template.name)} is not in "
                        "the input"
                    )
                    continue
                g = self.permissions(group)
                self.budget.spend(len(g.statements))
                perms.statements.extend(g.statements)
                perms.unknown_sources.extend(g.unknown_sources)
                perms.partial_sources.extend(g.partial_sources)
        boundary = props.get("PermissionsBoundary")
        if boundary is not None:
            perms.boundary = Permissions()
            self._add_managed(perms.boundary, boundary)
        if self.budget.exhausted:
            # Nothing rather than part: a Deny left out could turn UNKNOWN into ALLOW.
            return Permissions(unknown_sources=[self.budget.reason])
        return perms

    def _add(self, perms: Permissions, document: Any, source: Resource) -> None:
        if not self.budget.spend(weight(document, self.budget.left + 1)):
            return  # _permissions gives up on this principal
        statements, problems = parse_document(document, source)
        perms.statements.extend(statements)
        perms.unknown_sources.extend(f"{source.logical_id}: {p}" for p in problems)

    def _add_managed(self, perms: Permissions, arn: Any) -> None:
        managed = self.model.deref(arn, "AWS::IAM::ManagedPolicy")
        if managed is not None:
            self._add(perms, managed.props.get("PolicyDocument"), managed)
            return
        if isinstance(arn, str):
            recorded, why = managed_policies.lookup(arn)
            if recorded is None:
                perms.unknown_sources.append(why)
                return
            statements, _ = parse_document({"Statement": recorded}, None)
            perms.statements.extend(statements)
            perms.partial_sources.append(
                (managed_policies.load().actions, f"AWS managed policy {arn}")
            )
            return
        perms.unknown_sources.append(
            f"a managed policy cannot be resolved ({arn.reason})"
            if isinstance(arn, Unknown)
            else f"managed policy {describe(arn)} cannot be resolved"
        )

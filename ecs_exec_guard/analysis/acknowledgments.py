"""Acknowledgments: findings a user has accepted, with the reason, the same for every adapter.

Two sources, one meaning:

- **Template metadata** (plain CloudFormation, or ``CfnResource.add_metadata`` in CDK)::

      Metadata:
        ecs-exec-guard:
          acknowledge:
            - id: EcsExec-CTR1        # or EcsExec::EcsExec-CTR1
              reason: the app writes to /tmp only

  suppresses that rule's findings on that resource. An entry without a reason, with an
  unknown rule ID or in another shape is an :class:`AcknowledgmentError` (a usage error).

- **CDK acknowledgments** (``Validations.of(c).acknowledge(Acknowledgment(id="EcsExec::...",
  reason=...))``), which CDK records in the cloud assembly as ``aws:cdk:acknowledged-rules``
  metadata on the construct's path (and, for a Stage or the App, only in the
  ``validation-report.json`` of a synthesis where the pack ran). They suppress the rule on
  the findings at that path and below, the closest acknowledgment giving the reason, as CDK
  itself does for the pack (a finding without a construct path is at its stack's path).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .findings import Finding, Suppressed
from .model import Model

METADATA_KEY = "ecs-exec-guard"
PACK_NAME = "EcsExec"
#: The cloud assembly metadata type CDK writes for ``Validations.of(c).acknowledge(...)``.
CDK_METADATA_TYPE = "aws:cdk:acknowledged-rules"


class AcknowledgmentError(ValueError):
    """An acknowledgment that cannot be honoured (no reason, unknown rule, bad shape)."""


@dataclass(frozen=True)
class Acknowledgment:
    rule_id: str
    reason: str
    #: ``"metadata"`` (template resource metadata) or ``"cdk"`` (cloud assembly).
    source: str
    #: For metadata: the template and logical ID; for CDK: the construct path.
    template: str | None = None
    logical_id: str | None = None
    path: str | None = None

    @property
    def where(self) -> str:
        return self.path if self.path is not None else f"{self.template}/{self.logical_id}"


def rule_of(ack_id: str, known: Iterable[str]) -> str | None:
    """The rule ID an acknowledgment ID names (``EcsExec-CTR1`` or ``EcsExec::EcsExec-CTR1``),
    None when it names another pack's rule."""
    namespace, sep, rule = ack_id.partition("::")
    if not sep:
        rule, namespace = ack_id, PACK_NAME
    if namespace != PACK_NAME:
        return None
    return rule if rule in set(known) else None


def from_templates(model: Model, known: Iterable[str]) -> list[Acknowledgment]:
    """The acknowledgments written in resource metadata; AcknowledgmentError on a bad one."""
    rules = set(known)
    out: list[Acknowledgment] = []
    for tpl in model.templates.values():
        for res in tpl.resources.values():
            meta = res.raw.get("Metadata")
            if not isinstance(meta, dict) or METADATA_KEY not in meta:
                continue
            where = f"{tpl.name}: {res.logical_id}: Metadata.{METADATA_KEY}"
            out.extend(_parse(meta[METADATA_KEY], where, tpl.name, res.logical_id, rules))
    return out


def _parse(
    value: Any, where: str, template: str, logical_id: str, rules: set[str]
) -> list[Acknowledgment]:
    if not isinstance(value, dict) or set(value) != {"acknowledge"}:
        raise AcknowledgmentError(
            f"{where} must be a mapping with one key, acknowledge (a list of {{id, reason}})"
        )
    entries = value["acknowledge"]
    if not isinstance(entries, list):
        raise AcknowledgmentError(f"{where}.acknowledge must be a list of {{id, reason}}")
    out: list[Acknowledgment] = []
    for i, entry in enumerate(entries):
        at = f"{where}.acknowledge[{i}]"
        if not isinstance(entry, dict) or not set(entry) <= {"id", "reason"}:
            raise AcknowledgmentError(f"{at} must be a mapping with id and reason")
        ack_id, reason = entry.get("id"), entry.get("reason")
        if not isinstance(ack_id, str):
            raise AcknowledgmentError(f"{at} has no id (a rule ID such as EcsExec-CTR1)")
        rule = rule_of(ack_id, rules)
        if rule is None:
            raise AcknowledgmentError(f"{at}: {ack_id} is not a rule of this tool")
        if not isinstance(reason, str) or not reason.strip():
            raise AcknowledgmentError(f"{at}: acknowledging {rule} needs a reason")
        out.append(Acknowledgment(rule, reason.strip(), "metadata", template, logical_id))
    return out


def from_assembly(entries: Iterable[tuple[str, str, str]], known: Iterable[str]) -> list[
    Acknowledgment
]:
    """CDK acknowledgments of this pack's rules from ``(construct path, ID, reason)`` entries
    (see ``loader.assembly_acknowledgments``); other packs' IDs are left alone."""
    rules = set(known)
    out: list[Acknowledgment] = []
    for path, ack_id, reason in entries:
        rule = rule_of(ack_id, rules)
        if rule is not None:
            out.append(Acknowledgment(rule, reason, "cdk", path=path.strip("/")))
    return out


def split(
    findings: list[Finding],
    acknowledgments: Iterable[Acknowledgment],
    stack_paths: Mapping[str, str] | None = None,
) -> tuple[list[Finding], list[Suppressed]]:
    """The findings no acknowledgment covers, and the suppressed ones with their reason."""
    by_resource: dict[tuple[str, str, str], Acknowledgment] = {}
    by_path: dict[tuple[str, str], Acknowledgment] = {}
    for given in acknowledgments:
        if given.path is not None:
            by_path.setdefault((given.rule_id, given.path), given)
        elif given.template is not None and given.logical_id is not None:
            by_resource.setdefault((given.rule_id, given.template, given.logical_id), given)
    if not by_resource and not by_path:
        return findings, []
    kept: list[Finding] = []
    suppressed: list[Suppressed] = []
    lengths = sorted({len(p) for _, p in by_path if p}, reverse=True)
    for f in findings:
        ack: Acknowledgment | None = by_resource.get((f.rule_id, f.template, f.logical_id))
        if ack is None and by_path:
            ack = _closest(f, by_path, (stack_paths or {}).get(f.template), lengths)
        if ack is None:
            kept.append(f)
        else:
            suppressed.append(Suppressed(f, ack.reason, ack.source, ack.where))
    return kept, suppressed


def _closest(
    f: Finding,
    by_path: dict[tuple[str, str], Acknowledgment],
    stack_path: str | None,
    lengths: list[int],
) -> Acknowledgment | None:
    """CDK's rule: the acknowledgment on the finding's path or its nearest ancestor.

    Only the ``lengths`` of acknowledged paths are tried (the longest first), so a construct
    path of thousands of segments costs no more than a short one."""
    path = (f.construct_path or stack_path or "").strip("/")
    for n in lengths:
        if n <= len(path) and (n == len(path) or path[n] == "/"):
            ack = by_path.get((f.rule_id, path[:n]))
            if ack is not None:
                return ack
    return by_path.get((f.rule_id, ""))  # acknowledged on the App (path "")

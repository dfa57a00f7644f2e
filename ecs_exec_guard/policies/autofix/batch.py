"""One batch of fixes: the state the fix families share, and how they annotate what they do.

A batch is one snapshot, the analysis over it, the services it fixes and a ``Plan`` that makes
shared resources (an endpoint per VPC and service, a rule per security group) change once.
The families (``permissions``, ``network``, ``containers``) are functions of a ``Batch``;
``fixer.run`` calls them in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import aws_cdk as cdk
from constructs import IConstruct

from ...analysis.launches import Launch
from ...analysis.model import EXEC_ENABLED_SERVICE_METADATA
from .common import ANNOTATION_PREFIX, construct_key
from .launch_points import FIXED_KINDS
from .snapshot import Element, Snapshot


class FixOptions(Protocol):
    """What a batch reads from the aspect: its options, and where it records changes."""

    permissions: bool
    endpoints: bool
    egress: bool
    root_filesystem: bool
    platform_version: bool
    init_process: bool
    enable_exec: bool
    assign_public_ip: bool
    exec_containers: frozenset[str] | None
    clusters: frozenset[str] | None
    acknowledge_inherent_nag_findings: bool
    changes: list[str]


@dataclass
class Plan:
    """What one batch changes, grouped so that shared resources are changed once."""

    changes: list[str] = field(default_factory=list)
    endpoints: dict[tuple[str, str, str], IConstruct] = field(default_factory=dict)
    endpoint_vpcs: set[tuple[str, str]] = field(default_factory=set)
    egress_done: set[tuple[str, str]] = field(default_factory=set)
    #: (security group admitting, source group) pairs given a TCP 443 ingress rule.
    ingress_done: set[tuple[str, str]] = field(default_factory=set)
    dns_done: set[tuple[str, str]] = field(default_factory=set)
    warned: set[tuple[str, str]] = field(default_factory=set)


class Batch:
    """One batch of fixes over one snapshot, for the services (construct keys) given."""

    def __init__(self, opts: FixOptions, snap: Snapshot, services: set[str]) -> None:
        self.o = opts
        self.snap = snap
        self.ctx = snap.ctx
        self.plan = Plan()
        # One Annotations object per construct annotated (a bridge call saved per message).
        self._annotations: dict[str, cdk.Annotations] = {}
        self.launches: list[Launch] = []
        for launch in self.ctx.launches:
            el = snap.element(launch.resource)
            if (
                launch.kind in FIXED_KINDS
                and el is not None
                and construct_key(el.construct) in services
                and self._on_clusters(launch, el)
            ):
                self.launches.append(launch)

    def _on_clusters(self, launch: Launch, service: Element) -> bool:
        """Whether the service is one the aspect's ``clusters`` limit lets through: a service
        of one of those clusters, not an ExecEnabledService in ENFORCE mode (which changes
        nothing: its own checks report what it lacks)."""
        if self.o.clusters is None:
            return True
        cluster = self.snap.element(self.ctx.facts(launch).cluster)
        if cluster is None or construct_key(cluster.construct) not in self.o.clusters:
            return False
        mode = service.get_metadata(EXEC_ENABLED_SERVICE_METADATA)
        return bool(mode != "ENFORCE")

    def info(self, construct: IConstruct, message: str) -> None:
        """Record a change: an INFO annotation on the construct changed, and in ``changes``."""
        text = f"{ANNOTATION_PREFIX}: {message}"
        self._annotations_of(construct).add_info(text)
        self.o.changes.append(text)

    def warn(self, construct: IConstruct, code: str, message: str) -> None:
        """A warning annotation (once per construct and message): what cannot be fixed."""
        key = (construct_key(construct), message)
        if key in self.plan.warned:
            return
        self.plan.warned.add(key)
        self._annotations_of(construct).add_warning_v2(code, f"{ANNOTATION_PREFIX}: {message}")

    def _annotations_of(self, construct: IConstruct) -> cdk.Annotations:
        key = construct_key(construct)
        found = self._annotations.get(key)
        if found is None:
            found = self._annotations[key] = cdk.Annotations.of(construct)
        return found

"""The Aspect ``EcsExecAutoFix``: its options, its two entry points, and when it takes a batch.

``EcsExecAutoFix.apply_to(scope)`` (the one README shows) adds an empty *anchor* construct as
the last child of ``scope`` and the aspect to the anchor only, so CDK calls Python back once
per synthesis instead of once per construct. When the anchor is visited, every other construct
of the scope has been visited by the aspects of that pass (aspects run depth-first, children
in order), so the batch sees what the user's own mutating aspects did; if constructs were
added after the anchor, the aspect moves to a new anchor at the end first (aspect
stabilization runs the new one). What the batch adds is visited by the later aspects in the
next stabilization pass. Without aspect stabilization (the ``@aws-cdk/core:aspectStabilization``
flag off) it runs where it is, and an anchor that is never visited fails synthesis with a
validation error rather than fixing nothing silently.

``Aspects.of(scope).add(EcsExecAutoFix(), priority=AspectPriority.MUTATING)`` keeps working:
its first visit (the scope) adds the anchor, which inherits the aspect, and the batch runs when
the anchor is visited, as with ``apply_to``; the other visits (one per construct) return at
once, except, after the batch, for an ``AWS::ECS::Service`` that was not in it (added later by
another aspect), which is fixed on its own. See the package docstring for what stays true and
the limits.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, cast

import aws_cdk as cdk
import jsii
from constructs import Construct, IConstruct, IValidation

from . import fixer
from .batch import Batch
from .common import Stats, construct_key, unique_id
from .launch_points import ENABLE_TYPES, LAUNCH_TYPES
from .snapshot import Snapshot

#: The ID of the anchor construct ``apply_to`` adds (``EcsExecAutoFix2``, ... when taken).
ANCHOR_ID = "EcsExecAutoFix"
# Keys of every anchor made in this process: anchors after an anchor do not make it move.
_ANCHORS: set[str] = set()
# The feature flag that makes CDK run aspects until the tree stops changing (the default for
# new v2 apps); synthesis reads it as off when it is unset and has no default.
_STABILIZATION = "@aws-cdk/core:aspectStabilization"


@jsii.implements(cdk.IAspect)
class EcsExecAutoFix:
    """Repairs, at synth time, what ECS Exec needs for every exec-enabled service in scope,
    and for the daemons (``CfnDaemon``), EventBridge pipes (``pipes.CfnPipe``) and Batch job
    definitions (``batch.CfnJobDefinition``) that run exec-enabled tasks.

    :param permissions: add the ssmmessages (and exec logging / KMS) permissions to the task
        role, creating a task role when the task definition has none.
    :param endpoints: create the ssmmessages interface endpoint (and logs / kms interface and
        s3 gateway endpoints when exec logging or KMS is configured) in a VPC whose exec tasks
        have no route out; one per VPC and service name, reusing existing ones.
    :param egress: allow egress TCP 443 from the task security group when none allows it.
    :param root_filesystem: set ReadonlyRootFilesystem false on the containers that need exec
        (with a warning: Security Hub ECS.5 / CT.ECS.PR.6 trade-off).
    :param platform_version: raise a pinned Fargate platform version below 1.4.0 (Linux) /
        1.0.0 (Windows).
    :param init_process: set LinuxParameters.InitProcessEnabled on the exec containers.
    :param enable_exec: turn exec on for every ECS service and daemon in scope first.
    :param assign_public_ip: for Fargate tasks in public subnets without a public IP (their only
        way out is an internet gateway), set AssignPublicIp ENABLED instead of creating an
        ssmmessages endpoint (which is billed per AZ and hour). Off by default: a public IP
        makes the tasks reachable wherever their security groups allow it.
    :param exec_containers: limit the container fixes to these container names.
    :param acknowledge_inherent_nag_findings: acknowledge cdk-nag's AwsSolutions-IAM5 on the
        statements this aspect adds that cannot be scoped further.
    """

    def __init__(
        self,
        *,
        permissions: bool = True,
        endpoints: bool = True,
        egress: bool = True,
        root_filesystem: bool = True,
        platform_version: bool = True,
        init_process: bool = True,
        enable_exec: bool = False,
        assign_public_ip: bool = False,
        exec_containers: Iterable[str] | None = None,
        acknowledge_inherent_nag_findings: bool = True,
    ) -> None:
        self.permissions = permissions
        self.endpoints = endpoints
        self.egress = egress
        self.root_filesystem = root_filesystem
        self.platform_version = platform_version
        self.init_process = init_process
        self.enable_exec = enable_exec
        self.assign_public_ip = assign_public_ip
        self.exec_containers = (
            frozenset(exec_containers) if exec_containers is not None else None
        )
        self.acknowledge_inherent_nag_findings = acknowledge_inherent_nag_findings
        #: Limit the fix to the services of these clusters (construct keys of their L1s); set
        #: by ExecEnabledService for the neighbours of a cluster whose exec logging it set.
        self.clusters: frozenset[str] | None = None
        #: Every change made, as the INFO annotation says it (for tests and tooling).
        self.changes: list[str] = []
        self.stats = Stats()
        self._started = False
        # Services handled (or found not to need handling); values keep the proxies alive.
        self._seen: dict[str, IConstruct] = {}
        # apply_to: the scope fixed, and the anchor the aspect is on.
        self._scope: Construct | None = None
        self._anchor: IConstruct | None = None
        # Aspects.of: the scope the aspect was added to (its first visit).
        self._added_to: IConstruct | None = None

    # -- entry points ---------------------------------------------------------------------
    @classmethod
    def apply_to(cls, scope: Construct, **options: Any) -> EcsExecAutoFix:
        """Fix every exec-enabled service under ``scope``, with one Aspect callback per synth.

        Call it once the app is defined (before ``app.synth()``); ``options`` are the keyword
        arguments of the class (``permissions``, ``endpoints``, ..., ``assign_public_ip``).
        Returns the aspect (``changes`` and ``stats`` say what it did).
        """
        fix = cls(**options)
        fix._scope = scope
        anchor = fix._anchor_at_end(scope)
        anchor.node.add_validation(_MustHaveRun(fix, scope.node.path))
        return fix

    def visit(self, node: IConstruct) -> None:
        started = time.perf_counter()
        self.stats.visits += 1
        try:
            if self._scope is not None:
                self._visit_anchor(node, self._scope)
            else:
                self._visit_any(node)
        finally:
            self.stats.own_seconds += time.perf_counter() - started

    def _visit_any(self, node: IConstruct) -> None:
        if self._started:
            if isinstance(node, LAUNCH_TYPES) and construct_key(node) not in self._seen:
                # A service (daemon, pipe, job definition) created after the batch (e.g. by
                # another aspect): fix it on its own.
                self._run(node)
            return
        if self._added_to is None:
            # The first visit is the scope the aspect was added to: the batch waits for an
            # anchor at its end, as with apply_to, so that it sees what every other aspect of
            # this pass did (CDK lists a construct's children after visiting it, so the
            # anchor is visited in this pass). A scope that cannot take a child runs now.
            self._added_to = node
            if isinstance(node, Construct):
                self._anchor_at_end(node, add_aspect=False)
                return
            self._started = True
            self._run(node)
            return
        self._visit_anchor(node, cast(Construct, self._added_to))

    def _anchor_at_end(self, scope: Construct, *, add_aspect: bool = True) -> IConstruct:
        """An empty construct as the last child of ``scope``, where the batch runs;
        ``add_aspect``: the aspect is added to it (``apply_to``; with ``Aspects.of`` the anchor
        inherits it from the scope)."""
        anchor = Construct(scope, unique_id(scope, ANCHOR_ID))
        _ANCHORS.add(construct_key(anchor))
        self._anchor = anchor
        if add_aspect:
            cdk.Aspects.of(anchor).add(self, priority=cdk.AspectPriority.MUTATING)
        return anchor

    def _visit_anchor(self, node: IConstruct, scope: Construct) -> None:
        if self._started or self._anchor is None:
            return
        if construct_key(node) != construct_key(self._anchor):
            return  # an anchor this aspect has left
        if not self._is_last(scope) and (
            cdk.FeatureFlags.of(scope).is_enabled(_STABILIZATION) is True
        ):
            # Constructs were added after the anchor (the App's Tree, or user code after
            # apply_to): move to the end; stabilization visits the new anchor in this pass.
            self._anchor_at_end(scope, add_aspect=self._scope is not None)
            return
        self._started = True
        self._run(scope)

    def _is_last(self, scope: IConstruct) -> bool:
        """Whether only anchors follow this aspect's anchor among the children of ``scope``."""
        assert self._anchor is not None
        mine = construct_key(self._anchor)
        keys = [construct_key(c) for c in scope.node.children]
        after = keys[keys.index(mine) + 1 :] if mine in keys else keys
        return all(k in _ANCHORS for k in after)

    @property
    def has_run(self) -> bool:
        """Whether the aspect has taken its batch (``apply_to``: its one visit)."""
        return self._started

    def _run(self, scope: IConstruct) -> None:
        in_scope = scope.node.find_all()
        stage = scope if isinstance(scope, cdk.Stage) else cdk.Stage.of(scope)
        everything = (
            in_scope
            if stage is None or construct_key(stage) == construct_key(scope)
            else stage.node.find_all()
        )
        services = [c for c in in_scope if isinstance(c, LAUNCH_TYPES)]
        for svc in services:
            self._seen[construct_key(svc)] = svc
        if not services:
            return
        enable: set[str] = set()
        if self.enable_exec:
            enable = {construct_key(s) for s in services if isinstance(s, ENABLE_TYPES)}
        snap = Snapshot(everything, enable, self.stats)
        started = time.perf_counter()
        try:
            fixer.run(Batch(self, snap, {construct_key(s) for s in services}))
        finally:
            self.stats.fix_seconds += time.perf_counter() - started


@jsii.implements(IValidation)
class _MustHaveRun:
    """Fails synthesis when an ``apply_to`` aspect was never visited: no silent no-fix."""

    def __init__(self, fix: EcsExecAutoFix, path: str) -> None:
        self._fix = fix
        self._path = path or "the app"

    def validate(self) -> list[str]:
        if self._fix.has_run:
            return []
        return [
            f"EcsExecAutoFix applied to {self._path} did not run: CDK never visited its "
            "anchor construct (aspect stabilization off and the anchor added during "
            "synthesis?). Synthesize with aspect stabilization (the default), or use "
            "Aspects.of(scope).add(EcsExecAutoFix(), priority=AspectPriority.MUTATING)."
        ]

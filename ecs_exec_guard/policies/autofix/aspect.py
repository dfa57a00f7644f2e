"""The Aspect ``EcsExecAutoFix``: its options, and when it takes a batch.

On its first visit (the scope it was added to) it snapshots the stage and fixes every
exec-enabled service in scope in one batch (``fixer.run``); later visits return at once,
except for an ``AWS::ECS::Service`` that was not in the batch (added later by another aspect),
which is fixed on its own. See the package docstring for what stays true and the limits.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import aws_cdk as cdk
import jsii
from aws_cdk import aws_ecs as ecs
from constructs import IConstruct

from . import fixer
from .batch import Batch
from .common import Stats, construct_key
from .snapshot import Snapshot


@jsii.implements(cdk.IAspect)
class EcsExecAutoFix:
    """Repairs, at synth time, what ECS Exec needs for every exec-enabled service in scope.

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
    :param enable_exec: turn exec on for every ECS service in scope first.
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

    # -- entry point ----------------------------------------------------------------------
    def visit(self, node: IConstruct) -> None:
        self.stats.visits += 1
        if not self._started:
            self._started = True
            self._run(node)
            return
        if isinstance(node, ecs.CfnService) and construct_key(node) not in self._seen:
            # A service created after the batch (e.g. by another aspect): fix it on its own.
            self._run(node)

    def _run(self, scope: IConstruct) -> None:
        in_scope = scope.node.find_all()
        stage = scope if isinstance(scope, cdk.Stage) else cdk.Stage.of(scope)
        everything = (
            in_scope
            if stage is None or construct_key(stage) == construct_key(scope)
            else stage.node.find_all()
        )
        services = [c for c in in_scope if isinstance(c, ecs.CfnService)]
        for svc in services:
            self._seen[construct_key(svc)] = svc
        if not services:
            return
        enable: set[str] = set()
        if self.enable_exec:
            enable = {construct_key(s) for s in services}
        snap = Snapshot(everything, enable, self.stats)
        started = time.perf_counter()
        try:
            fixer.run(Batch(self, snap, {construct_key(s) for s in services}))
        finally:
            self.stats.fix_seconds += time.perf_counter() - started

"""``ExecEnabledService``: a Fargate or EC2 service with ECS Exec done right, in one call."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Annotations, AspectPriority, Aspects, Duration, Stage, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct, IConstruct, IValidation

from ..analysis.model import EXEC_ENABLED_SERVICE_METADATA
from ..policies.autofix.declarations import declare_exec_containers
from .operator_access import exec_operator_statements

SERVICE_TAG = "ecs-exec-guard:service"
#: aws-cdk-lib's feature flag (cx-api REDUCE_EC2_FARGATE_CLOUDWATCH_PERMISSIONS).
REDUCE_LOGS_PERMISSIONS_FLAG = "@aws-cdk/aws-ecs:reduceEc2FargateCloudWatchPermissions"
FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")


class ExecMode(enum.Enum):
    """What ``ExecEnabledService`` does about exec prerequisites the service misses."""

    #: Change nothing; fail synthesis (naming rule IDs, construct paths and fixes) when the
    #: service violates an error rule, even if the app does not register EcsExecChecks.
    ENFORCE = "ENFORCE"
    #: Repair what can be repaired (EcsExecAutoFix on this construct's subtree).
    FIX = "FIX"


@dataclass(frozen=True)
class ExecLogging:
    """Where exec sessions are logged, and the key that encrypts them.

    The cluster is shared: the construct sets this on a cluster defined in the app that has no
    exec configuration yet, accepts an identical one, and refuses a different one. In FIX mode
    the other exec services of the cluster get the task-role permissions it needs too.
    """

    log_group: logs.ILogGroup | None = None
    bucket: s3.IBucket | None = None
    s3_key_prefix: str | None = None
    kms_key: kms.IKey | None = None


class ExecEnabledService(Construct):
    """A Fargate or EC2 service (chosen from the task definition) with ECS Exec on and working.

    ``mode=ExecMode.FIX`` (default) repairs the task role, network path, egress, root
    filesystem, platform version and init process; ``ExecMode.ENFORCE`` changes nothing and
    fails synthesis on any error finding under this construct.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster: ecs.ICluster,
        task_definition: ecs.TaskDefinition,
        mode: ExecMode = ExecMode.FIX,
        exec_containers: Sequence[str] | None = None,
        exec_logging: ExecLogging | None = None,
        desired_count: int | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        assign_public_ip: bool | None = None,
        platform_version: ecs.FargatePlatformVersion | None = None,
        capacity_provider_strategies: Sequence[ecs.CapacityProviderStrategy] | None = None,
        circuit_breaker: ecs.DeploymentCircuitBreaker | None = None,
        service_name: str | None = None,
        min_healthy_percent: int | None = None,
        max_healthy_percent: int | None = None,
        health_check_grace_period: Duration | None = None,
        enable_ecs_managed_tags: bool | None = None,
        **service_props: Any,
    ) -> None:
        _refuse_contradictions(
            f"{scope.node.path}/{id}", task_definition, platform_version, service_props
        )
        super().__init__(scope, id)
        self.mode = mode
        self.cluster = cluster
        self.task_definition = task_definition
        self.exec_logging = exec_logging
        if exec_containers is not None and not list(exec_containers):
            raise ValueError(
                f"{scope.node.path}/{id}: exec_containers is empty; name the containers to exec "
                "into, or leave it unset for all of them"
            )
        self._exec_containers = list(exec_containers) if exec_containers else None
        #: Whether this construct grants the exec logging / KMS permissions itself: when the
        #: cluster's L2 does not carry the configuration (it is set on the L1 here), CDK cannot
        #: derive them from it.
        self._grants_logging = (
            exec_logging is not None and cluster.execute_command_configuration is None
        )
        if exec_logging is not None and self._grants_logging and (
            exec_logging.log_group or exec_logging.bucket
        ):
            # CDK's service then sees Logging DEFAULT and, without this flag, grants
            # logs:CreateLogStream/DescribeLogStreams/PutLogEvents on '*'. With it, CDK grants
            # no logging permission to this service's task role, and _grant_logging adds the
            # scoped statements a Cluster(execute_command_configuration=...) would get. Set on
            # this construct only (before it has children): nothing else in the app changes.
            self.node.set_context(REDUCE_LOGS_PERMISSIONS_FLAG, True)
        if exec_logging is not None:
            self._configure_cluster_logging(cluster, exec_logging)

        service_props.pop("enable_execute_command", None)  # True, or refused above
        # propagate_task_tags_from is the newer name of propagate_tags; CDK takes one of them.
        propagate_tags = service_props.pop(
            "propagate_task_tags_from",
            service_props.pop("propagate_tags", ecs.PropagatedTagSource.SERVICE),
        )
        #: Whether the tasks carry the service's tags (grant_execute's tag condition needs it).
        self._tags_reach_tasks = propagate_tags == ecs.PropagatedTagSource.SERVICE
        common: dict[str, Any] = {
            "cluster": cluster,
            "task_definition": task_definition,
            "enable_execute_command": True,
            "desired_count": desired_count,
            "vpc_subnets": vpc_subnets,
            "security_groups": list(security_groups) if security_groups else None,
            "capacity_provider_strategies": (
                list(capacity_provider_strategies) if capacity_provider_strategies else None
            ),
            "circuit_breaker": circuit_breaker,
            "service_name": service_name,
            "min_healthy_percent": min_healthy_percent,
            "max_healthy_percent": max_healthy_percent,
            "health_check_grace_period": health_check_grace_period,
            "enable_ecs_managed_tags": enable_ecs_managed_tags,
            # Tasks carry the service's tags, so grant_execute can narrow to this service.
            "propagate_tags": propagate_tags,
            **service_props,
        }
        self.service: ecs.BaseService
        if self._is_fargate(task_definition, capacity_provider_strategies):
            self.service = ecs.FargateService(
                self,
                "Service",
                assign_public_ip=assign_public_ip,
                platform_version=platform_version,
                **common,
            )
        else:
            self.service = ecs.Ec2Service(
                self, "Service", assign_public_ip=assign_public_ip, **common
            )
        # Read by the analyzer: findings on this service's launch speak of this construct.
        cfn_service = self.service.node.default_child
        if isinstance(cfn_service, ecs.CfnService):
            cfn_service.add_metadata(EXEC_ENABLED_SERVICE_METADATA, mode.value)
        # The construct's address: unique per construct path, and a valid tag value (hex).
        self.service_tag_value = self.node.addr
        Tags.of(self.service).add(SERVICE_TAG, self.service_tag_value)
        if exec_logging is not None and self._grants_logging:
            self._grant_logging(exec_logging)

        if self._exec_containers is not None:
            # A misspelt name would declare no container for exec: the checks would then skip
            # every container and the fix flip none. Checked at synthesis, when every container
            # has been added.
            self.node.add_validation(_KnownContainers(task_definition, self._exec_containers))
            # Recorded on the task definition: every fix (this construct's, an app-wide
            # EcsExecAutoFix) and every check respects it; a different declaration fails synth.
            declare_exec_containers(
                task_definition, self._exec_containers, by=f"ExecEnabledService {self.node.path}"
            )
        if mode is ExecMode.FIX:
            from ..policies.autofix import EcsExecAutoFix

            Aspects.of(self).add(EcsExecAutoFix(), priority=AspectPriority.MUTATING)
            if self._grants_logging and isinstance(cluster, ecs.Cluster):
                _fix_neighbours(cluster)
        else:
            from ..policies.pack import enforce_on

            cfn_cluster = cluster.node.default_child if self._grants_logging else None
            enforce_on(self, clusters=[cfn_cluster.node.path] if cfn_cluster else None)

    @property
    def connections(self) -> ec2.Connections:
        return self.service.connections

    @staticmethod
    def _is_fargate(
        task_definition: ecs.TaskDefinition,
        strategies: Sequence[ecs.CapacityProviderStrategy] | None,
    ) -> bool:
        if strategies:
            return all(s.capacity_provider in FARGATE_PROVIDERS for s in strategies)
        if task_definition.is_fargate_compatible and not task_definition.is_ec2_compatible:
            return True
        if task_definition.is_ec2_compatible and not task_definition.is_fargate_compatible:
            return False
        return bool(task_definition.is_fargate_compatible)

    # -- exec session logging -----------------------------------------------------------------
    def _configure_cluster_logging(self, cluster: ecs.ICluster, cfg: ExecLogging) -> None:
        wanted = ecs.ExecuteCommandConfiguration(
            kms_key=cfg.kms_key,
            logging=ecs.ExecuteCommandLogging.OVERRIDE
            if (cfg.log_group or cfg.bucket)
            else ecs.ExecuteCommandLogging.DEFAULT,
            log_configuration=ecs.ExecuteCommandLogConfiguration(
                cloud_watch_log_group=cfg.log_group,
                s3_bucket=cfg.bucket,
                s3_key_prefix=cfg.s3_key_prefix,
            )
            if (cfg.log_group or cfg.bucket)
            else None,
        )
        if not isinstance(cluster, ecs.Cluster):
            Annotations.of(self).add_warning_v2(
                "ecs-exec-guard:ClusterLoggingUnverified",
                "exec_logging is set but the cluster is imported: its ExecuteCommandConfiguration "
                "cannot be set or verified here; configure it where the cluster is defined.",
            )
            return
        current = cluster.execute_command_configuration
        if current is not None:
            if not _same_config(current, wanted):
                raise ValueError(
                    f"{self.node.path}: exec_logging differs from the ExecuteCommandConfiguration "
                    f"of cluster {cluster.node.path}; a cluster has one exec configuration, shared "
                    "by all its services. Configure logging on the cluster instead."
                )
            return
        cfn = cluster.node.default_child
        assert isinstance(cfn, ecs.CfnCluster)
        log_cfg = (
            ecs.CfnCluster.ExecuteCommandLogConfigurationProperty(
                cloud_watch_log_group_name=cfg.log_group.log_group_name
                if cfg.log_group is not None
                else None,
                s3_bucket_name=cfg.bucket.bucket_name if cfg.bucket is not None else None,
                s3_key_prefix=(cfg.s3_key_prefix or None) if cfg.bucket is not None else None,
            )
            if (cfg.log_group or cfg.bucket)
            else None
        )
        exec_cfg = ecs.CfnCluster.ExecuteCommandConfigurationProperty(
            logging="OVERRIDE" if log_cfg is not None else "DEFAULT",
            log_configuration=log_cfg,
            kms_key_id=cfg.kms_key.key_arn if cfg.kms_key is not None else None,
        )
        # Set on the L1 itself (not as a property override): EcsExecAutoFix's snapshot reads
        # the L1's properties (FIX mode then adds the logs / kms endpoints an isolated VPC
        # needs), and a second service on this cluster finds what the first one set.
        existing = cfn.configuration
        if existing is not None and not isinstance(
            existing, ecs.CfnCluster.ClusterConfigurationProperty
        ):
            raise ValueError(
                f"{self.node.path}: the configuration of cluster {cluster.node.path} is a token; "
                "exec_logging cannot be merged into it. Configure logging on the cluster instead."
            )
        if existing is not None and existing.execute_command_configuration is not None:
            if existing.execute_command_configuration != exec_cfg:
                raise ValueError(
                    f"{self.node.path}: exec_logging differs from the ExecuteCommandConfiguration "
                    f"of cluster {cluster.node.path} (set by another ExecEnabledService or on its "
                    "CfnCluster); a cluster has one exec configuration, shared by all its "
                    "services. Give every service on the cluster the same exec_logging, or "
                    "configure logging on the cluster instead."
                )
            return
        cfn.configuration = ecs.CfnCluster.ClusterConfigurationProperty(
            execute_command_configuration=exec_cfg,
            managed_storage_configuration=existing.managed_storage_configuration
            if existing is not None
            else None,
        )
        Annotations.of(cluster).add_info(
            f"ecs-exec-guard: exec session logging configured by {self.node.path}"
        )

    def _grant_logging(self, cfg: ExecLogging) -> None:
        role = self.task_definition.task_role
        if cfg.log_group is not None:
            role.add_to_principal_policy(
                iam.PolicyStatement(actions=["logs:DescribeLogGroups"], resources=["*"])
            )
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=[
                        "logs:CreateLogStream",
                        "logs:DescribeLogStreams",
                        "logs:PutLogEvents",
                    ],
                    resources=[cfg.log_group.log_group_arn],
                )
            )
        if cfg.bucket is not None:
            role.add_to_principal_policy(
                iam.PolicyStatement(actions=["s3:GetBucketLocation"], resources=["*"])
            )
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["s3:PutObject"],
                    resources=[cfg.bucket.arn_for_objects(f"{cfg.s3_key_prefix or ''}*")],
                )
            )
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["s3:GetEncryptionConfiguration"], resources=[cfg.bucket.bucket_arn]
                )
            )
        if cfg.kms_key is not None:
            role.add_to_principal_policy(
                iam.PolicyStatement(actions=["kms:Decrypt"], resources=[cfg.kms_key.key_arn])
            )

    # -- operator access ----------------------------------------------------------------------
    def grant_execute(
        self, grantee: iam.IGrantable, *, container_name: str | None = None
    ) -> iam.Grant:
        """Let ``grantee`` exec into this service's tasks only, and deny raw SSM sessions.

        Grants ``ecs:ExecuteCommand`` on the cluster and its task ARNs (never ``*``), narrowed
        to this service's tasks by the propagated ``ecs-exec-guard:service`` tag and, when
        ``container_name`` is given, by ``ecs:container-name``; ``ecs:DescribeTasks`` on the
        cluster's tasks; ``kms:GenerateDataKey`` on the exec KMS key when there is one; and an
        explicit Deny of ``ssm:StartSession`` on ECS task targets.
        """
        if container_name is not None and self.task_definition.find_container(
            container_name
        ) is None:
            raise ValueError(
                f"{self.node.path}: no container named {container_name!r} in the task definition"
            )
        if not self._tags_reach_tasks:
            raise ValueError(
                f"{self.node.path}: grant_execute narrows ecs:ExecuteCommand to this service's "
                f"tasks by their {SERVICE_TAG} tag, which the tasks carry only with "
                "propagate_tags=PropagatedTagSource.SERVICE (the default); with another "
                "propagate_tags the grant would match no task. Use ExecOperatorPolicy / "
                "exec_operator_statements with conditions of your own instead."
            )
        key = self.exec_logging.kms_key if self.exec_logging else None
        if key is None and isinstance(self.cluster, ecs.Cluster):
            cfg = self.cluster.execute_command_configuration
            key = cfg.kms_key if cfg else None
        statements = exec_operator_statements(
            self,
            cluster_name=self.cluster.cluster_name,
            container_name=container_name,
            task_tags={SERVICE_TAG: self.service_tag_value},
            kms_key_arn=key.key_arn if key is not None else None,
        )
        grant: iam.Grant | None = None
        for st in statements:
            if st.effect == iam.Effect.DENY:
                grantee.grant_principal.add_to_principal_policy(st)
                continue
            g = iam.Grant.add_to_principal(
                grantee=grantee,
                actions=st.actions,
                resource_arns=st.resources,
                conditions=st.conditions or None,
            )
            grant = g if grant is None else grant.combine(g)
        assert grant is not None
        return grant


# Clusters whose neighbour fix is registered (by the construct key of their L1).
_NEIGHBOURS_FIXED: dict[str, IConstruct] = {}


def _fix_neighbours(cluster: ecs.Cluster) -> None:
    """The exec logging / KMS configuration set on ``cluster`` (on its L1, which CDK's services
    do not see) applies to every exec service of the cluster: give each the task-role
    permissions it needs, with a permissions-only EcsExecAutoFix on the cluster's stage limited
    to that cluster. Services of an ExecEnabledService in ENFORCE mode are left alone: their
    own checks fail synthesis (EcsExec-IAM3) naming what they lack."""
    from ..policies.autofix import EcsExecAutoFix
    from ..policies.autofix.common import construct_key

    cfn = cluster.node.default_child
    stage = Stage.of(cluster)
    if cfn is None or stage is None or construct_key(cfn) in _NEIGHBOURS_FIXED:
        return
    _NEIGHBOURS_FIXED[construct_key(cfn)] = cfn
    fix = EcsExecAutoFix(
        endpoints=False,
        egress=False,
        root_filesystem=False,
        platform_version=False,
        init_process=False,
    )
    fix.clusters = frozenset({construct_key(cfn)})
    Aspects.of(stage).add(fix, priority=AspectPriority.MUTATING)


#: Fargate platform versions that cannot run the exec agent on Linux (it needs 1.4.0).
_LINUX_PLATFORMS_WITHOUT_EXEC = {
    ecs.FargatePlatformVersion.VERSION1_0: "1.0.0",
    ecs.FargatePlatformVersion.VERSION1_1: "1.1.0",
    ecs.FargatePlatformVersion.VERSION1_2: "1.2.0",
    ecs.FargatePlatformVersion.VERSION1_3: "1.3.0",
}


def _refuse_contradictions(
    path: str,
    task_definition: ecs.TaskDefinition,
    platform_version: ecs.FargatePlatformVersion | None,
    service_props: dict[str, Any],
) -> None:
    """Refuse the arguments that contradict what ExecEnabledService is for, in both modes.

    FIX would otherwise silently undo an explicit choice, and ENFORCE accept a service that
    cannot be exec'd into.
    """
    enable = service_props.get("enable_execute_command")
    if enable is not None and enable is not True:
        raise ValueError(
            f"{path}: ExecEnabledService always turns ECS Exec on; enable_execute_command="
            f"{enable!r} contradicts it. Leave enable_execute_command out, or use "
            "ecs.FargateService / ecs.Ec2Service for a service without exec."
        )
    version = _LINUX_PLATFORMS_WITHOUT_EXEC.get(platform_version) if platform_version else None
    if version is not None and not _is_windows(task_definition):
        raise ValueError(
            f"{path}: platform_version {version} cannot run ECS Exec on Linux (Fargate platform "
            "1.4.0 or later is needed). Use FargatePlatformVersion.LATEST or VERSION1_4, or "
            "leave platform_version out."
        )


def _is_windows(task_definition: ecs.TaskDefinition) -> bool:
    cfn = task_definition.node.default_child
    platform = cfn.runtime_platform if isinstance(cfn, ecs.CfnTaskDefinition) else None
    family = getattr(platform, "operating_system_family", None)
    return isinstance(family, str) and family.upper().startswith("WINDOWS")


@jsii.implements(IValidation)
class _KnownContainers:
    """Fails synthesis when ``exec_containers`` names a container the task definition lacks."""

    def __init__(self, task_definition: ecs.TaskDefinition, names: Sequence[str]) -> None:
        self._task_definition = task_definition
        self._names = list(names)

    def validate(self) -> list[str]:
        td = self._task_definition
        unknown = [n for n in self._names if td.find_container(n) is None]
        if not unknown:
            return []
        return [
            f"exec_containers names {', '.join(repr(n) for n in unknown)}, but task definition "
            f"{td.node.path} has no such container"
        ]


def _same_config(a: ecs.ExecuteCommandConfiguration, b: ecs.ExecuteCommandConfiguration) -> bool:
    def key(c: ecs.ExecuteCommandConfiguration) -> tuple[Any, ...]:
        lc = c.log_configuration
        return (
            c.kms_key,
            c.logging,
            lc.cloud_watch_log_group if lc else None,
            lc.s3_bucket if lc else None,
            lc.s3_key_prefix if lc else None,
        )

    return key(a) == key(b)

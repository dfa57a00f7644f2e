"""A generated CDK app for the benchmark: N exec-enabled Fargate services over stacks and VPCs.

Run as ``python bench/bench_app.py --services N --mode MODE --outdir DIR``; MODE is one of
``baseline``, ``checks`` (EcsExecChecks), ``fix`` (``EcsExecAutoFix.apply_to(app)`` +
EcsExecChecks), ``fix-aspect`` (``Aspects.of(app).add(EcsExecAutoFix(), ...)`` +
EcsExecChecks: one Python callback per construct), ``nag`` (cdk-nag's AwsSolutionsChecks, the
peer pack, for reference), ``prefixed`` (the app written the way the auto-fix leaves it, +
EcsExecChecks: what the app costs when it is right from the start, the reference for ``fix``)
or ``noop-aspect`` (an Aspect that does nothing: what any Aspect added to the app costs).
Prints ``BENCH {json}`` with the in-process seconds of the pack and the fix.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SERVICES_PER_STACK = 40
SERVICES_PER_VPC = 100


def build(
    services: int, mode: str, outdir: str, clean: bool = False, distinct: bool = False
) -> None:
    """``clean``: an app with no finding (NAT route, writable root, init process).
    ``distinct``: each network stack's VPC and cluster get their own construct IDs (``Vpc0``,
    ``Cluster0``, ...), so no two stacks share a logical ID and no cross-stack reference is
    ambiguous before CDK prepares the app. Mode
    ``prefixed``: the app as EcsExecAutoFix leaves it (an ssmmessages endpoint per VPC whose
    security group admits each service's group, writable roots, init process), written by hand."""
    import aws_cdk as cdk
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_ecs as ecs

    app = cdk.App(
        outdir=outdir,
        # The benchmark measures cost, not verdicts: findings must not stop the synth.
        context={"@aws-cdk/core:failSynthOnValidationErrors": False},
    )
    prefixed = mode == "prefixed"
    clusters: list[ecs.Cluster] = []
    endpoint_groups: list[ec2.SecurityGroup] = []
    for v in range((services + SERVICES_PER_VPC - 1) // SERVICES_PER_VPC):
        net = cdk.Stack(app, f"Network{v}")
        suffix = str(v) if distinct else ""
        vpc = (
            ec2.Vpc(net, f"Vpc{suffix}", max_azs=2, nat_gateways=1)
            if clean
            else ec2.Vpc(
                net,
                f"Vpc{suffix}",
                max_azs=2,
                nat_gateways=0,
                subnet_configuration=[
                    ec2.SubnetConfiguration(
                        name="app", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED
                    )
                ],
            )
        )
        clusters.append(ecs.Cluster(net, f"Cluster{suffix}", vpc=vpc))
        if prefixed:  # what EcsExecAutoFix adds to the VPC (same IDs, same properties)
            group = ec2.SecurityGroup(
                vpc,
                "EcsExecEndpointSecurityGroup",
                vpc=vpc,
                description="HTTPS from ECS Exec tasks to interface endpoints (ecs-exec-guard)",
            )
            vpc.add_interface_endpoint(
                "EcsExecSsmMessagesEndpoint",
                service=ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
                private_dns_enabled=True,
                open=False,
                security_groups=[group],
            )
            endpoint_groups.append(group)
    stack = None
    for i in range(services):
        if i % SERVICES_PER_STACK == 0:
            stack = cdk.Stack(app, f"Services{i // SERVICES_PER_STACK}")
        assert stack is not None
        td = ecs.FargateTaskDefinition(stack, f"Task{i}")
        td.add_container(
            "app",
            image=ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/nginx:latest"),
            readonly_root_filesystem=(i % 2 == 0) and not (clean or prefixed),
            linux_parameters=ecs.LinuxParameters(stack, f"Linux{i}", init_process_enabled=True)
            if clean or prefixed
            else None,
        )
        service = ecs.FargateService(
            stack,
            f"Service{i}",
            cluster=clusters[i // SERVICES_PER_VPC],
            task_definition=td,
            enable_execute_command=True,
        )
        if prefixed:
            task_group = service.connections.security_groups[0]
            ec2.CfnSecurityGroupIngress(
                task_group,
                "EcsExecEndpointIngress",
                group_id=endpoint_groups[i // SERVICES_PER_VPC].security_group_id,
                source_security_group_id=task_group.security_group_id,
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                description="HTTPS from ECS Exec tasks (ecs-exec-guard)",
            )
    pack = fix = None
    if mode in ("checks", "fix", "fix-aspect", "prefixed"):
        from ecs_exec_guard import EcsExecChecks

        pack = EcsExecChecks(app)
        cdk.Validations.of(app).add_plugins(pack)
    if mode == "fix":
        from ecs_exec_guard import EcsExecAutoFix

        fix = EcsExecAutoFix.apply_to(app)
    if mode == "fix-aspect":
        from ecs_exec_guard import EcsExecAutoFix

        fix = EcsExecAutoFix()
        cdk.Aspects.of(app).add(fix, priority=cdk.AspectPriority.MUTATING)
    if mode == "noop-aspect":
        cdk.Aspects.of(app).add(_NoOp(), priority=cdk.AspectPriority.MUTATING)
    if mode == "nag":
        from cdk_nag import AwsSolutionsChecks

        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()
    stats: dict[str, float] = {}
    if pack is not None:
        stats["pack_seconds"] = pack.last_seconds
    if fix is not None:
        stats.update(
            visits=fix.stats.visits,
            own_seconds=fix.stats.own_seconds,
            snapshot_seconds=fix.stats.snapshot_seconds,
            fix_seconds=fix.stats.fix_seconds,
            resources_resolved=fix.stats.resources_resolved,
        )
    print("BENCH " + json.dumps(stats))


def _noop_class() -> type:
    import aws_cdk as cdk
    import jsii

    @jsii.implements(cdk.IAspect)
    class NoOp:
        """An aspect that does nothing: the floor any Aspect pays (one callback per construct)."""

        def visit(self, node: object) -> None:
            return None

    return NoOp


def _NoOp() -> object:  # reads like the class it builds
    return _noop_class()()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, required=True)
    parser.add_argument(
        "--mode",
        choices=("baseline", "checks", "fix", "fix-aspect", "prefixed", "nag", "noop-aspect"),
        required=True,
    )
    parser.add_argument("--outdir", required=True)
    parser.add_argument("--clean", action="store_true", help="an app with no finding")
    parser.add_argument(
        "--distinct", action="store_true", help="no logical ID shared by two network stacks"
    )
    args = parser.parse_args()
    build(args.services, args.mode, args.outdir, args.clean, args.distinct)

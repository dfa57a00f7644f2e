"""What a launch runs on, when it says so only through capacity providers.

A strategy may name a capacity provider by reference or by its ``Name``; a launch without a
launch type or strategy takes its cluster's default strategy, from the cluster's own
``DefaultCapacityProviderStrategy`` or an ``AWS::ECS::ClusterCapacityProviderAssociations``.
"""

from __future__ import annotations

import pytest
from cfn import clean, ec2_app, exactly, exec_app, ref

from ecs_exec_guard.analysis import Severity

GOLDEN_AMI = "ami-0123456789abcdef0"  # not shown to be ECS-optimized: PLT2 warns


def ec2_by_provider(name_in_strategy: str) -> list[tuple[str, Severity, str]]:
    """EC2 hosts with a non-ECS AMI, reached only through a capacity provider named
    ``my-hosts``; the service names ``name_in_strategy``."""
    app = ec2_app(image_id=GOLDEN_AMI)
    # The instances join through the provider only: their user data names no cluster.
    app.props("AsgLaunchTemplate")["LaunchTemplateData"]["UserData"] = {"Fn::Base64": "#!/bin/bash"}
    app.add("Provider", "AWS::ECS::CapacityProvider", Name="my-hosts",
            AutoScalingGroupProvider={"AutoScalingGroupArn": ref("Asg")})
    svc = app.props("Service")
    del svc["LaunchType"]
    svc["CapacityProviderStrategy"] = [{"CapacityProvider": name_in_strategy, "Weight": 1}]
    return [(f.rule_id, f.severity, f.logical_id) for f in app.analyze().findings]


def test_a_capacity_provider_named_in_the_strategy_leads_to_its_hosts() -> None:
    assert ec2_by_provider("my-hosts") == [("EcsExec-PLT2", Severity.WARNING,
                                            "AsgLaunchTemplate")]


def test_a_capacity_provider_name_not_in_the_input_cannot_be_verified() -> None:
    assert ec2_by_provider("their-hosts") == [("EcsExec-PLT2", Severity.WARNING, "Service")]


@pytest.mark.parametrize("empty", [False, True], ids=["no strategy", "empty strategy"])
@pytest.mark.parametrize("where", ["cluster", "association"])
def test_the_cluster_default_strategy_decides_fargate(where: str, empty: bool) -> None:
    """Without a strategy, or with an empty one (which ECS reads as none)."""
    app = exec_app()
    svc = app.props("Service")
    del svc["LaunchType"]
    svc["PlatformVersion"] = "1.3.0"
    if empty:
        svc["CapacityProviderStrategy"] = []
    strategy = [{"CapacityProvider": "FARGATE", "Weight": 1}]
    if where == "cluster":
        app.props("Cluster")["CapacityProviders"] = ["FARGATE"]
        app.props("Cluster")["DefaultCapacityProviderStrategy"] = strategy
    else:
        app.cluster("OtherCluster")
        app.add("OtherProviders", "AWS::ECS::ClusterCapacityProviderAssociations",
                Cluster=ref("OtherCluster"), CapacityProviders=["FARGATE_SPOT"],
                DefaultCapacityProviderStrategy=[{"CapacityProvider": "FARGATE_SPOT"}])
        app.add("ClusterProviders", "AWS::ECS::ClusterCapacityProviderAssociations",
                Cluster=ref("Cluster"), CapacityProviders=["FARGATE"],
                DefaultCapacityProviderStrategy=strategy)
    (f,) = exactly(app.analyze(), ("EcsExec-PLT1", Severity.ERROR, "Service"))
    assert f.message == ("Service (service): Fargate platform version 1.3.0 is below 1.4.0, the "
                         "first with exec on Linux (1.3.0 was retired in March 2026).")


def test_an_empty_cluster_default_strategy_means_ec2() -> None:
    """No launch type, an empty default strategy: EC2, where the platform version is moot."""
    app = ec2_app()
    del app.props("Service")["LaunchType"]
    app.props("Service")["PlatformVersion"] = "1.3.0"
    app.props("Cluster")["DefaultCapacityProviderStrategy"] = []
    clean(app.analyze())

"""Facts derived from a launch (launches.py): its capacity, task definition, cluster, network
mode and platform, pinned exactly (the kind, the providers and the reason of a capacity).

Property names: the cfn-lint schemas of AWS::ECS::Service, AWS::ECS::Cluster,
AWS::ECS::CapacityProvider, AWS::ECS::ClusterCapacityProviderAssociations and
AWS::ECS::TaskDefinition / DaemonTaskDefinition.
"""

from __future__ import annotations

from typing import Any

from cfn import Template, import_value, ref, sub
from launch_summary import launches_in, model_of

from ecs_exec_guard.analysis.intrinsics import GetAtt, Ref, Unknown
from ecs_exec_guard.analysis.launch import Capacity, Launch
from ecs_exec_guard.analysis.launches import (
    capacity,
    cluster,
    find_launches,
    find_task_definition,
    is_windows,
    network_mode,
    referenced,
    references,
    requires_managed_instances,
    task_definition,
)
from ecs_exec_guard.analysis.model import Model, Resource

NAME = "App.template.json"
PROVIDER_ARN = "arn:aws:ecs:us-east-1:111122223333:capacity-provider/"


def hosts() -> Template:
    """An EC2 provider (``ec2-hosts``), a Managed Instances one (``mi-hosts``), a cluster."""
    t = Template()
    t.add("Cluster", "AWS::ECS::Cluster")
    t.add("Ec2", "AWS::ECS::CapacityProvider", Name="ec2-hosts",
          AutoScalingGroupProvider={"AutoScalingGroupArn": "arn:asg"})
    t.add("Mi", "AWS::ECS::CapacityProvider", Name="mi-hosts",
          ManagedInstancesProvider={"InfrastructureRoleArn": "arn:role"})
    return t


def service(t: Template, logical_id: str = "Service", **props: Any) -> None:
    t.add(logical_id, "AWS::ECS::Service", EnableExecuteCommand=True, **props)


def facts(t: Template, td: str | None = None) -> list[tuple[str, Capacity]]:
    """(launch resource, its capacity) for every launch, ``td`` given as the task definition."""
    model = model_of(t)
    task = res(model, td) if td else None
    return [(lc.resource.logical_id, capacity(model, lc, task)) for lc in find_launches(model)]


def res(model: Model, logical_id: str) -> Resource:
    return model.templates[NAME].resources[logical_id]


def by_strategy(*names: Any, td: str | None = None, daemon: bool = False) -> Capacity:
    t = hosts()
    strategy = [{"CapacityProvider": n, "Weight": 1} for n in names]
    if daemon:
        t.add("Daemon", "AWS::ECS::Daemon", CapacityProviderArns=list(names))
    else:
        service(t, CapacityProviderStrategy=strategy)
    if td:
        t.add("TaskDef", "AWS::ECS::TaskDefinition", RequiresCompatibilities=[td])
    [(_, cap)] = facts(t, "TaskDef" if td else None)
    return cap


# -- capacity -------------------------------------------------------------------------------


def test_capacity_from_the_launch_type() -> None:
    t = hosts()
    t.parameters["Type"] = {"Type": "String"}
    service(t, "Lower", LaunchType="fargate", CapacityProviderStrategy=[])
    service(t, "Imported", LaunchType=import_value("lt"))
    service(t, "Parameter", LaunchType=ref("Type"))
    service(t, "Listed", LaunchType=["EC2"])
    service(t, "Nothing")
    assert facts(t) == [
        ("Lower", Capacity("FARGATE")),
        ("Imported", Capacity("UNKNOWN", reason="launch type is Fn::ImportValue lt: no "
                              "template of the input exports it")),
        ("Parameter", Capacity("UNKNOWN",
                               reason="launch type is parameter Type (set at deploy time)")),
        ("Listed", Capacity("UNKNOWN", reason='launch type is ["EC2"]')),
        ("Nothing", Capacity("EC2")),
    ]


def test_capacity_from_the_strategy() -> None:
    model = model_of(hosts())
    ec2, mi = res(model, "Ec2"), res(model, "Mi")
    assert by_strategy("FARGATE_SPOT", "fargate") == Capacity("FARGATE")
    assert by_strategy(ref("Ec2")) == Capacity("EC2", providers=[ec2])
    assert by_strategy("ec2-hosts", PROVIDER_ARN + "ec2-hosts") == Capacity(
        "EC2", providers=[ec2, ec2])
    assert by_strategy(ref("Mi")) == Capacity("MANAGED_INSTANCES", providers=[mi])
    assert by_strategy(sub(PROVIDER_ARN + "${Mi}")) == Capacity(
        "MANAGED_INSTANCES", providers=[mi])
    assert by_strategy(ref("Ec2"), "mi-hosts") == Capacity(
        "UNKNOWN", reason="the strategy mixes EC2 and Managed Instances capacity")
    assert by_strategy("FARGATE", "ec2-hosts") == Capacity(
        "UNKNOWN", reason="the strategy mixes Fargate and EC2 capacity")
    assert by_strategy("FARGATE", ref("Mi")) == Capacity(
        "UNKNOWN", reason="the strategy mixes Fargate and Managed Instances capacity")
    # A reference to a resource that is no capacity provider names none of the input.
    assert by_strategy(ref("Cluster")) == Capacity(
        "EC2", reason="capacity provider Cluster is not in the input")
    # A provider outside the input may be of any kind: the reasons say which one it is.
    assert by_strategy("FARGATE", "theirs") == Capacity("UNKNOWN", reason=(
        'the strategy mixes Fargate with capacity provider "theirs", which is not in the input'))
    assert by_strategy("FARGATE", "theirs", "other") == Capacity("UNKNOWN", reason=(
        'the strategy mixes Fargate with capacity providers "theirs", "other", which are not in '
        "the input"))
    assert by_strategy(ref("Ec2"), "theirs") == Capacity(
        "UNKNOWN", reason='capacity provider "theirs" is not in the input')


def test_a_capacity_provider_of_another_kind_in_another_template() -> None:
    shared = Template("Shared")
    shared.add("Topic", "AWS::SNS::Topic")
    shared.export("SharedTopic", ref("Topic"))
    t = hosts()
    service(t, CapacityProviderStrategy=[{"CapacityProvider": import_value("SharedTopic")}])
    model = model_of(t, shared)
    (launch,) = find_launches(model)
    assert capacity(model, launch) == Capacity(
        "EC2", reason="capacity provider Topic in Shared.template.json is not in the input")


def test_capacity_providers_not_in_the_input() -> None:
    """EC2, unless the launch is a daemon or its task definition needs Managed Instances."""
    missing = 'capacity providers "theirs", "other" are not in the input'
    assert by_strategy("theirs", "other") == Capacity("EC2", reason=missing)
    assert by_strategy("theirs", "other", td="MANAGED_INSTANCES") == Capacity(
        "MANAGED_INSTANCES", reason=missing)
    assert by_strategy("theirs", "other", td="EC2") == Capacity("EC2", reason=missing)
    assert by_strategy("theirs", "other", daemon=True) == Capacity(
        "MANAGED_INSTANCES", reason=missing)


def test_provider_arns_are_read_by_their_last_part() -> None:
    """Only the part after the last "/" is the name; a token in the ARN must be a provider."""
    model = model_of(hosts())
    assert by_strategy("arn:aws:ecs:x/y:capacity-provider/ec2-hosts") == Capacity(
        "EC2", providers=[res(model, "Ec2")])
    # A token for a resource that is no capacity provider: the ARN names no provider.
    cap = by_strategy(sub(PROVIDER_ARN + "${Cluster}"))
    assert cap == Capacity("EC2", reason=(
        f'capacity provider "{PROVIDER_ARN}Cluster" is not in the input'))


def test_capacity_strategies_that_cannot_be_read() -> None:
    t = hosts()
    service(t, "Imported", CapacityProviderStrategy=import_value("s"))
    service(t, "Object", CapacityProviderStrategy={"CapacityProvider": "FARGATE"})
    why = "capacity provider strategy cannot be resolved"
    assert facts(t) == [("Imported", Capacity("UNKNOWN", reason=why)),
                        ("Object", Capacity("UNKNOWN", reason=why))]


def test_cluster_default_strategies() -> None:
    """Without a launch type or strategy, the cluster's default: the first non-empty one an
    association sets, else the cluster's own; each cluster its own."""
    t = hosts()
    t.add("Fargate", "AWS::ECS::Cluster",
          DefaultCapacityProviderStrategy=[{"CapacityProvider": "FARGATE"}])
    t.add("Associated", "AWS::ECS::Cluster",
          DefaultCapacityProviderStrategy=[{"CapacityProvider": "FARGATE"}])
    t.add("Empty", "AWS::ECS::Cluster", DefaultCapacityProviderStrategy=[])
    assoc = "AWS::ECS::ClusterCapacityProviderAssociations"
    t.add("A0", assoc, Cluster=ref("Associated"), DefaultCapacityProviderStrategy=[])
    t.add("A1", assoc, Cluster=ref("Associated"),
          DefaultCapacityProviderStrategy=[{"CapacityProvider": ref("Mi")}])
    t.add("A2", assoc, Cluster=ref("Associated"),
          DefaultCapacityProviderStrategy=[{"CapacityProvider": ref("Ec2")}])
    t.add("A3", assoc, Cluster=ref("Missing"),
          DefaultCapacityProviderStrategy=[{"CapacityProvider": "FARGATE"}])
    t.add("A4", assoc, Cluster=ref("Ec2"),
          DefaultCapacityProviderStrategy=[{"CapacityProvider": "FARGATE"}])
    for name in ("Fargate", "Associated", "Empty", "Cluster"):
        service(t, f"On{name}", Cluster=ref(name))
    service(t, "ByArn", Cluster=sub("arn:aws:ecs:us-east-1:111122223333:cluster/${Fargate}"))
    service(t, "Elsewhere", Cluster="arn:aws:ecs:us-east-1:111122223333:cluster/other")
    model = model_of(t)
    assert facts(t) == [
        ("OnFargate", Capacity("FARGATE")),
        ("OnAssociated", Capacity("MANAGED_INSTANCES", providers=[res(model, "Mi")])),
        ("OnEmpty", Capacity("EC2")),
        ("OnCluster", Capacity("EC2")),
        ("ByArn", Capacity("FARGATE")),
        ("Elsewhere", Capacity("EC2")),
    ]


def test_an_empty_strategy_is_no_strategy() -> None:
    """An empty CapacityProviderStrategy names no capacity provider: ECS uses the cluster's
    default strategy, else the EC2 launch type, as with none (the CreateService and RunTask
    references; the AWS::ECS::Service schema: an empty list removes the property). It used to
    read as "the strategy mixes Fargate and EC2 capacity"."""
    t = hosts()
    t.add("Fargate", "AWS::ECS::Cluster",
          DefaultCapacityProviderStrategy=[{"CapacityProvider": "FARGATE"}])
    for on in ("Fargate", "Cluster"):
        service(t, f"EmptyOn{on}", Cluster=ref(on), CapacityProviderStrategy=[])
        service(t, f"MissingOn{on}", Cluster=ref(on))
        service(t, f"OneOn{on}", Cluster=ref(on),
                CapacityProviderStrategy=[{"CapacityProvider": ref("Ec2")}])
    service(t, "EmptyElsewhere", Cluster="arn:aws:ecs:us-east-1:111122223333:cluster/other",
            CapacityProviderStrategy=[])
    service(t, "EmptyWithLaunchType", Cluster=ref("Fargate"), LaunchType="EXTERNAL",
            CapacityProviderStrategy=[])
    t.add("Daemon", "AWS::ECS::Daemon", CapacityProviderArns=[])
    ec2 = res(model_of(t), "Ec2")
    assert facts(t) == [
        ("EmptyOnFargate", Capacity("FARGATE")),
        ("MissingOnFargate", Capacity("FARGATE")),
        ("OneOnFargate", Capacity("EC2", providers=[ec2])),
        ("EmptyOnCluster", Capacity("EC2")),
        ("MissingOnCluster", Capacity("EC2")),
        ("OneOnCluster", Capacity("EC2", providers=[ec2])),
        ("EmptyElsewhere", Capacity("EC2")),
        ("EmptyWithLaunchType", Capacity("EXTERNAL")),
        # A daemon runs on the providers it lists (at least one, says its schema).
        ("Daemon", Capacity("UNKNOWN", reason="the daemon names no capacity provider "
                            "(CapacityProviderArns is empty; it needs at least one)")),
    ]


# -- cluster, task definition facts ---------------------------------------------------------


def test_cluster_of_a_launch() -> None:
    t = hosts()
    t.add("Other", "AWS::ECS::Cluster")
    service(t, "ByRef", Cluster=ref("Cluster"))
    service(t, "ByArn", Cluster=sub("arn:${AWS::Partition}:ecs:r:a:cluster/${Ec2}/${Other}"))
    service(t, "NotACluster", Cluster=ref("Ec2"))
    service(t, "Name", Cluster="default")
    model = model_of(t)
    found = {lc.resource.logical_id: cluster(model, lc) for lc in find_launches(model)}
    assert found == {"ByRef": res(model, "Cluster"), "ByArn": res(model, "Other"),
                     "NotACluster": None, "Name": None}


def test_network_mode_and_platform_of_a_task_definition() -> None:
    t = Template()
    t.add("Daemon", "AWS::ECS::DaemonTaskDefinition", NetworkMode="awsvpc")
    t.add("Upper", "AWS::ECS::TaskDefinition", NetworkMode="AWSVPC",
          RuntimePlatform={"OperatingSystemFamily": "windows_server_2022_core"})
    t.add("Unset", "AWS::ECS::TaskDefinition",
          RuntimePlatform={"operatingSystemFamily": "LINUX"})
    t.add("Imported", "AWS::ECS::TaskDefinition", NetworkMode=import_value("m"),
          RuntimePlatform={"OperatingSystemFamily": ["WINDOWS"]})
    model = model_of(t)
    daemon, upper, unset, imported = (res(model, n) for n in ("Daemon", "Upper", "Unset",
                                                              "Imported"))
    mi = Capacity("MANAGED_INSTANCES")
    assert [network_mode(td, Capacity("EC2")) for td in (daemon, upper, unset, imported)] == [
        "daemon_bridge", "awsvpc", "bridge",
        Unknown("Fn::ImportValue m: no template of the input exports it")]
    assert network_mode(unset, Capacity("FARGATE")) == "awsvpc"
    assert network_mode(unset, mi) == Unknown(
        "the task definition sets no NetworkMode (Managed Instances need awsvpc or host)")
    assert network_mode(None, mi) == Unknown("the task definition is not in the input")
    assert [is_windows(td) for td in (None, daemon, upper, unset, imported)] == [
        False, False, True, False, False]


def test_requires_managed_instances() -> None:
    t = Template()
    t.add("Daemon", "AWS::ECS::DaemonTaskDefinition")
    t.add("Only", "AWS::ECS::TaskDefinition", RequiresCompatibilities=["managed_instances"])
    t.add("Both", "AWS::ECS::TaskDefinition",
          RequiresCompatibilities=["MANAGED_INSTANCES", "EC2"])
    t.add("Text", "AWS::ECS::TaskDefinition", RequiresCompatibilities="MANAGED_INSTANCES")
    t.add("Odd", "AWS::ECS::TaskDefinition", RequiresCompatibilities=[1, "MANAGED_INSTANCES"])
    t.add("None", "AWS::ECS::TaskDefinition")
    model = model_of(t)
    assert [requires_managed_instances(res(model, n)) for n in (
        "Daemon", "Only", "Both", "Text", "Odd", "None")] == [
        True, True, False, False, True, False]
    assert requires_managed_instances(None) is False


# -- references -----------------------------------------------------------------------------


def test_references() -> None:
    t = Template()
    t.add("Role", "AWS::IAM::Role")
    t2 = Template("Other")
    t2.add("Role", "AWS::IAM::Role")
    model = Model([(x.name, x.body(), None) for x in (t, t2)])
    role = res(model, "Role")
    here, there = Ref(NAME, "Role"), Ref("Other.template.json", "Role")
    assert references(here, role) and references(GetAtt(NAME, "Role", "Arn"), role)
    assert not references(there, role)
    assert not references(Ref(NAME, "Other"), role)
    assert references(f"arn:{here.token()}/x", role)
    assert not references(f"arn:{there.token()}", role)
    assert not references("arn:aws:iam::1:role/Role", role)
    assert references(["a", {"b": [here]}], role)
    assert not references(["a", {"b": [there, "c"]}], role)
    assert references({"k": here}, role) and not references({"k": "v", "j": there}, role)
    assert not references(None, role) and not references(3, role)


def test_find_task_definition_by_reference() -> None:
    """A reference must be to a task definition (of either kind); in a string, the first token
    that is one counts; a string with tokens but none to a task definition names none."""
    t = Template()
    t.add("Cluster", "AWS::ECS::Cluster")
    t.add("TaskDef", "AWS::ECS::TaskDefinition", Family="fam")
    t.add("DaemonTaskDef", "AWS::ECS::DaemonTaskDefinition")
    model = model_of(t)
    tpl = model.templates[NAME]
    td, daemon_td = res(model, "TaskDef"), res(model, "DaemonTaskDef")
    cluster_ref, td_ref = Ref(NAME, "Cluster"), Ref(NAME, "TaskDef")
    assert find_task_definition(model, tpl, td_ref) == td
    assert find_task_definition(model, tpl, GetAtt(NAME, "DaemonTaskDef", "Arn")) == daemon_td
    assert find_task_definition(model, tpl, cluster_ref) is None
    assert find_task_definition(model, tpl, f"arn:{cluster_ref.token()}/{td_ref.token()}") == td
    assert find_task_definition(model, tpl, f"arn:x/{cluster_ref.token()}") is None
    assert find_task_definition(model, tpl, f"{{{{ref|{NAME}|Cluster}}}}fam") is None
    assert find_task_definition(model, tpl, "fam") == td


def test_task_definition_family_is_looked_up_in_the_launch_template_first() -> None:
    """Two templates define family "fam": each launch takes its own template's."""
    first, second = Template("First"), Template("Second")
    for t in (first, second):
        t.add("TaskDef", "AWS::ECS::TaskDefinition", Family="fam")
        service(t, TaskDefinition="fam")
    model = model_of(first, second)
    found = [task_definition(model, lc) for lc in find_launches(model)]
    assert [(td.template.name, td.logical_id) for td in found if td is not None] == [
        ("First.template.json", "TaskDef"), ("Second.template.json", "TaskDef")]


def test_a_network_configuration_without_awsvpc() -> None:
    t = Template()
    service(t, NetworkConfiguration={})
    service(t, "Other", NetworkConfiguration={"Other": {}})
    assert [lc.awsvpc for lc in launches_in(t)] == [None, None]


def test_referenced_lists_every_reference_in_order() -> None:
    role, topic = Ref(NAME, "Role"), GetAtt(NAME, "Topic", "Arn")
    value = {"a": [role, f"x{topic.token()}y{role.token()}"], "b": {"c": [[topic]], "d": 3},
             "e": Unknown("why"), "f": "{{par|App.template.json|P}}"}
    assert referenced(value) == [role, topic, role, topic]
    assert referenced(role) == [role] and referenced("plain") == [] and referenced(None) == []


def test_launch_of_a_batch_job_is_its_embedded_task() -> None:
    t = Template()
    t.add("Job", "AWS::Batch::JobDefinition",
          EcsProperties={"TaskProperties": [{"EnableExecuteCommand": True}]})
    t.add("TaskDef", "AWS::ECS::TaskDefinition", Family="fam")
    service(t, TaskDefinition="fam")
    model = model_of(t)
    svc, job = find_launches(model)
    assert isinstance(job, Launch) and task_definition(model, job) is job.embedded_task
    assert task_definition(model, svc) == res(model, "TaskDef")

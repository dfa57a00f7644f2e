"""Where tasks are launched: services, daemons, EventBridge rule, Scheduler and Pipes targets,
Step Functions states and Batch job definitions.

A :class:`Launch` gathers, for one launch site, the facts every rule needs: whether exec is
requested, the task definition, the cluster, the launch type / capacity, the platform version
and the awsvpc network configuration. Values stay as resolved (possibly Unknown).
"""

from __future__ import annotations

import json
import re
from typing import Any

from .batch_jobs import batch_launch
from .intrinsics import (
    GetAtt,
    Ref,
    Unknown,
    describe,
    has_token,
    is_unknown,
    parse_token,
    tokens_in,
    unknown_reason,
)
from .launch import DAEMON_NETWORK_MODE as DAEMON_NETWORK_MODE
from .launch import FARGATE_PROVIDERS, TASK_DEFINITION_TYPES
from .launch import MANAGED_INSTANCES as MANAGED_INSTANCES
from .launch import Capacity as Capacity
from .launch import Launch as Launch
from .model import Model, Resource, Template, as_list, get_ci, truthy

_MAX_DEPTH = 64
# CDK writes the partition as ``${AWS::Partition}`` (a Ref in an Fn::Join), colons included.
_RUN_TASK = re.compile(
    r"^arn:(?:\$\{AWS::Partition\}|[^:]*):states:::ecs:runTask(\.sync|\.waitForTaskToken)?$"
)
TASK_DEFINITION = "AWS::ECS::TaskDefinition"
# A task definition family: up to 255 letters, digits, hyphens and underscores; RunTask also
# takes ``family:revision`` and the ARN ``arn:<partition>:ecs:<region>:<account>:task-definition/
# family:revision`` (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html).
_FAMILY = re.compile(r"([A-Za-z0-9_-]{1,255})(?::\d+)?")
_FAMILY_IN_ARN = re.compile(r"^arn:.*:task-definition/([A-Za-z0-9_-]{1,255})(?::\d+)?$")


def find_launches(model: Model) -> list[Launch]:
    launches: list[Launch] = []
    for svc in model.resources("AWS::ECS::Service"):
        p = svc.props
        net = _awsvpc(p.get("NetworkConfiguration"))
        launches.append(
            Launch(
                kind="service",
                resource=svc,
                where="service",
                exec_enabled=truthy(p.get("EnableExecuteCommand")),
                task_definition=p.get("TaskDefinition"),
                cluster=p.get("Cluster"),
                launch_type=p.get("LaunchType"),
                capacity_provider_strategy=p.get("CapacityProviderStrategy"),
                platform_version=p.get("PlatformVersion"),
                awsvpc=net,
            )
        )
    for daemon in model.resources("AWS::ECS::Daemon"):
        launches.append(_daemon_launch(daemon))
    for rule in model.resources("AWS::Events::Rule"):
        targets = rule.props.get("Targets")
        if is_unknown(targets):
            launches.extend(_unreadable_target("events-rule", rule, "rule targets", targets))
            continue
        for i, target in enumerate(as_list(targets)):
            tid = get_ci(target, "Id")
            where = f"rule target {tid if isinstance(tid, str) else i}"
            params = target if is_unknown(target) else get_ci(target, "EcsParameters")
            if is_unknown(params):
                launches.extend(_unreadable_target("events-rule", rule, where, params))
                continue
            if not isinstance(params, dict):
                continue
            launch = _from_ecs_parameters("events-rule", rule, where, params,
                                          get_ci(target, "Arn"))
            launch.task_role_override = _input_task_role(get_ci(target, "Input"), rule)
            launches.append(launch)
    for sched in model.resources("AWS::Scheduler::Schedule"):
        target = sched.props.get("Target")
        params = target if is_unknown(target) else get_ci(target, "EcsParameters")
        if is_unknown(params):
            launches.extend(_unreadable_target("schedule", sched, "schedule target", params))
        elif isinstance(params, dict):
            launch = _from_ecs_parameters(
                "schedule", sched, "schedule target", params, get_ci(target, "Arn")
            )
            launch.task_role_override = _input_task_role(get_ci(target, "Input"), sched)
            launches.append(launch)
    for pipe in model.resources("AWS::Pipes::Pipe"):
        params = get_ci(pipe.props.get("TargetParameters"), "EcsTaskParameters")
        if isinstance(params, dict):
            params = _run_time_paths(params)
            launch = _from_ecs_parameters(
                "pipe", pipe, "pipe target", params, pipe.props.get("Target")
            )
            launch.task_role_override = get_ci(get_ci(params, "Overrides"), "TaskRoleArn")
            launches.append(launch)
    for sm in model.resources("AWS::StepFunctions::StateMachine"):
        launches.extend(_state_machine_launches(model, sm))
    for job in model.resources("AWS::Batch::JobDefinition"):
        batch = batch_launch(job)
        if batch is not None:
            launches.append(batch)
    return launches


def _daemon_launch(daemon: Resource) -> Launch:
    """An ECS daemon: one task per instance of its (Managed Instances) capacity providers."""
    p = daemon.props
    providers = p.get("CapacityProviderArns")
    strategy = (
        [{"CapacityProvider": arn} for arn in providers]
        if isinstance(providers, list)
        else providers
    )
    return Launch(
        kind="daemon",
        resource=daemon,
        where="daemon",
        exec_enabled=truthy(p.get("EnableExecuteCommand")),
        task_definition=p.get("DaemonTaskDefinitionArn"),
        cluster=p.get("ClusterArn"),
        launch_type=None,
        capacity_provider_strategy=strategy,
        platform_version=None,
        awsvpc=None,
    )


def _run_time_paths(value: Any, key: str = "", depth: int = 0) -> Any:
    """Pipe target parameters with JSONPath values (``$.detail.x``) as Unknown: the event
    chooses them at run time."""
    if isinstance(value, str) and value.startswith("$."):
        return Unknown(f"{key or 'a value'} comes from the event at run time ({value})")
    if depth > _MAX_DEPTH:
        return Unknown("the target parameters are nested too deeply")
    if isinstance(value, dict):
        return {k: _run_time_paths(v, str(k), depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_run_time_paths(v, key, depth + 1) for v in value]
    return value


def _awsvpc(network_configuration: Any) -> Any:
    """The AwsvpcConfiguration of a NetworkConfiguration; Unknown when that is unknown."""
    if is_unknown(network_configuration):
        return network_configuration
    return get_ci(network_configuration, "AwsvpcConfiguration", "AwsVpcConfiguration")


def _unreadable(kind: str, res: Resource, where: str, value: Any) -> Launch:
    """A launch whose task cannot be read (every fact is ``value``, an unknown), exec maybe on."""
    return Launch(
        kind=kind,
        resource=res,
        where=where,
        exec_enabled=None,
        task_definition=value,
        cluster=value,
        launch_type=value,
        capacity_provider_strategy=None,
        platform_version=None,
        awsvpc=value,
        extra={"unreadable": unknown_reason(value)},
    )


def _unreadable_target(kind: str, res: Resource, where: str, value: Any) -> list[Launch]:
    """A rule or schedule target that cannot be resolved (a deploy-time Fn::If, say): a launch
    to report as unverifiable when the resource asks for exec on ECS somewhere, else none."""
    raw = res.raw.get("Properties")
    if _mentions(raw, "EcsParameters") and _mentions(raw, "EnableExecuteCommand"):
        return [_unreadable(kind, res, where, value)]
    return []


def _from_ecs_parameters(
    kind: str, res: Resource, where: str, params: dict[str, Any], cluster: Any
) -> Launch:
    net = _awsvpc(get_ci(params, "NetworkConfiguration"))
    return Launch(
        kind=kind,
        resource=res,
        where=where,
        exec_enabled=truthy(get_ci(params, "EnableExecuteCommand")),
        task_definition=get_ci(params, "TaskDefinitionArn"),
        cluster=cluster,
        launch_type=get_ci(params, "LaunchType"),
        capacity_provider_strategy=get_ci(params, "CapacityProviderStrategy"),
        platform_version=get_ci(params, "PlatformVersion"),
        awsvpc=net,
    )


def _input_task_role(text: Any, res: Resource) -> Any:
    """``taskRoleArn`` of an EventBridge / Scheduler target's Input, which for an ECS target is
    the RunTask ``overrides`` (``{"containerOverrides": [...], "taskRoleArn": "..."}``)."""
    if is_unknown(text):
        # Unresolvable Input: an override only if the target mentions one.
        return text if _mentions(res.raw.get("Properties"), "taskRoleArn") else None
    if not isinstance(text, str) or "taskrolearn" not in text.lower():
        return None
    try:
        overrides = json.loads(text)
    except (ValueError, RecursionError):
        return Unknown("the target's Input (the task overrides) is not valid JSON")
    return _detokenize(get_ci(overrides, "taskRoleArn"))


def _detokenize(value: Any, depth: int = 0) -> Any:
    """Inside a parsed state machine definition, lone tokens become references again."""
    if isinstance(value, str):
        ref = parse_token(value)
        return ref if ref is not None else value
    if depth > _MAX_DEPTH:
        return Unknown("the definition is nested too deeply")
    if isinstance(value, list):
        return [_detokenize(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: _detokenize(v, depth + 1) for k, v in value.items()}
    return value


def _mentions(value: Any, word: str, depth: int = 0) -> bool:
    """Whether a raw template value has ``word`` in a key or a string (True when too deep)."""
    if depth > _MAX_DEPTH:
        return True
    if isinstance(value, str):
        return word in value
    if isinstance(value, dict):
        return any(
            (isinstance(k, str) and word in k) or _mentions(v, word, depth + 1)
            for k, v in value.items()
        )
    if isinstance(value, list):
        return any(_mentions(v, word, depth + 1) for v in value)
    return False


def _state_machine_launches(model: Model, sm: Resource) -> list[Launch]:
    p = sm.props
    definition = p.get("Definition")
    if definition is None:
        text = p.get("DefinitionString")
        if isinstance(text, str):
            try:
                definition = json.loads(text)
            except (ValueError, RecursionError):
                definition = Unknown("DefinitionString is not valid JSON")
        elif text is not None:
            definition = text if is_unknown(text) else Unknown("unresolvable DefinitionString")
        elif p.get("DefinitionS3Location") is not None:
            definition = Unknown("the definition is in S3")
    if isinstance(definition, Unknown):
        if _asks_for_exec(sm):
            # Exec is requested somewhere in a definition we cannot read: say so.
            return [_unreadable("state-machine", sm, "state machine", definition)]
        return []
    definition = _detokenize(definition)
    launches: list[Launch] = []
    for name, state in _walk_states(definition):
        resource = state.get("Resource")
        if not (isinstance(resource, str) and _RUN_TASK.match(resource)):
            continue
        params = state.get("Parameters")
        if not isinstance(params, dict):
            params = state.get("Arguments")
        if not isinstance(params, dict):
            continue
        # JSONPath keys ending in ".$" are computed at run time.
        dynamic = sorted(k[:-2] for k in params if isinstance(k, str) and k.endswith(".$"))
        launch = Launch(
            kind="state-machine",
            resource=sm,
            where=f"state {name}",
            exec_enabled=truthy(params.get("EnableExecuteCommand"))
            if "EnableExecuteCommand.$" not in params
            else None,
            task_definition=_dyn(params, "TaskDefinition"),
            cluster=_dyn(params, "Cluster"),
            launch_type=_dyn(params, "LaunchType"),
            capacity_provider_strategy=_dyn(params, "CapacityProviderStrategy"),
            platform_version=_dyn(params, "PlatformVersion"),
            awsvpc=_awsvpc(_dyn(params, "NetworkConfiguration")),
            extra={"dynamic": dynamic},
            task_role_override=_sfn_task_role(params.get("Overrides")),
        )
        launches.append(launch)
    if not launches and _asks_for_exec(sm):
        # Exec is requested, yet no runTask state could be read (nested too deeply, say).
        reason = Unknown("no ecs:runTask state of the definition could be read")
        return [_unreadable("state-machine", sm, "state machine", reason)]
    return launches


def _sfn_task_role(overrides: Any) -> Any:
    """``Overrides.TaskRoleArn`` of a runTask state (``TaskRoleArn.$``: chosen at run time)."""
    if not isinstance(overrides, dict):
        return None
    if "TaskRoleArn.$" in overrides:
        return Unknown("Overrides.TaskRoleArn is chosen at run time (TaskRoleArn.$)")
    return overrides.get("TaskRoleArn")


def _asks_for_exec(res: Resource) -> bool:
    """Whether a resource's raw properties mention exec and running a task somewhere."""
    raw = res.raw.get("Properties")
    return _mentions(raw, "EnableExecuteCommand") and _mentions(raw, "runTask")


def _dyn(params: dict[str, Any], key: str) -> Any:
    if f"{key}.$" in params:
        return Unknown(f"{key} is chosen at run time ({key}.$)")
    return params.get(key)


def _walk_states(definition: Any, depth: int = 0) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    if depth > 16 or not isinstance(definition, dict):
        return out
    states = definition.get("States")
    if not isinstance(states, dict):
        return out
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        out.append((str(name), state))
        for branch in as_list(state.get("Branches")):
            out.extend(_walk_states(branch, depth + 1))
        for key in ("Iterator", "ItemProcessor"):
            out.extend(_walk_states(state.get(key), depth + 1))
    return out


# -- facts derived from a launch ------------------------------------------------------------


def task_definition(model: Model, launch: Launch) -> Resource | None:
    if launch.embedded_task is not None:
        return launch.embedded_task
    return find_task_definition(model, launch.resource.template, launch.task_definition)


def task_definition_family(value: str) -> str | None:
    """The family a RunTask ``taskDefinition`` string names: ``family``, ``family:revision``
    or ``arn:...:task-definition/family[:revision]``; None for anything else."""
    m = _FAMILY_IN_ARN.match(value) if value.startswith("arn:") else _FAMILY.fullmatch(value)
    return m.group(1) if m else None


def find_task_definition(model: Model, template: Template | None, value: Any) -> Resource | None:
    """The task definition of the input that a launch's resolved ``value`` names.

    ``value`` may be a reference (``Ref``/``Fn::GetAtt``, or a string with a token such as an
    ARN built with ``Fn::Join``), a family, ``family:revision``, or a task definition ARN
    ``...:task-definition/family[:revision]`` (Step Functions, EventBridge, Scheduler and Pipes
    targets name it so; CDK's ``EcsRunTask`` writes the family). A family is matched against
    the task definitions' ``Family``, those of ``template`` (where the launch is) first; when
    several templates define it and none is ``template``, the answer is None (ambiguous).
    """
    td = model.deref(value, *TASK_DEFINITION_TYPES)
    if td is not None or not isinstance(value, str):
        return td
    for tok in tokens_in(value):
        found = model.deref(tok, *TASK_DEFINITION_TYPES)
        if found is not None:
            return found
    if has_token(value):
        return None
    family = task_definition_family(value)
    if family is None:
        return None
    matches = [
        res for res in model.resources(TASK_DEFINITION) if res.props.get("Family") == family
    ]
    local = [res for res in matches if template is not None and res.template is template]
    if local:
        return local[0]
    return matches[0] if len(matches) == 1 else None


def cluster(model: Model, launch: Launch) -> Resource | None:
    found = model.deref(launch.cluster, "AWS::ECS::Cluster")
    if found is None and isinstance(launch.cluster, str):
        for tok in tokens_in(launch.cluster):
            found = model.deref(tok, "AWS::ECS::Cluster")
            if found is not None:
                break
    return found


def is_windows(td: Resource | None) -> bool:
    if td is None:
        return False
    family = get_ci(td.props.get("RuntimePlatform"), "OperatingSystemFamily")
    return isinstance(family, str) and family.upper().startswith("WINDOWS")


def network_mode(td: Resource | None, capacity: Capacity) -> Any:
    if td is None:
        return Unknown("the task definition is not in the input")
    if td.type == "AWS::ECS::DaemonTaskDefinition":
        return DAEMON_NETWORK_MODE
    mode = td.props.get("NetworkMode")
    if mode is None:
        if capacity.kind == MANAGED_INSTANCES:
            # Managed Instances run no task whose definition leaves the network mode out.
            return Unknown("the task definition sets no NetworkMode (Managed Instances need "
                           "awsvpc or host)")
        return "awsvpc" if capacity.kind == "FARGATE" else "bridge"
    return mode.lower() if isinstance(mode, str) else mode


def requires_managed_instances(td: Resource | None) -> bool:
    """Whether the task definition runs on ECS Managed Instances only (or is a daemon's)."""
    if td is None:
        return False
    if td.type == "AWS::ECS::DaemonTaskDefinition":
        return True
    wanted = td.props.get("RequiresCompatibilities")
    return isinstance(wanted, list) and [
        w.upper() for w in wanted if isinstance(w, str)
    ] == [MANAGED_INSTANCES]


def capacity(model: Model, launch: Launch, td: Resource | None = None) -> Capacity:
    """FARGATE, EC2 or MANAGED_INSTANCES (with the capacity providers when in the template),
    EXTERNAL or UNKNOWN. ``td``, the launch's task definition, tells Managed Instances apart
    when the capacity providers are not in the input."""
    lt = launch.launch_type
    if isinstance(lt, str):
        return Capacity(lt.upper())
    if lt is not None:
        shown = unknown_reason(lt) if is_unknown(lt) else describe(lt)
        return Capacity("UNKNOWN", reason=f"launch type is {shown}")
    strategy = launch.capacity_provider_strategy
    if strategy == [] and launch.kind == "daemon":
        return Capacity("UNKNOWN", reason="the daemon names no capacity provider "
                        "(CapacityProviderArns is empty; it needs at least one)")
    if strategy is None or strategy == []:
        # An empty strategy is no strategy: ECS then uses the cluster's default strategy, else
        # the EC2 launch type (the CreateService and RunTask API references; the
        # AWS::ECS::Service schema says an empty list removes the property).
        strategy = _cluster_default_strategy(model, launch)
    if strategy is None:
        return Capacity("EC2")  # AWS's default without a launch type or strategy
    if is_unknown(strategy) or not isinstance(strategy, list):
        return Capacity("UNKNOWN", reason="capacity provider strategy cannot be resolved")
    fargate = False
    providers: list[Resource] = []
    unknown: list[str] = []
    for item in strategy:
        name = get_ci(item, "CapacityProvider")
        if isinstance(name, str) and name.upper() in FARGATE_PROVIDERS:
            fargate = True
            continue
        provider = model.deref(name, "AWS::ECS::CapacityProvider") or _provider_by_name(
            model, name
        )
        if provider is None:
            unknown.append(describe(name, launch.resource.template.name))
        else:
            providers.append(provider)
    managed = {is_managed_instances(p) for p in providers}
    if unknown and not fargate and (launch.kind == "daemon" or requires_managed_instances(td)):
        managed.add(True)
    if fargate and not providers and not unknown:
        return Capacity("FARGATE")
    if len(managed) > 1:
        return Capacity("UNKNOWN", reason="the strategy mixes EC2 and Managed Instances capacity")
    kind = MANAGED_INSTANCES if managed == {True} else "EC2"
    if providers and not fargate and not unknown:
        return Capacity(kind, providers=providers)
    names, one = ", ".join(unknown), len(unknown) == 1
    missing = (
        f"capacity provider{'' if one else 's'} {names} {'is' if one else 'are'} not in the input"
    )
    if not fargate and unknown and not providers:
        return Capacity(kind, reason=missing)
    if not fargate:  # providers of the input and others
        return Capacity("UNKNOWN", reason=missing)
    if providers:
        other = "Managed Instances" if kind == MANAGED_INSTANCES else "EC2"
        return Capacity("UNKNOWN", reason=f"the strategy mixes Fargate and {other} capacity")
    return Capacity("UNKNOWN", reason=(
        f"the strategy mixes Fargate with capacity provider{'' if one else 's'} {names}, "
        f"which {'is' if one else 'are'} not in the input"))


def is_managed_instances(provider: Resource) -> bool:
    """Whether a capacity provider launches ECS Managed Instances (AWS manages the AMI)."""
    return provider.props.get("ManagedInstancesProvider") is not None


def _provider_by_name(model: Model, name: Any) -> Resource | None:
    """A capacity provider of the input by its name or ARN (``...:capacity-provider/name``)."""
    if not isinstance(name, str):
        return None
    for tok in tokens_in(name):  # an ARN joined from the provider's Ref (its name)
        found = model.deref(tok, "AWS::ECS::CapacityProvider")
        if found is not None:
            return found
    if ":capacity-provider/" in name:
        name = name.rsplit("/", 1)[-1]
    return model.by_name("AWS::ECS::CapacityProvider", "Name").get(name)


def _cluster_default_strategy(model: Model, launch: Launch) -> Any:
    c = cluster(model, launch)
    if c is None:
        return None
    found: Any = model.cached(("default-strategy", c), lambda: _default_strategy(model, c))
    return found


def _default_strategy(model: Model, c: Resource) -> Any:
    strategy = _association_strategies(model).get(c)
    if strategy:
        return strategy
    strategy = c.props.get("DefaultCapacityProviderStrategy")
    return strategy or None


def _association_strategies(model: Model) -> dict[Resource, Any]:
    """Cluster -> the first non-empty default strategy its capacity provider associations set
    (one pass over the associations, not one per cluster)."""

    def build() -> dict[Resource, Any]:
        out: dict[Resource, Any] = {}
        for assoc in model.resources("AWS::ECS::ClusterCapacityProviderAssociations"):
            c = model.deref(assoc.props.get("Cluster"), "AWS::ECS::Cluster")
            strategy = assoc.props.get("DefaultCapacityProviderStrategy")
            if c is not None and strategy and c not in out:
                out[c] = strategy
        return out

    found: dict[Resource, Any] = model.cached(("association-strategies",), build)
    return found


def referenced(value: Any) -> list[Ref | GetAtt]:
    """Every resource reference in a resolved value (a string, list or dict), in order."""
    out: list[Ref | GetAtt] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Ref | GetAtt):
            out.append(item)
        elif isinstance(item, str):
            out.extend(t for t in tokens_in(item) if isinstance(t, Ref | GetAtt))
        elif isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
    return out


def references(value: Any, res: Resource) -> bool:
    """Whether a resolved value (a string, list or dict) mentions the resource."""
    if isinstance(value, Ref | GetAtt):
        return value.template == res.template.name and value.logical_id == res.logical_id
    if isinstance(value, str):
        return any(references(t, res) for t in tokens_in(value))
    if isinstance(value, list):
        return any(references(v, res) for v in value)
    if isinstance(value, dict):
        return any(references(v, res) for v in value.values())
    return False

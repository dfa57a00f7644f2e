"""The role of EC2 container instances, for tasks without a task role.

On EC2 the exec agent in a task without a task role uses the container instance's
credentials (the official amazon-ecs-exec-checker then checks the instance role). That role is
found through the hosts' launch template (``LaunchTemplateData.IamInstanceProfile``), launch
configuration (``IamInstanceProfile``) or instance (``IamInstanceProfile``), then the
``AWS::IAM::InstanceProfile``'s ``Roles``. Whatever is not in the input is a reason, not a
guess.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .iam import IamIndex
from .intrinsics import describe, is_unknown, unknown_reason
from .model import Model, Resource, as_list, get_ci
from .network import Host

#: Agent setting that keeps awsvpc tasks away from the instance metadata (and so from the
#: instance role's credentials).
BLOCK_IMDS = "ECS_AWSVPC_BLOCK_IMDS=true"


@dataclass
class HostRole:
    role: Resource | None
    #: Why the role is not known (empty when ``role`` is set).
    unknown: str = ""
    #: Why the instance credentials are out of reach of the tasks (no profile, IMDS blocked).
    unreachable: str = ""


def _host_name(host: Host) -> str:
    return host.resource.logical_id


def profile_value(source: Resource) -> Any:
    """The instance profile a launch template, launch configuration or instance names."""
    if source.type == "AWS::EC2::LaunchTemplate":
        profile = get_ci(source.props.get("LaunchTemplateData"), "IamInstanceProfile")
        if isinstance(profile, dict):
            return get_ci(profile, "Arn", "Name")
        return profile
    return source.props.get("IamInstanceProfile")


def _user_data_text(source: Resource) -> str:
    if source.type == "AWS::EC2::LaunchTemplate":
        data = get_ci(source.props.get("LaunchTemplateData"), "UserData")
    else:
        data = source.props.get("UserData")
    return data if isinstance(data, str) else json.dumps(data, default=str)


def _profile(model: Model, value: Any) -> Resource | None:
    found = model.deref(value, "AWS::IAM::InstanceProfile")
    if found is not None or not isinstance(value, str):
        return found
    name = value.rsplit("/", 1)[-1] if value.startswith("arn:") else value
    for profile in model.resources("AWS::IAM::InstanceProfile"):
        if profile.props.get("InstanceProfileName") == name:
            return profile
    return None


def host_role(model: Model, iam: IamIndex, host: Host, awsvpc: bool) -> HostRole:
    """The role whose credentials the container instances of ``host`` hand to tasks."""
    where = _host_name(host)
    source = host.ami_source
    if source is None:
        return HostRole(None,
                        f"the launch template or configuration of {where} is not in the input")
    if awsvpc and BLOCK_IMDS in _user_data_text(source):
        return HostRole(None, unreachable=(
            f"{source.logical_id} sets {BLOCK_IMDS}, so awsvpc tasks cannot use the instance "
            "credentials"))
    value = profile_value(source)
    if value is None:
        return HostRole(None,
                        unreachable=f"{source.logical_id} gives the instances no instance profile")
    if is_unknown(value):
        return HostRole(None,
                        f"the instance profile of {source.logical_id} is {unknown_reason(value)}")
    profile = _profile(model, value)
    if profile is None:
        shown = value if isinstance(value, str) else describe(value, source.template.name)
        other = model.deref(value)
        if other is not None:  # a resource of the input, but no instance profile
            return HostRole(None, f"the instance profile of {source.logical_id} is {shown}, "
                            f"which is not an instance profile ({other.type})")
        return HostRole(None,
                        f"instance profile {shown} of {source.logical_id} is not in the input")
    roles = as_list(profile.props.get("Roles"))
    if not roles:
        return HostRole(None,
                        unreachable=f"instance profile {profile.logical_id} has no role")
    role = iam.principal(roles[0], "AWS::IAM::Role")
    if role is None:
        shown = (unknown_reason(roles[0]) if is_unknown(roles[0])
                 else describe(roles[0], profile.template.name))
        return HostRole(None,
                        f"role {shown} of instance profile {profile.logical_id} is not in the "
                        "input")
    return HostRole(role)

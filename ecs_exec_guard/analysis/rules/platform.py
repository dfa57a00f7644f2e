"""Platform rules: PLT1 (Fargate platform version), PLT2 (EC2 AMI / agent version)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..findings import Finding, Severity
from ..intrinsics import Param, describe, is_unknown, unknown_reason
from ..network import container_hosts
from .base import Context, Rule

ECS_OPTIMIZED_PREFIX = "/aws/service/ecs/optimized-ami/"
#: Retired in March 2026 (AWS's "Fargate Linux platform version retirement" page).
RETIRED_LINUX_PLATFORM = "1.3.0"
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_SSM_DYNAMIC = re.compile(r"^\{\{resolve:ssm:([^:}]+)(?::\d+)?\}\}$")


class PLT1(Rule):
    id = "EcsExec-PLT1"
    severity = Severity.ERROR
    reported_on = "service / rule / schedule"
    description = "Fargate tasks run on a platform version that supports exec."
    explanation = (
        "ECS Exec needs Fargate platform version 1.4.0 or later on Linux (1.0.0 or later on "
        "Windows). Tasks on older platforms start, but execute-command fails. LATEST (or no "
        "version) satisfies this. Linux platform 1.3.0, the last without exec, was retired in "
        "March 2026 (tasks force-updated from 2 March, the version retired on 16 March, tasks "
        "still on it stopped on 31 March), so a pinned 1.3.0 is a mistake either way."
    )
    fix = (
        "Set platform_version=ecs.FargatePlatformVersion.LATEST (or VERSION1_4) on the service in "
        "CDK, or leave it unset (PlatformVersion LATEST, or 1.4.0 on Linux / 1.0.0 on Windows, in "
        "CloudFormation); EcsExecAutoFix raises it."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        for launch in ctx.exec_launches:
            facts = ctx.facts(launch)
            if facts.capacity.kind == "UNKNOWN":
                yield self.finding(
                    launch.resource,
                    f"{launch.label}: the launch type cannot be resolved "
                    f"({facts.capacity.reason}); the platform cannot be checked.",
                    unverified=True,
                )
                continue
            if facts.capacity.kind != "FARGATE":
                continue
            version = launch.platform_version
            if version is None or (isinstance(version, str) and version.upper() == "LATEST"):
                continue
            minimum = (1, 0, 0) if facts.windows else (1, 4, 0)
            m = _VERSION.match(version) if isinstance(version, str) else None
            if m is None:
                shown = (unknown_reason(version) if is_unknown(version)
                         else describe(version, launch.resource.template.name))
                yield self.finding(
                    launch.resource,
                    f"{launch.label}: platform version {shown} cannot be compared.",
                    unverified=True,
                )
                continue
            if tuple(int(g) for g in m.groups()) < minimum:
                os_name = "Windows" if facts.windows else "Linux"
                retired = (
                    " (1.3.0 was retired in March 2026)"
                    if not facts.windows and version == RETIRED_LINUX_PLATFORM
                    else ""
                )
                yield self.finding(
                    launch.resource,
                    f"{launch.label}: Fargate platform version {version} is below "
                    f"{'.'.join(map(str, minimum))}, the first with exec on {os_name}{retired}.",
                )


def ami_verdict(ctx: Context, image: Any) -> str | None:
    """None when the AMI is shown to be a current ECS-optimized AMI, else why not."""
    if isinstance(image, Param):
        param = ctx.model.parameter(image)
        ptype = param.get("Type", "")
        default = param.get("Default", "")
        if (
            isinstance(ptype, str)
            and ptype.startswith("AWS::SSM::Parameter::Value")
            and isinstance(default, str)
            and default.startswith(ECS_OPTIMIZED_PREFIX)
        ):
            return None
        return f"the AMI comes from parameter {image.name} ({default or ptype or 'no default'})"
    if isinstance(image, str):
        m = _SSM_DYNAMIC.match(image)
        if m and m.group(1).startswith(ECS_OPTIMIZED_PREFIX):
            return None
        return f"AMI {image} cannot be shown to be ECS-optimized and released after 2021-01-20"
    if is_unknown(image):
        return f"the AMI is {unknown_reason(image)}"
    return f"the AMI is {describe(image)}"


class PLT2(Rule):
    id = "EcsExec-PLT2"
    severity = Severity.WARNING
    reported_on = (
        "the launch template / launch configuration / instance that picks the AMI, else the service"
    )
    description = (
        "EC2 container instances run an ECS-optimized AMI recent enough for exec "
        "(released on or after 2021-01-20, agent 1.50.2 or later)."
    )
    explanation = (
        "Exec needs ECS container agent 1.50.2 or later, shipped in ECS-optimized AMIs released "
        "on or after 2021-01-20. An AMI picked from the public SSM parameter under "
        "/aws/service/ecs/optimized-ami/ is current at deploy time; a literal AMI ID or another "
        "parameter cannot be verified at synth time."
    )
    fix = (
        "Pick the AMI from the SSM parameter /aws/service/ecs/optimized-ami/... (EcsOptimizedImage"
        " in CDK), or confirm the AMI's agent version and acknowledge this warning."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        seen: set[Any] = set()
        for launch in ctx.exec_launches:
            facts = ctx.facts(launch)
            if facts.capacity.kind == "EXTERNAL":
                yield self.finding(
                    launch.resource,
                    f"{launch.label}: external (ECS Anywhere) instances: their agent version "
                    "cannot be known at synth time.",
                    unverified=True,
                )
                continue
            if facts.capacity.kind != "EC2":
                continue
            hosts = container_hosts(ctx.model, facts.capacity, facts.cluster)
            if not hosts:
                yield self.finding(
                    launch.resource,
                    f"{launch.label}: the container instances are not in the input; their AMI "
                    "and agent version cannot be checked.",
                    unverified=True,
                )
                continue
            for host in hosts:
                if host.managed:
                    continue  # AWS picks and patches the AMI of Managed Instances
                where = host.ami_source or host.resource
                if where in seen:
                    continue
                seen.add(where)
                why = ami_verdict(ctx, host.image_id)
                if why is not None:
                    yield self.finding(where, f"{host.resource.logical_id}: {why}.")

"""``EcsExecAutoFix``: a CDK Aspect that repairs what ECS Exec needs, decided by the analyzer.

Usage::

    EcsExecAutoFix.apply_to(app)   # one callback per synthesis (see aspect.py)
    Aspects.of(app).add(EcsExecAutoFix(), priority=AspectPriority.MUTATING)   # the same output

How it works. When it runs (when CDK reaches its anchor construct, the last child of the
scope: ``apply_to`` adds the anchor with the aspect on it; ``Aspects.of`` adds it on its first
visit, the scope it was added to) every other aspect of that pass has visited the scope. The
aspect then takes a *snapshot* of the stage: each stack with exec-relevant resources (ECS, IAM,
VPC, security groups, endpoints, KMS, ...) is rendered by CDK itself into a scratch directory,
one bridge call per stack (``render.py``), every property override included; cross-stack
references become ``ImportValue`` of made-up exports. The pure-Python analyzer runs over that
snapshot exactly as it runs over synthesized templates, so the fixes and the checks agree by
construction. The aspect then applies every fix for every exec-enabled service in its scope in
one batch (one endpoint per VPC and service name, one policy per role), records each change as
an INFO annotation on the construct it changed, and never touches the other constructs. Later
visits (with ``Aspects.of``, one per construct) return at once, except for an
``AWS::ECS::Service`` that was not in the batch (added later by another aspect), which is fixed
on its own.

Cost: one ``find_all`` of the stage and one render per stack (which construct each resource is
comes from the tree's order, without a call per resource: ``render.py``), then a few calls per
change; with ``Aspects.of``, also one jsii callback per construct (~0.2 ms each).
``EcsExecAutoFix.stats`` says what a run spent. Rendering repeats the template file's name
in each rendered stack's metadata (``aws:cdk:templateFile`` in ``<stack>.metadata.json``,
which CDK writes once anyway), the one trace it leaves in the cloud assembly besides the
fixes.

What stays true:

* L2 and L1 alike: the snapshot is built from the L1 resources, and fixes that edit an L1
  (platform version, exec flag, task role ARN) set its property; fixes that need new resources
  use the L2 API where the L1 belongs to an L2 (``Vpc.add_interface_endpoint``, ``iam.Policy``
  on an ``iam.Role``) and L1 resources otherwise. Container fixes are property overrides
  (``ContainerDefinitions.<i>.ReadonlyRootFilesystem``), which work on both.
* Idempotent: everything the aspect adds is found in the next snapshot (endpoints by service
  name, policies by their statements, egress rules by their ports), and its property
  overrides are kept in a registry that the snapshot replays, so a second application (a
  second instance, or a second synthesis) changes nothing and annotates nothing.
* An already compliant app is left alone: no finding, no change.
* Nothing is created in a VPC, role or security group defined outside the app (imported), and
  an immutable task role is not worked around: those get a warning annotation instead, and
  ``EcsExecChecks`` keeps reporting them (IAM2/IAM4, NET2/NET7).
* cdk-nag: the ssmmessages statement lives in a policy of its own whose
  ``AwsSolutions-IAM5[Resource::*]`` is acknowledged (and, for an added exec logging policy,
  exactly its wildcard findings), only when this aspect added it; endpoint rules name the
  tasks' security groups, never a CIDR (AwsSolutions-EC23 reports a CIDR it cannot resolve,
  and so would EcsExecChecks, NET7).
* The exec containers of a task definition are declared once (``declarations.py``): by
  ``ExecEnabledService``, ``exec_containers`` or ``EcsExecContainerMixin``; every container fix
  reads the declaration, and declarations that disagree fail synthesis.

Limits:

* Rendering a stack evaluates CDK's cached ``Lazy`` values once. The aspect therefore never
  edits an existing L2's lazily rendered lists (security group rules, containers): it adds
  separate rule resources and property overrides. Both entry points render after every other
  aspect has visited the scope in that pass, so only an aspect that edits such lists of
  existing constructs in a *later* pass (on seeing a construct this one added) may not be
  rendered.
* A stack whose synthesizer is not a ``StackSynthesizer`` (a custom ``IStackSynthesizer``) is
  read resource by resource instead; there, property overrides the user made
  (``add_property_override``) are not visible to the snapshot (CDK keeps them private); the
  final synthesized template is, so ``EcsExecChecks`` still reports what they break.

Where things are (a fix family has the name of the rule family it repairs, or close to it)::

    aspect.py       EcsExecAutoFix: its options, when it takes a batch
    fixer.py        the coordinator: the order in which one batch runs the families
    batch.py        Batch: the state the families share (snapshot, analysis, plan), annotations
    snapshot.py     Snapshot: the exec-relevant L1 resources as CloudFormation, and the analysis
    permissions.py  IAM1/IAM2/IAM3: task role, ssmmessages and exec logging / KMS policies
    network.py      NET2/NET4/NET5/NET6: VPC endpoints, VPC DNS, endpoint ingress, egress
    containers.py   CTR1/CTR2/PLT1: read-only root filesystem, init process, platform version
    declarations.py which containers of a task definition are for exec, declared once
    launch_points.py daemons, pipes, Batch job definitions: which L1s start a batch, and the
                    property paths of their task role, containers and platform version
    mixins.py       the construction-time Mixins (enable, platform version, container)
    overrides.py    the registry of property overrides the snapshot replays
    render.py       a stack's template in one call; which construct each resource is
    references.py   which stack an ambiguous cross-stack reference targets
    nag.py          cdk-nag finding IDs acknowledged on what the aspect adds
    common.py       construct identity, unique IDs, annotation codes, Stats
"""

from __future__ import annotations

from .aspect import EcsExecAutoFix
from .common import ANNOTATION_PREFIX, WARNING_CANNOT_FIX, WARNING_ROOT_FS, Stats
from .mixins import EcsExecContainerMixin, EcsExecEnableMixin, EcsExecPlatformVersionMixin
from .nag import ACK_NAG_IAM5_WILDCARD, NAG_IAM5_PREFIX, flatten_cfn_reference
from .snapshot import Element, Snapshot

__all__ = [
    "ACK_NAG_IAM5_WILDCARD",
    "ANNOTATION_PREFIX",
    "NAG_IAM5_PREFIX",
    "WARNING_CANNOT_FIX",
    "WARNING_ROOT_FS",
    "EcsExecAutoFix",
    "EcsExecContainerMixin",
    "EcsExecEnableMixin",
    "EcsExecPlatformVersionMixin",
    "Element",
    "Snapshot",
    "Stats",
    "flatten_cfn_reference",
]

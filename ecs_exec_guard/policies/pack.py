"""``EcsExecChecks``: the analyzer's findings as a cdk-nag v3 rule pack (a CDK validation plugin).

Usage::

    Validations.of(app).add_plugins(EcsExecChecks(app))

How it stays cheap. cdk-nag's base class walks the construct tree and calls ``checkResource``
(here: into Python, across the jsii bridge) for every ``CfnResource``, and each rule callback
resolves properties across the bridge again: several milliseconds per resource. This pack
overrides ``validate`` instead: it reads the synthesized templates that CDK hands to every
validation plugin (``context.stack_templates``) as files, runs the pure-Python analyzer **once**
over all of them together (so cross-stack references resolve), and returns one violation per
finding. Resources without findings cost nothing; the bridge is crossed once per synthesis
(plus the returned report).

Acknowledgments are CDK's own: each violation carries the resource's construct path (from the
cloud assembly's ``aws:cdk:logicalId`` metadata), and CDK suppresses a violation acknowledged
with ``Validations.of(construct).acknowledge(Acknowledgment(id="EcsExec::EcsExec-CTR1", ...))``
on that construct or any ancestor, and reports it as acknowledged.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import NagPack
from constructs import IConstruct

from .. import __version__
from ..analysis.analyzer import TemplateInput, analyze
from ..analysis.findings import Finding, Report, Severity
from ..analysis.loader import stack_entries, stack_with_nested
from ..analysis.rules import ALL_RULES, RULES_BY_ID

PACK_NAME = "EcsExec"


def acknowledgment_id(rule_id: str) -> str:
    """The ID to pass to ``Acknowledgment`` for a rule, e.g. ``EcsExec::EcsExec-CTR1``."""
    return f"{PACK_NAME}::{rule_id}"


def rule_ids_from(only: Sequence[str]) -> list[str]:
    """The full rule IDs that ``only`` names, with or without the ``EcsExec-`` prefix.

    Refuses a bare string (a list of its characters is never what was meant) and unknown IDs,
    naming the valid ones.
    """
    valid = ", ".join(RULES_BY_ID)
    if isinstance(only, str) or not isinstance(only, Sequence):
        raise TypeError(
            f"EcsExecChecks: only must be a list of rule IDs, e.g. only=[{only!r}], not "
            f"{type(only).__name__} {only!r}. Valid IDs: {valid}"
        )
    ids: list[str] = []
    unknown: list[str] = []
    for item in only:
        full = f"{PACK_NAME}-{item}" if isinstance(item, str) and item in _SHORT_IDS else item
        if full in RULES_BY_ID:
            if full not in ids:
                ids.append(full)
        else:
            unknown.append(repr(item))
    if unknown:
        raise ValueError(
            f"EcsExecChecks: unknown rule IDs in only: {', '.join(unknown)}. Valid IDs (the "
            f"{PACK_NAME}- prefix is optional): {valid}"
        )
    return ids


_SHORT_IDS = frozenset(rule_id.removeprefix(f"{PACK_NAME}-") for rule_id in RULES_BY_ID)


class EcsExecChecks(NagPack):
    """Checks every exec-enabled ECS launch of the app for what ECS Exec needs.

    :param scope: the app (or stage) the pack is registered on.
    :param verbose: add each rule's explanation to its messages.
    :param require_exec: report services without exec (EcsExec-ENB1).
    :param strict: warnings fail synthesis too (as ``cdk synth --strict`` does for annotations).
    :param only: limit the pack to these rule IDs (a list; ``"EcsExec-CTR1"`` or ``"CTR1"``).
    :param path_prefixes: report only findings on resources under these construct paths (used
        by ``ExecEnabledService`` in enforce mode, see :func:`enforce_on`).
    """

    def __init__(
        self,
        scope: IConstruct | None = None,
        *,
        verbose: bool = False,
        require_exec: bool = False,
        strict: bool = False,
        only: Sequence[str] | None = None,
        path_prefixes: list[str] | None = None,
        write_suppressions_to_cloud_formation: bool | None = None,
    ) -> None:
        super().__init__(
            scope,
            verbose=verbose,
            write_suppressions_to_cloud_formation=write_suppressions_to_cloud_formation,
        )
        self._verbose_messages = verbose
        self._require_exec = require_exec
        self._strict = strict
        self._only = rule_ids_from(only) if only is not None else None
        self._path_prefixes = (
            [p.strip("/") for p in path_prefixes] if path_prefixes is not None else None
        )
        #: Set on an enforcement-only pack: the stages whose full pack would make it redundant.
        self._covering_stages: list[IConstruct] | None = None
        #: Clusters (construct paths of their L1s) whose exec configuration an enforced
        #: construct set: IAM3 findings of every exec launch on them are enforced too.
        self._enforced_clusters: set[str] = set()
        #: The analyzer's report of the last synthesis (for tests and tooling).
        self.last_report: Report | None = None
        #: Seconds the last ``validate`` took in Python (reading templates, analysis, report).
        self.last_seconds = 0.0
        _register_full(scope, self)

    # -- members jsii reads: they must be properties ----------------------------------------
    @property
    def name(self) -> str:
        return PACK_NAME

    @property
    def _pack_name(self) -> str:
        return PACK_NAME

    @_pack_name.setter
    def _pack_name(self, value: str) -> None:
        """cdk-nag's constructor initialises packName; the pack's name is fixed."""

    @property
    def version(self) -> str | None:
        return __version__

    @property
    def rule_ids(self) -> list[str] | None:
        return [r.id for r in ALL_RULES if self._only is None or r.id in self._only]

    def _check_resource(self, node: cdk.CfnResource) -> None:
        """Unused: the pack analyses templates once in :meth:`validate`, not per resource."""

    # -- the validation plugin entry point ---------------------------------------------------
    def add_path_prefix(self, path: str) -> None:
        if self._path_prefixes is None:
            self._path_prefixes = []
        self._path_prefixes.append(path.strip("/"))

    def validate(self, context: cdk.IPolicyValidationContext) -> cdk.PolicyValidationPluginReport:
        if self._covering_stages is not None and any(
            _ref(s) in _FULL_PACKS for s in self._covering_stages
        ):
            # EcsExecChecks is registered on this stage already and reports everything.
            return cdk.PolicyValidationPluginReport(success=True, violations=[])
        started = time.perf_counter()
        stacks = [(s.template_path, s.stack_construct_path) for s in context.stack_templates]
        inputs, stack_paths = load_stack_templates(stacks)
        report = analyze(inputs, require_exec=self._require_exec, rules=self._only)
        sources = {name: path for name, _, path in inputs}
        self.last_report = report
        on_clusters = {
            launch for launch, c in report.launch_clusters.items() if c in self._enforced_clusters
        }
        violations = [
            self._violation(f, stack_paths.get(f.template), sources.get(f.template))
            for f in report.findings
            if self._in_scope(f, stack_paths.get(f.template))
            or (f.rule_id == "EcsExec-IAM3" and any(lc in on_clusters for lc in f.launches))
        ]
        failing = [v for v in violations if v.severity == "error"]
        self.last_seconds = time.perf_counter() - started
        return cdk.PolicyValidationPluginReport(
            success=not failing,
            violations=violations,
            plugin_version=__version__,
        )

    def _in_scope(self, f: Finding, stack_path: str | None) -> bool:
        if self._path_prefixes is None:
            return True
        own = f.construct_path or (f"{stack_path}/{f.logical_id}" if stack_path else "")
        # A finding is in scope on the enforced construct's resources, and on the resources
        # its launches depend on (task definition, task role, cluster, endpoints, AMI).
        return any(
            path == p or path.startswith(p + "/")
            for path in (own, *f.launches)
            for p in self._path_prefixes
        )

    def _violation(
        self, f: Finding, stack_path: str | None, template_path: str | None
    ) -> cdk.PolicyViolation:
        rule = RULES_BY_ID[f.rule_id]
        description = f"{f.rule_id}: {f.message}"
        if self._verbose_messages:
            description = f"{description} {rule.explanation}"
        if f.construct_path is None:
            description = f"{description} (resource {f.logical_id} of {f.template})"
        severity = f.severity.value
        if self._strict and f.severity is Severity.WARNING:
            severity = "error"
            description = f"[warning, strict] {description}"
        return cdk.PolicyViolation(
            rule_name=f.rule_id,
            description=description,
            fix=f.fix,
            severity=severity,
            rule_metadata={"reportedOn": rule.reported_on},
            violating_resources=[
                cdk.PolicyViolatingResource(
                    locations=["Properties"],
                    resource_logical_id=f.logical_id,
                    template_path=template_path,
                    # A resource without a construct is reported at its stack, so that an
                    # acknowledgment on the stack (or app) covers it; never dropped.
                    construct_path=f.construct_path or stack_path,
                )
            ],
        )


def load_stack_templates(
    stacks: list[tuple[str, str]],
) -> tuple[list[TemplateInput], dict[str, str]]:
    """Read the synthesized templates (and their nested stacks) as one app.

    Template names are relative to the assembly root, as the CLI names them in a cdk.out.
    Returns the inputs and, per template name, the construct path of its stack.
    """
    paths = [Path(p) for p, _ in stacks]
    root = Path(os.path.commonpath([str(p.parent) for p in paths])) if paths else Path()
    inputs: list[TemplateInput] = []
    stack_paths: dict[str, str] = {}
    for path, (_, stack_path) in zip(paths, stacks, strict=True):
        for item in stack_with_nested(root, path, stack_entries(path)):
            inputs.append(item)
            stack_paths[item[0]] = stack_path
    return inputs, stack_paths


# Stages and apps on which a full EcsExecChecks was created, and the enforcement-only pack of
# ExecEnabledService, one per stage. Keyed by the jsii object reference: jsii may hand back a new
# Python proxy for a JS-created construct, but its reference stays the same.
_FULL_PACKS: dict[str, IConstruct] = {}
_ENFORCERS: dict[str, tuple[IConstruct, EcsExecChecks]] = {}


def _ref(construct: IConstruct) -> str:
    return str(construct.__jsii_ref__.ref)  # type: ignore[attr-defined]


def _register_full(scope: IConstruct | None, pack: EcsExecChecks) -> None:
    """Remember the stage a full pack was made for (``EcsExecChecks(app)``).

    CDK offers no way to list the plugins registered on a stage, so the scope given to the
    constructor stands for it (a stack or any construct stands for its stage). A pack made
    without a scope cannot be matched: ExecEnabledService's enforcement then reports its
    findings as well.
    """
    if scope is None or pack._path_prefixes is not None or pack._only is not None:
        return
    stage = scope if isinstance(scope, cdk.Stage) else cdk.Stage.of(scope)
    if stage is not None:
        _FULL_PACKS[_ref(stage)] = stage


def enforce_on(construct: IConstruct, *, clusters: list[str] | None = None) -> EcsExecChecks:
    """Make synthesis fail on error findings under ``construct``, even without EcsExecChecks.

    One enforcement pack per stage collects the paths of every enforced construct, so the
    analysis runs once per synthesis however many constructs are enforced. When the app (or an
    enclosing stage) was given a full ``EcsExecChecks(app)``, the enforcement pack stands down:
    the full pack reports those findings already, and reporting them twice helps no one.
    ``clusters`` (construct paths of cluster L1s) adds the EcsExec-IAM3 findings of every exec
    launch on those clusters.
    """
    stage = cdk.Stage.of(construct)
    if stage is None:
        raise ValueError("ExecEnabledService in ENFORCE mode must be inside an App or Stage")
    entry = _ENFORCERS.get(_ref(stage))
    if entry is None:
        pack = EcsExecChecks(path_prefixes=[])
        pack._covering_stages = [
            s for s in construct.node.scopes if isinstance(s, cdk.Stage)
        ]
        _ENFORCERS[_ref(stage)] = (stage, pack)
        cdk.Validations.of(stage).add_plugins(pack)
    else:
        pack = entry[1]
    pack.add_path_prefix(construct.node.path)
    # The construct set these clusters' exec logging: their other exec services need the
    # permissions for it, and the construct changes nothing, so their IAM3 fails synthesis.
    pack._enforced_clusters.update(clusters or ())
    return pack

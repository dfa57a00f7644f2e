"""INP1: the templates of nested stacks are in the input."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding, Severity
from ..model import NESTED_STACK_TYPES, nested_template_file
from .base import Context, Rule


class INP1(Rule):
    id = "EcsExec-INP1"
    severity = Severity.WARNING
    reported_on = "nested stack (AWS::CloudFormation::Stack / AWS::Serverless::Application)"
    description = "The local template of every nested stack is in the input."
    explanation = (
        "A nested stack whose TemplateURL (SAM: Location) names a local file, or whose CDK "
        "asset metadata names a template file, is followed, with its parameters in and outputs "
        "out. When that file is missing, the services, task definitions and roles in it cannot "
        "be checked, and references to its outputs stay unknown."
    )
    fix = (
        "Check the nested template too: keep it at the path the parent names (relative to the "
        "parent template), or pass the whole cdk.out; acknowledge this warning if it holds no "
        "ECS resources."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        linked = {stack for stack in ctx.model.parent_of.values()}
        for stack in ctx.model.resources(*NESTED_STACK_TYPES):
            local = nested_template_file(stack.raw)
            if local is None or stack in linked:
                continue
            if stack.template.resolver.condition_attribute(stack.raw) is False:
                continue  # the stack is not created
            other = ctx.model.nested_candidate(stack)
            where = (
                f"is in the input as {other.name}, but that is nested stack "
                f"{ctx.model.parent_of[other.name].logical_id}'s (each nested stack needs its "
                "own copy; the CLI loads one per stack)"
                if other is not None and other.name in ctx.model.parent_of
                else "is not in the input"
            )
            yield self.finding(
                stack,
                f"The template of nested stack {stack.logical_id} ({local}) {where};"
                " what it deploys is not checked for exec.",
                unverified=True,
            )

"""Build the network index of a test template directly, for tests that pin what one part of
``ecs_exec_guard.analysis.network`` returns (an Exit, a reason, a Host, the rules of a group)
rather than the findings it leads to. Pure dicts, no aws_cdk.
"""

from __future__ import annotations

from cfn import Template

from ecs_exec_guard.analysis.budget import Budget, Budgets
from ecs_exec_guard.analysis.model import Model, Resource
from ecs_exec_guard.analysis.network import NetworkIndex

NETWORK_WHAT = "network checks (rules, routes, endpoints)"


def model_of(t: Template, *, network_units: int | None = None) -> Model:
    """The model of ``t``; ``network_units`` caps the network budget (default: the usual)."""
    budgets = Budgets.for_input(len(t.resources))
    if network_units is not None:
        budgets.network = Budget(NETWORK_WHAT, network_units)
    return Model([(t.name, t.body(), None)], budgets=budgets)


def index_of(t: Template, *, network_units: int | None = None) -> tuple[Model, NetworkIndex]:
    model = model_of(t, network_units=network_units)
    return model, NetworkIndex(model)


def res(model: Model, logical_id: str, template: str = "App.template.json") -> Resource:
    return model.templates[template].resources[logical_id]

"""How the model reads templates (issue 15: mutation testing): malformed sections and
resources are skipped, supplied parameter values apply to the templates that declare them
(per-template values win), resources are indexed by type across templates, and the budgets
scale with the resources of the whole input."""

from __future__ import annotations

from ecs_exec_guard.analysis.budget import PER_RESOURCE, VALUE_UNITS
from ecs_exec_guard.analysis.model import Model


def test_templates_parameters_and_resources() -> None:
    a = {"Parameters": {"Env": {"Type": "String"}, "Size": {"Type": "String"}},
         "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}, "NoType": {"Properties": {}},
                       "BadType": {"Type": 5}, "NotAnObject": "x",
                       "Queue": {"Type": "AWS::SQS::Queue"}}}
    b = {"Parameters": "not an object",
         "Resources": {"Topic2": {"Type": "AWS::SNS::Topic"}}}
    c = {"Resources": ["not", "a", "mapping"]}
    model = Model([("a.json", a, "/tmp/a.json"), ("b.json", b, None), ("c.json", c, None),
                   ("d.json", "not a template", None)],
                  parameters={"Env": "prod", "Other": "x", "AWS::StackName": "Main"},
                  template_parameters={"a.json": {"Size": "big", "Env": "dev"}})
    a_tpl, b_tpl = model.templates["a.json"], model.templates["b.json"]
    assert list(model.templates) == ["a.json", "b.json", "c.json", "d.json"]
    assert (a_tpl.path, b_tpl.path) == ("/tmp/a.json", None)
    assert a_tpl.parameter_values == {"Env": "dev", "Size": "big", "AWS::StackName": "Main"}
    assert b_tpl.parameters == {}
    assert b_tpl.parameter_values == {"AWS::StackName": "Main"}
    assert list(a_tpl.resources) == ["Topic", "Queue"]
    assert model.templates["c.json"].resources == {}
    assert model.templates["d.json"].body == {}
    assert [r.logical_id for r in model.resources("AWS::SNS::Topic", "AWS::SQS::Queue")] == [
        "Topic", "Topic2", "Queue"]
    assert model.resource_count == 3
    assert model.value_budget.units == VALUE_UNITS + 3 * PER_RESOURCE
    assert model.value_budget is model.budgets.value
    assert a_tpl.resolver.resolve({"Ref": "Env"}) == "dev"
    assert b_tpl.resolver.resolve({"Ref": "AWS::StackName"}) == "Main"

"""How the runs of every branch of deploy-time conditions fold into one report
(scenarios.merge), and which branches are run (scenarios.assignments): exact messages.

The findings here are written by hand (merge reads only their rule, resource, severity,
message and whether they are cannot-verify), so each case states the branches directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ecs_exec_guard.analysis.findings import Finding, Severity
from ecs_exec_guard.analysis.model import Model
from ecs_exec_guard.analysis.scenarios import MAX_CONDITIONS, Assignment, assignments, merge

A, B = "A.template.json", "B.template.json"
PROD, VPC, OTHER = (A, "IsProd"), (A, "HasVpc"), (B, "Other")
ORDER = ["R1", "R2"]
ONE = [{PROD: True}, {PROD: False}]
TWO = [{PROD: p, VPC: v} for p in (True, False) for v in (True, False)]  # TT, TF, FT, FF


def f(message: str, *, rule: str = "R1", logical_id: str = "Res", unverified: bool = False,
      severity: Severity = Severity.ERROR, template: str = A) -> Finding:
    return Finding(rule, severity, template, logical_id, message, "the fix",
                   resource_type="AWS::ECS::Service", unverified=unverified)


def warning(message: str, *, rule: str = "R1", logical_id: str = "Res") -> Finding:
    return f(message, rule=rule, logical_id=logical_id, severity=Severity.WARNING,
             unverified=True)


def run(assigned: list[Assignment], *per_run: list[Finding]) -> list[Finding]:
    return merge(list(zip(assigned, per_run, strict=True)), ORDER)


def test_the_same_in_every_branch_is_kept_as_it_is() -> None:
    same = [f("Broken."), f("Also broken.", rule="R2")]
    assert run(ONE, same, list(same)) == same
    assert run(ONE, [], []) == []


def test_the_same_in_every_branch_keeps_the_first_branch_finding() -> None:
    """Findings are the same when their severity and message are: the first branch's is kept
    (with its fix, say)."""
    first = f("Broken.")
    other = Finding("R1", Severity.ERROR, A, "Res", "Broken.", "another fix")
    assert run(ONE, [first], [other]) == [first]
    assert run(ONE, [other], [first]) == [other]


def test_a_failure_in_one_branch_only() -> None:
    """One cannot-verify warning, on the first finding's resource, saying which branch fails
    how (trailing full stops dropped, findings of one branch joined by "; ")."""
    first, second = f("The role lacks X."), f("The task is Y")
    [merged] = run(ONE, [first, second], [])
    assert merged == f(
        "Cannot verify: it depends on deploy-time condition IsProd: when IsProd is true, "
        "The role lacks X; The task is Y; when IsProd is false, it passes.",
        severity=Severity.WARNING, unverified=True)
    # A cannot-verify in one branch and an error in the other: said as such.
    [merged] = run(ONE, [warning("Cannot verify: the subnet is imported.")], [f("No route.")])
    assert merged.message == (
        "Cannot verify: it depends on deploy-time condition IsProd: when IsProd is true, "
        "cannot verify: the subnet is imported; when IsProd is false, No route.")
    assert merged.severity is Severity.WARNING and merged.unverified


def test_a_failure_in_every_branch_differently() -> None:
    """Each distinct finding with the branch it holds in; one that holds in every branch is
    kept as it is; a cannot-verify keeps its prefix first."""
    both = f("Holds everywhere.")
    prod = warning("Cannot verify: the AMI is imported.")
    merged = run(ONE, [both, f("Fails in prod."), prod], [both, f("Fails in dev.")])
    assert [(m.severity, m.message, m.unverified) for m in merged] == [
        (Severity.ERROR, "Holds everywhere.", False),
        (Severity.ERROR, "When IsProd is true: Fails in prod.", False),
        (Severity.WARNING, "Cannot verify: when IsProd is true, the AMI is imported.", True),
        (Severity.ERROR, "When IsProd is false: Fails in dev.", False),
    ]


def test_findings_are_grouped_by_rule_and_resource_and_ordered_by_rule() -> None:
    merged = run(ONE, [f("b", rule="R2"), f("a", logical_id="Other")],
                 [f("b", rule="R2"), f("a2", rule="R3")])
    assert [(m.rule_id, m.logical_id, m.message) for m in merged] == [
        ("R1", "Other", "Cannot verify: it depends on deploy-time condition IsProd: when IsProd "
                        "is true, a; when IsProd is false, it passes."),
        ("R2", "Res", "b"),
        ("R3", "Res", "Cannot verify: it depends on deploy-time condition IsProd: when IsProd "
                      "is false, a2; when IsProd is true, it passes."),
    ]


def test_only_the_conditions_that_matter_are_named() -> None:
    """Of two conditions, the one whose value alone changes the finding."""
    fails = [f("Fails.")]
    [merged] = run(TWO, fails, [], fails, [])  # fails when HasVpc is true
    assert merged.message == (
        "Cannot verify: it depends on deploy-time condition HasVpc: when HasVpc is true, Fails; "
        "when HasVpc is false, it passes.")
    [merged] = run(TWO, fails, fails, [], [])  # fails when IsProd is true
    assert merged.message == (
        "Cannot verify: it depends on deploy-time condition IsProd: when IsProd is true, Fails; "
        "when IsProd is false, it passes.")


def test_branches_no_one_condition_singles_out_are_spelt_out() -> None:
    fails = [f("Fails.")]
    [merged] = run(TWO, fails, [], [], fails)
    assert merged.message == (
        "Cannot verify: it depends on deploy-time conditions IsProd, HasVpc: "
        "when IsProd is true and HasVpc is true or IsProd is false and HasVpc is false, Fails; "
        "when IsProd is true and HasVpc is false or IsProd is false and HasVpc is true, "
        "it passes.")
    each = run(TWO, [f("One.")], [f("Two.")], [f("Two.")], [f("One.")])
    assert [m.message for m in each] == [
        "When IsProd is true and HasVpc is true or IsProd is false and HasVpc is false: One.",
        "When IsProd is true and HasVpc is false or IsProd is false and HasVpc is true: Two.",
    ]


def test_conditions_of_another_template_name_their_template() -> None:
    runs = [{PROD: p, OTHER: o} for p in (True, False) for o in (True, False)]
    fails = [f("Fails.")]
    [merged] = run(runs, fails, [], fails, [])  # fails when B's Other is true
    assert merged.message == (
        "Cannot verify: it depends on deploy-time condition Other of B.template.json: "
        "when Other of B.template.json is true, Fails; "
        "when Other of B.template.json is false, it passes.")
    each = run(runs, [f("One.")], [f("Two.")], [f("One.")], [f("Two.")])
    assert [m.message for m in each] == [
        "When Other of B.template.json is true: One.",
        "When Other of B.template.json is false: Two.",
    ]
    each = run(runs, [f("One.")], [f("One.")], [f("Two.")], [f("Two.")])
    assert [m.message for m in each] == [
        "When IsProd is true: One.",
        "When IsProd is false: Two.",
    ]
    # A finding in template B names B's condition plainly and A's with its template.
    [merged] = run(runs, [f("X.", template=B)], [], [], [])
    assert merged.message == (
        "Cannot verify: it depends on deploy-time conditions IsProd of A.template.json, Other: "
        "when IsProd of A.template.json is true and Other is true, X; "
        "when IsProd of A.template.json is true and Other is false or "
        "IsProd of A.template.json is false and Other is true or "
        "IsProd of A.template.json is false and Other is false, it passes.")


def test_a_finding_outside_the_templates_of_the_conditions() -> None:
    """One template holds every condition: its names are plain wherever the finding is."""
    [merged] = run(ONE, [f("X.", template=B)], [])
    assert merged.message == (
        "Cannot verify: it depends on deploy-time condition IsProd: when IsProd is true, X; "
        "when IsProd is false, it passes.")


# -- assignments ----------------------------------------------------------------------------


def builder(conditions: dict[str, Any]) -> Callable[[Assignment], Model]:
    body = {"Parameters": {"Stage": {"Type": "String"}}, "Conditions": conditions,
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}

    def build(assignment: Assignment) -> Model:
        return Model([(A, body, None)], conditions=assignment)

    return build


def test_assignments_are_every_consistent_combination() -> None:
    prod = {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    build = builder({"IsProd": prod, "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
                     "IsDev": {"Fn::Equals": [{"Ref": "Stage"}, "dev"]}})
    chosen = [(A, "IsProd"), (A, "NotProd")]
    got = [a for a, _ in assignments(chosen, build)]
    assert got == [{(A, "IsProd"): True, (A, "NotProd"): False},
                   {(A, "IsProd"): False, (A, "NotProd"): True}]
    # A condition of a template not in the model cannot contradict anything.
    got = [a for a, _ in assignments([(A, "IsDev"), (B, "Gone")], build)]
    assert got == [{(A, "IsDev"): v, (B, "Gone"): w} for v in (True, False)
                   for w in (True, False)]


def test_at_most_three_conditions_are_tried_both_ways() -> None:
    assert MAX_CONDITIONS == 3
    names = [(A, f"C{i}") for i in range(5)]
    build = builder({n: {"Fn::Equals": [{"Ref": "Stage"}, n]} for _, n in names})
    runs = list(assignments(names, build))
    assert [list(a) for a, _ in runs] == [names[:3]] * 8
    assert [tuple(a.values()) for a, _ in runs] == [
        (True, True, True), (True, True, False), (True, False, True), (True, False, False),
        (False, True, True), (False, True, False), (False, False, True), (False, False, False)]
    assert all(m.forced_conditions == a for a, m in runs)

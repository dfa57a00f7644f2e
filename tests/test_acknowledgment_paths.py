"""``acknowledgments.split`` with CDK acknowledgments: which findings the acknowledgment on a
construct path covers (that path and below, the closest one giving the reason; a finding
without a construct path is at its stack's path; the App's acknowledgment, path "", covers
all), and ``from_assembly`` / ``rule_of`` reading the IDs.
"""

from __future__ import annotations

from ecs_exec_guard.analysis.acknowledgments import (
    Acknowledgment,
    from_assembly,
    rule_of,
    split,
)
from ecs_exec_guard.analysis.findings import Finding, Severity, Suppressed

RULES = ["EcsExec-CTR1", "EcsExec-IAM2"]


def finding(logical_id: str, path: str | None, rule: str = "EcsExec-CTR1",
            template: str = "App.template.json") -> Finding:
    return Finding(rule, Severity.ERROR, template, logical_id, f"{logical_id} fails", "fix it",
                   construct_path=path)


def test_rule_of_reads_the_pack_namespace_before_the_first_separator() -> None:
    assert rule_of("EcsExec-CTR1", RULES) == "EcsExec-CTR1"
    assert rule_of("EcsExec::EcsExec-CTR1", RULES) == "EcsExec-CTR1"
    assert rule_of("Other::EcsExec-CTR1", RULES) is None
    assert rule_of("EcsExec::EcsExec-NOPE", RULES) is None
    assert rule_of("EcsExec-NOPE", RULES) is None
    # Everything after the pack's "EcsExec::" is the rule ID, separators included.
    assert rule_of("EcsExec::Sub::Rule", ["Sub::Rule"]) == "Sub::Rule"
    assert rule_of("Other::EcsExec::Rule", ["Rule", "EcsExec::Rule"]) is None


def test_from_assembly_keeps_this_packs_rules_with_the_path_stripped() -> None:
    entries = [
        ("/Xray/WebX/", "EcsExec::EcsExec-CTR1", "tmp only"),
        ("Xray/Api", "EcsExec-IAM2", "reviewed"),
        ("Xray/Db", "AwsSolutions::IAM5", "another pack"),
        ("", "EcsExec::EcsExec-NOPE", "unknown rule"),
        (" Xray/Spaced ", "EcsExec::EcsExec-CTR1", "spaces kept"),
    ]
    assert from_assembly(entries, RULES) == [
        Acknowledgment("EcsExec-CTR1", "tmp only", "cdk", path="Xray/WebX"),
        Acknowledgment("EcsExec-IAM2", "reviewed", "cdk", path="Xray/Api"),
        Acknowledgment("EcsExec-CTR1", "spaces kept", "cdk", path=" Xray/Spaced "),
    ]


def test_the_closest_acknowledged_path_covers_a_finding() -> None:
    acks = [
        Acknowledgment("EcsExec-CTR1", "the service", "cdk", path="Xray/Service"),
        Acknowledgment("EcsExec-CTR1", "the task", "cdk", path="Xray/Service/Task"),
        Acknowledgment("EcsExec-CTR1", "the stage", "cdk", path="XX"),
        Acknowledgment("EcsExec-CTR1", "a stack named XXXX", "cdk", path="XXXX"),
        Acknowledgment("EcsExec-IAM2", "roles", "cdk", path="Xray/Service/Task"),
    ]
    findings = [
        finding("Task", "/Xray/Service/Task/Resource/"),  # leading and trailing "/" ignored
        finding("Other", "Xray/Service/TaskDefinition/Resource"),  # not below .../Task
        finding("Svc", "Xray/Service"),
        finding("Elsewhere", "Xray/Db/Resource"),
        finding("Stage", "XX/Stack/Res"),
        finding("NoPath", None),  # no construct path, no stack path: not covered here
        finding("Policy", "Xray/Service/Task/Role", rule="EcsExec-IAM2"),
    ]
    kept, suppressed = split(findings, acks)
    assert kept == [findings[3], findings[5]]
    assert suppressed == [
        Suppressed(findings[0], "the task", "cdk", "Xray/Service/Task"),
        Suppressed(findings[1], "the service", "cdk", "Xray/Service"),
        Suppressed(findings[2], "the service", "cdk", "Xray/Service"),
        Suppressed(findings[4], "the stage", "cdk", "XX"),
        Suppressed(findings[6], "roles", "cdk", "Xray/Service/Task"),
    ]


def test_a_finding_without_a_construct_path_is_at_its_stacks_path() -> None:
    acks = [Acknowledgment("EcsExec-CTR1", "the stack", "cdk", path="Prod/App")]
    findings = [finding("Task", None), finding("Other", None, template="Other.template.json")]
    kept, suppressed = split(findings, acks, {"App.template.json": "/Prod/App/"})
    assert kept == [findings[1]]
    assert suppressed == [Suppressed(findings[0], "the stack", "cdk", "Prod/App")]


def test_the_apps_acknowledgment_covers_every_finding_of_its_rule() -> None:
    acks = [Acknowledgment("EcsExec-CTR1", "the whole app", "cdk", path=""),
            Acknowledgment("EcsExec-CTR1", "the stack", "cdk", path="Prod/App")]
    findings = [finding("Task", "Dev/App/Task"), finding("NoPath", None),
                finding("Near", "Prod/App/Task"),
                finding("Policy", "Dev/App/Role", rule="EcsExec-IAM2")]
    kept, suppressed = split(findings, acks)
    assert kept == [findings[3]]
    assert suppressed == [
        Suppressed(findings[0], "the whole app", "cdk", ""),
        Suppressed(findings[1], "the whole app", "cdk", ""),
        Suppressed(findings[2], "the stack", "cdk", "Prod/App"),
    ]


def test_metadata_acknowledgments_cover_their_resource_only() -> None:
    acks = [Acknowledgment("EcsExec-CTR1", "tmp only", "metadata", "App.template.json", "Task"),
            Acknowledgment("EcsExec-CTR1", "first wins", "metadata", "App.template.json", "Db"),
            Acknowledgment("EcsExec-CTR1", "second", "metadata", "App.template.json", "Db"),
            Acknowledgment("EcsExec-CTR1", "no place", "metadata"),
            Acknowledgment("EcsExec-CTR1", "elsewhere", "cdk", path="Other/Place")]
    findings = [finding("Task", "App/Task"), finding("Db", None),
                finding("Task", None, template="Other.template.json"),
                finding("Task", None, rule="EcsExec-IAM2")]
    kept, suppressed = split(findings, acks)  # the path one covers none of these findings
    assert kept == [findings[2], findings[3]]
    assert suppressed == [
        Suppressed(findings[0], "tmp only", "metadata", "App.template.json/Task"),
        Suppressed(findings[1], "first wins", "metadata", "App.template.json/Db"),
    ]
    assert split(findings, []) == (findings, [])
    assert split(findings, [acks[3]]) == (findings, [])

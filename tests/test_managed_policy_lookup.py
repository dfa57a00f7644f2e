"""``managed_policies.lookup`` and ``snapshot_description`` on their own: the recorded statements
of a known AWS managed policy, and the exact reason when one is unknown (the text IAM4 and the
other cannot-verify findings carry)."""

from __future__ import annotations

import json

from ecs_exec_guard.analysis import managed_policies as mp

RAW = json.loads(mp.DATA_FILE.read_text(encoding="utf-8"))
DATE = RAW["snapshot"]["date"]


def test_the_snapshot_description() -> None:
    commit = RAW["snapshot"]["commit"]
    assert mp.snapshot_description() == (
        f"AWS managed policies: {len(RAW['policies'])} from iann0036/iam-dataset "
        f"({DATE}, commit {commit[:12]})")


def test_a_known_policy_gives_its_recorded_statements() -> None:
    for arn, key in [
        ("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", "AmazonSSMManagedInstanceCore"),
        ("arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
         "service-role/AmazonECSTaskExecutionRolePolicy"),
    ]:
        assert mp.lookup(arn) == (RAW["policies"][key], "")
    statements, why = mp.lookup("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")
    assert statements and why == ""


def test_why_a_policy_is_unknown() -> None:
    assert mp.lookup("arn:aws:iam::123456789012:policy/Mine") == (
        None, "managed policy arn:aws:iam::123456789012:policy/Mine is not known to this tool")
    assert mp.lookup("arn:aws:iam::aws:policy/AmazonECSTaskExecutionRolePolicy") == (
        None, "managed policy arn:aws:iam::aws:policy/AmazonECSTaskExecutionRolePolicy: AWS "
        "publishes AmazonECSTaskExecutionRolePolicy as policy/service-role/"
        "AmazonECSTaskExecutionRolePolicy, not policy/AmazonECSTaskExecutionRolePolicy")
    assert mp.lookup("arn:aws:iam::aws:policy/a/b/AmazonECSTaskExecutionRolePolicy") == (
        None, "managed policy arn:aws:iam::aws:policy/a/b/AmazonECSTaskExecutionRolePolicy: AWS "
        "publishes AmazonECSTaskExecutionRolePolicy as policy/service-role/"
        "AmazonECSTaskExecutionRolePolicy, not policy/a/b/AmazonECSTaskExecutionRolePolicy")
    assert mp.lookup("arn:aws:iam::aws:policy/job-function/NoSuchPolicy") == (
        None, "managed policy arn:aws:iam::aws:policy/job-function/NoSuchPolicy is not an AWS "
        f"managed policy of the {DATE} snapshot this tool knows")


def test_the_loaded_data() -> None:
    data = mp.load()
    assert data.snapshot_date == DATE
    assert data.snapshot_commit == RAW["snapshot"]["commit"]
    assert data.repository == RAW["snapshot"]["repository"]
    assert data.actions == frozenset(a.lower() for a in RAW["actions"])
    assert data.policies == RAW["policies"]
    assert data.by_name["AmazonECSTaskExecutionRolePolicy"] == (
        "service-role/AmazonECSTaskExecutionRolePolicy")
    assert data.by_name["AdministratorAccess"] == "AdministratorAccess"

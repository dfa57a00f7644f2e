"""The rule-set version `ecs-exec-guard --version` prints between the package version and the
data snapshot (``managed_policies.snapshot_description``), so that two runs can be compared.

It is a fingerprint of every rule's ID, severity and texts: it changes when a rule is added,
removed, re-graded or reworded, without anyone having to remember to bump it.
"""

from __future__ import annotations

import hashlib

from .rules import ALL_RULES


def ruleset_version() -> str:
    """``<count> rules, <12 hex digits>``: the number of rules and their fingerprint."""
    digest = hashlib.sha256()
    for rule in ALL_RULES:
        for text in (rule.id, rule.severity.value, rule.description, rule.explanation, rule.fix):
            digest.update(text.encode("utf-8") + b"\0")
    return f"{len(ALL_RULES)} rules, {digest.hexdigest()[:12]}"

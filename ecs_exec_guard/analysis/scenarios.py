"""Both branches of ``Fn::If``: the analysis under each value of a deploy-time condition.

A condition that depends on a parameter is decided at deploy time. When a value the rules read
is ``Fn::If`` on such a condition and its branches differ, the resolver records the condition
(:attr:`Model.undecided`); the analyzer then runs the rules once per assignment of those
conditions (at most :data:`MAX_CONDITIONS` of them, contradictory assignments skipped) and
:func:`merge` folds the runs into one report, per rule and resource:

* the same findings in every branch: kept as they are (an error when every branch fails the
  same way, nothing when every branch passes);
* a failure in every branch, differently: each failure, prefixed with the branch it holds in;
* a failure in some branches only: one cannot-verify warning naming the condition, saying what
  fails in which branch and that the others pass.

Doing this at the level of whole analyses (rather than carrying both branches inside values)
means every rule and every property gets it, with no rule knowing about conditions.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator

from .findings import Finding, Severity
from .model import Model

#: At most this many conditions are evaluated both ways (2**3 analyses); others stay unknown.
MAX_CONDITIONS = 3
CANNOT_VERIFY = "Cannot verify: "

Condition = tuple[str, str]  # (template name, condition name)
Assignment = dict[Condition, bool]


def assignments(
    conditions: list[Condition], build: Callable[[Assignment], Model]
) -> Iterator[tuple[Assignment, Model]]:
    """Every consistent assignment of the conditions, with the model built under it."""
    chosen = conditions[:MAX_CONDITIONS]
    for values in itertools.product((True, False), repeat=len(chosen)):
        assignment = dict(zip(chosen, values, strict=True))
        model = build(assignment)
        if any(
            model.templates[tpl].resolver.contradicts(name)
            for tpl, name in chosen
            if tpl in model.templates
        ):
            continue
        yield assignment, model


def _label(cond: Condition, template: str, all_templates: set[str]) -> str:
    tpl, name = cond
    return name if tpl == template or len(all_templates) == 1 else f"{name} of {tpl}"


def _relevant(runs: list[Assignment], signatures: list[object]) -> list[Condition]:
    """The conditions a finding depends on: those where two branches that differ in that
    condition alone differ in the finding; all of them when no such pair tells."""
    conditions = list(runs[0])
    found = [
        c
        for c in conditions
        if any(
            signatures[i] != signatures[j]
            and all(runs[i][o] is runs[j][o] for o in conditions if o != c)
            for i in range(len(runs))
            for j in range(i + 1, len(runs))
        )
    ]
    return found or conditions


def _when(
    where: list[int],
    runs: list[Assignment],
    conditions: list[Condition],
    template: str,
    all_templates: set[str],
) -> str:
    """The branches (run indexes) ``where`` as words: "IsProd is true" when one condition's
    value singles them out, else each branch spelt out (in the given conditions only)."""
    chosen = set(where)
    for cond in conditions:
        for value in (True, False):
            if chosen == {i for i, run in enumerate(runs) if run[cond] is value}:
                return f"{_label(cond, template, all_templates)} is {str(value).lower()}"
    spelt = dict.fromkeys(
        " and ".join(
            f"{_label(c, template, all_templates)} is {str(runs[i][c]).lower()}"
            for c in conditions
        )
        for i in where
    )
    return " or ".join(spelt)


def _bare(message: str) -> str:
    return message[len(CANNOT_VERIFY):] if message.startswith(CANNOT_VERIFY) else message


def merge(runs: list[tuple[Assignment, list[Finding]]], order: list[str]) -> list[Finding]:
    """One report from the runs of every branch (see the module docstring).

    ``order`` is the rule IDs in report order.
    """
    assigned = [a for a, _ in runs]
    templates = {tpl for a in assigned for tpl, _ in a}
    groups: dict[tuple[str, str, str], list[list[Finding]]] = {}
    for i, (_, findings) in enumerate(runs):
        for f in findings:
            key = (f.rule_id, f.template, f.logical_id)
            groups.setdefault(key, [[] for _ in runs])[i].append(f)
    out: list[Finding] = []
    for (_, template, _), per_run in groups.items():
        signatures = [tuple((f.severity, f.message) for f in group) for group in per_run]
        if len(set(signatures)) == 1:
            out.extend(per_run[0])
            continue
        relevant = _relevant(assigned, list(signatures))
        if all(any(not f.unverified for f in group) for group in per_run):
            out.extend(_each_branch(per_run, assigned, relevant, template, templates))
        else:
            out.append(_depends(per_run, assigned, relevant, template, templates))
    rank = {rule_id: i for i, rule_id in enumerate(order)}
    return sorted(out, key=lambda f: rank.get(f.rule_id, len(rank)))


def _depends(
    per_run: list[list[Finding]],
    runs: list[Assignment],
    relevant: list[Condition],
    template: str,
    templates: set[str],
) -> Finding:
    """Some branches pass: one cannot-verify warning saying what holds in which branch."""
    texts: dict[str, list[int]] = {}  # what a branch says -> the branches that say it
    for i, group in enumerate(per_run):
        text = "; ".join(
            ("cannot verify: " if f.unverified else "") + _bare(f.message).rstrip(".")
            for f in group
        )
        texts.setdefault(text or "it passes", []).append(i)
    passes = texts.pop("it passes", [])
    parts = [
        f"when {_when(where, runs, relevant, template, templates)}, {text}"
        for text, where in texts.items()
    ]
    if passes:
        parts.append(f"when {_when(passes, runs, relevant, template, templates)}, it passes")
    labels = [_label(c, template, templates) for c in relevant]
    noun = "condition" if len(labels) == 1 else "conditions"
    message = (
        f"{CANNOT_VERIFY}it depends on deploy-time {noun} {', '.join(labels)}: "
        + "; ".join(parts)
        + "."
    )
    first = next(f for group in per_run for f in group)
    return dataclasses.replace(first, severity=Severity.WARNING, message=message, unverified=True)


def _each_branch(
    per_run: list[list[Finding]],
    runs: list[Assignment],
    relevant: list[Condition],
    template: str,
    templates: set[str],
) -> list[Finding]:
    """Every branch fails: each distinct finding, with the branches it holds in."""
    where: dict[tuple[Severity, str], list[int]] = {}
    first: dict[tuple[Severity, str], Finding] = {}
    for i, group in enumerate(per_run):
        for f in group:
            key = (f.severity, f.message)
            where.setdefault(key, []).append(i)
            first.setdefault(key, f)
    out: list[Finding] = []
    for key, runs_in in where.items():
        f = first[key]
        if len(runs_in) == len(runs):
            out.append(f)
            continue
        phrase = _when(runs_in, runs, relevant, template, templates)
        message = (
            f"{CANNOT_VERIFY}when {phrase}, {_bare(f.message)}"
            if f.unverified
            else f"When {phrase}: {f.message}"
        )
        out.append(dataclasses.replace(f, message=message))
    return out

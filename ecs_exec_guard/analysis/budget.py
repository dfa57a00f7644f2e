"""Work budgets: caps on the analysis work that grows with the product of two input sizes.

The input limits (:mod:`.limits`) bound how much is read; these bound what a crafted template
can make the analysis do with it. Such work comes from one value standing for many (an export
imported in thousands of places, ten imports of an export that joins ten imports of another
...), one policy applying to thousands of principals, or thousands of launches meeting
thousands of endpoints and rules. Each such place spends from a budget; once it is spent, the
values and answers it would have produced become Unknown, so the findings they feed are
"Cannot verify" warnings that name the budget, never a silent pass.

Each budget is a base plus an allowance per resource of the input, so that honest input, however
large, stays below it (bench/RESULTS.md, "Hostile input", shows honest templates at the size
limits, the shapes that reach the budgets, and what they cost).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Units of resolved values handed out more than once (imports, outputs, mappings, nested
#: parameters, Fn::Sub insertions, Fn::Split items): one per list/dict/scalar, one per 64
#: characters of text.
VALUE_UNITS = 1_000_000
#: Policy statements gathered for principals (one policy attached to many roles counts for
#: each of them).
STATEMENT_UNITS = 200_000
#: Network checks: security group rules compared, endpoints and routes considered per launch.
NETWORK_UNITS = 1_000_000
#: What each budget grows by per resource of the input.
PER_RESOURCE = 16
#: No single string the resolver builds is longer than this (characters).
MAX_TEXT = 4 * 1024 * 1024
CHARS_PER_UNIT = 64


@dataclass
class Budget:
    """One budget: ``what`` is counted in ``units``."""

    what: str
    units: int
    spent: int = 0

    def spend(self, units: int) -> bool:
        """Count ``units``; False once the budget is spent (it stays spent)."""
        self.spent += units
        return self.spent <= self.units

    @property
    def left(self) -> int:
        return max(0, self.units - self.spent)

    @property
    def exhausted(self) -> bool:
        return self.spent > self.units

    @property
    def reason(self) -> str:
        return (
            f"the input needs more than {self.units:,} {self.what} to analyse, "
            "the budget against crafted input"
        )


def scaled(what: str, base: int, resources: int) -> Budget:
    """A budget of ``base`` units plus :data:`PER_RESOURCE` per resource of the input."""
    return Budget(what, base + PER_RESOURCE * resources)


@dataclass
class Budgets:
    """The budgets of one analysis, shared by the runs of its ``Fn::If`` branches (up to nine
    models of the same input), so that branches do not multiply the work a budget allows."""

    value: Budget
    statements: Budget
    network: Budget

    @classmethod
    def for_input(cls, resources: int) -> Budgets:
        return cls(
            value=scaled("resolved values", VALUE_UNITS, resources),
            statements=scaled(
                "policy statement units gathered for principals", STATEMENT_UNITS, resources
            ),
            network=scaled("network checks (rules, routes, endpoints)", NETWORK_UNITS, resources),
        )


def weight(value: Any, cap: int) -> int:
    """The size of a resolved value as its consumers will walk it, counting shared parts each
    time they occur; stops counting past ``cap`` (so it costs at most about ``cap`` steps)."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        total += 1
        if isinstance(item, str):
            total += len(item) // CHARS_PER_UNIT
        elif isinstance(item, dict | list):
            if total + len(item) > cap:
                return cap + 1  # without copying a large container's items
            stack.extend(item.values() if isinstance(item, dict) else item)
        if total > cap:
            return total
    return total

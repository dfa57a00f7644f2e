"""The rules, in their stable order. IDs are part of the public interface."""

from __future__ import annotations

from .access import ACC1, ACC2
from .base import Context, Options, Rule
from .cluster import CFG1
from .container import CTR1, CTR2, CTR3, CTR4, CTR5
from .enable import ENB1
from .iam import IAM1, IAM2, IAM3, IAM4
from .inputs import INP1
from .network import NET1, NET2, NET3, NET4, NET5, NET6, NET7, NET8
from .platform import PLT1, PLT2

ALL_RULES: tuple[type[Rule], ...] = (
    IAM1,
    IAM2,
    IAM3,
    IAM4,
    CTR1,
    CTR2,
    CTR3,
    CTR4,
    CTR5,
    PLT1,
    PLT2,
    NET1,
    NET2,
    NET3,
    NET4,
    NET5,
    NET6,
    NET7,
    NET8,
    CFG1,
    ACC1,
    ACC2,
    ENB1,
    INP1,
)

RULES_BY_ID: dict[str, type[Rule]] = {r.id: r for r in ALL_RULES}

__all__ = ["ALL_RULES", "RULES_BY_ID", "Context", "Options", "Rule"]

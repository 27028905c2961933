"""Reproducible spot-check samples (R17): anyone with the seed, rate and candidates re-derives the sample."""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal


def _rank(seed: str, decision_id: int) -> str:
    # A keyed hash, not random.Random: the same on every Python version and platform.
    return hashlib.sha256(f"{seed}:{decision_id}".encode()).hexdigest()


# The group a candidate is counted in: the reviewer who decided it (a user id), or the system that
# registered it by itself (its code); the minimum applies per group.
Group = int | str | None


def draw_sample(
    candidates: Iterable[tuple[int, Group]], *, rate: Decimal, minimum_per_reviewer: int, seed: str
) -> list[int]:
    """Decision ids to re-review, from (decision id, reviewer id or system code) pairs.

    Per reviewer (or system): ceil(rate × their decisions), at least `minimum_per_reviewer` (or all they made),
    chosen by the smallest SHA-256 of seed:decision id. Order-independent and deterministic.
    """
    if not Decimal(0) <= rate <= Decimal(1):
        raise ValueError("抽查比例应在 0 到 1 之间")
    if minimum_per_reviewer < 0:
        raise ValueError("每名审核人员最少抽查数不能为负数")
    by_reviewer: dict[Group, list[int]] = defaultdict(list)
    for decision_id, reviewer_id in candidates:
        by_reviewer[reviewer_id].append(decision_id)
    sample: list[int] = []
    for decisions in by_reviewer.values():
        want = max(math.ceil(rate * len(decisions)), minimum_per_reviewer)
        sample.extend(sorted(decisions, key=lambda d: _rank(seed, d))[: min(want, len(decisions))])
    return sorted(sample)

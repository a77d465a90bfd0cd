"""Employer resolution across files and years (OFLC publishes no employer id).

Records are compared only within blocks that share a normalized name, phone, FEIN or a
first name word in one state, so the work grows with the data, not its square. A pair
is the same employer when its evidence adds up to ``MATCH``: FEIN, phone, name
similarity (rapidfuzz), place and agent each count, a different FEIN counts against.
Every merge keeps its score and reasons, and every employer keeps every record it came
from. Debarment entries are not employers: flags match them afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from rapidfuzz import fuzz

from leads.guestworker.records import GwRecord, show_phone
from leads.ids import stable_id

MATCH = 0.6
MAX_BLOCK = 400  # a block this large is a common word, not evidence


@dataclass
class Match:
    a: str
    b: str
    score: float
    reasons: list[str]


@dataclass
class Employer:
    id: str
    name: str
    aliases: list[str]
    records: list[GwRecord]
    matches: list[Match] = field(default_factory=list)

    def values(self, attr: str) -> list[str]:
        return sorted({str(getattr(r, attr)) for r in self.records if getattr(r, attr)})


def best_similarity(keys: list[str], others: list[str]) -> float:
    """The best rapidfuzz token-sort similarity (0–1) between two sets of name keys."""
    return max((fuzz.token_sort_ratio(x, y) for x in keys for y in others), default=0.0) / 100


def pair_score(a: GwRecord, b: GwRecord) -> tuple[float, list[str]]:
    """How strongly two records point at one employer, and why (plain words)."""
    score, reasons = 0.0, []
    if a.fein and b.fein:
        if a.fein == b.fein:
            score += 0.6
            reasons.append(f"same FEIN {a.fein[:2]}-{a.fein[2:]}")
        else:
            score -= 0.4
            reasons.append("different FEINs")
    if a.phone and a.phone == b.phone:
        score += 0.45
        reasons.append(f"same phone {show_phone(a.phone)}")
    similarity = best_similarity(a.name_keys, b.name_keys)
    if similarity >= 0.95:
        score += 0.55  # with the same state, enough: WHD joins disclosures this way
        reasons.append(f"same name ({similarity:.2f})")
    elif similarity >= 0.85:
        score += 0.3
        reasons.append(f"similar names ({similarity:.2f})")
    if a.state and a.state == b.state:
        score += 0.05
        if a.city and a.city == b.city:
            score += 0.1
            reasons.append(f"same city {a.city.title()}, {a.state}")
    elif a.state and b.state:
        score -= 0.2
        reasons.append("different states")
    if a.address_key and a.address_key == b.address_key:
        score += 0.2
        reasons.append(f"same address {a.address}")
    if a.agent_key and a.agent_key == b.agent_key:
        score += 0.1
        reasons.append(f"same agent {a.agent}")
    return round(score, 3), reasons


def blocks(records: Iterable[GwRecord]) -> dict[str, list[GwRecord]]:
    out: dict[str, list[GwRecord]] = defaultdict(list)
    for r in records:
        keys = {f"name:{k}" for k in r.name_keys}
        keys |= {f"word:{k.split()[0]}:{r.state}" for k in r.name_keys if k}
        if r.phone:
            keys.add(f"phone:{r.phone}")
        if r.fein:
            keys.add(f"fein:{r.fein}")
        for key in keys:
            out[key].append(r)
    return out


def resolve(records: Iterable[GwRecord]) -> list[Employer]:
    """Groups employer records (not debarment entries) into employers."""
    people = [r for r in records if r.dataset != "debarment" and r.name_keys]
    parent = {r.id: r.id for r in people}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    candidates: list[Match] = []
    seen: set[tuple[str, str]] = set()
    for members in blocks(people).values():
        if len(members) < 2 or len(members) > MAX_BLOCK:
            continue
        for a, b in combinations(members, 2):
            key = (a.id, b.id) if a.id < b.id else (b.id, a.id)
            if key in seen:
                continue
            seen.add(key)
            score, reasons = pair_score(a, b)
            if score >= MATCH:
                candidates.append(Match(key[0], key[1], score, reasons))
    # Strongest evidence first; two groups holding different FEINs never merge through
    # a third record that has none (a FEIN is one legal entity).
    feins = {r.id: {r.fein} if r.fein else set() for r in people}
    matches: list[Match] = []
    for m in sorted(candidates, key=lambda m: (-m.score, m.a, m.b)):
        ra, rb = find(m.a), find(m.b)
        if ra == rb:
            matches.append(m)
            continue
        if feins[ra] and feins[rb] and not feins[ra] & feins[rb]:
            continue
        root, child = min(ra, rb), max(ra, rb)
        parent[child] = root
        feins[root] = feins[ra] | feins[rb]
        matches.append(m)
    groups: dict[str, list[GwRecord]] = defaultdict(list)
    for r in people:
        groups[find(r.id)].append(r)
    kept: dict[str, list[Match]] = defaultdict(list)
    for m in matches:
        kept[find(m.a)].append(m)
    employers = []
    for root, members in groups.items():
        members.sort(key=lambda r: (-(r.fiscal_year or 0), r.dataset, r.row))
        aliases = list(dict.fromkeys(n for r in members for n in r.names))
        # The newest disclosure's name leads; WHD and job orders only when nothing else.
        lead = next((r for r in members if r.dataset in ("h2a", "h2b")), members[0])
        employers.append(
            Employer(
                id=stable_id("employer", min(r.id for r in members)),
                name=lead.names[0],
                aliases=aliases,
                records=members,
                matches=kept[root],
            )
        )
    employers.sort(key=lambda e: e.id)
    return employers


def any_match(keys: list[str], others: list[str], threshold: float = 0.9) -> float:
    """Best similarity between two sets of normalized names, 0 below ``threshold``."""
    best = best_similarity(keys, others)
    return best if best >= threshold else 0.0

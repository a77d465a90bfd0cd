"""Employer resolution across files and years (OFLC publishes no employer id).

Records are compared only within blocks that share a normalized name, phone, FEIN or a
first name word in one state, so the work grows with the data, not its square. A pair
is the same employer when its evidence adds up to ``MATCH``: FEIN, phone, name
similarity (rapidfuzz), place and agent each count, a different FEIN counts against.
The pairs are sifted in bulk (numpy, rapidfuzz's ``cpdist``) before :func:`pair_score`
scores the few that could reach ``MATCH``: the result is what scoring every pair gives.
Every merge keeps its score and reasons, and every employer keeps every record it came
from. Debarment entries are not employers: flags match them afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from leads.guestworker.records import GwRecord, show_phone
from leads.ids import stable_id

MATCH = 0.6
MAX_BLOCK = 400  # a block this large is a common word, not evidence
# What names add to a pair's score at most, and the similarities (0-100) that add it.
NAME_WEIGHTS = ((95.0, 0.55), (85.0, 0.3))


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
    return _scored(a, b, best_similarity(a.name_keys, b.name_keys))


def _scored(a: GwRecord, b: GwRecord, similarity: float) -> tuple[float, list[str]]:
    """:func:`pair_score` given the pair's best name similarity (0-1)."""
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
    for a, b, similarity in _likely_pairs(people):
        score, reasons = _scored(a, b, similarity)
        if score >= MATCH:
            key = (a.id, b.id) if a.id < b.id else (b.id, a.id)
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


def _likely_pairs(people: list[GwRecord]) -> list[tuple[GwRecord, GwRecord, float]]:
    """Every pair of records sharing a block (each pair of ids once, in the order of its
    first block) that :func:`pair_score` could score ``MATCH`` or more, with its best
    name similarity (0-1; 0 below 0.84, where names add nothing); the other pairs are
    left out. Evidence is added up for all pairs at once, names last, and a pair stays
    whenever its best possible total reaches ``MATCH``."""
    at = {id(r): i for i, r in enumerate(people)}
    firsts, seconds = [], []
    for members in blocks(people).values():
        if 2 <= len(members) <= MAX_BLOCK:
            index = np.fromiter((at[id(r)] for r in members), np.int64, len(members))
            i, j = _combinations(len(members))
            firsts.append(index[i])
            seconds.append(index[j])
    if not firsts:
        return []
    a, b = np.concatenate(firsts), np.concatenate(seconds)
    # One pair of ids once: the first time it meets (a record's id may repeat).
    ids = _codes([r.id for r in people], empty_is_none=False)
    low, high = np.minimum(ids[a], ids[b]), np.maximum(ids[a], ids[b])
    _, first = np.unique(low * len(people) + high, return_index=True)
    first.sort()
    a, b = a[first], b[first]
    # Everything but the names, as pair_score adds it (0.01: its sums are in 0.05 steps).
    score = np.zeros(len(a))
    fein = _codes([r.fein for r in people])
    both = (fein[a] >= 0) & (fein[b] >= 0)
    score += np.where(both, np.where(fein[a] == fein[b], 0.6, -0.4), 0.0)
    for attr, weight in (("phone", 0.45), ("address_key", 0.2), ("agent_key", 0.1)):
        code = _codes([getattr(r, attr) for r in people])
        score += np.where((code[a] >= 0) & (code[a] == code[b]), weight, 0.0)
    state, city = _codes([r.state for r in people]), _codes([r.city for r in people])
    same_state = (state[a] >= 0) & (state[a] == state[b])
    score += np.where(same_state, 0.05, 0.0)
    score += np.where(same_state & (city[a] >= 0) & (city[a] == city[b]), 0.1, 0.0)
    score -= np.where(~same_state & (state[a] >= 0) & (state[b] >= 0), 0.2, 0.0)
    need = MATCH - 0.01 - score
    top = NAME_WEIGHTS[0][1]
    maybe = np.flatnonzero(need <= top)
    similarity = _best_similarities(people, a[maybe], b[maybe])
    names = np.zeros(len(maybe))
    for threshold, weight in reversed(NAME_WEIGHTS):
        names = np.where(similarity >= threshold - 0.01, weight, names)
    kept = names >= need[maybe]
    firsts, seconds = a[maybe[kept]].tolist(), b[maybe[kept]].tolist()
    pairs = zip(firsts, seconds, (similarity[kept] / 100).tolist(), strict=True)
    return [(people[x], people[y], sim) for x, y, sim in pairs]


@lru_cache(maxsize=MAX_BLOCK + 1)
def _combinations(size: int) -> tuple[np.ndarray, np.ndarray]:
    """The index pairs of ``itertools.combinations(range(size), 2)``, in its order."""
    return np.triu_indices(size, k=1)


def _codes(values: list[str | None], empty_is_none: bool = True) -> np.ndarray:
    """Equal values as equal integers, a missing (or empty) value as -1."""
    seen: dict[str, int] = {}
    out = np.fromiter(
        (
            -1 if empty_is_none and not v else seen.setdefault(v, len(seen))  # type: ignore[arg-type]
            for v in values
        ),
        np.int64,
        len(values),
    )
    return out


def _best_similarities(people: list[GwRecord], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """best_similarity (0-100) of each pair's name keys, in bulk; scores under 84 are 0."""
    if not len(a):
        return np.zeros(0)
    # token_sort_ratio is the plain ratio of the words sorted: sort each key once.
    keys = [[" ".join(sorted(k.split())) for k in r.name_keys] for r in people]
    count = np.fromiter((len(k) for k in keys), np.int64, len(keys))
    start = np.concatenate(([0], np.cumsum(count)[:-1]))
    flat = [k for ks in keys for k in ks]
    combos = count[a] * count[b]
    pair = np.repeat(np.arange(len(a)), combos)
    offset = np.arange(len(pair)) - np.repeat(np.cumsum(combos) - combos, combos)
    left = start[a][pair] + offset // count[b][pair]
    right = start[b][pair] + offset % count[b][pair]
    texts = np.array(flat, dtype=object)
    scores = process.cpdist(
        texts[left].tolist(),
        texts[right].tolist(),
        scorer=fuzz.ratio,
        score_cutoff=84,
        dtype=np.float64,  # the very value fuzz.token_sort_ratio gives
    )
    return np.maximum.reduceat(scores, np.cumsum(combos) - combos)


def any_match(keys: list[str], others: list[str], threshold: float = 0.9) -> float:
    """Best similarity between two sets of normalized names, 0 below ``threshold``."""
    best = best_similarity(keys, others)
    return best if best >= threshold else 0.0

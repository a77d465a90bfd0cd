"""Employer resolution sifts pairs in bulk before scoring them: it must keep exactly the
pairs that scoring every pair of every block would match, with the same scores and
reasons. Checked against that brute force on the sample files and on random records
made to hit every kind of evidence (fictional names, 555-01xx phones)."""

from __future__ import annotations

import random
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from demo.guestworker_samples import write_sample_set
from leads.guestworker.files import FileReport, read_records
from leads.guestworker.records import GwRecord, from_row
from leads.guestworker.resolve import (
    MATCH,
    MAX_BLOCK,
    _best_similarities,
    _likely_pairs,
    _scored,
    best_similarity,
    blocks,
    pair_score,
)

Scored = tuple[str, str, float, tuple[str, ...]]


def brute_force(people: list[GwRecord]) -> list[Scored]:
    """What resolution did before sifting: every pair of every block, scored."""
    seen: set[tuple[str, str]] = set()
    out = []
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
                out.append((a.id, b.id, score, tuple(reasons)))
    return out


def sifted(people: list[GwRecord]) -> list[Scored]:
    out = []
    for a, b, similarity in _likely_pairs(people):
        score, reasons = _scored(a, b, similarity)
        if score >= MATCH:
            out.append((a.id, b.id, score, tuple(reasons)))
    return out


def random_records(seed: int, n: int = 700) -> list[GwRecord]:
    rng = random.Random(seed)
    words = ["Fakename", "Sample", "Demo", "Example", "Pseudo", "Mock"]
    kinds = ["Farms", "Orchards", "Harvest", "Ranch", "Produce Co", "Labor LLC"]
    cities = [("Tifton", "GA"), ("Moultrie", "GA"), ("Yuma", "AZ"), ("Salinas", "CA"), ("", "GA")]
    records = []
    for row in range(2, n + 2):
        name = f"{rng.choice(words)} {rng.choice(kinds)}"
        if rng.random() < 0.2:
            name = " ".join(reversed(name.split()))  # same words, another order
        if rng.random() < 0.1:
            name += f" dba {rng.choice(words)} {rng.choice(kinds)}"  # two name keys
        if rng.random() < 0.1:
            name = name.upper() + " INC"
        if rng.random() < 0.3:  # a typo: similar names, near the 0.85 and 0.95 marks
            at = rng.randrange(len(name))
            name = name[:at] + name[at + 1 :] if rng.random() < 0.5 else name[:at] + "x" + name[at:]
        city, state = rng.choice(cities)
        values = {
            "case_number": f"H-300-24{rng.randint(1, 40):03d}-{row:06d}"
            if rng.random() < 0.95
            else "H-300-24001-000002",  # an id that repeats
            "employer_name": name,
            "employer_city": city or None,
            "employer_state": state if rng.random() < 0.95 else None,
            "employer_phone": f"(229) 555-01{rng.randint(0, 15):02d}"
            if rng.random() < 0.7
            else None,
            "employer_fein": f"00-00001{rng.randint(0, 12):02d}" if rng.random() < 0.6 else None,
            "employer_address": f"{rng.randint(1, 4)} Example Rd" if rng.random() < 0.5 else None,
            "agent_name": rng.choice(["Demo Visa Services", "Lorem Labor Consulting", None]),
        }
        dataset = "whd" if rng.random() < 0.2 else "h2a"
        if dataset == "whd":
            values = {
                "case_id": values["case_number"],
                "legal_name": name,
                "city": city or None,
                "state": values["employer_state"],
            }
        records.append(from_row(dataset, values, "random.xlsx", "0" * 64, row, 2024))  # type: ignore[arg-type]
    return [r for r in records if r.name_keys]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sifting_keeps_exactly_the_pairs_scoring_every_pair_matches(seed: int) -> None:
    people = random_records(seed)
    expected = brute_force(people)
    assert len(expected) > 500  # the records do hit each other
    assert sifted(people) == expected


def test_sifting_on_the_sample_files_changes_no_match(tmp_path: Path) -> None:
    files = write_sample_set(tmp_path, h2a_rows=300)
    records = []
    for path in files.values():
        records += [
            r
            for r in read_records(path, "0" * 64, FileReport(file=path.name))
            if isinstance(r, GwRecord)
        ]
    people = [r for r in records if r.dataset != "debarment" and r.name_keys]
    expected = brute_force(people)
    assert len(expected) > 100
    assert sifted(people) == expected


def test_bulk_name_similarity_is_token_sort_ratio() -> None:
    people = random_records(4, n=300)
    rng = np.random.default_rng(4)
    a = rng.integers(0, len(people), 3000)
    b = rng.integers(0, len(people), 3000)
    bulk = _best_similarities(people, a, b)
    for x, y, got in zip(a, b, bulk, strict=True):
        want = best_similarity(people[x].name_keys, people[y].name_keys) * 100
        assert got == (want if want >= 84 else 0.0)

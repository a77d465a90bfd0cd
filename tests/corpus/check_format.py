"""Checks labeled files against the corpus format (LABELING.md) without running any
extraction, so a labeler can validate a file without seeing what the rules find.

    python3 tests/corpus/check_format.py FILE.jsonl [...]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

# The taxonomy's names, copied so a labeler runs this with a bare python3 (no project
# environment); tests/test_devset.py checks they stay the same as leads/taxonomy.yaml.
CATEGORIES = {
    "sex": {
        "youth", "ethnicity", "obscured_contact", "trust_language", "multiple_providers",
        "third_party", "risky_services", "always_available", "movement", "coded_emoji",
    },
    "labor": {
        "recruitment_fees", "debt", "document_retention", "wage_withholding",
        "excessive_hours", "housing_control", "movement_restriction", "deceptive_offer",
        "isolation", "threats",
    },
}  # fmt: skip
VALUE = {
    "phone": re.compile(r"\+1\d{3}55501\d\d"),
    "email": re.compile(r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}"),
    "url": re.compile(r"https?://\S+"),
    "social_handle": re.compile(
        r"(instagram|snapchat|telegram|whatsapp|x|tiktok|onlyfans|kik):[^@\s]\S*"
    ),
    "payment_handle": re.compile(
        r"(cashapp:\$[A-Za-z0-9]+|(venmo|paypal|zelle):[^@\s]+|zelle:\S+@\S+)"
    ),
    "crypto_address": re.compile(
        r"[13][1-9A-HJ-NP-Za-km-z]{25,34}|bc1[a-z0-9]{8,87}|0x[0-9a-fA-F]{40}"
    ),
    "location": re.compile(r"([^,]+, [A-Z]{2}|[A-Z]{2})"),
    "age": re.compile(r"\d{1,2}"),
    "price": re.compile(r"\d+(\.\d+)?"),
}  # fmt: skip
KEYS = {"id", "lang", "domain", "text", "categories", "entities", "source"}


def problems(path: Path, seen: set[str]) -> list[str]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name}:{n}"
        try:
            r = json.loads(line)
        except ValueError as exc:
            out.append(f"{where}: not JSON ({exc})")
            continue
        if set(r) != KEYS:
            out.append(f"{where}: keys {sorted(r)} (want {sorted(KEYS)})")
            continue
        if r["id"] in seen:
            out.append(f"{where}: id {r['id']} repeated")
        seen.add(r["id"])
        if r["lang"] not in ("en", "es") or r["domain"] not in ("sex", "labor", "benign"):
            out.append(f"{where}: lang/domain {r['lang']}/{r['domain']}")
        for c in r["categories"]:
            if c not in CATEGORIES["sex"] | CATEGORIES["labor"]:
                out.append(f"{where}: unknown category {c!r}")
        for e in r["entities"]:
            pattern = VALUE.get(e.get("type", ""))
            if pattern is None or not pattern.fullmatch(str(e.get("value", ""))):
                out.append(f"{where}: entity {e} malformed")
        if len(r["source"]) < 5:
            out.append(f"{where}: source too short")
    return out


if __name__ == "__main__":
    seen: set[str] = set()
    found = [p for f in sys.argv[1:] for p in problems(Path(f), seen)]
    print("\n".join(found) or f"ok: {len(seen)} texts")
    sys.exit(1 if found else 0)

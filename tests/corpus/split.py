"""Splits a batch of labeled texts once into the development part (tuned on) and the
test part (only measured): a text's part is fixed by a hash of its id, so re-running
the split never moves a text from one part to the other.

    python3 tests/corpus/split.py tests/corpus/batch1/*.jsonl

Writes tests/corpus/dev/NAME.jsonl and tests/corpus/test/NAME.jsonl for each input.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
TEST_SHARE = 0.4  # of every batch, measured only


def part(text_id: str) -> str:
    digest = int(hashlib.sha256(text_id.encode()).hexdigest()[:8], 16)
    return "test" if digest / 0xFFFFFFFF < TEST_SHARE else "dev"


def main(paths: list[str]) -> None:
    for name in paths:
        path = Path(name)
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        parts: dict[str, list[str]] = {"dev": [], "test": []}
        for line in lines:
            parts[part(json.loads(line)["id"])].append(line)
        for which, chosen in parts.items():
            out = HERE / which / path.name
            out.parent.mkdir(exist_ok=True)
            out.write_text("".join(f"{ln}\n" for ln in chosen), encoding="utf-8")
        print(f"{path.name}: {len(parts['dev'])} dev, {len(parts['test'])} test")


if __name__ == "__main__":
    main(sys.argv[1:])

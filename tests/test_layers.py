"""The layers point one way (shared/ARCHITECTURE.md):

    dags -> lantern -> (crawlers, nlp) -> leads

``leads`` (the domain) imports none of the others; ``crawlers`` and ``nlp`` import only
``leads``, never each other; ``lantern`` (the application) joins them; DAG files stay
thin. The demo and the tests are never imported by the product. Every import counts,
including those inside functions.

    python -m tests.test_layers     # prints which package imports which, and how often
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("leads", "nlp", "crawlers", "lantern", "dags", "demo", "benchmarks", "tests")
# What each package may import besides itself (third-party and the standard library
# are not checked).
ALLOWED: dict[str, set[str]] = {
    "leads": set(),
    "nlp": {"leads"},
    "crawlers": {"leads"},
    "lantern": {"leads", "nlp", "crawlers"},
    # DAG files stay thin: they declare and wire; the work and its imports are lantern's.
    "dags": {"lantern"},
    "demo": {"lantern", "crawlers", "nlp", "leads"},
    "benchmarks": {"demo", "lantern", "crawlers", "nlp", "leads"},
    "tests": {"demo", "lantern", "crawlers", "nlp", "leads", "dags", "benchmarks"},
}


def _package_of(path: Path) -> str:
    return path.relative_to(ROOT).parts[0]


def _module_name(path: Path) -> list[str]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def imports(path: Path) -> list[tuple[str, int]]:
    """(imported top-level package, line) for every import in a file, relative
    imports resolved against the file's own package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _module_name(path)
                if path.name != "__init__.py":
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                found.append((base[0] if base else "", node.lineno))
            elif node.module:
                found.append((node.module.split(".")[0], node.lineno))
    return found


def edges() -> tuple[Counter[tuple[str, str]], list[str]]:
    """How often each package imports each other one, and every forbidden import."""
    counts: Counter[tuple[str, str]] = Counter()
    forbidden = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for target, line in imports(path):
                if target not in PACKAGES or target == package:
                    continue
                counts[(package, target)] += 1
                if target not in ALLOWED[package]:
                    where = path.relative_to(ROOT)
                    forbidden.append(f"{where}:{line}: {package} imports {target}")
    return counts, forbidden


def report() -> list[str]:
    counts, forbidden = edges()
    lines = [f"{a:>10} -> {b:<10} {n:4d}" for (a, b), n in sorted(counts.items())]
    return lines + [f"FORBIDDEN {f}" for f in forbidden]


def test_every_import_points_down_the_layers() -> None:
    _, forbidden = edges()
    assert forbidden == []


def test_the_product_imports_neither_the_demo_nor_the_tests() -> None:
    counts, _ = edges()
    product = ("leads", "nlp", "crawlers", "lantern", "dags")
    assert [(a, b) for (a, b) in counts if a in product and b in ("demo", "tests")] == []


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    # The rule would pass vacuously if imports went unseen: parse one of each kind.
    sample = ROOT / "leads" / "models.py"
    seen = {target for target, _ in imports(sample)}
    assert "leads" in seen and "pydantic" in seen
    fake = tmp_path / "x.py"
    fake.write_text("def f():\n    from crawlers.social import registry\n    import nlp.pipeline\n")
    assert [t for t, _ in imports(fake)] == ["crawlers", "nlp"]


if __name__ == "__main__":
    print("\n".join(report()))

"""Pattern phrases split once and remembered (``nlp/patterndocs.py``): what the cache
gives is what the tokenizer gives, and a bad cache file costs time, never results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import spacy
from spacy.attrs import LOWER, ORTH

from nlp.contacts import LONG_PLATFORM_NAMES
from nlp.patterndocs import PhraseTokens, pattern_maker
from nlp.patterns import load_rules
from nlp.phones import SPELLED_GATE
from nlp.places import load_gazetteer


def _phrases() -> tuple[list[str], list[str]]:
    """Every phrase the pipeline matches by lower case, and every one by exact spelling."""
    lower = [*SPELLED_GATE, *LONG_PLATFORM_NAMES]
    for rule in load_rules():
        lower += rule.phrases or [p for step in rule.sequence or [] for p in step]
    g = load_gazetteer()
    exact = [*g.cities, *g.states, *g.aliases]
    exact += [n.upper() for n in exact if " " in n]
    return lower, exact


def test_cached_splits_give_the_ids_of_tokenized_pattern_docs(tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    make_doc = pattern_maker(nlp)
    lower, exact = _phrases()
    cold = PhraseTokens(nlp, tmp_path)
    assert not cold.path.exists()
    first = [cold.lower(p) for p in lower], [cold.orth(p) for p in exact]
    cold.save()
    assert cold.path.exists()
    warm = PhraseTokens(nlp, tmp_path)
    second = [warm.lower(p) for p in lower], [warm.orth(p) for p in exact]
    tokenized = (
        [tuple(make_doc(p).to_array(LOWER).tolist()) for p in lower],
        [tuple(make_doc(p).to_array(ORTH).tolist()) for p in exact],
    )
    assert first == second == tokenized
    # A word that is one of spaCy's symbols has the symbol's id, not its string's hash.
    assert warm.lower("pay to agent")[-1] == nlp.vocab.strings["agent"] < 1000


def test_a_bad_or_stale_cache_file_is_not_trusted_and_is_replaced(tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    right = PhraseTokens(nlp, tmp_path).lower("don't keep my passport")
    path = PhraseTokens(nlp, tmp_path).path
    good = {"format": 1, "key": PhraseTokens(nlp, tmp_path).key}
    bodies = [
        b"\xff\xfe not utf-8",
        b'{"key": "',
        b"[1, 2]",
        *(
            json.dumps(data).encode()
            for data in (
                {**good, "key": "0" * 64, "tokens": {"don't keep my passport": ["x"]}},
                {**good, "tokens": {"don't keep my passport": ["keep", "my", "passport"]}},
                {**good, "tokens": {"don't keep my passport": [1, 2]}},
                {**good, "tokens": ["not", "a", "map"]},
            )
        ),
    ]
    for body in bodies:
        path.write_bytes(body)
        phrases = PhraseTokens(nlp, tmp_path)
        assert phrases.lower("don't keep my passport") == right, body
        phrases.save()
        saved = json.loads(path.read_text(encoding="utf-8"))
        assert saved["tokens"]["don't keep my passport"] == ["do", "n't", "keep", "my", "passport"]
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left


def test_an_unwritable_cache_folder_only_costs_time(tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder would be")
    phrases = PhraseTokens(nlp, blocked / "nlp")
    assert phrases.orth("Kansas City") == (
        nlp.vocab.strings["Kansas"],
        nlp.vocab.strings["City"],
    )
    phrases.save()  # cannot write: no error
    assert not (blocked / "nlp").exists()


def test_the_cache_key_changes_with_the_tokenizer_rules(tmp_path: Path) -> None:
    plain = spacy.blank("en")
    changed = spacy.blank("en")
    tokenizer: Any = changed.tokenizer
    tokenizer.add_special_case("passport", [{"ORTH": "pass"}, {"ORTH": "port"}])
    a, b = PhraseTokens(plain, tmp_path), PhraseTokens(changed, tmp_path)
    assert a.path != b.path
    assert len(a.lower("keep passport")) == 2 and len(b.lower("keep passport")) == 3

"""Where the pipeline keeps its results on a Doc: the ``doc._.lantern_*`` extensions.

``put``/``get`` use the storage spaCy's extensions use (``doc.user_data``) directly,
without building an ``Underscore`` object per access, which costs more than the values
are worth on the hot path. ``doc._.lantern_entities`` etc. read the same values.
"""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc

NAMES = ("lantern_entities", "lantern_places", "lantern_indicators")
TEXT_KEY = "lantern_text"

for _name in NAMES:
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


def put(doc: Doc, name: str, value: object) -> None:
    doc.user_data[("._.", name, None, None)] = value  # type: ignore[index]


def get(doc: Doc, name: str) -> Any:
    return doc.user_data.get(("._.", name, None, None))  # type: ignore[call-overload]


def doc_text(doc: Doc) -> str:
    """The input string (kept by the pipeline's tokenizer), rebuilt only if missing."""
    text = doc.user_data.get(TEXT_KEY)
    return text if isinstance(text, str) else doc.text

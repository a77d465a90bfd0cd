"""The one strict model base and the one way a validation error is told to a person.

Every model Lantern reads from outside (records, profiles, registry entries, rules,
layouts) refuses fields it does not know, and a refusal names the field that failed:
``provenance.sha256: String should match pattern …``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError


class Strict(BaseModel):
    """A model that refuses unknown fields, and NaN or infinity where a number belongs
    (they are not JSON, and Elasticsearch refuses them)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("provenance", "sha256")`` as ``provenance.sha256``."""
    return ".".join(str(part) for part in loc) or "record"


def validation_message(exc: ValidationError) -> str:
    """The first error of ``exc`` as ``field.path: message`` (and how many more)."""
    errors = exc.errors()
    if not errors:
        return str(exc)
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{field_path(first['loc'])}: {first['msg']}{more}"

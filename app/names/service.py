"""Keeping a record's names, its display `name` and its untagged `alt_names` in step."""

from typing import Any

from app.core.errors import BadRequest
from app.names.schemas import IdentifierScheme, check_identifier
from app.names.text import detect_language


def plain(items: list[Any] | None) -> list[dict[str, Any]] | None:
    """Names or identifiers as stored: JSON values, without empty optional fields."""
    if items is None:
        return None
    return [
        {key: str(value) for key, value in dict(item).items() if value is not None}
        for item in items
    ]


def _entry(value: str, kind: str, previous: list[dict[str, Any]]) -> dict[str, Any]:
    # A name kept from before keeps its tags; a new untagged one gets what its script tells.
    for name in previous:
        if name["value"] == value:
            return {**name, "kind": kind} if kind == "preferred" else dict(name)
    return {"value": value, "lang": detect_language(value), "kind": kind}


def resolve_names(
    *,
    name: str,
    names: list[dict[str, Any]] | None,
    alt_names: list[str] | None,
    previous: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The names to store: `names` as given (with `name` added as preferred if absent), or,
    from clients that send only `name` and `alt_names`, those tagged as before or detected."""
    if names is not None:
        if any(entry["value"] == name for entry in names):
            return names
        return [_entry(name, "preferred", previous), *names]
    if alt_names is None:
        alt_names = [entry["value"] for entry in previous if entry["value"] != name]
    resolved = [_entry(name, "preferred", previous)]
    for value in alt_names:
        if value != name and all(entry["value"] != value for entry in resolved):
            resolved.append(_entry(value, "alternative", previous))
    return resolved


def alternative_values(name: str, names: list[dict[str, Any]]) -> list[str]:
    """`alt_names` as older clients read them: every other name, once, in order."""
    values: list[str] = []
    for entry in names:
        if entry["value"] != name and entry["value"] not in values:
            values.append(entry["value"])
    return values


def parse_identifier(value: str) -> tuple[str, str]:
    """`scheme:value` as a pair, or `BadRequest` saying what is wrong."""
    scheme, separator, identifier = value.partition(":")
    try:
        if not separator:
            raise ValueError("identifier must be scheme:value, e.g. wikidata:Q5859")
        known = IdentifierScheme(scheme.strip())
    except ValueError as error:
        choices = ", ".join(item.value for item in IdentifierScheme)
        message = str(error) if not separator else f"unknown scheme {scheme!r}; use {choices}"
        raise BadRequest(f"{message}.") from None
    try:
        return known.value, check_identifier(known, identifier)
    except ValueError as error:
        raise BadRequest(f"{error}.") from None

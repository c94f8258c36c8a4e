"""Posted forms as the API's input models, and their errors as messages beside each field.

A form is checked by the very schema the JSON API uses (`AssessmentCreate`,
`RestorationCreate`, `ReviewDecision`…), then by the same service, so the pages accept and
refuse exactly what the API does; only the shape of the errors differs.
"""

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app.core.errors import RegistryError
from app.core.sessions import CSRF_FIELD

ModelT = TypeVar("ModelT", bound=BaseModel)
# Fields of the page itself, not of the record: the CSRF token and which button was pressed.
PAGE_FIELDS = frozenset({CSRF_FIELD, "action"})

FieldErrors = dict[str, str]


def form_values(form: FormData, *, lists: Iterable[str] = ()) -> dict[str, Any]:
    """The record's fields from a form: empty fields left out (browsers send every field),
    `lists` as lists (checkboxes), `a.b` names as nested objects (an amount and currency)."""
    lists = frozenset(lists)
    values: dict[str, Any] = {name: [] for name in lists}
    for name in dict.fromkeys(form.keys()):
        if name in PAGE_FIELDS:
            continue
        if name in lists:
            values[name] = [v for v in form.getlist(name) if isinstance(v, str) and v.strip()]
            continue
        value = form.get(name)
        if not isinstance(value, str) or not value.strip():
            continue
        outer, _, inner = name.partition(".")
        if inner:
            values.setdefault(outer, {})[inner] = value
        else:
            values[name] = value
    return values


def _message(text: str) -> str:
    # pydantic prefixes the messages of custom validators; people need only the reason.
    return text.removeprefix("Value error, ")


def field_errors(errors: Iterable[Mapping[str, Any]]) -> FieldErrors:
    """Errors keyed by the form field they concern (`estimated_cost.amount`, `causes`…), the
    first message for each."""
    found: FieldErrors = {}
    for error in errors:
        parts = [str(part) for part in error.get("loc", ()) if part != "body"]
        while parts and parts[-1].isdigit():  # an item of a list: the list's field
            parts.pop()
        found.setdefault(".".join(parts) or "form", _message(str(error.get("msg", ""))))
    return found


def validate(model: type[ModelT], values: dict[str, Any]) -> tuple[ModelT | None, FieldErrors]:
    """The values as the API's model, or the errors beside each field."""
    try:
        return model.model_validate(values), {}
    except ValidationError as error:
        return None, field_errors(error.errors(include_url=False))


def service_errors(error: RegistryError) -> FieldErrors:
    """The fields a service's refusal names (`errors` of its problem document), if any."""
    return field_errors(error.extra.get("errors") or [])


def shown_values(form: FormData, *, lists: Iterable[str] = ()) -> dict[str, Any]:
    """The form as it was filled in, to show it again beside its errors."""
    lists = frozenset(lists)
    shown: dict[str, Any] = {name: [] for name in lists}
    for name in dict.fromkeys(form.keys()):
        if name in PAGE_FIELDS:
            continue
        values = [v for v in form.getlist(name) if isinstance(v, str)]
        shown[name] = values if name in lists else (values[0] if values else "")
    return shown

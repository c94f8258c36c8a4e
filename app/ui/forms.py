"""Posted forms as the API's input models, and their errors as messages beside each field.

A form is checked by the very schema the JSON API uses (`AssessmentCreate`,
`RestorationCreate`, `ReviewDecision`…), then by the same service, so the pages accept and
refuse exactly what the API does; only the shape of the errors differs.
"""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from fastapi import Request, Response
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from app.assessments import service as assessments
from app.assessments.models import AssessmentStatus
from app.core.actors import ANONYMOUS
from app.core.browser_sessions import CSRF_FIELD
from app.core.errors import RegistryError, Unprocessable
from app.core.schemas import TEXT_INPUT
from app.core.time import today_utc
from app.monuments.models import Monument
from app.ui.pages import PageInstead, render
from app.ui.views import CHOICES, HISTORY_LIMIT

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
        # Form fields are text: "40" for a percentage, "on" for a checkbox.
        return model.model_validate(values, **TEXT_INPUT), {}
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


def record_form(
    request: Request,
    session: Session,
    monument: Monument,
    template: str,
    *,
    values: dict[str, Any],
    errors: FieldErrors | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    """The form of a record about the monument (a damage or restoration assessment), empty
    or as it was sent with its errors."""
    verified = assessments.list_history(
        session=session,
        monument_id=monument.id,
        caller=ANONYMOUS,  # verified ones only: what a correction may name
        status=AssessmentStatus.verified,
        limit=HISTORY_LIMIT,
    )
    return render(
        request,
        template,
        status_code=status_code,
        monument=monument,
        values=values,
        errors=errors or {},
        problem=problem,
        verified=verified,
        today=today_utc(),
        **CHOICES,
    )


@contextmanager
def record_posted(
    request: Request,
    session: Session,
    monument: Monument,
    template: str,
    form: FormData,
    model: type[ModelT],
    *,
    lists: Iterable[str] = (),
) -> Iterator[ModelT]:
    """The posted form of a record about the monument as the API's `model`, around the
    service calls that store it. A form the model refuses (422) or the service refuses is
    shown again with its errors, raised as `PageInstead`, so the request rolls back."""
    shown = shown_values(form, lists=lists)

    def again(errors: FieldErrors, problem: str | None, status_code: int) -> PageInstead:
        page = record_form(
            request,
            session,
            monument,
            template,
            values=shown,
            errors=errors,
            problem=problem,
            status_code=status_code,
        )
        return PageInstead(page)

    fields, errors = validate(model, form_values(form, lists=lists))
    if fields is None:
        raise again(errors, None, 422)
    try:
        yield fields
    except Unprocessable as refusal:
        raise again(service_errors(refusal), refusal.detail, refusal.status) from refusal

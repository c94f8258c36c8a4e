"""The property layer on the web pages: a site's criteria-to-missions page, and forms to
record and edit each attribute, factor, corrective measure, benchmark, decision, mission and
monument component. Each form is checked by the API's schema and stored by its service."""

import re
from collections.abc import Callable
from enum import Enum
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel
from sqlmodel import Session
from starlette.datastructures import FormData

from app.core.dependencies import ReadSessionDep, WriteSessionDep
from app.core.errors import Unprocessable
from app.core.http import etag_for
from app.core.http import render as render_json
from app.monuments import service as monuments
from app.monuments.dependencies import LockedMonumentDep, MonumentDep
from app.monuments.models import Monument
from app.property import schemas
from app.property import service as property_records
from app.property.models import MonumentComponent, PropertyAttribute
from app.property.vocabulary import factors
from app.sites import service as sites
from app.sites.dependencies import LockedSiteDep, SiteDep
from app.ui import forms
from app.ui.dependencies import CheckedFormDep, UiStaffDep
from app.ui.pages import PageInstead, redirect, render

router = APIRouter()

Kind = Literal[
    "attributes", "factors", "corrective-measures", "benchmarks", "decisions", "missions"
]
KindPath = Annotated[Kind, Path(description="The kind of record of the property.")]
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ComponentId = Annotated[int, Path(ge=1, le=2**31 - 1)]

# Each kind's form: (field, how it is entered, label). Ways: text, textarea, date, choice (the
# schema's enum), factor (the standard list), monuments / components / attributes (of the
# site, as checkboxes), ids (source ids, comma-separated), lines (one per line), checkbox.
FIELDS: dict[str, list[tuple[str, str, str]]] = {
    "attributes": [
        ("name", "text", "Name"),
        ("description", "textarea", "Description"),
        ("monument_ids", "monuments", "Carried by these monuments"),
        ("component_ids", "components", "and these components"),
        ("source_ids", "ids", "Source ids (comma-separated)"),
    ],
    "factors": [
        ("code", "factor", "Factor (standard list)"),
        ("status", "choice", "Current or potential"),
        ("since", "date", "Since"),
        ("note", "textarea", "Note"),
        ("monument_ids", "monuments", "Monuments it affects"),
        ("attribute_ids", "attributes", "Attributes it affects"),
        ("source_ids", "ids", "Source ids (comma-separated)"),
        ("confirmed", "checkbox", "Confirmed by staff"),
    ],
    "corrective-measures": [
        ("text", "textarea", "Measure"),
        ("responsible_body", "text", "Responsible body"),
        ("status", "choice", "Status"),
        ("started_on", "date", "Started on"),
        ("due_on", "date", "Due on"),
        ("completed_on", "date", "Completed on"),
        ("source_ids", "ids", "Source ids (comma-separated)"),
    ],
    "benchmarks": [
        ("text", "textarea", "Benchmark (Desired state of conservation)"),
        ("status", "choice", "Status"),
        ("evidence", "textarea", "Evidence"),
        ("source_ids", "ids", "Source ids (comma-separated)"),
    ],
    "decisions": [
        ("session", "text", "Committee session"),
        ("code", "text", "Decision code (e.g. 40 COM 7A.20)"),
        ("decided_on", "date", "Decided on"),
        ("text", "textarea", "What it decides"),
        ("url", "text", "URL"),
        ("source_ids", "ids", "Source ids (comma-separated)"),
    ],
    "missions": [
        ("type", "choice", "Type"),
        ("started_on", "date", "Started on"),
        ("ended_on", "date", "Ended on"),
        ("organisations", "lines", "Organisations (one per line)"),
        ("findings", "textarea", "Findings"),
        ("source_ids", "ids", "Source ids (comma-separated)"),
    ],
    "components": [
        ("name", "text", "Name (cella, gateway…)"),
        ("description", "textarea", "Description"),
        ("source_ids", "ids", "Source ids (comma-separated)"),
    ],
}
CREATE: dict[str, type[BaseModel]] = {
    "attributes": schemas.AttributeCreate,
    "factors": schemas.FactorCreate,
    "corrective-measures": schemas.CorrectiveMeasureCreate,
    "benchmarks": schemas.BenchmarkCreate,
    "decisions": schemas.DecisionCreate,
    "missions": schemas.MissionCreate,
    "components": schemas.ComponentCreate,
}
UPDATE: dict[str, type[BaseModel]] = {
    "attributes": schemas.AttributeUpdate,
    "factors": schemas.FactorUpdate,
    "corrective-measures": schemas.CorrectiveMeasureUpdate,
    "benchmarks": schemas.BenchmarkUpdate,
    "decisions": schemas.DecisionUpdate,
    "missions": schemas.MissionUpdate,
    "components": schemas.ComponentUpdate,
}
LABELS = {
    "attributes": "attribute",
    "factors": "factor",
    "corrective-measures": "corrective measure",
    "benchmarks": "benchmark",
    "decisions": "decision",
    "missions": "mission",
    "components": "component",
}
FORM = "property_form.html"


def _choices(kind: str, field: str) -> list[str]:
    annotation = CREATE[kind].model_fields[field].annotation
    return [member.value for member in annotation] if isinstance(annotation, type) and issubclass(
        annotation, Enum
    ) else []  # fmt: skip


def _ids(text: str) -> list[int] | None:
    parts = [part for part in re.split(r"[\s,]+", text.strip()) if part]
    return [int(part) for part in parts] if all(p.isdigit() for p in parts) else None


def _values(kind: str, form: FormData, *, editing: bool) -> tuple[dict[str, Any], dict]:
    """The record's fields from the form (empty fields: left out when recording, cleared
    when editing), and what the form shows again."""
    values: dict[str, Any] = {}
    shown: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, way, _ in FIELDS[kind]:
        if way in ("monuments", "components", "attributes"):
            picked = [v for v in form.getlist(field) if isinstance(v, str) and v.isdigit()]
            values[field] = [int(v) for v in picked]
            shown[field] = picked
        elif way == "checkbox":
            values[field] = form.get(field) == "on"
            shown[field] = values[field]
        else:
            text = form.get(field)
            text = text.strip() if isinstance(text, str) else ""
            shown[field] = text
            if way == "ids":
                found = _ids(text)
                if found is None:
                    errors[field] = "must be source ids (numbers) separated by commas"
                values[field] = found or []
            elif way == "lines":
                values[field] = [line.strip() for line in text.splitlines() if line.strip()]
            elif text:
                values[field] = text
            elif editing:
                values[field] = None
    return values, {"shown": shown, "errors": errors}


def _page(
    request: Request,
    session: Session,
    kind: str,
    *,
    site_id: int,
    action: str,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    etag: str | None = None,
    monument: Monument | None = None,
    status_code: int = 200,
) -> Response:
    site = sites.get_site(session=session, site_id=site_id)
    site_monuments = [m for m in _monuments_of(session, site_id) if m.deleted_at is None]
    return render(
        request,
        FORM,
        status_code=status_code,
        site=site,
        monument=monument,
        kind=kind,
        label=LABELS[kind],
        fields=FIELDS[kind],
        choices={field: _choices(kind, field) for field, way, _ in FIELDS[kind] if way == "choice"},
        standard=list(factors().values()),
        site_monuments=site_monuments,
        site_components=property_records.components_of_site(session=session, site_id=site_id),
        site_attributes=property_records.list_records(
            session=session, model=PropertyAttribute, site_id=site_id
        ),
        action=action,
        values=values,
        errors=errors or {},
        problem=problem,
        etag=etag,
    )


def _monuments_of(session: Session, site_id: int) -> list[Monument]:
    from sqlmodel import select

    return list(
        session.exec(select(Monument).where(Monument.site_id == site_id).order_by(Monument.id))
    )


def _shown(record: Any) -> dict[str, Any]:
    """A stored record as its form shows it."""
    shown: dict[str, Any] = {}
    kind = _kind_of(record)
    for field, way, _ in FIELDS[kind]:
        value = getattr(record, field)
        if way in ("monuments", "components", "attributes"):
            shown[field] = [str(v) for v in value]
        elif way == "ids":
            shown[field] = ", ".join(str(v) for v in value)
        elif way == "lines":
            shown[field] = "\n".join(value)
        elif way == "checkbox":
            shown[field] = bool(value)
        else:
            shown[field] = "" if value is None else str(getattr(value, "value", value))
    return shown


def _kind_of(record: Any) -> str:
    if isinstance(record, MonumentComponent):
        return "components"
    return next(k for k, m in property_records.SITE_RECORDS.items() if isinstance(record, m))


def _etag(record: Any) -> str:
    return etag_for(render_json(property_records.present(record)))


def _record(session: Session, kind: str, record_id: int, *, lock: bool) -> Any:
    model = MonumentComponent if kind == "components" else property_records.SITE_RECORDS[kind]
    return property_records.get_record(
        session=session, model=model, record_id=record_id, for_update=lock
    )


def _site_of(session: Session, record: Any) -> tuple[int, Monument | None]:
    if isinstance(record, MonumentComponent):
        monument = monuments.get_monument(session=session, monument_id=record.monument_id)
        return monument.site_id, monument
    return record.site_id, None


# --- the property page ------------------------------------------------------------------


@router.get("/sites/{site_id}/property")
def read_property(request: Request, site: SiteDep, session: ReadSessionDep) -> Response:
    """The site as the World Heritage Committee sees it: criteria, attributes, factors,
    corrective measures, benchmarks, decisions and missions, with links to edit each."""
    records = {
        kind: [
            property_records.present(r)
            for r in property_records.list_records(session=session, model=model, site_id=site.id)
        ]
        for kind, model in property_records.SITE_RECORDS.items()
    }
    return render(
        request,
        "property.html",
        site=site,
        records=records,
        labels=LABELS,
        site_monuments=[m for m in _monuments_of(session, site.id) if m.deleted_at is None],
        components=property_records.components_of_site(session=session, site_id=site.id),
    )


# --- recording and editing a record of a site -------------------------------------------


@router.get("/sites/{site_id}/property/{kind}/new")
def new_property_record(
    request: Request, caller: UiStaffDep, site: SiteDep, kind: KindPath, session: ReadSessionDep
) -> Response:
    """The form for a new record of the property (staff, admin)."""
    return _page(
        request,
        session,
        kind,
        site_id=site.id,
        action=f"/ui/sites/{site.id}/property/{kind}",
        values={"confirmed": True},
    )


@router.post("/sites/{site_id}/property/{kind}")
def create_property_record(
    request: Request,
    form: CheckedFormDep,
    caller: UiStaffDep,
    site: LockedSiteDep,
    kind: KindPath,
    session: WriteSessionDep,
) -> Response:
    """Record the form's record of the property."""
    record = _create(
        request,
        form,
        session,
        kind,
        site_id=site.id,
        action=f"/ui/sites/{site.id}/property/{kind}",
        make=lambda fields: property_records.create_record(
            session=session,
            site=site,
            model=property_records.SITE_RECORDS[kind],
            fields=fields,
            actor=caller,
        ),
    )
    return redirect(f"/ui/sites/{site.id}/property#{kind}-{record.id}")


@router.get("/property/{kind}/{record_id}/edit")
def edit_property_record(
    request: Request,
    caller: UiStaffDep,
    kind: KindPath,
    record_id: RecordId,
    session: ReadSessionDep,
) -> Response:
    """The form to change a record of the property (staff, admin)."""
    record = _record(session, kind, record_id, lock=False)
    return _page(
        request,
        session,
        kind,
        site_id=record.site_id,
        action=f"/ui/property/{kind}/{record_id}",
        values=_shown(record),
        etag=_etag(record),
    )


@router.post("/property/{kind}/{record_id}")
def update_property_record(
    request: Request,
    form: CheckedFormDep,
    caller: UiStaffDep,
    kind: KindPath,
    record_id: RecordId,
    session: WriteSessionDep,
) -> Response:
    """Change a record of the property, unless someone changed it since the form was opened."""
    record = _record(session, kind, record_id, lock=True)
    return _update(request, form, caller, session, kind, record, f"/ui/property/{kind}/{record_id}")


def _again(
    request: Request,
    session: Session,
    kind: str,
    site_id: int,
    action: str,
    monument: Monument | None,
    shown: dict[str, Any],
    etag: str | None = None,
) -> Callable[..., Response]:
    """The form as it was sent, to show again beside its `errors`, `problem` and status."""
    return partial(
        _page,
        request,
        session,
        kind,
        site_id=site_id,
        action=action,
        monument=monument,
        values=shown,
        etag=etag,
    )


def _create(
    request: Request,
    form: FormData,
    session: Session,
    kind: str,
    *,
    site_id: int,
    action: str,
    make: Callable[[dict[str, Any]], Any],
    monument: Monument | None = None,
) -> Any:
    """The record `make` stores from the form's fields; a form the schema or the service
    refuses is shown again with its errors (raised as `PageInstead`: nothing is kept)."""
    values, page = _values(kind, form, editing=False)
    again = _again(request, session, kind, site_id, action, monument, page["shown"])
    return _stored(CREATE[kind], values, page, again, lambda fields: make(fields.model_dump()))


def _stored(
    schema: type[BaseModel],
    values: dict[str, Any],
    page: dict,
    again: Callable[..., Response],
    store: Callable[[Any], Any],
) -> Any:
    """What `store` returns for the form's values checked by `schema`; refused values (422)
    or a refusal of the service show the form `again`, raised as `PageInstead`."""
    checked, errors = forms.validate(schema, values)
    errors = page["errors"] | errors
    if checked is None or errors:
        raise PageInstead(again(errors=errors, status_code=422))
    try:
        return store(checked)
    except Unprocessable as refusal:
        raise PageInstead(
            again(
                errors=forms.service_errors(refusal),
                problem=refusal.detail,
                status_code=refusal.status,
            )
        ) from refusal


def _update(
    request: Request,
    form: FormData,
    caller: Any,
    session: Session,
    kind: str,
    record: Any,
    action: str,
) -> Response:
    site_id, monument = _site_of(session, record)
    values, page = _values(kind, form, editing=True)

    sent = form.get("etag")
    etag = sent if isinstance(sent, str) else None
    # With the version the form was opened at, so that a second try still checks it.
    again = _again(request, session, kind, site_id, action, monument, page["shown"], etag)
    if etag != _etag(record):
        return again(
            problem=f"This {LABELS[kind]} was changed by someone else since the form was "
            "opened; open it again to see the change, then edit.",
            status_code=412,
        )
    _stored(
        UPDATE[kind],
        values,
        page,
        again,
        lambda changes: property_records.update_record(
            session=session, record=record, changes=changes.changes(), actor=caller
        ),
    )
    if monument is not None:
        return redirect(f"/ui/monuments/{monument.id}#component-{record.id}")
    return redirect(f"/ui/sites/{site_id}/property#{kind}-{record.id}")


# --- components of a monument -----------------------------------------------------------


@router.get("/monuments/{monument_id}/components/new")
def new_component(
    request: Request, caller: UiStaffDep, monument: MonumentDep, session: ReadSessionDep
) -> Response:
    """The form for a new part of the monument (staff, admin)."""
    return _page(
        request,
        session,
        "components",
        site_id=monument.site_id,
        monument=monument,
        action=f"/ui/monuments/{monument.id}/components",
        values={},
    )


@router.post("/monuments/{monument_id}/components")
def create_component(
    request: Request,
    form: CheckedFormDep,
    caller: UiStaffDep,
    monument: LockedMonumentDep,
    session: WriteSessionDep,
) -> Response:
    """Record the form's component of the monument."""
    component = _create(
        request,
        form,
        session,
        "components",
        site_id=monument.site_id,
        monument=monument,
        action=f"/ui/monuments/{monument.id}/components",
        make=lambda fields: property_records.create_component(
            session=session, monument=monument, fields=fields, actor=caller
        ),
    )
    return redirect(f"/ui/monuments/{monument.id}#component-{component.id}")


@router.get("/components/{component_id}/edit")
def edit_component(
    request: Request, caller: UiStaffDep, component_id: ComponentId, session: ReadSessionDep
) -> Response:
    """The form to change a component (staff, admin)."""
    component = _record(session, "components", component_id, lock=False)
    site_id, monument = _site_of(session, component)
    return _page(
        request,
        session,
        "components",
        site_id=site_id,
        monument=monument,
        action=f"/ui/components/{component_id}",
        values=_shown(component),
        etag=_etag(component),
    )


@router.post("/components/{component_id}")
def update_component(
    request: Request,
    form: CheckedFormDep,
    caller: UiStaffDep,
    component_id: ComponentId,
    session: WriteSessionDep,
) -> Response:
    """Change a component, unless someone changed it since the form was opened."""
    component = _record(session, "components", component_id, lock=True)
    return _update(
        request, form, caller, session, "components", component, f"/ui/components/{component_id}"
    )

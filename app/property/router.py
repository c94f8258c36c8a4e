"""HTTP routes of the property layer: /api/v1/sites/{site_id}/{factors, attributes,
corrective-measures, benchmarks, decisions, missions}, each record at /api/v1/{kind}/{id};
/api/v1/monuments/{monument_id}/components and /api/v1/components/{component_id};
/api/v1/standard-factors. Staff write; all roles read."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlmodel import Session

from app.core.actors import Caller
from app.core.auth import StaffDep, get_caller
from app.core.dependencies import ReadSessionDep, WriteSessionDep, path_loaders
from app.core.http import JsonBody, created_response, require_if_match, resource_response
from app.core.pagination import Page, PagingDep
from app.monuments.dependencies import LockedMonumentDep, MonumentDep
from app.property import schemas, service
from app.property.models import MonumentComponent
from app.property.vocabulary import factors, primary_factors
from app.sites.dependencies import LockedSiteDep, SiteDep

router = APIRouter(prefix="/api/v1", tags=["property"], dependencies=[Depends(get_caller)])

RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]


# (path segment, id parameter, create body, update body, read body)
KINDS: dict[str, tuple[str, type, type, type]] = {
    "attributes": (
        "attribute_id",
        schemas.AttributeCreate,
        schemas.AttributeUpdate,
        schemas.AttributeRead,
    ),
    "factors": ("factor_id", schemas.FactorCreate, schemas.FactorUpdate, schemas.FactorRead),
    "corrective-measures": (
        "measure_id",
        schemas.CorrectiveMeasureCreate,
        schemas.CorrectiveMeasureUpdate,
        schemas.CorrectiveMeasureRead,
    ),
    "benchmarks": (
        "benchmark_id",
        schemas.BenchmarkCreate,
        schemas.BenchmarkUpdate,
        schemas.BenchmarkRead,
    ),
    "decisions": (
        "decision_id",
        schemas.DecisionCreate,
        schemas.DecisionUpdate,
        schemas.DecisionRead,
    ),
    "missions": ("mission_id", schemas.MissionCreate, schemas.MissionUpdate, schemas.MissionRead),
}


@router.get("/standard-factors", response_model=schemas.StandardFactorList)
def list_standard_factors(request: Request) -> Response:
    """The World Heritage Committee's standard list of factors, primary and secondary."""
    secondary = list(factors().values())
    listing = schemas.StandardFactorList(
        primary=[
            schemas.PrimaryFactor(
                code=code,
                name=name,
                secondary=[
                    schemas.StandardFactor(**vars(factor))
                    for factor in secondary
                    if factor.primary_code == code
                ],
            )
            for code, name in primary_factors().items()
        ]
    )
    return resource_response(request, listing)


def _loaders(model: type, parameter: str) -> tuple[Any, Any]:
    # The path names the id after its kind (`{factor_id}`), as every other route does.
    def load(*, session: Session, for_update: bool, **named: int) -> Any:
        return service.get_record(
            session=session, model=model, record_id=named[parameter], for_update=for_update
        )

    return path_loaders(load, parameter, RecordId)


# Each kind's four routes, named `{verb}_{kind}` (`list_factors`, `update_factors`…).
_METHODS = {"list": "GET", "create": "POST", "read": "GET", "update": "PATCH"}


def _updated(
    request: Request, caller: Caller, record: Any, changes: Any, session: Session
) -> Response:
    # A site's record and a monument's component change alike: only the version `If-Match`
    # names, and the answer is the record as changed.
    require_if_match(request, service.present(record))
    record = service.update_record(
        session=session, record=record, changes=changes.changes(), actor=caller
    )
    return resource_response(request, service.present(record))


def _add_site_routes(kind: str) -> None:
    parameter, create_body, update_body, read_body = KINDS[kind]
    model = service.SITE_RECORDS[kind]
    name = kind.replace("-", "_")
    read, locked = _loaders(model, parameter)
    record_dep = Annotated[Any, read]
    locked_record_dep = Annotated[Any, locked]

    def list_site_records(site: SiteDep, session: ReadSessionDep, paging: PagingDep) -> Response:
        records = paging.rows_from(
            service.list_records, session=session, model=model, site_id=site.id
        )
        return paging.respond(records, present=lambda page: [service.present(r) for r in page])

    def create_site_record(
        request: Request,
        caller: StaffDep,
        _: JsonBody,
        site: LockedSiteDep,
        body: create_body,  # type: ignore[valid-type]
        session: WriteSessionDep,
    ) -> Response:
        record = service.create_record(
            session=session, site=site, model=model, fields=body.model_dump(), actor=caller
        )
        return created_response(
            request, service.present(record), location=f"{router.prefix}/{kind}/{record.id}"
        )

    def read_record(request: Request, record: record_dep) -> Response:
        return resource_response(request, service.present(record))

    def update_record(
        request: Request,
        caller: StaffDep,
        _: JsonBody,
        record: locked_record_dep,
        changes: update_body,  # type: ignore[valid-type]
        session: WriteSessionDep,
    ) -> Response:
        return _updated(request, caller, record, changes, session)

    label = service._NAMES[model]
    collection, item = f"/sites/{{site_id}}/{kind}", f"/{kind}/{{{parameter}}}"

    def route(path: str, endpoint: Callable[..., Response], verb: str, **options: Any) -> None:
        options.setdefault("response_model", read_body)
        router.add_api_route(
            path, endpoint, methods=[_METHODS[verb]], name=f"{verb}_{name}", **options
        )

    route(
        collection,
        list_site_records,
        "list",
        response_model=Page[read_body],
        summary=f"The property's {label}s",
        description=f"The {label}s of the property, a page at a time.",
    )
    route(
        collection,
        create_site_record,
        "create",
        status_code=201,
        summary=f"Record a {label} (staff, admin)",
    )
    route(item, read_record, "read", summary=f"One {label}")
    route(
        item,
        update_record,
        "update",
        summary=f"Change a {label} (staff, admin); needs `If-Match` with its ETag",
    )


for _kind in KINDS:
    _add_site_routes(_kind)


_read_component, _lock_component = _loaders(MonumentComponent, "component_id")
ComponentDep = Annotated[MonumentComponent, _read_component]
LockedComponentDep = Annotated[MonumentComponent, _lock_component]


@router.get("/monuments/{monument_id}/components", response_model=Page[schemas.ComponentRead])
def list_components(monument: MonumentDep, session: ReadSessionDep, paging: PagingDep) -> Response:
    """A monument's parts (cella, temenos, gateway…), a page at a time."""
    components = paging.rows_from(service.list_components, session=session, monument_id=monument.id)
    return paging.respond(components, present=lambda page: [service.present(c) for c in page])


@router.post(
    "/monuments/{monument_id}/components", status_code=201, response_model=schemas.ComponentRead
)
def create_component(
    request: Request,
    caller: StaffDep,
    _: JsonBody,
    monument: LockedMonumentDep,
    component_in: schemas.ComponentCreate,
    session: WriteSessionDep,
) -> Response:
    """Record a part of a monument (staff, admin); assessments may then judge it."""
    component = service.create_component(
        session=session, monument=monument, fields=component_in.model_dump(), actor=caller
    )
    return created_response(
        request, service.present(component), location=f"{router.prefix}/components/{component.id}"
    )


@router.get("/components/{component_id}", response_model=schemas.ComponentRead)
def read_component(request: Request, component: ComponentDep) -> Response:
    """One component of a monument."""
    return resource_response(request, service.present(component))


@router.patch("/components/{component_id}", response_model=schemas.ComponentRead)
def update_component(
    request: Request,
    caller: StaffDep,
    _: JsonBody,
    component: LockedComponentDep,
    changes: schemas.ComponentUpdate,  # type: ignore[valid-type]
    session: WriteSessionDep,
) -> Response:
    """Change a component (staff, admin); needs `If-Match` with its ETag."""
    return _updated(request, caller, component, changes, session)

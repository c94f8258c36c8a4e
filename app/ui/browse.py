"""Browsing the registry: sites, monuments, their reports and photos."""

from collections import Counter
from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from sqlmodel import Session

from app.assessments import service as assessments
from app.catalogue import service as catalogue
from app.core.actors import Caller
from app.core.auth import limit_anonymous_report
from app.core.dependencies import ReadSessionDep, StorageDep
from app.core.http import link_to
from app.core.pagination import CursorParam, decode_cursor, decode_key_cursor, next_page_cursor
from app.core.time import TimeAxes, today_utc
from app.monuments.dependencies import MonumentDep
from app.monuments.models import Monument
from app.photos import evidence
from app.photos import service as photos
from app.photos.dependencies import PhotoDep
from app.reports import service as reports
from app.reports.formats import report_response
from app.reports.schemas import level_or_unassessed
from app.restoration import service as restorations
from app.restoration.models import RestorationAssessment
from app.restoration.schemas import RestorationRead
from app.sites import service as sites
from app.sites.dependencies import SiteDep
from app.ui import forms, views
from app.ui.dependencies import PageTimeAxesDep, UiCallerDep
from app.ui.pages import render
from app.ui.schemas import MonumentListFilters
from app.ui.views import HISTORY_LIMIT, PAGE_SIZE

router = APIRouter()

SITE_LIMIT = 200
MAP_LIMIT = 500
PHOTO_PAGE = 48
RESTORATION_LIMIT = 50
EVIDENCE_LIMIT = 100


@router.get("/")
def home(request: Request, caller: UiCallerDep, session: ReadSessionDep) -> Response:
    """The sites, with how many of their monuments are at each damage level."""
    found = sites.list_sites(session=session, country=None, after_id=None, limit=SITE_LIMIT)
    summary = reports.registry_summary(session=session, group_by="site", country=None)
    return render(
        request,
        "home.html",
        sites=found[:SITE_LIMIT],
        more_sites=len(found) > SITE_LIMIT,
        counts={group.key: group for group in summary.groups},
        legend=views.LEGEND,
    )


@router.get("/monuments")
def list_monuments(
    request: Request, caller: UiCallerDep, session: ReadSessionDep, cursor: CursorParam = None
) -> Response:
    """Monuments filtered by site, type, damage level and text, a page at a time."""
    names = ("site_id", "type", "damage_level", "q")
    given = {name: request.query_params.get(name, "") for name in names}
    chosen, errors = forms.validate(
        MonumentListFilters, {name: value for name, value in given.items() if value.strip()}
    )
    shown, next_cursor = [], None
    if chosen is not None:
        exact = caller.sees_exact_locations
        search = chosen.q
        # A ranked search resumes after a (score, id) pair, every other listing after an id.
        after = decode_key_cursor(cursor, (int, int) if search else (int,))
        found = catalogue.list_monuments(
            session=session,
            filters=catalogue.MonumentFilters(
                site_id=chosen.site_id,
                type=chosen.type,
                text=search,
                damage_level=chosen.damage_level,
            ),
            exact_locations=exact,
            after_id=int(after[-1]) if after else None,
            after_score=int(after[0]) if after and search else None,
            limit=PAGE_SIZE,
        )
        next_cursor = next_page_cursor(
            found,
            limit=PAGE_SIZE,
            sort_key=(lambda row: catalogue.search_cursor_key(row, search))
            if search
            else (lambda row: (row.id,)),
        )
        shown = catalogue.present_many(
            session=session, monuments=found[:PAGE_SIZE], exact_locations=exact, search=search
        )
    site_names = {
        site.id: site.name
        for site in sites.list_sites(session=session, country=None, after_id=None, limit=SITE_LIMIT)
    }
    return render(
        request,
        "monuments.html",
        status_code=422 if errors else 200,
        monuments=shown,
        given=given,
        errors=errors,
        site_names=site_names,
        next_url=link_to(request, request.url.include_query_params(cursor=next_cursor))
        if next_cursor
        else None,
        **views.CHOICES,
    )


@router.get("/sites/{site_id}")
def read_site(
    request: Request,
    caller: UiCallerDep,
    site: SiteDep,
    session: ReadSessionDep,
    axes: PageTimeAxesDep,
) -> Response:
    """A site: its map of monuments coloured by condition on a date (a date control redraws
    it, and the counts), the monuments, its report."""
    exact = caller.sees_exact_locations
    found = catalogue.list_monuments(
        session=session,
        filters=catalogue.MonumentFilters(site_id=site.id, axes=axes),
        exact_locations=exact,
        after_id=None,
        limit=MAP_LIMIT,
    )
    shown = catalogue.present_many(
        session=session, monuments=found[:MAP_LIMIT], exact_locations=exact, axes=axes
    )
    counts = Counter(level_or_unassessed(m.current_condition) for m in shown)
    statements = restorations.list_for_site(
        session=session, site_id=site.id, after_id=None, limit=RESTORATION_LIMIT
    )
    return render(
        request,
        "site.html",
        site=site,
        statements=_restorations_shown(session, caller, statements, latest_approved=None),
        monuments=shown,
        more_monuments=len(found) > MAP_LIMIT,
        points=views.site_map(shown),
        counts=counts,
        axes=axes,
        today=today_utc(),
        map_width=views.MAP_WIDTH,
        map_height=views.MAP_HEIGHT,
        legend=views.LEGEND,
    )


@router.get("/sites/{site_id}/report")
def read_site_report(
    request: Request,
    caller: UiCallerDep,
    site: SiteDep,
    session: ReadSessionDep,
    storage: StorageDep,
    axes: PageTimeAxesDep,
    format: Annotated[Literal["html", "pdf"], Query()] = "html",
) -> Response:
    """The site's state-of-conservation report (the API's HTML or PDF), as the page's user
    may see it."""
    limit_anonymous_report(request, caller)
    _, rendered = reports.state_of_conservation_document(
        session=session,
        storage=storage,
        site=site,
        axes=axes,
        exact_locations=caller.sees_exact_locations,
        format=format,
    )
    assert rendered is not None  # nothing is held: it is always rendered
    return report_response(rendered, format, {"Cache-Control": "no-store"})


def _monument_page(
    request: Request,
    caller: Caller,
    session: Session,
    monument: Monument,
    photo_cursor: str | None,
    axes: TimeAxes,
) -> Response:
    exact = caller.sees_exact_locations
    shown = catalogue.present_one(
        session=session, monument=monument, exact_locations=exact, axes=axes
    )
    history = assessments.list_history(
        session=session, monument_id=monument.id, caller=caller, limit=HISTORY_LIMIT, axes=axes
    )
    gallery = photos.list_photos(
        session=session,
        monument_id=monument.id,
        after_id=decode_cursor(photo_cursor),
        limit=PHOTO_PAGE,
    )
    opinions = restorations.list_for_monument(
        session=session, monument_id=monument.id, after_id=None, limit=RESTORATION_LIMIT
    )
    latest = restorations.latest_approved_id(session=session, monument_id=monument.id)
    next_photos = next_page_cursor(gallery, limit=PHOTO_PAGE)
    assessment_sources = assessments.citations(session=session, assessments=history)
    shown_evidence = _evidence_shown(session, caller, monument)
    return render(
        request,
        "monument.html",
        monument=shown,
        site=sites.get_site(session=session, site_id=monument.site_id),
        # Newest observation first: the top of the timeline is what is known now.
        history=list(reversed(history[:HISTORY_LIMIT])),
        more_history=len(history) > HISTORY_LIMIT,
        assessment_sources=assessment_sources,
        photos=photos.present_many(
            session=session,
            photos=[(photo, monument) for photo in gallery[:PHOTO_PAGE]],
            caller=caller,
        ),
        evidence_items=shown_evidence,
        evidence_by_id={item.id: item for item in shown_evidence},
        image_pairs=[
            evidence.present_pair(session, pair)
            for pair in evidence.list_pairs(session=session, monument_id=monument.id)
        ],
        next_photos_url=(
            link_to(request, request.url.include_query_params(photos=next_photos))
            if next_photos
            else None
        ),
        restorations=_restorations_shown(session, caller, opinions, latest_approved=latest),
        axes=axes,
        site_statements=restorations.count_for_site(session=session, site_id=monument.site_id),
    )


def _restorations_shown(
    session: Session,
    caller: Caller,
    records: Sequence[RestorationAssessment],
    *,
    latest_approved: int | None,
) -> list[RestorationRead]:
    """The first `RESTORATION_LIMIT` restoration records as the caller may see them (a site's
    statements, or a monument's opinions with its plan of record marked)."""
    return restorations.present_many(
        session=session,
        restorations=records[:RESTORATION_LIMIT],
        latest_approved=latest_approved,
        names_visible=caller.sees_names,
    )


def _evidence_shown(session: Session, caller: Caller, monument: Monument) -> list:
    """The monument's evidence items of every kind as the caller may see them, with the
    hash of each held file (provenance: kind, dates, sensor, hash, who recorded it)."""
    items = evidence.list_items(session=session, monument_id=monument.id, limit=EVIDENCE_LIMIT)
    return evidence.present_many(
        session=session, items=[(item, monument) for item in items[:EVIDENCE_LIMIT]], caller=caller
    )


@router.get("/monuments/{monument_id}")
def read_monument(
    request: Request,
    caller: UiCallerDep,
    monument: MonumentDep,
    session: ReadSessionDep,
    axes: PageTimeAxesDep,
    photos: CursorParam = None,
) -> Response:
    """A monument: its condition (when it was reached, and any dispute), damage timeline,
    photo gallery and restoration opinions; at `as_of` and `known_at` when given."""
    return _monument_page(request, caller, session, monument, photos, axes)


@router.get("/photos/{photo_id}")
def read_photo(
    request: Request, caller: UiCallerDep, loaded: PhotoDep, session: ReadSessionDep
) -> Response:
    """One photo: its preview and what its file says (EXIF, distance to the monument)."""
    (shown,) = photos.present_many(
        session=session, photos=[(loaded.photo, loaded.monument)], caller=caller
    )
    return render(request, "photo.html", photo=shown, monument=loaded.monument)

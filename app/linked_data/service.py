"""Sites, monuments and their condition as CIDOC-CRM JSON-LD in the Linked Art pattern.

The context is inline, not Linked Art's published one: a consumer (or a test) expands the
document without fetching anything, and every term maps to a CIDOC-CRM property or class.
A monument is a `crm:E22_Human-Made_Object`; each verified damage assessment a
`crm:E14_Condition_Assessment` that identified a `crm:E3_Condition_State` during a
`crm:E52_Time-Span`, documented in the sources it cites (`crm:E31_Document`) and the photos
that show it (`crm:E36_Visual_Item`); names are `crm:E33_E41_Linguistic_Appellation`s with
language-tagged content, identifiers `crm:E42_Identifier`s with the other dataset's URI as
`la:equivalent`. Only what the caller may read is included, with the location it may see.
"""

import json
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from app.assessments import service as assessments
from app.assessments.models import DamageAssessment
from app.catalogue import service as catalogue
from app.catalogue.schemas import MonumentRead
from app.core.actors import Caller
from app.core.time import NOW, TimeAxes
from app.monuments.models import Monument
from app.photos import service as photos
from app.sites import service as sites
from app.sites.models import Site
from app.sources.models import Source

CRM = "http://www.cidoc-crm.org/cidoc-crm/"
CONTEXT: dict[str, Any] = {
    "crm": CRM,
    "la": "https://linked.art/ns/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
    "id": "@id",
    "type": "@type",
    "_label": "rdfs:label",
    "content": "crm:P190_has_symbolic_content",
    "identified_by": {"@id": "crm:P1_is_identified_by", "@container": "@set"},
    "classified_as": {"@id": "crm:P2_has_type", "@type": "@id", "@container": "@set"},
    "equivalent": {"@id": "la:equivalent", "@type": "@id", "@container": "@set"},
    "language": {"@id": "dcterms:language"},
    "referred_to_by": {"@id": "crm:P67i_is_referred_to_by", "@container": "@set"},
    "current_location": {"@id": "crm:P55_has_current_location"},
    "part_of": {"@id": "crm:P46i_forms_part_of", "@type": "@id"},
    "defined_by": {"@id": "crm:P168_place_is_defined_by"},
    "concerned": {"@id": "crm:P34_concerned", "@type": "@id"},
    "identified": {"@id": "crm:P35_has_identified"},
    "timespan": {"@id": "crm:P4_has_time-span"},
    "begin_of_the_begin": {"@id": "crm:P82a_begin_of_the_begin", "@type": "xsd:dateTime"},
    "end_of_the_end": {"@id": "crm:P82b_end_of_the_end", "@type": "xsd:dateTime"},
    "documented_in": {"@id": "crm:P70i_is_documented_in", "@container": "@set"},
    "subject_of": {"@id": "crm:P129i_is_subject_of", "@container": "@set"},
    "access_point": {"@id": "la:access_point", "@type": "@id"},
    "represents": {"@id": "crm:P138_represents", "@type": "@id"},
    "documents": {"@id": "crm:P70_documents", "@type": "@id"},
}
WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"


def _literal(value: str, lang: str | None) -> Any:
    return value if not lang or lang == "und" else {"@value": value, "@language": lang}


def _names(names: Sequence[dict[str, Any]], fallback: str) -> list[dict[str, Any]]:
    found = names or [{"value": fallback, "lang": "und", "kind": "preferred"}]
    return [
        {
            "type": "crm:E33_E41_Linguistic_Appellation",
            "content": _literal(name["value"], name["lang"]),
            **({"language": name["lang"]} if name["lang"] != "und" else {}),
            "classified_as": [f"{CRM}E55_Type/name/{name['kind']}"],
        }
        for name in found
    ]


def _identifiers(items: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    identifiers = [
        {
            "type": "crm:E42_Identifier",
            "content": item["value"],
            "_label": f"{item['scheme']}:{item['value']}",
        }
        for item in items
    ]
    return identifiers, [item["uri"] for item in items if item.get("uri")]


def _source(source: Source, base_url: str) -> dict[str, Any]:
    node: dict[str, Any] = {
        "id": f"{base_url}/api/v1/sources/{source.id}",
        "type": "crm:E31_Document",
        "_label": source.title,
    }
    if source.url:
        node["access_point"] = source.url
    return node


def _assessment(
    assessment: DamageAssessment,
    *,
    monument_id: str,
    cited: list[Source],
    evidence: list[Any],
    base_url: str,
) -> dict[str, Any]:
    day = assessment.observed_on.isoformat()
    level = str(assessment.damage_level)
    return {
        "id": f"{base_url}/api/v1/assessments/{assessment.id}",
        "type": "crm:E14_Condition_Assessment",
        "_label": f"Damage assessment {assessment.id}: {level.replace('_', ' ')} on {day}",
        "concerned": monument_id,
        "classified_as": [f"{base_url}/vocab/assessment-method/{assessment.method}"],
        "identified": {
            "id": f"{base_url}/api/v1/assessments/{assessment.id}#condition",
            "type": "crm:E3_Condition_State",
            "_label": level.replace("_", " "),
            "classified_as": [f"{base_url}/vocab/damage-level/{level}"],
            "timespan": {
                "type": "crm:E52_Time-Span",
                "begin_of_the_begin": f"{day}T00:00:00Z",
                "end_of_the_end": f"{day}T23:59:59Z",
            },
        },
        "documented_in": [
            *(_source(source, base_url) for source in cited),
            *(
                {
                    "id": f"{base_url}/api/v1/photos/{photo.id}",
                    "type": "crm:E36_Visual_Item",
                    "_label": f"Photo {photo.id}",
                }
                for photo in evidence
            ),
        ],
    }


def _monument_node(
    read: MonumentRead, monument: Monument, site_url: str, base_url: str
) -> dict[str, Any]:
    identifiers, equivalents = _identifiers(monument.identifiers)
    node: dict[str, Any] = {
        "id": f"{base_url}/api/v1/monuments/{monument.id}",
        "type": "crm:E22_Human-Made_Object",
        "_label": read.name,
        "classified_as": [f"{base_url}/vocab/monument-type/{read.type}"],
        "identified_by": _names(monument.names, read.name) + identifiers,
        "current_location": {
            "id": f"{base_url}/api/v1/monuments/{monument.id}#location",
            "type": "crm:E53_Place",
            "_label": f"Location of {read.name} (within {read.location_precision_m:.0f} m)",
            "defined_by": {"@value": f"POINT({read.lon} {read.lat})", "@type": WKT},
        },
        "part_of": site_url,
    }
    if equivalents:
        node["equivalent"] = equivalents
    if read.description:
        node["referred_to_by"] = [
            {"type": "crm:E33_Linguistic_Object", "content": read.description}
        ]
    return node


def _monument_graph(
    *,
    session: Session,
    monument: Monument,
    caller: Caller,
    base_url: str,
    axes: TimeAxes = NOW,
) -> list[dict[str, Any]]:
    """The monument and the assessments of it the caller may read, as graph nodes."""
    read = catalogue.present_one(
        session=session,
        monument=monument,
        exact_locations=caller.sees_exact_locations,
        axes=axes,
    )
    site_url = f"{base_url}/api/v1/sites/{monument.site_id}"
    node = _monument_node(read, monument, site_url, base_url)
    history = assessments.list_history(
        session=session, monument_id=monument.id, caller=caller, limit=10_000, axes=axes
    )
    cited = assessments.citations(session=session, assessments=history)
    shown = photos.list_for_assessments(
        session=session, assessment_ids=[a.id for a in history], limit_each=100
    )
    records = [
        _assessment(
            assessment,
            monument_id=node["id"],
            cited=cited.get(assessment.id, []),
            evidence=shown.get(assessment.id, []),
            base_url=base_url,
        )
        for assessment in history
    ]
    if records:
        node["subject_of"] = [{"id": record["id"]} for record in records]
    return [node, *records]


def _site_node(site: Site, base_url: str) -> dict[str, Any]:
    identifiers, equivalents = _identifiers(site.identifiers)
    node: dict[str, Any] = {
        "id": f"{base_url}/api/v1/sites/{site.id}",
        "type": "crm:E27_Site",
        "_label": site.name,
        "identified_by": _names(site.names, site.name) + identifiers,
    }
    if equivalents:
        node["equivalent"] = equivalents
    if site.lat is not None and site.lon is not None:
        node["current_location"] = {
            "id": f"{base_url}/api/v1/sites/{site.id}#location",
            "type": "crm:E53_Place",
            "defined_by": {"@value": f"POINT({site.lon} {site.lat})", "@type": WKT},
        }
    if site.description:
        node["referred_to_by"] = [
            {"type": "crm:E33_Linguistic_Object", "content": site.description}
        ]
    return node


def monument_document(
    *, session: Session, monument_id: int, caller: Caller, base_url: str, axes: TimeAxes = NOW
) -> dict[str, Any]:
    """A monument, its names, identifiers and condition assessments as JSON-LD."""
    monument = catalogue.get_monument_at(session=session, monument_id=monument_id, axes=axes)
    graph = _monument_graph(
        session=session, monument=monument, caller=caller, base_url=base_url, axes=axes
    )
    return {"@context": CONTEXT, "@graph": graph}


def site_document(
    *, session: Session, site_id: int, caller: Caller, base_url: str, with_monuments: bool = False
) -> dict[str, Any]:
    """A site as JSON-LD; with its monuments and their assessments for a whole export."""
    site = sites.get_site(session=session, site_id=site_id)
    graph = [_site_node(site, base_url)]
    if with_monuments:
        after = None
        while True:
            page = catalogue.list_monuments(
                session=session,
                filters=catalogue.MonumentFilters(site_id=site.id),
                exact_locations=caller.sees_exact_locations,
                after_id=after,
                limit=500,
            )
            for monument in page[:500]:
                graph += _monument_graph(
                    session=session, monument=monument, caller=caller, base_url=base_url
                )
            if len(page) <= 500:
                break
            after = page[499].id
    return {"@context": CONTEXT, "@graph": graph}


def assessment_document(
    *, session: Session, assessment_id: int, caller: Caller, base_url: str
) -> dict[str, Any]:
    """One damage assessment (if the caller may read it) as an E14 Condition Assessment."""
    assessment = assessments.get_assessment(
        session=session, assessment_id=assessment_id, caller=caller
    )
    cited = assessments.citations(session=session, assessments=[assessment])
    shown = photos.list_for_assessments(
        session=session, assessment_ids=[assessment.id], limit_each=100
    )
    node = _assessment(
        assessment,
        monument_id=f"{base_url}/api/v1/monuments/{assessment.monument_id}",
        cited=cited.get(assessment.id, []),
        evidence=shown.get(assessment.id, []),
        base_url=base_url,
    )
    return {"@context": CONTEXT, "@graph": [node]}


def photo_document(*, session: Session, photo_id: int, base_url: str) -> dict[str, Any]:
    """A photo as a visual item that represents its monument and documents its assessment.
    Only what every caller may read: no position, no uploader."""
    loaded = photos.get_photo(session=session, photo_id=photo_id)
    photo = loaded.photo
    url = f"{base_url}/api/v1/photos/{photo.id}"
    node: dict[str, Any] = {
        "id": url,
        "type": "crm:E36_Visual_Item",
        "_label": photo.caption or f"Photo {photo.id}",
        "represents": f"{base_url}/api/v1/monuments/{photo.monument_id}",
        "access_point": f"{url}/preview",
        "documented_in": [
            _source(source, base_url)
            for source in photos.citations(session=session, photos=[photo]).get(photo.id, [])
        ],
    }
    if photo.assessment_id is not None:
        node["documents"] = f"{base_url}/api/v1/assessments/{photo.assessment_id}"
    return {"@context": CONTEXT, "@graph": [node]}


def turtle(document: dict[str, Any]) -> bytes:
    """A JSON-LD document as Turtle (rdflib parses the JSON-LD and writes the triples)."""
    from rdflib import Graph  # imported here: rdflib loads its plugins on import

    graph = Graph()
    graph.bind("crm", CRM)
    graph.bind("la", "https://linked.art/ns/terms/")
    graph.parse(data=json.dumps(document), format="json-ld")
    return graph.serialize(format="turtle", encoding="utf-8")

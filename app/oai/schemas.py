"""OAI-PMH responses as XML (the protocol's wire format), built with the standard library."""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from app.oai.service import Answer, Header, Identity, Record, ResumptionToken, SetInfo

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML = "http://www.w3.org/XML/1998/namespace"
OAI_IDENTIFIER = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_IDENTIFIER_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
XML_MEDIA_TYPE = "text/xml"

for prefix, uri in {
    "oai_dc": OAI_DC,
    "dc": DC,
    "xsi": XSI,
    "oai-identifier": OAI_IDENTIFIER,
}.items():
    ET.register_namespace(prefix, uri)

# Dublin Core elements in the order of the oai_dc schema's listing.
DC_ELEMENTS = (
    "title",
    "creator",
    "subject",
    "description",
    "publisher",
    "contributor",
    "date",
    "type",
    "format",
    "identifier",
    "source",
    "language",
    "relation",
    "coverage",
    "rights",
)


def _q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def _child(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    # Protocol elements are written unqualified under the root's default namespace
    # declaration (see `render`): ElementTree cannot write a default namespace otherwise.
    element = ET.SubElement(parent, name, attributes)
    element.text = text
    return element


def datestamp(moment: datetime) -> str:
    """A UTC datestamp at the granularity of seconds, as OAI-PMH writes them."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _header(parent: ET.Element, header: Header) -> None:
    element = _child(parent, "header", **({"status": "deleted"} if header.deleted else {}))
    _child(element, "identifier", header.identifier)
    _child(element, "datestamp", datestamp(header.datestamp))
    for spec in header.set_specs:
        _child(element, "setSpec", spec)


def _record(parent: ET.Element, record: Record) -> None:
    element = _child(parent, "record")
    _header(element, record.header)
    if record.dublin_core is None:
        return
    metadata = _child(element, "metadata")
    dc = ET.SubElement(
        metadata,
        _q(OAI_DC, "dc"),
        {_q(XSI, "schemaLocation"): f"{OAI_DC} {OAI_DC_SCHEMA}"},
    )
    for name in DC_ELEMENTS:
        for position, value in enumerate(record.dublin_core.get(name, [])):
            element = ET.SubElement(dc, _q(DC, name))
            element.text = value
            if name == "title" and position < len(record.title_languages):
                language = record.title_languages[position]
                if language is not None:
                    element.set(_q(XML, "lang"), language)


def _token(parent: ET.Element, token: ResumptionToken | None) -> None:
    if token is None:
        return
    _child(
        parent,
        "resumptionToken",
        token.value,
        cursor=str(token.cursor),
        completeListSize=str(token.complete_list_size),
    )


def _identify(parent: ET.Element, identity: Identity) -> None:
    repository = identity.repository
    element = _child(parent, "Identify")
    _child(element, "repositoryName", repository.name)
    _child(element, "baseURL", repository.oai_url)
    _child(element, "protocolVersion", "2.0")
    _child(element, "adminEmail", repository.admin_email)
    _child(element, "earliestDatestamp", datestamp(identity.earliest_datestamp))
    _child(element, "deletedRecord", "persistent")
    _child(element, "granularity", "YYYY-MM-DDThh:mm:ssZ")
    description = _child(element, "description")
    scheme = ET.SubElement(
        description,
        _q(OAI_IDENTIFIER, "oai-identifier"),
        {_q(XSI, "schemaLocation"): f"{OAI_IDENTIFIER} {OAI_IDENTIFIER_SCHEMA}"},
    )
    for name, value in (
        ("scheme", "oai"),
        ("repositoryIdentifier", repository.namespace),
        ("delimiter", ":"),
        ("sampleIdentifier", repository.identifier(1)),
    ):
        ET.SubElement(scheme, _q(OAI_IDENTIFIER, name)).text = value


# What XML 1.0 allows in text and attributes (its `Char` production); the rest (control
# characters, lone surrogates, U+FFFE and U+FFFF) makes a document strict parsers refuse.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(value: str | None) -> str | None:
    return value if value is None else _NOT_XML.sub("\ufffd", value)


def _xml_safe(root: ET.Element) -> None:
    """Replace whatever XML 1.0 cannot carry, in stored text written before the input checks
    refused it, or in the arguments a request echoes."""
    for element in root.iter():
        element.text = _xml_text(element.text)
        element.tail = _xml_text(element.tail)
        for name, value in element.attrib.items():
            element.attrib[name] = _xml_text(value)


def render(answer: Answer, *, base_url: str) -> bytes:
    """The XML document answering one request."""
    root = ET.Element("OAI-PMH", {"xmlns": OAI, _q(XSI, "schemaLocation"): f"{OAI} {OAI_SCHEMA}"})
    _child(root, "responseDate", datestamp(answer.response_date))
    echoed = {"verb": answer.verb, **answer.arguments} if answer.verb else {}
    _child(root, "request", base_url, **echoed)
    if answer.error is not None:
        _child(root, "error", answer.error.message, code=answer.error.code)
    elif answer.verb == "Identify":
        _identify(root, answer.result)
    elif answer.verb == "GetRecord":
        _record(_child(root, "GetRecord"), answer.result)
    elif answer.verb == "ListMetadataFormats":
        element = _child(root, "ListMetadataFormats")
        for prefix, (schema, namespace) in answer.items:
            entry = _child(element, "metadataFormat")
            _child(entry, "metadataPrefix", prefix)
            _child(entry, "schema", schema)
            _child(entry, "metadataNamespace", namespace)
    elif answer.verb == "ListSets":
        element = _child(root, "ListSets")
        for info in answer.items:
            assert isinstance(info, SetInfo)
            entry = _child(element, "set")
            _child(entry, "setSpec", info.spec)
            _child(entry, "setName", info.name)
        _token(element, answer.token)
    elif answer.verb == "ListIdentifiers":
        element = _child(root, "ListIdentifiers")
        for record in answer.items:
            _header(element, record.header)
        _token(element, answer.token)
    else:  # ListRecords
        element = _child(root, "ListRecords")
        for record in answer.items:
            _record(element, record)
        _token(element, answer.token)
    _xml_safe(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)

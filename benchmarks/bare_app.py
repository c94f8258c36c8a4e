"""The framework ceiling: a bare Starlette app answering a fixed JSON document from memory.

Served by uvicorn exactly like the registry (`uvicorn benchmarks.bare_app:app`), it shows
what the machine and the framework allow for a response of the same size, with no
authentication, database or validation. The document is read once from the file named by
`HERITAGE_BENCH_DOCUMENT`.
"""

import json
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

DOCUMENT = Path(os.environ.get("HERITAGE_BENCH_DOCUMENT", "/dev/null")).read_bytes()
# Several documents by path and query (`HERITAGE_BENCH_DOCUMENTS`, a JSON object of
# "path?query" to file), so that each read is compared with the very bytes it serves.
DOCUMENTS = {
    target: Path(file).read_bytes()
    for target, file in json.loads(
        Path(os.environ["HERITAGE_BENCH_DOCUMENTS"]).read_text()
        if os.environ.get("HERITAGE_BENCH_DOCUMENTS")
        else "{}"
    ).items()
}


async def document(request: Request) -> Response:
    """The same bytes every time, as JSON (GET), or an empty 201 for a POST."""
    if request.method == "POST":
        await request.body()
        return Response(DOCUMENT, status_code=201, media_type="application/json")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Response(DOCUMENTS.get(target, DOCUMENT), media_type="application/json")


app = Starlette(routes=[Route("/{path:path}", document, methods=["GET", "POST"])])

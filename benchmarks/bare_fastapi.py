"""The FastAPI ceiling: one `async` route returning the constant `/healthz` answers, with no
dependency and no middleware (`uvicorn benchmarks.bare_fastapi:app`).

What `/healthz` costs beyond this is the registry's own middleware and logging.
"""

from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
async def read_liveness() -> dict[str, str]:
    """The same document as the registry's liveness probe."""
    return {"status": "ok"}

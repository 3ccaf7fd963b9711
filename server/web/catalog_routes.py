"""The catalogue's API routes (same guard and error handler as the others): a picture in,
the list, one entry out, the counts, and pending imports time-stamped."""

from __future__ import annotations

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import intake
from ..catalog_service import Incoming, clean_origin
from .routes import _file, _form, _meta, _service


async def add_picture(request: Request) -> Response:
    """multipart: `file` (the picture's original bytes), `meta` (JSON origin: file_name,
    page_url, image_url, sku, title, method). Answers at once; the time stamp follows."""
    service = _service(request)
    async with _form(request) as form:
        upload = _file(form)
        data = await upload.read(service.limits.max_bytes + 1)
        origin = clean_origin(_meta(form.get("meta")))
    if not origin["file_name"] and upload.filename:
        origin["file_name"] = intake.file_name(upload.filename)
    label = origin["image_url"] or origin["file_name"] or "upload"
    result = await run_in_threadpool(service.catalog.add, [Incoming(data, origin, label)], False)
    if result.refused:
        raise result.refused[0][1]
    stamp = BackgroundTask(service.catalog.stamp_pending) if result.batch else None
    return JSONResponse(
        result.to_json(), status_code=201 if result.added else 200, background=stamp
    )


async def list_pictures(request: Request) -> Response:
    return JSONResponse({"entries": await run_in_threadpool(_service(request).catalog.list)})


async def remove_picture(request: Request) -> Response:
    entry_id = request.path_params["entry_id"]
    return JSONResponse(await run_in_threadpool(_service(request).catalog.remove, entry_id))


async def stats(request: Request) -> Response:
    return JSONResponse(await run_in_threadpool(_service(request).catalog.stats))


async def stamp(request: Request) -> Response:
    return JSONResponse(await run_in_threadpool(_service(request).catalog.stamp_pending))


ROUTES = [
    Route("/api/catalog", add_picture, methods=["POST"]),
    Route("/api/catalog", list_pictures, methods=["GET"]),
    Route("/api/catalog/stats", stats, methods=["GET"]),
    Route("/api/catalog/stamp", stamp, methods=["POST"]),
    Route("/api/catalog/{entry_id}", remove_picture, methods=["DELETE"]),
]

"""The API's routes: each handler reads the request, calls one Service method, and answers
JSON. No logic of their own; every refusal is a Problem, answered by the app's one handler."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from .. import TOOL_NAME, __version__, intake
from ..desk import views
from ..errors import Problem
from ..files import portable_name
from ..service import Service
from ..text import Lang, Text, lang_of

FILTERS: tuple[str, ...] = (
    "platform",
    "order_id",
    "refund_id",
    "buyer",
    "level",
    "since",
    "until",
    "q",
    # the case desk's
    "kind",
    "status",
    "amount_min",
    "amount_max",
    "sort",
)


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _lang(request: Request) -> Lang:
    return lang_of(request.query_params.get("lang"))


async def _json_body(request: Request) -> Any:
    try:
        return _whole_text(await request.json())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise Problem(
            "json", Text("请求体不是有效的 JSON。", "The request body is not valid JSON.")
        ) from e


def _whole_text(value: Any) -> Any:
    """JSON may escape half a character (a lone surrogate, "\\ud800"); no text holding one can
    be stored or printed, so it is refused here rather than failing later."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as e:
        raise Problem(
            "json",
            Text(
                "请求中的文本含有无效字符（不成对的 Unicode 代理项）。",
                "The request's text holds an invalid character (an unpaired Unicode surrogate).",
            ),
        ) from e
    return value


async def health(request: Request) -> Response:
    return JSONResponse({"name": TOOL_NAME, "version": __version__, "ok": True})


async def pair(request: Request) -> Response:
    service = _service(request)
    body = await _json_body(request)
    code = str(body.get("code", "")) if isinstance(body, dict) else ""
    token = await run_in_threadpool(service.redeem_pairing, code, request.headers.get("origin"))
    return JSONResponse({"token": token, "paired": True})


async def list_cases(request: Request) -> Response:
    """Newest first (or by `sort`), paged; filters: platform, order_id, refund_id, buyer,
    level, kind, status, since, until, amount_min, amount_max, q (any text field contains it)."""
    params = request.query_params
    filters = {k: params[k] for k in FILTERS if params.get(k)}
    offset, limit = _int(params.get("offset"), 0, 10**9), _int(params.get("limit"), 50, 500)
    page = await run_in_threadpool(_service(request).list_cases, filters, offset, limit)
    return JSONResponse(page)


async def create_case(request: Request) -> Response:
    """The refund's case: made (201), or found again by platform + refund/order id (200)."""
    facts = await _json_body(request)
    case, created = await run_in_threadpool(_service(request).open_case, facts)
    return JSONResponse({**case, "created": created}, status_code=201 if created else 200)


async def get_case(request: Request) -> Response:
    case_id = request.path_params["case_id"]
    return JSONResponse(await run_in_threadpool(_service(request).get_case, case_id))


async def update_case(request: Request) -> Response:
    facts = await _json_body(request)
    case_id = request.path_params["case_id"]
    return JSONResponse(await run_in_threadpool(_service(request).patch_case, case_id, facts))


async def add_photo(request: Request) -> Response:
    service = _service(request)
    async with _form(request) as form:
        upload = _file(form)
        data = await upload.read(service.limits.max_upload + 1)
        role, source, client_sha256 = intake.photo_meta(_meta(form.get("meta")))
    # the part's own name is the client's too: held to the same cap and made readable
    source.file_name = source.file_name or (upload.filename and intake.file_name(upload.filename))
    photo, added = await run_in_threadpool(
        service.add_photo, request.path_params["case_id"], data, role, source, client_sha256
    )
    return JSONResponse(
        {"photo": photo.to_json(), "added": added}, status_code=201 if added else 200
    )


async def verify(request: Request) -> Response:
    case_id = request.path_params["case_id"]
    return JSONResponse(await run_in_threadpool(_service(request).verify, case_id, _lang(request)))


async def findings(request: Request) -> Response:
    case_id = request.path_params["case_id"]
    out = await run_in_threadpool(_service(request).findings, case_id, _lang(request))
    return JSONResponse(out)


async def figure(request: Request) -> Response:
    data = await run_in_threadpool(_service(request).figure, request.path_params["sha256"])
    return Response(data, media_type="image/jpeg")


async def create_report(request: Request) -> Response:
    body = await _json_body(request)
    if not isinstance(body, dict):
        body = {}
    record = await run_in_threadpool(
        _service(request).report,
        request.path_params["case_id"],
        str(body.get("variant", "")),
        lang_of(body.get("lang")),
    )
    return JSONResponse(_with_urls(record), status_code=201)


async def list_reports(request: Request) -> Response:
    rows = await run_in_threadpool(_service(request).list_reports, request.path_params["case_id"])
    return JSONResponse({"reports": [_with_urls(r) for r in rows]})


async def get_report(request: Request) -> Response:
    report_id = request.path_params["report_id"]
    record = await run_in_threadpool(_service(request).get_report, report_id)
    return JSONResponse(_with_urls(record))


async def report_file(request: Request) -> Response:
    report_id, name = request.path_params["report_id"], request.path_params["name"]
    # saved under a name that says platform and order (desk/package.py)
    path, download = await run_in_threadpool(
        views.report_download, _service(request), report_id, name
    )
    media = "application/pdf" if name.endswith(".pdf") else "image/png"
    return FileResponse(path, media_type=media, filename=portable_name(download))


async def check_report(request: Request) -> Response:
    body = await request.body()  # BodyLimit caps it as it arrives
    if not body.startswith(b"%PDF"):
        raise Problem(
            "not_pdf",
            Text(
                "请求体不是 PDF 文件：请直接发送报告 PDF 的字节。",
                "The request body is not a PDF: send the report PDF's bytes as the body.",
            ),
        )
    check = await run_in_threadpool(_service(request).check_report, body)
    return JSONResponse(check.to_json(_lang(request)))


async def get_settings(request: Request) -> Response:
    return JSONResponse(await run_in_threadpool(_service(request).identity))


async def patch_settings(request: Request) -> Response:
    """Shop, operator, contact, language: what the extension's options page sets."""
    body = await _json_body(request)
    return JSONResponse(await run_in_threadpool(_service(request).set_identity, body))


def _int(raw: str | None, default: int, most: int) -> int:
    if raw is None:
        return default
    if not raw.isdigit():
        raise Problem(
            "paging",
            Text(f"分页参数不是数字：{raw[:20]}。", f"Not a number for paging: {raw[:20]}."),
        )
    return min(int(raw), most)


def _with_urls(record: dict[str, Any]) -> dict[str, Any]:
    base = f"/api/reports/{record['id']}/files/"
    return {**record, "urls": {name: base + name for name in record["files"]}}


@asynccontextmanager
async def _form(request: Request) -> AsyncIterator[FormData]:
    """The multipart form, its parse errors answered as the documented JSON."""
    try:
        form = await request.form(max_files=1, max_fields=4)
    except (MultiPartException, HTTPException) as e:
        detail = getattr(e, "message", None) or getattr(e, "detail", "")
        raise Problem(
            "multipart",
            Text(
                f"上传内容不是有效的 multipart/form-data 表单（{detail}）。",
                f"The upload is not a valid multipart/form-data form ({detail}).",
            ),
        ) from e
    try:
        yield form
    finally:
        await form.close()


def _file(form: FormData) -> UploadFile:
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise Problem(
            "no_file",
            Text(
                "请求中没有图片文件（字段名 file）。",
                "The request has no image file (field name: file).",
            ),
        )
    return upload


def _meta(raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    try:
        meta = json.loads(raw)
    except (TypeError, json.JSONDecodeError) as e:
        raise Problem(
            "meta", Text("meta 字段不是有效的 JSON。", "The meta field is not valid JSON.")
        ) from e
    if not isinstance(meta, dict):
        raise Problem(
            "meta", Text("meta 字段必须是 JSON 对象。", "The meta field must be a JSON object.")
        )
    return _whole_text(meta)


ROUTES = [
    Route("/api/health", health),
    Route("/api/pair", pair, methods=["POST"]),
    Route("/api/settings", get_settings, methods=["GET"]),
    Route("/api/settings", patch_settings, methods=["PATCH"]),
    Route("/api/cases", list_cases, methods=["GET"]),
    Route("/api/cases", create_case, methods=["POST"]),
    Route("/api/cases/{case_id}", get_case, methods=["GET"]),
    Route("/api/cases/{case_id}", update_case, methods=["PATCH"]),
    Route("/api/cases/{case_id}/photos", add_photo, methods=["POST"]),
    Route("/api/cases/{case_id}/verify", verify, methods=["POST"]),
    Route("/api/cases/{case_id}/findings", findings, methods=["GET"]),
    Route("/api/figures/{sha256}", figure, methods=["GET"]),
    Route("/api/cases/{case_id}/reports", create_report, methods=["POST"]),
    Route("/api/cases/{case_id}/reports", list_reports, methods=["GET"]),
    Route("/api/reports/verify", check_report, methods=["POST"]),
    Route("/api/reports/{report_id}", get_report, methods=["GET"]),
    Route("/api/reports/{report_id}/files/{name}", report_file, methods=["GET"]),
]

"""The local HTTP API: routes only; the work is in service.py."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from . import TOOL_NAME, __version__, pairing
from .cases import Source
from .guard import LocalGuard, error
from .service import IntakeError, NotFound, Service
from .store import EvidenceTampered

MAX_REPORT_BYTES = 1024**3  # a 60-photo report with 50 MB originals stays well under this
SOURCE_FIELDS = ("method", "source_url", "page_url", "fetched_at", "http_headers", "file_name")


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang", "").lower().startswith("en") else "zh"


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise IntakeError(
            "json", "请求体不是有效的 JSON。", "The request body is not valid JSON."
        ) from e
    return body


def create_app(home: Path) -> Starlette:
    service = Service(home)

    async def health(request: Request) -> Response:
        return JSONResponse({"name": TOOL_NAME, "version": __version__, "ok": True})

    async def pair(request: Request) -> Response:
        body = await _json_body(request)
        code = str(body.get("code", "")) if isinstance(body, dict) else ""
        try:
            token = await run_in_threadpool(
                pairing.redeem, home, service.config, code, request.headers.get("origin")
            )
        except pairing.PairingError as e:
            return error(403, "pairing", e.zh, e.en)
        return JSONResponse({"token": token, "paired": True})

    async def list_cases(request: Request) -> Response:
        return JSONResponse({"cases": await run_in_threadpool(service.list_cases)})

    async def create_case(request: Request) -> Response:
        facts = await _json_body(request)
        return JSONResponse(await run_in_threadpool(service.create_case, facts), status_code=201)

    async def get_case(request: Request) -> Response:
        return JSONResponse(
            await run_in_threadpool(service.get_case, request.path_params["case_id"])
        )

    async def update_case(request: Request) -> Response:
        facts = await _json_body(request)
        case = await run_in_threadpool(service.update_facts, request.path_params["case_id"], facts)
        return JSONResponse(case)

    async def add_photo(request: Request) -> Response:
        length = int(request.headers.get("content-length") or 0)
        if length > service.limits.max_bytes + 1024 * 1024:
            raise IntakeError("too_large", "上传内容太大。", "The upload is too large.", 413)
        async with request.form(max_files=1, max_fields=4) as form:
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise IntakeError(
                    "no_file",
                    "请求中没有图片文件（字段名 file）。",
                    "The request has no image file (field name: file).",
                )
            data = await upload.read(service.limits.max_bytes + 1)
            meta = _meta(form.get("meta"))
        source = Source(**{k: meta[k] for k in SOURCE_FIELDS if meta.get(k) is not None})
        source.file_name = source.file_name or upload.filename
        photo, added = await run_in_threadpool(
            service.add_photo,
            request.path_params["case_id"],
            data,
            meta.get("role", "evidence"),
            source,
            meta.get("sha256"),
        )
        return JSONResponse(
            {"photo": photo.to_json(), "added": added}, status_code=201 if added else 200
        )

    async def verify(request: Request) -> Response:
        out = await run_in_threadpool(
            service.verify, request.path_params["case_id"], _lang(request)
        )
        return JSONResponse(out)

    async def findings(request: Request) -> Response:
        out = await run_in_threadpool(
            service.findings, request.path_params["case_id"], _lang(request)
        )
        if out is None:
            return error(
                404,
                "not_verified",
                "这个案件还没有核验过。",
                "This case has not been verified yet.",
            )
        return JSONResponse(out)

    async def figure(request: Request) -> Response:
        sha256 = request.path_params["sha256"]
        if not re.fullmatch(r"[0-9a-f]{64}", sha256) or not service.store.figures.has(sha256):
            raise NotFound(f"figure {sha256}")
        data = await run_in_threadpool(service.store.figures.get, sha256)
        return Response(data, media_type="image/jpeg")

    async def create_report(request: Request) -> Response:
        body = await _json_body(request)
        if not isinstance(body, dict):
            body = {}
        record = await run_in_threadpool(
            service.report,
            request.path_params["case_id"],
            str(body.get("variant", "")),
            "en" if str(body.get("lang", "zh")).lower().startswith("en") else "zh",
        )
        return JSONResponse(_with_urls(record), status_code=201)

    async def list_reports(request: Request) -> Response:
        rows = await run_in_threadpool(service.list_reports, request.path_params["case_id"])
        return JSONResponse({"reports": [_with_urls(r) for r in rows]})

    async def get_report(request: Request) -> Response:
        record = await run_in_threadpool(service.store.get_report, request.path_params["report_id"])
        return JSONResponse(_with_urls(record))

    async def report_file(request: Request) -> Response:
        report_id, name = request.path_params["report_id"], request.path_params["name"]
        path = await run_in_threadpool(service.report_file, report_id, name)
        download = f"RefundProof-{report_id}.pdf" if name == "report.pdf" else f"{report_id}-{name}"
        media = "application/pdf" if name.endswith(".pdf") else "image/png"
        return FileResponse(path, media_type=media, filename=download)

    async def check_report(request: Request) -> Response:
        length = int(request.headers.get("content-length") or 0)
        if length > MAX_REPORT_BYTES:
            raise IntakeError("too_large", "文件太大。", "The file is too large.", 413)
        body = await request.body()
        if not body.startswith(b"%PDF"):
            raise IntakeError(
                "not_pdf",
                "请求体不是 PDF 文件：请直接发送报告 PDF 的字节。",
                "The request body is not a PDF: send the report PDF's bytes as the body.",
            )
        check = await run_in_threadpool(service.check_report, body)
        return JSONResponse(check.to_json(_lang(request)))

    async def intake_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, IntakeError)
        return error(exc.status, exc.code, exc.zh, exc.en)

    async def not_found(request: Request, exc: Exception) -> Response:
        return error(404, "not_found", f"找不到 {exc}。", f"Not found: {exc}.")

    async def tampered(request: Request, exc: Exception) -> Response:
        return error(
            409,
            "evidence_changed",
            f"已保存的证据文件 {exc} 在磁盘上被改动过，拒绝使用。",
            f"The stored evidence file {exc} was changed on disk; refusing to use it.",
        )

    async def server_error(request: Request, exc: Exception) -> Response:
        return error(
            500,
            "internal",
            f"服务器内部错误：{type(exc).__name__}。",
            f"Internal server error: {type(exc).__name__}.",
        )

    routes = [
        Route("/api/health", health),
        Route("/api/pair", pair, methods=["POST"]),
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
    return Starlette(
        routes=routes,
        middleware=[Middleware(LocalGuard, config=service.config)],
        exception_handlers={
            IntakeError: intake_error,
            NotFound: not_found,
            EvidenceTampered: tampered,
            Exception: server_error,
        },
    )


def _with_urls(record: dict[str, Any]) -> dict[str, Any]:
    base = f"/api/reports/{record['id']}/files/"
    return {**record, "urls": {name: base + name for name in record["files"]}}


def _meta(raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    try:
        meta = json.loads(raw)
    except (TypeError, json.JSONDecodeError) as e:
        raise IntakeError(
            "meta", "meta 字段不是有效的 JSON。", "The meta field is not valid JSON."
        ) from e
    if not isinstance(meta, dict):
        raise IntakeError(
            "meta", "meta 字段必须是 JSON 对象。", "The meta field must be a JSON object."
        )
    return meta

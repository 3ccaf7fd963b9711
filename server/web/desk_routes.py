"""The case desk over HTTP: its page and static files (from the package, nothing from any other
host), its sign-in by one-time link, and the API the page uses. Each handler calls one
function of server/desk/ or the service; the guard (guard.py) admits the desk's session
cookie wherever it admits the pairing token."""

from __future__ import annotations

import time
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from .. import desk_session
from ..desk import views
from ..errors import NotFound
from ..files import portable_name
from ..intake_video import MIME as VIDEO_MIME
from ..service import Service
from ..text import Text, lang_of
from .routes import FILTERS

STATIC = Path(__file__).parent / "desk"
STATIC_FILES = {"desk.js": "text/javascript", "desk.css": "text/css"}
# the page runs its own script only, loads nothing from elsewhere, and sits in no frame
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
    "media-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# a buyer's file shown as an image or a video and nothing else: no script even if it claims
# to be one
FILE_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
# the video types intake accepts (server/intake_video.py), served as themselves so the page's
# <video> plays them; anything else not an image goes out as plain bytes
SHOWN_VIDEO = frozenset(VIDEO_MIME.values())
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


async def page(request: Request) -> Response:
    html = (STATIC / "desk.html").read_bytes()
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={**NO_STORE, "Content-Security-Policy": PAGE_CSP, "Referrer-Policy": "no-referrer"},
    )


async def static(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in STATIC_FILES:
        raise NotFound(Text(f"文件 {name[:40]}", f"file {name[:40]}"))
    return FileResponse(STATIC / name, media_type=STATIC_FILES[name], headers=NO_STORE)


SIGN_IN = """<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<title>RefundProof 案件台</title><h1>{zh_head}</h1>
<p>请在扩展弹窗中点“案件台”，或运行 <code>refundproof desk</code> 获取新的登录链接（只能用一次，5 分钟内有效）。</p>
<p lang="en">{en_head} Click “案件台 / Case desk” in the extension's popup, or run
<code>refundproof desk</code>, for a new sign-in link (it works once, within 5 minutes).</p></html>"""
LINK_USED = SIGN_IN.format(
    zh_head="登录链接无效或已用过", en_head="This sign-in link is not valid or was used already."
)
NOT_SIGNED_IN = SIGN_IN.format(
    zh_head="尚未登录案件台，或登录已过期",
    en_head="Not signed in to the case desk, or the session ended.",
)


def sign_in_page() -> HTMLResponse:
    """What the guard answers a desk page asked for without a session: how to get one."""
    return HTMLResponse(NOT_SIGNED_IN, status_code=401, headers=NO_STORE)


async def login(request: Request) -> Response:
    """A one-time link exchanged for the session cookie. The page then moves on by itself: a
    redirect would carry on the extension's or terminal's navigation, which a SameSite=Strict
    cookie does not follow; the page's own navigation does."""
    service = _service(request)
    code = request.query_params.get("code", "")[:100]
    if not await run_in_threadpool(service.redeem_desk_link, code):
        return HTMLResponse(LINK_USED, status_code=403, headers=NO_STORE)
    # the language the link asks for (the extension's setting, --lang) wins over the page's own
    asked = request.query_params.get("lang")
    target = (
        "/desk" if asked is None else Text("/desk?lang=zh", "/desk?lang=en").get(lang_of(asked))
    )
    response = HTMLResponse(
        f'<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={target}">'
        f'<a href="{target}">RefundProof 案件台 / Case desk</a>',
        headers={**NO_STORE, "Content-Security-Policy": PAGE_CSP, "Referrer-Policy": "no-referrer"},
    )
    response.set_cookie(
        desk_session.COOKIE,
        desk_session.cookie_value(service.config.token, time.time()),
        max_age=int(desk_session.SESSION_SECONDS),
        path="/",
        httponly=True,
        samesite="strict",
    )
    return response


async def new_link(request: Request) -> Response:
    """For the extension's 案件台 button (with the token): a one-time link to the desk."""
    code = await run_in_threadpool(_service(request).new_desk_link)
    return JSONResponse({"path": f"{desk_session.LOGIN_PATH}?code={code}"})


async def case_view(request: Request) -> Response:
    case_id, lang = request.path_params["case_id"], lang_of(request.query_params.get("lang"))
    return JSONResponse(await run_in_threadpool(views.case_view, _service(request), case_id, lang))


async def numbers(request: Request) -> Response:
    return JSONResponse(await run_in_threadpool(views.numbers, _service(request)))


async def cases_csv(request: Request) -> Response:
    params = request.query_params
    filters = {k: params[k] for k in FILTERS if params.get(k)}
    lang = lang_of(params.get("lang"))
    data = await run_in_threadpool(views.csv_bytes, _service(request), filters, lang)
    name = f"RefundProof-cases-{time.strftime('%Y-%m-%d')}.csv"
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'},
    )


async def evidence_package(request: Request) -> Response:
    path, name = await run_in_threadpool(
        views.package_file, _service(request), request.path_params["case_id"]
    )
    return FileResponse(
        path,
        media_type="application/zip",
        filename=portable_name(name),  # the order number is the buyer's platform's text
        headers=NO_STORE,
        background=BackgroundTask(path.unlink, missing_ok=True),  # sent: not kept
    )


async def photo(request: Request) -> Response:
    case_id, sha = request.path_params["case_id"], request.path_params["sha256"]
    path, mime = await run_in_threadpool(_service(request).photo_file, case_id, sha)
    shown = mime if mime.startswith("image/") or mime in SHOWN_VIDEO else "application/octet-stream"
    return FileResponse(
        path, media_type=shown, headers={**NO_STORE, "Content-Security-Policy": FILE_CSP}
    )


DESK_ROUTES = [
    Route("/desk", page, methods=["GET"]),
    Route(desk_session.LOGIN_PATH, login, methods=["GET"]),
    Route("/desk/static/{name}", static, methods=["GET"]),
    Route("/api/desk/link", new_link, methods=["POST"]),
    Route("/api/desk/cases/{case_id}", case_view, methods=["GET"]),
    Route("/api/desk/numbers", numbers, methods=["GET"]),
    Route("/api/desk/cases.csv", cases_csv, methods=["GET"]),
    Route("/api/cases/{case_id}/package", evidence_package, methods=["GET"]),
    Route("/api/cases/{case_id}/photos/{sha256}", photo, methods=["GET"]),
]

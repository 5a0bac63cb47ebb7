"""The web app and the REST API in one ASGI application (FastAPI).

`make_app(db_url, secret_key=…)` builds it; `cobuild serve` runs it under uvicorn in the same
process as the embedded scheduler. Pages live in `cobuild.web.pages`, the JSON API under
/api/v1 in `cobuild.web.api`; both call the use-case layer through `cobuild.web.operations`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from cobuild.models import DomainError
from cobuild.models.messages import validation_message
from cobuild.web.deps import is_api, language
from cobuild.web.security import SignInLimiter

log = logging.getLogger("cobuild.web")
HERE = Path(__file__).parent
MAX_BODY = 25 * 1024 * 1024  # a few evidence files of 10 MB each at most


class GuardHeaders:
    """Pure ASGI middleware (Starlette's BaseHTTPMiddleware costs a task per request): refuse a
    body larger than an upload may be before it is read, and add the usual security headers."""

    HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
               (b"referrer-policy", b"same-origin")]

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > MAX_BODY:
            response = JSONResponse({"error": "too_large", "message": TOO_LARGE}, status_code=413)
            return await response(scope, receive, send)
        received = 0

        async def counted_receive():
            # a body without a length (Transfer-Encoding: chunked) is counted as it arrives, and
            # refused at the first piece past the limit: nothing more of it is read
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY:
                    raise BodyTooLarge()
            return message

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + self.HEADERS
            await send(message)

        await self.app(scope, counted_receive, send_with_headers)


TOO_LARGE = f"请求过大(上限 {MAX_BODY // 2**20} MB)/ The request is too large ({MAX_BODY // 2**20} MB at most)"


class BodyTooLarge(StarletteHTTPException):
    """Raised from a request's body as it is read: an HTTP error (413), which FastAPI's body parsing
    passes on as it is rather than turning it into a 400."""

    def __init__(self) -> None:
        super().__init__(413, TOO_LARGE)


def make_app(db_url: str, *, secret_key: str, clock: Callable[[], datetime] | None = None,
             secure_cookies: bool = False, demo: bool = False, scheduler=None) -> FastAPI:
    app = FastAPI(
        title="cobuild API",
        version="1",
        description="共建事项双向清单 — the REST API of cobuild. Authenticate with "
                    "`Authorization: Bearer <token>` (POST /api/v1/tokens, or 我的账号 → API 令牌). "
                    "Errors: 401/403 rights, 404 not found, 409 illegal transition (the message names the "
                    "state), 422 bad input with field-level messages. `?lang=en` or Accept-Language: en for English.",
        docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
    )
    app.state.db_url = db_url
    app.state.clock = clock or (lambda: datetime.now(UTC))
    app.state.limiter = SignInLimiter()
    # residents' rating codes: wrong codes per client, so that nobody guesses their way in
    app.state.code_limiter = SignInLimiter(attempts=10, window=600.0, per_client=10, refusal="too_many_codes")
    app.state.demo = demo
    app.state.scheduler = scheduler
    app.add_middleware(SessionMiddleware, secret_key=secret_key, session_cookie="cobuild_session",
                       max_age=12 * 3600, same_site="lax", https_only=secure_cookies)

    app.add_middleware(GuardHeaders)
    from cobuild.platform.settings import get_settings
    from cobuild.web.admission import Admission

    settings = get_settings()
    # outermost: a refused request costs no session decoding, no header work, no database
    app.add_middleware(Admission, limit=settings.max_in_flight, queue=settings.max_queue, wait=settings.queue_wait_seconds)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError):
        lang = language(request)
        if is_api(request):
            return JSONResponse({"error": exc.code, "message": exc.message(lang)}, status_code=exc.http_status)
        from cobuild.web.pages import error_page

        return error_page(request, exc.message(lang), exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        fields = [{"field": ".".join(str(p) for p in err["loc"] if p != "body") or "body", "message": err["msg"]}
                  for err in exc.errors()]
        message = validation_message(exc.errors(), language(request))
        return JSONResponse({"error": "invalid", "message": message, "fields": fields}, status_code=422)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def too_big(request: Request, exc: Exception):
        # a number no database integer can hold (SQLite: OverflowError; PostgreSQL: DataError), or a
        # value the column cannot take, in a place the schema does not bound
        message = ("输入有误:数字超出范围或内容过长" if language(request) == "zh"
                   else "Invalid input: a number is out of range or a text is too long")
        if is_api(request):
            return JSONResponse({"error": "invalid", "message": message}, status_code=422)
        from cobuild.web.pages import error_page

        return error_page(request, message, 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if is_api(request):
            return JSONResponse({"error": "http", "message": str(exc.detail)}, status_code=exc.status_code,
                                headers=getattr(exc, "headers", None))
        from cobuild.web.pages import error_page

        return error_page(request, str(exc.detail), exc.status_code)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        message = "服务器内部错误,已记录;请稍后再试 / Internal error (logged); please try again later"
        if is_api(request):
            return JSONResponse({"error": "internal", "message": message}, status_code=500)
        return HTMLResponse(f"<p>{message}</p>", status_code=500)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return RedirectResponse("/static/favicon.svg", status_code=301)

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        from cobuild.reports.health import health

        try:
            return health(db_url, app.state.scheduler)
        except Exception as exc:  # noqa: BLE001 — a health check reports, it never crashes
            return JSONResponse({"status": "error", "error": type(exc).__name__}, status_code=503)

    from cobuild.web import api, downloads, one_tap, pages

    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(downloads.router)
    _local_api_docs(app)
    app.include_router(one_tap.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app


def _local_api_docs(app: FastAPI) -> None:
    """/api/docs with Swagger UI from the installed package (swagger-ui-bundle), never a CDN: a
    street office's intranet reaches no CDN, and the page would stay blank."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/api/docs/static", StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs():
        return get_swagger_ui_html(openapi_url="/api/openapi.json", title="cobuild API",
                                   swagger_js_url="/api/docs/static/swagger-ui-bundle.js",
                                   swagger_css_url="/api/docs/static/swagger-ui.css",
                                   swagger_favicon_url="/static/favicon.svg")

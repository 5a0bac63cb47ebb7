"""What a secretary files and hands on, from the browser: the resolution (HTML, PDF), the term
report (PDF), the ledger (xlsx) and the calendar (.ics), plus each person's calendar subscription
address (a secret in the URL, revocable, so a phone's calendar app can read it without signing in).
Every document is made by cobuild/reports, exactly as the CLI makes it."""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import select
from starlette.concurrency import run_in_threadpool

from cobuild.actions.council import calendar_member, calendar_subscription
from cobuild.models import Conference, Council, NotFound, Resolution, Term, Unit
from cobuild.models.base import today_for
from cobuild.web import queries
from cobuild.web.deps import language, request_session
from cobuild.web.operations import row_of
from cobuild.web.pages import flash, page_ctx, signed_in
from cobuild.web.security import csrf_ok

router = APIRouter(include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def attachment(data: bytes, filename: str, media_type: str) -> Response:
    """A download with its Chinese file name intact (RFC 6266 filename*)."""
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


def _pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def _resolution(session, ctx, oid: int) -> tuple[Conference, str]:
    from cobuild.reports.documents import resolution_html

    conference = row_of(ctx, Conference, oid, "conference")
    if session.exec(select(Resolution.id).where(Resolution.conference_id == conference.id)).first() is None:
        raise NotFound("not_found", subject="resolution", key=conference.code)
    return conference, resolution_html(session, ctx.council, conference.code, ctx.lang)


@router.get("/c/{cid}/conferences/{oid}/resolution.html")
def resolution_page(request: Request, cid: int, oid: int):
    with request_session(request) as session:
        _, html = _resolution(session, page_ctx(request, session, cid), oid)
    return HTMLResponse(html)


@router.get("/c/{cid}/conferences/{oid}/resolution.pdf")
async def resolution_pdf(request: Request, cid: int, oid: int):
    def make():
        with request_session(request) as session:
            ctx = page_ctx(request, session, cid)
            conference, html = _resolution(session, ctx, oid)
            return f"{ctx.council.name}-{conference.code}-书面决议.pdf", _pdf(html)

    name, data = await run_in_threadpool(make)
    return attachment(data, name, "application/pdf")


@router.get("/c/{cid}/conferences/{oid}/resolution.docx")
async def resolution_word(request: Request, cid: int, oid: int):
    from cobuild.reports.word import resolution_docx

    def make():
        with request_session(request) as session, tempfile.TemporaryDirectory() as folder:
            ctx = page_ctx(request, session, cid)
            conference, _ = _resolution(session, ctx, oid)
            path = Path(folder) / "resolution.docx"
            resolution_docx(session, ctx.council, conference.code, path, ctx.lang)
            return f"{ctx.council.name}-{conference.code}-书面决议.docx", path.read_bytes()

    name, data = await run_in_threadpool(make)
    return attachment(data, name, DOCX)


@router.get("/c/{cid}/terms/{oid}/report.docx")
async def term_report_word(request: Request, cid: int, oid: int):
    from cobuild.reports.word import term_report_docx

    def make():
        with request_session(request) as session, tempfile.TemporaryDirectory() as folder:
            ctx = page_ctx(request, session, cid)
            term = row_of(ctx, Term, oid, "term")
            path = Path(folder) / "report.docx"
            term_report_docx(session, ctx.council, term, today_for(ctx.council, ctx.now), path, ctx.lang)
            return f"{ctx.council.name}-第{term.number}届轮值主席任期通报.docx", path.read_bytes()

    name, data = await run_in_threadpool(make)
    return attachment(data, name, DOCX)


@router.get("/c/{cid}/terms/{oid}/report.pdf")
async def term_report_pdf(request: Request, cid: int, oid: int):
    from cobuild.reports.documents import term_report_html

    def make():
        with request_session(request) as session:
            ctx = page_ctx(request, session, cid)
            term = row_of(ctx, Term, oid, "term")
            html = term_report_html(session, ctx.council, term, today_for(ctx.council, ctx.now), ctx.lang)
            return f"{ctx.council.name}-第{term.number}届轮值主席任期通报.pdf", _pdf(html)

    name, data = await run_in_threadpool(make)
    return attachment(data, name, "application/pdf")


@router.get("/c/{cid}/ledger.xlsx")
async def ledger(request: Request, cid: int):
    from cobuild.reports.ledger import write_ledger

    def make():
        with request_session(request) as session, tempfile.TemporaryDirectory() as folder:
            ctx = page_ctx(request, session, cid)
            path = Path(folder) / "ledger.xlsx"
            write_ledger(session, ctx.council, ctx.now, path, lang=ctx.lang)
            return f"{ctx.council.name}-共建事项台账-{today_for(ctx.council, ctx.now)}.xlsx", path.read_bytes()

    name, data = await run_in_threadpool(make)
    return attachment(data, name, XLSX)


@router.get("/c/{cid}/appraisals/{rid}/result.{fmt}")
async def appraisal_result(request: Request, cid: int, rid: int, fmt: str):
    """A published appraisal: the 通报 as HTML or PDF, the result as Excel for the street's 综合考核."""
    from cobuild.models.appraisal import AppraisalRound
    from cobuild.reports.appraisal import result_html, result_xlsx, round_view

    if fmt not in ("pdf", "xlsx", "html"):
        raise NotFound("not_found", subject="appraisal", key=rid)

    def make():
        with request_session(request) as session, tempfile.TemporaryDirectory() as folder:
            ctx = page_ctx(request, session, cid)
            row = row_of(ctx, AppraisalRound, rid, "appraisal")
            html = result_html(session, row, ctx.lang)
            if fmt == "html":
                return None, html.encode()
            if fmt == "pdf":
                return f"考评结果-{row.year}.pdf", _pdf(html)
            path = Path(folder) / "result.xlsx"
            result_xlsx(row, f"{round_view(session, row)['scope']}{row.year}年度驻区单位考评结果", path)
            return f"考评结果-{row.year}.xlsx", path.read_bytes()

    name, data = await run_in_threadpool(make)
    if name is None:
        return HTMLResponse(data.decode())
    return attachment(data, name, "application/pdf" if fmt == "pdf" else XLSX)


@router.get("/c/{cid}/members/{mid}/service.xlsx")
async def service_record_file(request: Request, cid: int, mid: int):
    """党员纪实 as an Excel file, for the member's unit party organisation."""
    from cobuild.models import Member
    from cobuild.reports.services import service_record, service_record_xlsx

    def make():
        with request_session(request) as session, tempfile.TemporaryDirectory() as folder:
            ctx = page_ctx(request, session, cid)
            person = row_of(ctx, Member, mid, "member")
            path = Path(folder) / "service-record.xlsx"
            service_record_xlsx(service_record(session, ctx.council, person, ctx.lang), path)
            return f"党员纪实-{person.name}.xlsx", path.read_bytes()

    name, data = await run_in_threadpool(make)
    return attachment(data, name, XLSX)


def _feed_for(session, council: Council, member, now) -> bytes:
    """The secretary's and the chair's calendar holds the whole council; a unit's people see their unit's."""
    from cobuild.reports.calendar_feed import feed
    from cobuild.reports.views import current_term

    term = current_term(session, council.id)
    whole = member.role == "secretary" or (term is not None and term.chair_member_id == member.id)
    return feed(session, council, now, unit=None if whole else session.get(Unit, member.unit_id))


@router.get("/c/{cid}/calendar.ics")
def calendar(request: Request, cid: int):
    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        if ctx.member is None:
            raise NotFound("not_found", subject="member", key="-")
        data = _feed_for(session, ctx.council, ctx.member, ctx.now)
        return attachment(data, f"{ctx.council.name}-共建事项日历.ics", "text/calendar; charset=utf-8")


@router.get("/feeds/{member_id}/{key}/calendar.ics")
def subscribed_calendar(request: Request, member_id: int, key: str):
    """What a calendar app reads every few hours, without signing in: the address is the secret."""
    with request_session(request) as session:
        member = calendar_member(session, member_id, key)
        if member is None:
            return Response("calendar subscription not found / 日历订阅地址无效或已停用", status_code=404,
                            media_type="text/plain; charset=utf-8")
        council = session.get(Council, member.council_id)
        data = _feed_for(session, council, member, request.app.state.clock())
    return Response(data, media_type="text/calendar; charset=utf-8", headers={"Cache-Control": "private, max-age=900"})


@router.post("/c/{cid}/calendar-subscription")
async def subscription(request: Request, cid: int):
    form = await request.form()
    renew = str(form.get("renew", "1")) == "1"
    if not csrf_ok(request.session, str(form.get("csrf", ""))):
        return RedirectResponse(f"/c/{cid}/calendar", status_code=303)

    def change():
        with request_session(request) as session:
            signed_in(request, session)
            ctx = page_ctx(request, session, cid)
            return calendar_subscription(session, ctx.council, ctx.member, by=ctx.member, now=ctx.now, renew=renew)

    key = await run_in_threadpool(change)
    if key:
        request.session["calendar_key"] = key  # shown once, on the next page
    en = language(request) == "en"
    said = (("已生成新的订阅地址,旧地址已失效", "A new address is ready; the old one no longer works") if key
            else ("已停用日历订阅,旧地址已失效", "The subscription is off; the old address no longer works"))
    flash(request, "ok", said[en])
    return RedirectResponse(f"/c/{cid}/calendar", status_code=303)


@router.get("/c/{cid}/calendar")
def calendar_page(request: Request, cid: int):
    from cobuild.web.pages import common, render

    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        key = request.session.pop("calendar_key", None)
        base = str(request.base_url).rstrip("/")
        address = f"{base}/feeds/{ctx.member.id}/{key}/calendar.ics" if key and ctx.member else None
        return render(request, "calendar.html", address=address,
                      subscribed=bool(ctx.member and ctx.member.calendar_key_hash),
                      secretary=queries.roles(ctx)["secretary"], **common(ctx, request))

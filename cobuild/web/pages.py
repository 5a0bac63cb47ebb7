"""Server-rendered pages (Jinja2, autoescaped .html templates): Chinese first, English switch.

Every form posts to a handler generated from `cobuild.web.operations.OPERATIONS` — the same
actions, rights and refusals as the API. A refused action changes nothing and comes back as a
message at the top of the page the user was on.
"""

from __future__ import annotations

import typing
from pathlib import Path
from urllib.parse import quote, urlparse

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, ValidationError
from sqlalchemy import bindparam
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from cobuild.actions import accounts
from cobuild.models import (
    Account,
    Claim,
    CloseOut,
    Commitment,
    Conference,
    Council,
    DomainError,
    Election,
    Item,
    Member,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    Term,
    Unit,
)
from cobuild.models.base import today_for
from cobuild.models.messages import state_name, validation_message, word
from cobuild.platform import uploads
from cobuild.web import queries
from cobuild.web.deps import council_ctx, language, quick_read, request_session
from cobuild.web.operations import OPERATIONS, Ctx, Empty, Operation, perform, row_of
from cobuild.web.security import csrf_ok, csrf_token

router = APIRouter(include_in_schema=False)
# auto_reload off: the templates ship with the code (a new version restarts the process), and
# otherwise every page checked each template it uses on disk again
env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), auto_reload=False,
                  autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def _words(lang: str) -> dict:
    """The helpers every template writes its words with, in the reader's language."""

    def T(zh: str, en: str) -> str:  # noqa: N802 — reads like a marker in templates
        return en if lang == "en" else zh

    return {"lang": lang, "T": T, "state": lambda s: state_name(s, lang),
            "W": lambda vocabulary, value: word(vocabulary, value, lang)}


def render(request: Request, name: str, http_status: int = 200, **context) -> HTMLResponse:
    lang = language(request)
    session = request.session
    flashes = session.pop("flash", [])
    kept = session.pop("kept", {}) if flashes else {}  # typed input, back after a refusal
    html = env.get_template(name).render(
        request=request, flashes=flashes, csrf=csrf_token(session),
        K=lambda action, name, default="": (kept.get("fields", {}).get(name, default) if kept.get("action") == action else default),
        path=request.url.path, **_words(lang), **context)
    return HTMLResponse(html, status_code=http_status)


def kept_fragment(ctx: Ctx, key: tuple, name: str, **context) -> str:
    """A piece of a page the same for every reader of this council in its current state (in their
    language), rendered once per state and kept (reports/versioned.py): `context` must depend on
    nothing but that state and `key`. Autoescaped HTML: the page puts it in with `|safe`."""
    from cobuild.reports.versioned import versioned

    return versioned(ctx.session, ctx.council.id, ("html", name, ctx.lang, *key),
                     lambda: env.get_template(name).render(**_words(ctx.lang), **context))


def error_page(request: Request, message: str, status: int) -> Response:
    if status == 401 and request.method == "GET":
        return RedirectResponse(f"/signin?next={quote(request.url.path)}", status_code=303)
    return render(request, "error.html", http_status=status, message=message, status_code=status)


def flash(request: Request, kind: str, message: str) -> None:
    request.session.setdefault("flash", []).append([kind, message])


def signed_in(request: Request, session: Session) -> Account:
    account_id = request.session.get("account_id")
    account = session.get(Account, account_id) if account_id else None
    # the cookie's version must be the account's: sign-out, a new password or a disabled account
    # ends every session at once, a copied cookie included
    if not accounts.session_valid(account, request.session.get("v")):
        raise NotAuthenticated("not_signed_in")
    return account


def page_ctx(request: Request, session: Session, cid: int) -> Ctx:
    return council_ctx(request, session, signed_in(request, session), cid, language(request))


def safe_next(target: str | None, fallback: str = "/") -> str:
    """A local path only: no other site, no scheme, no `//host` or `/\\host` tricks."""
    target = (target or "").strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target or any(ord(c) < 32 for c in target):
        return fallback
    return target


def back(request: Request, fallback: str) -> str:
    """Where to go after a form: its `next` field or the referring page, never another site."""
    for candidate in (request.state.form_next if hasattr(request.state, "form_next") else None,
                      request.headers.get("referer")):
        if candidate:
            parsed = urlparse(candidate)
            if parsed.netloc in ("", request.url.netloc) and parsed.path.startswith("/"):
                return safe_next(parsed.path + (f"?{parsed.query}" if parsed.query else ""), fallback)
    return fallback


# built once: every page runs it
_UNITS = select(Unit).where(Unit.council_id == bindparam("council")).order_by(Unit.rotation_position)


def common(ctx: Ctx, request: Request) -> dict:
    """What every council page's frame shows: the nav with the to-do's count, the units."""
    from cobuild.reports.todo import todo

    units = ctx.session.exec(_UNITS, params={"council": ctx.council.id}).all()  # first: the to-do finds its unit loaded
    return {"council": ctx.council, "me": ctx.member, "roles": queries.roles(ctx), "signed": True,
            "todo": todo(ctx.session, ctx.council, ctx.member, ctx.now), "units": units,
            "today": today_for(ctx.council, ctx.now), "now": ctx.now, "local": local_formatter(ctx.council)}


def local_formatter(council: Council):
    """A template helper: a UTC moment (datetime or ISO text) as the council's local time."""
    from datetime import datetime

    from cobuild.models.base import local_text

    def local(value) -> str:
        if not value:
            return "—"
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return local_text(council, value)

    return local


# ---- signing in -----------------------------------------------------------------------------

@router.get("/signin")
def signin_form(request: Request, next: str = "/"):
    return render(request, "signin.html", next=next, demo=request.app.state.demo)


@router.post("/signin")
async def signin(request: Request):
    form = await request.form()
    login, password = str(form.get("login", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next") or "/"))
    if not csrf_ok(request.session, str(form.get("csrf", ""))):
        flash(request, "error", DomainError("csrf").message(language(request)))
        return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)
    limiter = request.app.state.limiter
    client = request.client.host if request.client else "?"
    def authenticate():  # hashing and the database, in the thread pool: the event loop serves others meanwhile
        with request_session(request) as session:
            try:
                return accounts.authenticate(session, login, password)
            except NotAuthenticated:
                limiter.failed(client, login)
                raise

    try:
        limiter.check(client, login)
        account = await run_in_threadpool(authenticate)
    except DomainError as exc:
        flash(request, "error", exc.message(language(request)))
        return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)
    limiter.succeeded(client, login)
    lang = request.cookies.get("lang")
    request.session.clear()  # a new session id on sign-in: no fixation
    request.session["account_id"] = account.id
    request.session["v"] = account.session_version
    response = RedirectResponse(target, status_code=303)
    if lang:
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


@router.post("/signout")
async def signout(request: Request):
    form = await request.form()
    if csrf_ok(request.session, str(form.get("csrf", ""))):
        await run_in_threadpool(_end_sessions, request)
        request.session.clear()
    return RedirectResponse("/signin", status_code=303)


def _end_sessions(request: Request) -> None:
    with request_session(request) as session:
        try:
            account = signed_in(request, session)
        except NotAuthenticated:
            return
        accounts.end_sessions(session, account, now=request.app.state.clock())


@router.post("/account/password")
async def account_password(request: Request):
    form = await request.form()
    lang = language(request)
    if not csrf_ok(request.session, str(form.get("csrf", ""))):
        flash(request, "error", DomainError("csrf").message(lang))
        return RedirectResponse("/account", status_code=303)
    new, repeated = str(form.get("new", "")), str(form.get("repeat", ""))

    def change():
        with request_session(request) as session:
            account = signed_in(request, session)
            accounts.change_password(session, account, str(form.get("current", "")), new,
                                     now=request.app.state.clock())
            return account.session_version

    if new != repeated:
        flash(request, "error", "两次输入的新密码不一致,未作任何更改" if lang == "zh" else
              "The two new passwords differ; nothing was changed")
        return RedirectResponse("/account", status_code=303)
    try:
        version = await run_in_threadpool(change)
    except NotAuthenticated:
        return RedirectResponse("/signin?next=/account", status_code=303)
    except DomainError as exc:
        flash(request, "error", exc.message(lang))
        return RedirectResponse("/account", status_code=303)
    request.session["v"] = version  # this browser stays signed in; every other session has ended
    flash(request, "ok", "密码已修改,其他设备上的登录已退出" if lang == "zh" else
          "Password changed; you are signed out everywhere else")
    return RedirectResponse("/account", status_code=303)


@router.get("/lang/{code}")
def set_language(request: Request, code: str, next: str = "/"):
    target = safe_next(next)
    response = RedirectResponse(target, status_code=303)
    if code in ("zh", "en"):
        response.set_cookie("lang", code, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


@router.get("/")
def home(request: Request):
    with request_session(request) as session:
        account = signed_in(request, session)
        from cobuild.reports.streets import streets_of

        members = accounts.memberships(session, account.id)
        streets = streets_of(session, account.id)
        if len({m.council_id for m in members}) == 1 and not streets:
            return RedirectResponse(f"/c/{members[0].council_id}", status_code=303)
        if len(streets) == 1 and not members:
            return RedirectResponse(f"/s/{streets[0].id}", status_code=303)
        councils = [session.get(Council, cid) for cid in sorted({m.council_id for m in members})]
        return render(request, "home.html", account=account, councils=councils, streets=streets)


@router.get("/c/{cid}/appraisal")
@router.get("/c/{cid}/appraisal/{rid}")
def appraisal_page(request: Request, cid: int, rid: int | None = None):
    """年度考评: the council's rounds and its street's — progress (counts only) until published, then
    the result; the forms each person may use (open, self-evaluate, rate, codes, publish)."""
    from cobuild.reports.appraisal import round_view, rounds_for

    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        rounds = [round_view(session, r) for r in rounds_for(session, ctx.council)]
        units = session.exec(select(Unit).where(Unit.council_id == cid, Unit.kind != "community", Unit.active == True)  # noqa: E712
                             .order_by(Unit.rotation_position)).all()
        return render(request, "appraisal.html", rounds=rounds, rated_units=units, year=today_for(ctx.council, ctx.now).year,
                      **common(ctx, request))


# ---- residents' rating (群众评议): public, no sign-in, one code one rating ---------------------------

def _round_and_units(session, rid: int, code: str | None = None):
    from cobuild.actions.appraisal import _hash, units_of_round
    from cobuild.models.appraisal import AppraisalRound, ResidentCode

    row = session.get(AppraisalRound, rid)
    if row is None:
        raise NotFound("not_found", subject="appraisal", key=rid)
    found = session.exec(select(ResidentCode).where(ResidentCode.code_hash == _hash(code))).first() if code else None
    units = [u for u in units_of_round(session, row) if found is None or u.council_id == found.council_id]
    return row, found, units


@router.get("/r/{rid}")
def resident_page(request: Request, rid: int):
    with request_session(request) as session:
        row, _, _ = _round_and_units(session, rid)
        code = (request.query_params.get("code") or "")[:20]  # from the QR code on the printed sheet
        return render(request, "resident.html", round=row, step="code", units=[], code=code, council=None, signed=False)


@router.post("/r/{rid}")
async def resident_post(request: Request, rid: int):
    """Two steps on one address: the code (checked, not used), then the stars (the code is used)."""
    from cobuild.actions.appraisal import resident_rating
    from cobuild.models import InvalidInput

    form = await request.form()
    lang = language(request)
    code = str(form.get("code", "")).strip()[:20]
    client = request.client.host if request.client else "-"
    limiter = request.app.state.code_limiter
    if not csrf_ok(request.session, str(form.get("csrf", ""))):
        flash(request, "error", DomainError("csrf").message(lang))
        return RedirectResponse(f"/r/{rid}", status_code=303)
    try:
        limiter.check(client, "code")
        with request_session(request) as session:
            row, found, units = _round_and_units(session, rid, code)
            if found is None or found.round_id != row.id:
                limiter.failed(client, "code")
                raise InvalidInput("code_invalid")
            if "rate" not in form:  # the first step: show the units of the code's community
                if found.used_at is not None:
                    from cobuild.models import Conflict

                    raise Conflict("code_used")
                return render(request, "resident.html", round=row, step="stars", units=units, code=code, council=None, signed=False)
            stars = {u.id: int(str(form.get(f"stars_{u.id}") or 0)) for u in units if str(form.get(f"stars_{u.id}") or "").isdigit()}
            comments = {u.id: str(form.get(f"comment_{u.id}") or "")[:500] for u in units}
            resident_rating(session, rid, code, stars, now=request.app.state.clock(), comments=comments)
            return render(request, "resident.html", round=row, step="thanks", units=[], code="", council=None, signed=False)
    except DomainError as exc:
        flash(request, "error", exc.message(lang))
        return RedirectResponse(f"/r/{rid}", status_code=303)


@router.get("/s/{sid}")
def street_page(request: Request, sid: int):
    """The street office's dashboard: each community's figures and the racing boards."""
    from cobuild.reports.streets import street_dashboard, streets_of

    with request_session(request) as session:
        account = signed_in(request, session)
        street = next((s for s in streets_of(session, account.id) if s.id == sid), None)
        if street is None:
            raise PermissionDenied("not_street_staff")
        from cobuild.actions.appraisal import units_of_round
        from cobuild.models.appraisal import AppraisalRound
        from cobuild.reports.appraisal import round_view

        rows = session.exec(select(AppraisalRound).where(AppraisalRound.street_id == sid).order_by(AppraisalRound.year.desc())).all()
        rounds = [{**round_view(session, r), "units": units_of_round(session, r)} for r in rows]
        now = request.app.state.clock()
        return render(request, "street.html", d=street_dashboard(session, street, now), rounds=rounds,
                      year=now.year, council=None, me=None, roles={}, todo=[], signed=True)


@router.post("/s/{sid}/appraisals")
@router.post("/s/{sid}/appraisals/{rid}/{step}")
async def street_appraisal(request: Request, sid: int, rid: int | None = None, step: str | None = None):
    """The street's own steps of its round: open it, rate a unit as the street, publish it."""
    from datetime import date as day

    from cobuild.actions import appraisal as ap
    from cobuild.models import InvalidInput, StreetStaff
    from cobuild.models.appraisal import AppraisalRound

    form = await request.form()
    lang = language(request)
    back_to = f"/s/{sid}"
    if not csrf_ok(request.session, str(form.get("csrf", ""))):
        flash(request, "error", DomainError("csrf").message(lang))
        return RedirectResponse(back_to, status_code=303)

    def number(name: str, low: int, high: int) -> int:
        text = str(form.get(name, "")).strip()
        if not text.lstrip("-").isdigit() or not low <= int(text) <= high:
            raise InvalidInput("appraisal_scores")
        return int(text)

    def work() -> None:
        with request_session(request) as session:
            account = signed_in(request, session)
            staff = session.exec(select(StreetStaff).where(StreetStaff.street_id == sid, StreetStaff.account_id == account.id,
                                                           StreetStaff.active == True)).first()  # noqa: E712
            if staff is None:
                raise PermissionDenied("not_street_staff")
            now = request.app.state.clock()
            if rid is None:
                from cobuild.models import Street

                try:
                    self_due, closes_on = day.fromisoformat(str(form.get("self_due"))), day.fromisoformat(str(form.get("closes_on")))
                except ValueError:
                    raise InvalidInput("round_dates") from None
                cap = str(form.get("excellent_cap") or "").strip()
                try:
                    excellent_cap = float(cap) if cap else None
                except ValueError:
                    raise InvalidInput("round_cap") from None
                ap.open_round(session, now=now, year=number("year", 2000, 2100), self_due=self_due, closes_on=closes_on,
                              street=session.get(Street, sid), staff=staff, excellent_cap=excellent_cap)
                return
            row = session.get(AppraisalRound, rid)
            if row is None or row.street_id != sid:
                raise NotFound("not_found", subject="appraisal", key=rid)
            if step == "ratings":
                unit = session.get(Unit, number("unit_id", 1, 2**53))
                if unit is None:
                    raise NotFound("not_found", subject="unit", key=form.get("unit_id"))
                ap.rate_unit(session, row, unit, now=now, staff=staff, comment=str(form.get("comment", ""))[:1000],
                             scores={k: number(k, 0, 100) for k in ("duty", "results", "service")})
            elif step == "publish":
                ap.publish_round(session, row, now=now, staff=staff)
            else:
                raise NotFound("not_found", subject="appraisal", key=rid)

    try:
        await run_in_threadpool(work)
    except NotAuthenticated:
        return RedirectResponse(f"/signin?next={quote(back_to)}", status_code=303)
    except DomainError as exc:
        flash(request, "error", exc.message(lang))
        return RedirectResponse(back_to, status_code=303)
    flash(request, "ok", DONE[lang == "en"] + ({"ratings": ("评分已保存", "rating saved"), "publish": ("结果已发布", "published")}
                                               .get(step or "", ("考评已开启", "round opened"))[lang == "en"]))
    return RedirectResponse(back_to, status_code=303)


@router.get("/account")
def account_page(request: Request):
    from cobuild.models import ApiToken

    with request_session(request) as session:
        account = signed_in(request, session)
        tokens = session.exec(select(ApiToken).where(ApiToken.account_id == account.id).order_by(ApiToken.id)).all()
        new_token = request.session.pop("new_token", None)
        members = accounts.memberships(session, account.id)
        around = common(page_ctx(request, session, members[0].council_id), request) if members else {}  # the nav stays
        return render(request, "account.html", account=account, tokens=tokens, new_token=new_token, **around)


@router.post("/account/tokens")
async def account_token(request: Request):
    form = await request.form()
    await run_in_threadpool(_account_token, request, form)
    return RedirectResponse("/account", status_code=303)


def _account_token(request: Request, form) -> None:
    with request_session(request) as session:
        account = signed_in(request, session)
        if not csrf_ok(request.session, str(form.get("csrf", ""))):
            flash(request, "error", DomainError("csrf").message(language(request)))
        elif form.get("revoke"):
            try:
                token_id = int(str(form["revoke"]))
                if not 0 < token_id < 2**31:  # beyond any id; PostgreSQL would refuse the query itself
                    raise ValueError(token_id)
                accounts.revoke_token(session, account, token_id, now=request.app.state.clock())
            except (DomainError, ValueError):  # not a number, or not one of yours
                flash(request, "error", "没有这个令牌。" if language(request) == "zh" else "No such token.")
        else:
            token, _ = accounts.issue_token(session, account, str(form.get("name", "api")), now=request.app.state.clock())
            request.session["new_token"] = token


# ---- council pages --------------------------------------------------------------------------

@router.get("/c/{cid}")
def dashboard(request: Request, cid: int):
    from cobuild.reports.charts import completion_by_quarter

    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        data = queries.dashboard(ctx)
        chart = completion_by_quarter(data["by_quarter"], ctx.lang) if data["by_quarter"] else None
        return render(request, "dashboard.html", d=data, chart=chart, **common(ctx, request))


@router.get("/c/{cid}/todo")
def todo_page(request: Request, cid: int):
    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        return render(request, "todo.html", **common(ctx, request))


@router.get("/c/{cid}/conferences")
def conference_list(request: Request, cid: int):
    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        return render(request, "conferences.html", conferences=queries.conferences(ctx), **common(ctx, request))


@router.get("/c/{cid}/conferences/{oid}")
def conference_page(request: Request, cid: int, oid: int):
    from cobuild.actions.conferences import agenda_actions, conference_actions
    from cobuild.models import Attendance
    from cobuild.reports.views import conference_detail

    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        conference = row_of(ctx, Conference, oid, "conference")
        detail = conference_detail(session, ctx.council, conference)
        items = session.exec(select(Item).where(Item.conference_id == conference.id).order_by(Item.id)).all()
        submitted = session.exec(select(Item).where(Item.raised_conference_id == conference.id).order_by(Item.id)).all()
        voters = [m for m in session.exec(select(Member).where(Member.council_id == cid).order_by(Member.id)).all() if m.votes]
        marks = session.exec(select(Attendance).where(Attendance.conference_id == oid)).all()
        present = {a.member_id for a in marks if a.present}  # as saved: the absent stay unticked
        moved_from = None
        term = session.get(Term, conference.term_id) if conference.term_id else None
        if term is not None and conference.seq_in_term:
            from cobuild.actions.conferences import rule_day

            planned = rule_day(ctx.council, term, conference.seq_in_term)
            moved_from = planned if planned != conference.held_on and not _rescheduled(session, conference) else None
        cooperating: dict = {}
        for c in session.exec(select(Claim).where(Claim.item_id.in_([i.id for i in items] or [-1]))).all():
            if c.role == "cooperating" and c.status in ("pending", "confirmed"):
                cooperating.setdefault(c.item_id, set()).add(c.unit_id)
        can = conference_actions(session, conference, ctx.member)
        item_can = agenda_actions(session, conference, list(items), ctx.member)
        return render(request, "conference.html", conf=conference, detail=detail, items=items, submitted=submitted,
                      voters=voters, present=present, attendance_saved=bool(marks), moved_from=moved_from,
                      cooperating=cooperating, can=can, item_can=item_can,
                      **common(ctx, request))


def _rescheduled(session, conference: Conference) -> bool:
    from cobuild.models import AuditEvent

    return session.exec(select(AuditEvent.id).where(AuditEvent.subject_type == "conference", AuditEvent.subject_id == conference.id,
                                                    AuditEvent.action == "conference.reschedule")).first() is not None


@router.get("/c/{cid}/items")
def item_list(request: Request, cid: int, status: str | None = None, unit: str | None = None,
              category: str | None = None, overdue: str | None = None, quarter: str | None = None,
              q: str | None = None, page: int = 1):
    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        unit_id = int(unit) if unit and unit.isdigit() else None
        size = 50
        data = queries.items(ctx, status=status or None, unit=unit_id, category=category or None,
                             overdue=overdue in ("1", "on", "true"), quarter=quarter or None, q=(q or "")[:100] or None,
                             limit=size, offset=(max(page, 1) - 1) * size)
        codes = [c["code"] for c in queries.conferences(ctx)]
        return render(request, "items.html", data=data, page=max(page, 1), size=size, codes=codes,
                      f={"status": status or "", "unit": unit_id, "category": category or "", "overdue": overdue,
                         "quarter": quarter or "", "q": q or ""}, **common(ctx, request))


# built once: the page a message's link opens
_CLOSE_OUTS = select(CloseOut).where(CloseOut.item_id == bindparam("item")).order_by(CloseOut.id)
_MERGED_FROM = select(Item.id, Item.title).where(Item.merged_into_id == bindparam("item")).order_by(Item.id)


@router.get("/c/{cid}/items/{oid}")
async def item_page(request: Request, cid: int, oid: int):
    """The page a message's link opens: a short read (deps.quick_read)."""
    return await quick_read(request, lambda: _item_page(request, cid, oid))


def _item_page(request: Request, cid: int, oid: int):
    from cobuild.actions.items import item_actions
    from cobuild.reports.views import HISTORY, item_detail

    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        shared = common(ctx, request)  # first: its units stay loaded for the checks below (no query each)
        item = row_of(ctx, Item, oid, "item")
        everything = request.query_params.get("history") == "all"
        detail = item_detail(session, ctx.council, item, ctx.now, history=None if everything else HISTORY)
        close_outs = session.exec(_CLOSE_OUTS, params={"item": item.id}).all()
        can = item_actions(session, item, ctx.member, ctx.now)
        named = {m for c in close_outs for m in (c.requested_by, c.verified_by) if m}
        people = dict(session.exec(select(Member.id, Member.name).where(Member.id.in_(named))).all()) if named else {}
        merged_into = session.get(Item, item.merged_into_id) if item.merged_into_id else None
        merged_from = session.exec(_MERGED_FROM, params={"item": item.id}).all()
        # its history, the longest part of the page, the same for every reader: rendered once per state
        key, same = ("item", item.id, everything, shared["today"]), {"d": detail, "council": ctx.council, "local": shared["local"]}
        return render(request, "item.html", item=item, d=detail, close_outs=close_outs,
                      progress=kept_fragment(ctx, key, "item_progress.html", **same),
                      timeline=kept_fragment(ctx, key, "item_timeline.html", **same),
                      can=can, people=people, merged_into=merged_into, merged_from=merged_from,
                      my_unit=(session.get(Unit, ctx.member.unit_id).name if ctx.member else None),
                      **shared)


@router.get("/c/{cid}/menu")
def menu_page(request: Request, cid: int, q: str | None = None, category: str | None = None):
    """服务菜单: the council's listed offers by category, search; order from one or post an open
    order; a liaison publishes and manages their unit's offers here too."""
    from cobuild.models.services import SERVICE_CATEGORIES
    from cobuild.reports.services import offers

    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        listed = offers(session, ctx.council, q=(q or "")[:100] or None, category=(category or "")[:40] or None,
                        lang=ctx.lang)
        mine = offers(session, ctx.council, unit_id=ctx.member.unit_id, listed_only=False, lang=ctx.lang) \
            if ctx.member and ctx.member.is_liaison else []
        groups: dict[str, list] = {}
        for offer in listed:
            groups.setdefault(offer["category"], []).append(offer)
        categories = list(dict.fromkeys([*SERVICE_CATEGORIES, *(o["category"] for o in listed)]))
        from cobuild.reports.services import booked_this_month

        booked = booked_this_month(session, ctx.council, today_for(ctx.council, ctx.now))
        return render(request, "menu.html", groups=groups, mine=mine, categories=categories, booked=booked,
                      f={"q": q or "", "category": category or ""}, **common(ctx, request))


@router.get("/c/{cid}/orders")
def order_list_page(request: Request, cid: int, status: str | None = None, mine: str | None = None, page: int = 1):
    from cobuild.models.services import OrderStatus
    from cobuild.reports.services import order_summary, orders

    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        size = 50
        state = status if status in {s.value for s in OrderStatus} else None
        unit_id = ctx.member.unit_id if ctx.member and mine else None
        data = orders(session, ctx.council, status=state, unit_id=unit_id, limit=size, offset=(max(page, 1) - 1) * size,
                      lang=ctx.lang)
        return render(request, "orders.html", data=data, summary=order_summary(session, ctx.council), page=max(page, 1),
                      size=size, states=[s.value for s in OrderStatus], f={"status": state or "", "mine": bool(mine)},
                      **common(ctx, request))


@router.get("/c/{cid}/orders/{oid}")
def order_page(request: Request, cid: int, oid: int):
    from cobuild.actions.services import order_actions
    from cobuild.models.services import Order
    from cobuild.reports.services import order_row

    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        order = row_of(ctx, Order, oid, "order")
        can = order_actions(session, ctx.council, order, ctx.member)
        people = session.exec(select(Member).where(Member.unit_id == order.unit_id, Member.active == True)  # noqa: E712
                              .order_by(Member.id)).all() if order.unit_id and "record" in can else []
        return render(request, "order.html", order=order, o=order_row(session, order, ctx.lang), can=can, people=people,
                      **common(ctx, request))


@router.get("/c/{cid}/volunteers")
def volunteers_page(request: Request, cid: int):
    """在职党员报到: who reported, their posts and teams, and each one's service record."""
    from cobuild.models.services import SERVICE_TEAMS
    from cobuild.reports.services import service_record, volunteers

    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        rows = volunteers(session, ctx.council)
        for row in rows:
            row["totals"] = service_record(session, ctx.council, session.get(Member, row["member_id"]), ctx.lang)["totals"]
        return render(request, "volunteers.html", rows=rows, teams=SERVICE_TEAMS, **common(ctx, request))


@router.get("/c/{cid}/members/{mid}/service")
def service_record_page(request: Request, cid: int, mid: int):
    """党员纪实: a person's service record, for their unit's party organisation."""
    from cobuild.reports.services import service_record

    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        person = row_of(ctx, Member, mid, "member")
        return render(request, "service_record.html", r=service_record(session, ctx.council, person, ctx.lang),
                      person=person, **common(ctx, request))


@router.get("/c/{cid}/submit")
def submit_page(request: Request, cid: int):
    from cobuild.models import ConferenceStatus, ItemStatus

    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        conference = session.exec(select(Conference).where(Conference.council_id == cid,
                                                           Conference.status == ConferenceStatus.collecting)
                                  .order_by(Conference.id)).first()
        used = 0
        mine: typing.Sequence = []
        if conference and ctx.member:
            mine = session.exec(select(Item).where(Item.raised_conference_id == conference.id,
                                                   Item.raised_by_unit_id == ctx.member.unit_id,
                                                   Item.status != ItemStatus.cancelled)).all()
            used = len(mine)
        return render(request, "submit.html", conference=conference, used=used, mine=mine,
                      limit=ctx.council.items_max_per_unit, minimum=ctx.council.items_min_per_unit,
                      **common(ctx, request))


@router.get("/c/{cid}/terms")
def term_list(request: Request, cid: int):
    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        terms = queries.terms(ctx)
        return render(request, "terms.html", terms=terms, elections=queries.elections(ctx),
                      term_numbers={t["id"]: t["number"] for t in terms},
                      **common(ctx, request))


@router.get("/c/{cid}/terms/{oid}")
def term_page(request: Request, cid: int, oid: int):
    from cobuild.models import EvaluationBallot, TermStatus
    from cobuild.models.terms import GRADES, GRADES_EN
    from cobuild.reports.views import term_row

    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        term = row_of(ctx, Term, oid, "term")
        commitments = session.exec(select(Commitment).where(Commitment.term_id == term.id).order_by(Commitment.seq)).all()
        evaluated = bool(ctx.member and session.exec(select(EvaluationBallot).where(
            EvaluationBallot.term_id == term.id, EvaluationBallot.voter_id == ctx.member.id)).first())
        return render(request, "term.html", term=term, t=term_row(session, term), commitments=commitments,
                      evaluated=evaluated, evaluating=term.status == TermStatus.evaluating, grades=GRADES,
                      grades_en=GRADES_EN, **common(ctx, request))


@router.get("/c/{cid}/terms/{oid}/report")
def term_report(request: Request, cid: int, oid: int):
    from cobuild.reports.documents import term_report_html

    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        term = row_of(ctx, Term, oid, "term")
        return HTMLResponse(term_report_html(session, ctx.council, term, today_for(ctx.council, ctx.now), ctx.lang))


@router.get("/c/{cid}/elections/{oid}")
def election_page(request: Request, cid: int, oid: int):
    from cobuild.models import Ballot
    from cobuild.reports.views import election_row

    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        election = row_of(ctx, Election, oid, "election")
        voted = bool(ctx.member and session.exec(select(Ballot).where(Ballot.election_id == oid,
                                                                       Ballot.voter_id == ctx.member.id)).first())
        term = session.get(Term, election.term_id)
        return render(request, "election.html", election=election, e=election_row(session, election), voted=voted,
                      term_number=term.number if term else 0, **common(ctx, request))


@router.get("/c/{cid}/settings")
def settings_page(request: Request, cid: int):
    from cobuild.models import ContactChannel, TemplateOverride
    from cobuild.notifications.rendering import KINDS

    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        # contact details and webhook addresses (robot keys, private URLs): the secretary sees
        # everyone's, everyone else only their own — as the API shows them
        query = select(ContactChannel).join(Member, Member.id == ContactChannel.member_id).where(Member.council_id == cid)
        if not queries.roles(ctx)["secretary"]:
            query = query.where(ContactChannel.member_id == (ctx.member.id if ctx.member else -1))
        channels: dict = {}
        for ch in session.exec(query).all():
            channels.setdefault(ch.member_id, []).append(ch)
        overrides = session.exec(select(TemplateOverride).where(TemplateOverride.council_id == cid)).all()
        editing = _template_editor(request, overrides, ctx.lang) if queries.roles(ctx)["secretary"] else None
        return render(request, "settings.html", people=queries.people(ctx), channels=channels, overrides=overrides,
                      kinds=sorted(KINDS, key=lambda k: word("kind", k, ctx.lang)),
                      setting_groups=setting_fields(ctx.council, ctx.lang), editing=editing, **common(ctx, request))


def _template_editor(request: Request, overrides, lang: str) -> dict | None:
    """The message template being edited: its current wording (the council's own, or ours), the
    variables a template may use, and a preview with sample data."""
    from cobuild.notifications import rendering
    from cobuild.notifications.samples import sample

    kind = request.query_params.get("template")
    part = request.query_params.get("part", "text")
    language = request.query_params.get("language", "zh")
    if kind not in rendering.KINDS or part not in rendering.PARTS or language not in rendering.LANGUAGES:
        return None
    own = next((o.source for o in overrides if (o.kind, o.part, o.language) == (kind, part, language)), None)
    packaged = rendering.environment().loader.get_source(rendering.environment(), f"{language}/{kind}.{rendering.PARTS[part]}")[0]
    source = own if own is not None else packaged
    context = sample(kind)
    try:
        shown = rendering.render(kind, language, context, {part: source})
        preview = {"subject": shown.subject, "text": shown.text, "html": shown.html}[part]
    except Exception:  # noqa: BLE001 — a broken override is shown, never a crash; saving it is refused with the reason
        preview = ""
    return {"kind": kind, "part": part, "language": language, "source": source, "own": own is not None,
            "variables": sorted(context), "preview": preview}


SETTING_GROUPS = (
    ("会议与征集", "Conferences and submissions", ("conference_cadence_months", "conferences_per_term", "conference_offset_days",
                                                  "conference_time", "submission_window_days", "submission_close_days_before",
                                                  "items_min_per_unit", "items_max_per_unit", "categories", "raiser_cannot_lead")),
    ("轮值主席与选举", "Chairs and elections", ("term_months", "no_consecutive_terms", "election_window_days",
                                            "election_duration_days", "runoff_enabled", "runoff_days", "evaluation_scale",
                                            "evaluation_days_before_end")),
    ("办理、提醒与免打扰", "Work, reminders and quiet hours", ("reopen_window_days", "verify_remind_working_days",
                                                        "verify_escalate_working_days", "overdue_every_working_days",
                                                        "overdue_weekly_after_working_days", "quiet_start", "quiet_end",
                                                        "morning_send")),
    ("日历与时区", "Calendar and time zone", ("timezone", "extra_holidays", "extra_workdays")),
    ("积分", "Points", ("points_rules",)),
)
TIME_SETTINGS = {"conference_time", "quiet_start", "quiet_end", "morning_send"}
DATE_LISTS = {"extra_holidays", "extra_workdays"}


def setting_fields(council: Council, lang: str = "zh") -> list[dict]:
    """The settings page's groups: each rule with its label, help, kind of input and value."""
    from cobuild.models import CouncilSettings
    from cobuild.models.messages import setting_help

    groups = []
    for zh, en, names in SETTING_GROUPS:
        fields = []
        for name in names:
            field = CouncilSettings.model_fields[name]
            value = getattr(council, name)
            value = value.value if hasattr(value, "value") else value
            kind = ("bool" if field.annotation is bool else "time" if name in TIME_SETTINGS else "dates" if name in DATE_LISTS
                    else "list" if isinstance(value, list) else "points" if isinstance(value, dict)
                    else "scale" if name == "evaluation_scale" else "number" if isinstance(value, int) else "text")
            fields.append({"name": name, "label": word("setting", name, lang), "help": setting_help(name, lang),
                           "kind": kind, "value": value, "min": _bound(field, "ge"), "max": _bound(field, "le")})
        groups.append({"title": en if lang == "en" else zh, "fields": fields})
    return groups


def _bound(field, name: str):
    for meta in field.metadata:
        if hasattr(meta, name):
            return getattr(meta, name)
    return None


PAGE_SIZE = 50


@router.get("/c/{cid}/notifications")
def notifications_page(request: Request, cid: int, status: str | None = None, page: int = 1):
    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        counts = queries.notification_counts(ctx)
        total = counts.get(status, 0) if status else sum(counts.values())
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(page, 1), pages)
        rows = queries.notifications(ctx, status=status or None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        return render(request, "notifications.html", rows=rows, status=status or "", counts=counts, total=total,
                      page=page, pages=pages, **common(ctx, request))


@router.get("/c/{cid}/notifications/{nid}")
def notification_page(request: Request, cid: int, nid: int):
    with request_session(request) as session:
        ctx = page_ctx(request, session, cid)
        row = queries.notification(ctx, nid)
        if row is None:
            raise NotFound("not_found", subject="notification", key=nid)
        return render(request, "notification.html", n=row, to=session.get(Member, row.member_id).name,
                      **common(ctx, request))


@router.get("/c/{cid}/files/{ref}")
def evidence_file(request: Request, cid: int, ref: str):
    with request_session(request) as session:
        page_ctx(request, session, cid)
    return FileResponse(uploads.path_of(cid, ref), filename=ref.split("-", 1)[1])


# ---- forms: one handler per operation -------------------------------------------------------

def _is_list(annotation) -> bool:
    return typing.get_origin(annotation) is list or any(typing.get_origin(a) is list for a in typing.get_args(annotation))


def _is_bool(annotation) -> bool:
    return annotation is bool or bool in typing.get_args(annotation)


def form_body(model: type[BaseModel], form) -> BaseModel:
    data: dict = {}
    for name, field in model.model_fields.items():
        parts = {k.split(".", 1)[1]: str(v).strip() for k, v in form.multi_items() if k.startswith(f"{name}.")}
        if parts:  # a table of numbers, one input each (the points rules): `points_rules.overdue_day=-1`
            data[name] = {k: int(v) if v.lstrip("-").isdigit() else v for k, v in parts.items() if v != ""}
            continue
        if name not in form:
            if _is_bool(field.annotation) and f"{name}__present" in form:
                data[name] = False  # an unchecked checkbox
            continue
        if _is_list(field.annotation):
            values = [str(v).strip() for v in form.getlist(name)]
            if len(values) == 1 and ("\n" in values[0] or "," in values[0] or "、" in values[0]):
                values = [v.strip() for v in values[0].replace("、", ",").replace("\n", ",").split(",")]
            data[name] = [v for v in values if v]
        elif _is_bool(field.annotation):
            data[name] = str(form.get(name)).lower() in ("on", "true", "1", "yes")
        else:
            value = str(form.get(name, "")).strip()
            if value == "":
                continue
            if typing.get_origin(field.annotation) is dict or dict in [typing.get_origin(a) for a in typing.get_args(field.annotation)]:
                import json

                try:
                    data[name] = json.loads(value)
                except ValueError:
                    data[name] = value
                continue
            data[name] = value
    return model.model_validate(data)


def _fields_message(exc: ValidationError, lang: str) -> str:
    return validation_message(exc.errors(), lang)


DONE = ("已完成:", "Done: ")
# what a person is told after a step that waits for someone else: the truth, not "done"
DONE_SAYS = {
    "item.claim": ("已提交认领,等待轮值主席确认", "Claim sent; waiting for the chair to confirm it"),
    "item.close_out": ("已申请销号,等待提出单位验收", "Close-out requested; waiting for the raising unit to verify it"),
    "item.submit": ("事项已提交,将列入下次联席会议议程", "Item submitted; it goes on the next conference's agenda"),
    "conference.reschedule": ("会期已调整,各单位已收到通知", "The conference was moved; every unit has been told"),
    "conference.open_window": ("已开启事项征集,各单位已收到通知", "The window is open; every unit has been told"),
    "order.place": ("已下单,等待服务单位接单", "Ordered; waiting for a unit to take it"),
    "order.take": ("已接单,下单方已收到通知", "Taken; whoever ordered has been told"),
    "order.serve": ("服务已记录,等待社区评价", "Service recorded; waiting for the community's rating"),
}


NOT_KEPT = {"csrf", "next", "password", "current_password", "new_password"}


def keep_input(request: Request, form) -> None:
    """What a person typed survives a refusal: the page they go back to fills it in again."""
    fields = {k: str(v)[:4000] for k, v in form.multi_items() if isinstance(v, str) and k not in NOT_KEPT and v.strip()}
    if fields:
        request.session["kept"] = {"action": request.url.path, "fields": fields}


def _form_handler(op: Operation):
    async def handler(request: Request, cid: int, oid: int | None = None):
        form = await request.form()
        lang = language(request)
        request.state.form_next = str(form.get("next") or "")
        fallback = f"/c/{cid}"
        if not csrf_ok(request.session, str(form.get("csrf", ""))):
            flash(request, "error", DomainError("csrf").message(lang))
            return RedirectResponse(back(request, fallback), status_code=303)
        files = [(str(f.filename), await f.read(uploads.MAX_BYTES + 1))
                 for f in form.getlist("evidence_files") if isinstance(f, UploadFile) and f.filename]

        def work():  # the database (and its locks) and the files, in the thread pool: never on the event loop
            with request_session(request) as session:
                ctx = page_ctx(request, session, cid)
                body = form_body(op.body, form) if op.body is not Empty else Empty()
                if files and hasattr(body, "evidence"):
                    if op.subject:  # refuse before writing files
                        row_of(ctx, op.subject[0], oid, op.subject[1])
                    refs = [uploads.save(cid, name, data) for name, data in files]
                    body = body.model_copy(update={"evidence": [*body.evidence, *refs]})
                return perform(ctx, op, oid, body)

        try:
            result = await run_in_threadpool(work)
        except NotAuthenticated:
            return RedirectResponse(f"/signin?next={quote(back(request, fallback))}", status_code=303)
        except DomainError as exc:
            flash(request, "error", exc.message(lang))
            keep_input(request, form)
            return RedirectResponse(back(request, fallback), status_code=303)
        except ValidationError as exc:
            flash(request, "error", _fields_message(exc, lang))
            keep_input(request, form)
            return RedirectResponse(back(request, fallback), status_code=303)
        flash(request, "ok", DONE_SAYS[op.name][lang == "en"] if op.name in DONE_SAYS
              else DONE[lang == "en"] + op.summary.split(" ", 1)[0 if lang == "zh" else 1])
        if op.name == "item.submit" and isinstance(result, dict) and result.get("id"):
            return RedirectResponse(f"/c/{cid}/items/{result['id']}", status_code=303)
        if op.name == "appraisal.codes" and isinstance(result, dict):  # shown once: the page to print
            import segno

            from cobuild.platform.links import configured_base

            base = configured_base() or str(request.base_url).rstrip("/")
            link = f"{base}/r/{result['round_id']}"
            sheet = [(code, segno.make(f"{link}?code={code}", error="m").svg_inline(scale=3, title=code)) for code in result["codes"]]
            return render(request, "codes.html", sheet=sheet, link=link, council=None, signed=True)
        if op.name == "order.place" and isinstance(result, dict) and result.get("id"):
            return RedirectResponse(f"/c/{cid}/orders/{result['id']}", status_code=303)
        return RedirectResponse(back(request, fallback), status_code=303)

    return handler


for _op in OPERATIONS:
    _path = f"/c/{{cid}}{_op.path}"
    router.add_api_route(_path, _form_handler(_op), methods=["POST"], name=f"page.{_op.name}")

"""The JSON API under /api/v1, documented by the generated OpenAPI (/api/openapi.json).

Read endpoints are written out; every action endpoint is generated from
`cobuild.web.operations.OPERATIONS`, so the API and the pages share one list of actions.
Machine clients authenticate with a bearer token.
"""

from __future__ import annotations

import inspect
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match

from cobuild.actions import accounts
from cobuild.actions.common import get
from cobuild.models import Conference, Council, Election, Item, Member, NotAuthenticated, Term
from cobuild.models.base import jsonable
from cobuild.platform import uploads
from cobuild.web import queries
from cobuild.web.deps import council_ctx, db, language, now, quick_read, quick_write, request_session
from cobuild.web.operations import OPERATIONS, Ctx, Empty, Operation, perform, row_of


class FieldError(BaseModel):
    field: str = Field(description="where: a body field's path, or a query or path parameter")
    message: str


class ErrorBody(BaseModel):
    """Every refusal, whatever its status: a code to act on and one line for a person, in the
    caller's language (Accept-Language or ?lang=)."""
    error: str = Field(description="a stable code: invalid, not_signed_in, not_chair, illegal_transition, concurrent, …")
    message: str = Field(description="one line in Chinese or English, fit to show as it is")
    fields: list[FieldError] | None = Field(default=None, description="for invalid input: each field's own message")


_REFUSALS = {401: "not signed in, or the token has expired or was revoked", 403: "signed in, but not allowed to",
             404: "no such row in this council", 409: "the state does not allow it, or another request changed it first",
             413: "the request body is too large", 422: "invalid input, with each field's message",
             429: "too many failed sign-ins from here: wait and try again",
             503: "the database is busy or was cut off: nothing changed, try again"}
ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorBody, "description": text} for status, text in _REFUSALS.items()}


class PrefixRouter(APIRouter):
    """An APIRouter that a path outside its prefix skips at once. FastAPI (0.150) asks an included
    router's every route in turn, so each page's request tried the API's hundred-odd routes first."""

    def matches(self, scope):
        path, root = scope["path"], scope.get("root_path", "")
        if not path.removeprefix(root).startswith(self.prefix + "/"):
            return Match.NONE, {}
        return super().matches(scope)


router = PrefixRouter(prefix="/api/v1", responses=ERRORS)
bearer = HTTPBearer(auto_error=False, description="a token from POST /api/v1/tokens")
DB = Annotated[Session, Depends(db)]


async def api_account(request: Request, session: DB,
                      creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None) -> accounts.Caller:
    if creds is None or creds.scheme.lower() != "bearer":
        raise NotAuthenticated("not_signed_in")
    moment = now(request)
    sqlite = request.app.state.db_url.startswith("sqlite")

    def check() -> accounts.Caller:
        found = accounts.token_caller(session, creds.credentials, moment)
        if not sqlite:
            # Hand the connection back to the pool before the endpoint runs: a request holding one
            # while it waits for a worker thread can stall behind threads that wait for connections.
            # On SQLite the hot endpoints run on the event loop with the connection they have, and
            # the pool holds one for every request admitted (COBUILD_MAX_IN_FLIGHT): handing it back
            # and taking it again cost every API request more than the token statement itself.
            session.commit()
        return found

    caller = await quick_read(request, check)
    if accounts.use_to_note(caller, moment):  # a write, once a minute a token: never on the event loop
        await run_in_threadpool(accounts.note_use, session, caller, moment)
    return caller


ACCOUNT = Annotated[accounts.Caller, Depends(api_account)]
CID = Annotated[int, Path(description="council id", ge=1, le=2**53)]
OID = Annotated[int, Path(ge=1, le=2**53)]


def ctx_for(request: Request, session: Session, account: accounts.Caller, cid: int) -> Ctx:
    return council_ctx(request, session, account, cid, language(request))


# ---- tokens and the caller ------------------------------------------------------------------

class TokenRequest(BaseModel):
    login: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=200)
    name: str = Field(default="api", max_length=100, description="what the token is for")


class Token(BaseModel):
    token: str = Field(description="shown once: send it as `Authorization: Bearer …`")
    id: int
    name: str


class Revoked(BaseModel):
    id: int
    revoked: bool


class Membership(BaseModel):
    council_id: int
    council: str
    member_id: int
    name: str
    role: str
    is_liaison: bool
    unit_id: int


class Me(BaseModel):
    login: str
    memberships: list[Membership]


class CouncilName(BaseModel):
    id: int
    name: str


class Uploaded(BaseModel):
    ref: str = Field(description="put it in a progress report's or a close-out's `evidence`")


@router.post("/tokens", status_code=201, tags=["auth"], summary="用账号密码换取 API 令牌 Get an API token")
def create_token(request: Request, body: TokenRequest, session: DB) -> Token:
    limiter = request.app.state.limiter
    client = request.client.host if request.client else "?"
    limiter.check(client, body.login)
    try:
        account = accounts.authenticate(session, body.login, body.password)
    except NotAuthenticated:
        limiter.failed(client, body.login)
        raise
    limiter.succeeded(client, body.login)
    token, row = accounts.issue_token(session, account, body.name, now=now(request))
    return Token(token=token, id=row.id, name=row.name)


@router.delete("/tokens/{token_id}", tags=["auth"], summary="撤销令牌 Revoke a token")
def delete_token(request: Request, token_id: OID, session: DB, account: ACCOUNT) -> Revoked:
    row = accounts.revoke_token(session, account, token_id, now=now(request))
    return Revoked(id=row.id, revoked=True)


@router.get("/me", tags=["auth"], summary="当前账号与所属大党委 Who am I")
async def me(request: Request, session: DB, account: ACCOUNT) -> Me:
    def work() -> Me:
        members = accounts.memberships(session, account.id)
        return Me(login=account.login, memberships=[
            Membership(council_id=m.council_id, council=get(session, Council, m.council_id, "council").name,
                       member_id=m.id, name=m.name, role=m.role, is_liaison=m.is_liaison, unit_id=m.unit_id)
            for m in members])

    return await quick_read(request, work)


class TodoEntry(BaseModel):
    kind: str = Field(description="submit, claim, progress, sent_back, verify, confirm_claim, lock, hold, decide, "
                                  "publish, vote, evaluate, escalated, dead, take_order, schedule_order, record_service, "
                                  "answer_order, rate_order")
    label: str
    label_en: str
    council_id: int
    subject_type: str
    subject_id: int | None
    title: str
    due: str | None = Field(description="the date it is due by (the council's calendar day)")
    overdue: bool
    count: int | None
    path: str = Field(description="its page in the web app")
    link: str | None = Field(description="the page's full address (COBUILD_PUBLIC_URL), if set")


@router.get("/me/todo", tags=["auth"], summary="我的待办 What waits for me, in every council, most urgent first")
async def my_todo(request: Request, session: DB, account: ACCOUNT) -> list[TodoEntry]:
    from cobuild.platform.links import configured_base
    from cobuild.reports.todo import todo, urgency

    def work() -> list[TodoEntry]:
        base = configured_base()
        entries = []
        for member in accounts.memberships(session, account.id):
            council = get(session, Council, member.council_id, "council")
            entries += todo(session, council, member, now(request))
        entries.sort(key=urgency)
        return [TodoEntry(**e, link=f"{base}{e['path']}" if base else None) for e in entries]

    return await quick_read(request, work)


@router.get("/councils", tags=["read"], summary="我的大党委 My councils")
def councils(session: DB, account: ACCOUNT) -> list[CouncilName]:
    return [CouncilName(id=m.council_id, name=get(session, Council, m.council_id, "council").name)
            for m in accounts.memberships(session, account.id)]


# ---- reads ----------------------------------------------------------------------------------

@router.get("/councils/{cid}", tags=["read"], summary="工作台 Dashboard: chair, term, conference, rates, overdue")
async def dashboard(request: Request, cid: CID, session: DB, account: ACCOUNT) -> dict:
    def work() -> dict:
        ctx = ctx_for(request, session, account, cid)
        return {**queries.dashboard(ctx), "me": queries.roles(ctx)}

    return await quick_read(request, work)


@router.get("/councils/{cid}/items", tags=["read"], summary="事项清单 Items, filtered")
async def item_list(request: Request, cid: CID, session: DB, account: ACCOUNT,
              status: str | None = Query(default=None, max_length=40), unit: int | None = Query(default=None, ge=1, le=2**53),
              category: str | None = Query(default=None, max_length=40),
              overdue: bool | None = None, quarter: str | None = Query(default=None, description="conference code"),
              q: str | None = Query(default=None, max_length=100, description="search title, description, number"),
              limit: int = Query(default=200, ge=1, le=500), offset: int = Query(default=0, ge=0)) -> dict:
    def work() -> dict:
        ctx = ctx_for(request, session, account, cid)
        return queries.items(ctx, status=status, unit=unit, category=category, overdue=overdue, quarter=quarter, q=q,
                             limit=limit, offset=offset)

    return await quick_read(request, work)


@router.get("/councils/{cid}/items/{oid}", tags=["read"], summary="事项详情与时间线 Item with its timeline")
async def item_page(request: Request, cid: CID, oid: OID, session: DB, account: ACCOUNT,
              history: int = Query(default=50, ge=0, le=100_000, description=(
                  "the latest N progress reports and timeline events (0: all); "
                  "progress_total and timeline_total count them all"))) -> dict:
    from cobuild.reports.views import item_detail_of

    def work() -> dict:
        ctx = ctx_for(request, session, account, cid)
        return item_detail_of(session, ctx.council, oid, ctx.now, lambda: row_of(ctx, Item, oid, "item"), history or None)

    return await quick_read(request, work)


@router.get("/councils/{cid}/conferences", tags=["read"], summary="会议 Conferences")
def conference_list(request: Request, cid: CID, session: DB, account: ACCOUNT) -> list[dict]:
    return queries.conferences(ctx_for(request, session, account, cid))


@router.get("/councils/{cid}/conferences/{oid}", tags=["read"], summary="会议详情 Conference: window, submitters, agenda")
def conference(request: Request, cid: CID, oid: OID, session: DB, account: ACCOUNT) -> dict:
    from cobuild.reports.views import conference_detail

    ctx = ctx_for(request, session, account, cid)
    return conference_detail(session, ctx.council, row_of(ctx, Conference, oid, "conference"))


@router.get("/councils/{cid}/elections", tags=["read"], summary="选举 Elections")
def election_list(request: Request, cid: CID, session: DB, account: ACCOUNT) -> list[dict]:
    return queries.elections(ctx_for(request, session, account, cid))


@router.get("/councils/{cid}/elections/{oid}", tags=["read"], summary="选举详情 Election: candidates, result")
def election(request: Request, cid: CID, oid: OID, session: DB, account: ACCOUNT) -> dict:
    from cobuild.reports.views import election_row

    ctx = ctx_for(request, session, account, cid)
    return election_row(session, row_of(ctx, Election, oid, "election"))


@router.get("/councils/{cid}/terms", tags=["read"], summary="任期 Terms")
def term_list(request: Request, cid: CID, session: DB, account: ACCOUNT) -> list[dict]:
    return queries.terms(ctx_for(request, session, account, cid))


@router.get("/councils/{cid}/terms/{oid}", tags=["read"], summary="任期详情 Term: statement, commitments, report")
def term(request: Request, cid: CID, oid: OID, session: DB, account: ACCOUNT) -> dict:
    from cobuild.reports.views import term_row

    ctx = ctx_for(request, session, account, cid)
    return term_row(session, row_of(ctx, Term, oid, "term"))


@router.get("/councils/{cid}/units", tags=["read"], summary="成员单位 Units")
def unit_list(request: Request, cid: CID, session: DB, account: ACCOUNT) -> list[dict]:
    return queries.unit_list(ctx_for(request, session, account, cid))


@router.get("/councils/{cid}/members", tags=["read"], summary="成员 Members")
def member_list(request: Request, cid: CID, session: DB, account: ACCOUNT) -> list[dict]:
    return queries.people(ctx_for(request, session, account, cid))


@router.get("/councils/{cid}/notifications", tags=["read"],
            summary="消息记录 Notifications: sent, failed and why (all for secretary and chair, own for others)")
def notification_list(request: Request, cid: CID, session: DB, account: ACCOUNT,
                      status: str | None = None, limit: int = Query(default=200, ge=1, le=1000)) -> list[dict]:
    return queries.notifications(ctx_for(request, session, account, cid), status=status, limit=limit)


@router.post("/councils/{cid}/uploads", status_code=201, tags=["actions"],
             summary="上传佐证材料 Upload an evidence file (≤ 10 MB; jpg, png, pdf, docx, xlsx, txt)")
async def upload(request: Request, cid: CID, file: Annotated[UploadFile, File()], account: ACCOUNT) -> Uploaded:
    data = await file.read(uploads.MAX_BYTES + 1)

    def save() -> str:  # the database and the disk, in the thread pool
        from cobuild.models import PermissionDenied

        with request_session(request) as session:
            if ctx_for(request, session, account, cid).member is None:
                raise PermissionDenied("street_read_only")
        return uploads.save(cid, file.filename or "file", data)

    return Uploaded(ref=await run_in_threadpool(save))


@router.get("/councils/{cid}/files/{ref}", tags=["read"], summary="佐证材料 An evidence file")
def evidence_file(request: Request, cid: CID, ref: str, session: DB, account: ACCOUNT):
    ctx_for(request, session, account, cid)
    return FileResponse(uploads.path_of(cid, ref), filename=ref.split("-", 1)[1])


@router.get("/streets/{sid}", tags=["read"], summary="街道工作台 The street office's dashboard: communities and racing boards")
def street(request: Request, sid: OID, session: DB, account: ACCOUNT) -> dict:
    from cobuild.models import PermissionDenied
    from cobuild.reports.streets import street_dashboard, streets_of

    row = next((s for s in streets_of(session, account.id) if s.id == sid), None)
    if row is None:
        raise PermissionDenied("not_street_staff")
    return jsonable(street_dashboard(session, row, request.app.state.clock()))


@router.get("/councils/{cid}/appraisals", tags=["read"],
            summary="年度考评 Appraisal rounds: progress (counts only) until published, then the result")
def appraisal_list(request: Request, cid: CID, session: DB, account: ACCOUNT) -> list[dict]:
    from cobuild.reports.appraisal import round_view, rounds_for

    ctx = ctx_for(request, session, account, cid)
    return jsonable([round_view(session, r) for r in rounds_for(session, ctx.council)])


@router.get("/councils/{cid}/appraisals/{oid}", tags=["read"], summary="年度考评详情 An appraisal round")
def appraisal(request: Request, cid: CID, oid: OID, session: DB, account: ACCOUNT) -> dict:
    from cobuild.models.appraisal import AppraisalRound
    from cobuild.reports.appraisal import round_view

    ctx = ctx_for(request, session, account, cid)
    return jsonable(round_view(session, row_of(ctx, AppraisalRound, oid, "appraisal")))


@router.get("/councils/{cid}/offers", tags=["read"], summary="服务菜单 The service menu: listed offers by category")
def offer_list(request: Request, cid: CID, session: DB, account: ACCOUNT,
               q: str | None = Query(default=None, max_length=100, description="search title, description, team"),
               category: str | None = Query(default=None, max_length=40),
               unit: int | None = Query(default=None, ge=1, le=2**53),
               all: bool = Query(default=False, description="paused, draft and withdrawn offers too")) -> list[dict]:
    from cobuild.reports.services import offers

    ctx = ctx_for(request, session, account, cid)
    return jsonable(offers(session, ctx.council, q=q, category=category, unit_id=unit, listed_only=not all, lang=ctx.lang))


@router.get("/councils/{cid}/offers/{oid}", tags=["read"], summary="服务项目 An offer")
def offer(request: Request, cid: CID, oid: OID, session: DB, account: ACCOUNT) -> dict:
    from cobuild.models.services import Offer
    from cobuild.reports.services import offer_row

    ctx = ctx_for(request, session, account, cid)
    return jsonable(offer_row(session, row_of(ctx, Offer, oid, "offer"), ctx.lang))


@router.get("/councils/{cid}/orders", tags=["read"], summary="服务订单 Orders, filtered")
def order_list(request: Request, cid: CID, session: DB, account: ACCOUNT,
               status: str | None = Query(default=None, max_length=16), unit: int | None = Query(default=None, ge=1, le=2**53),
               limit: int = Query(default=200, ge=1, le=500), offset: int = Query(default=0, ge=0, le=2**31)) -> dict:
    from cobuild.reports.services import order_summary, orders

    ctx = ctx_for(request, session, account, cid)
    return jsonable({**orders(session, ctx.council, status=status, unit_id=unit, limit=limit, offset=offset, lang=ctx.lang),
                     "summary": order_summary(session, ctx.council)})


@router.get("/councils/{cid}/orders/{oid}", tags=["read"], summary="服务订单详情 An order, with what you may do now")
def order(request: Request, cid: CID, oid: OID, session: DB, account: ACCOUNT) -> dict:
    from cobuild.actions.services import order_actions
    from cobuild.models.services import Order
    from cobuild.reports.services import order_row

    ctx = ctx_for(request, session, account, cid)
    row = row_of(ctx, Order, oid, "order")
    return jsonable({**order_row(session, row, ctx.lang), "actions": sorted(order_actions(session, ctx.council, row, ctx.member))})


@router.get("/councils/{cid}/volunteers", tags=["read"], summary="在职党员 In-service party members who reported")
def volunteer_list(request: Request, cid: CID, session: DB, account: ACCOUNT,
                   unit: int | None = Query(default=None, ge=1, le=2**53)) -> list[dict]:
    from cobuild.reports.services import volunteers

    ctx = ctx_for(request, session, account, cid)
    return jsonable(volunteers(session, ctx.council, unit))


@router.get("/councils/{cid}/members/{oid}/service-record", tags=["read"], summary="党员纪实 A member's service record")
def service_record(request: Request, cid: CID, oid: OID, session: DB, account: ACCOUNT) -> dict:
    from cobuild.reports.services import service_record as record_of

    ctx = ctx_for(request, session, account, cid)
    return jsonable(record_of(session, ctx.council, row_of(ctx, Member, oid, "member"), ctx.lang))


# ---- actions: one endpoint per operation ----------------------------------------------------

def _endpoint(op: Operation):
    async def endpoint(request: Request, cid: int, session: Session, account: accounts.Caller, oid: int | None = None,
                       body: Any = None) -> Any:
        def work() -> Any:
            return perform(ctx_for(request, session, account, cid), op, oid, body if body is not None else Empty())

        if op.long:
            return await run_in_threadpool(work)
        return await quick_write(request, session, work)

    params = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter("cid", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=CID),
        inspect.Parameter("session", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=DB),
        inspect.Parameter("account", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=ACCOUNT),
    ]
    if op.subject:
        params.append(inspect.Parameter("oid", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                        annotation=Annotated[int, Path(description=f"{op.subject[1]} id", ge=1, le=2**53)]))
    if op.body is not Empty:
        params.append(inspect.Parameter("body", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                        annotation=Annotated[op.body, Body()]))
    endpoint.__signature__ = inspect.Signature(params)
    endpoint.__name__ = op.name.replace(".", "_")
    return endpoint


for _op in OPERATIONS:
    method = "PATCH" if _op.name in ("council.settings", "member.update", "offer.edit") else \
        "PUT" if _op.name in ("council.rotation", "council.template", "member.preferences") else "POST"
    router.add_api_route(f"/councils/{{cid}}{_op.path}", _endpoint(_op), methods=[method], tags=["actions"],
                         summary=_op.summary, status_code=_op.status, name=_op.name)

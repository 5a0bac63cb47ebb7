"""The page a one-tap action link opens (cobuild/platform/action_links.py): no password, one
action, once. GET shows the item and the choice; POST does it as the person the link was sent
to, through the same use case as every other way in, and the link is spent in that transaction."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, select

from cobuild.actions import items as it
from cobuild.actions.common import once
from cobuild.models import Claim, ClaimStatus, CouncilEvent, DomainError, Item, ItemStatus, Member
from cobuild.models.base import today_for
from cobuild.models.messages import render as message
from cobuild.notifications.dispatch import stale
from cobuild.platform import action_links
from cobuild.web.deps import language, request_session

router = APIRouter(include_in_schema=False)


class Refused(Exception):
    def __init__(self, code: str, **params: object):
        super().__init__(code)
        self.code, self.params = code, params


def _checked(request: Request, session: Session, token: str) -> tuple[dict, Member, Item, Claim | None]:
    """The link's payload, person, item (and claim), or Refused with why."""
    from cobuild.models import Council

    now = request.app.state.clock()
    try:
        link = action_links.read(token, now)
    except action_links.ActionLinkRefused as refused:
        raise Refused(f"link_{refused.code}") from None
    member = session.get(Member, link["m"])
    item = session.get(Item, link["s"])
    if member is None or not member.active or item is None or item.council_id != member.council_id:
        raise Refused("link_forged")
    account_id = request.session.get("account_id")
    if account_id and account_id != member.account_id:
        raise Refused("link_other_person", name=member.name)
    if session.exec(select(CouncilEvent.id).where(CouncilEvent.key == f"action-link|{link['n']}")).first():
        raise Refused("link_used")
    claim = None
    council = session.get(Council, item.council_id)
    kind = {action: kind for kind, action in action_links.ACTIONS.items()}[link["a"]]
    if link["a"] == "confirm_claim":
        claim = session.get(Claim, int(link["b"])) if str(link["b"]).isdigit() else None
        holds = claim is not None and claim.item_id == item.id and claim.status == ClaimStatus.pending
    else:  # the basis the message was worked out from still holds: the dispatcher's own rule
        holds = not stale(kind, link["b"], item)
        if link["a"] == "acknowledge":  # and the lead is still working it, late
            holds = holds and item.status in (ItemStatus.claimed, ItemStatus.in_progress, ItemStatus.reopened) \
                and item.deadline is not None and today_for(council, now) > item.deadline
    if not holds:
        raise Refused("link_moved_on")
    return link, member, item, claim


def _page(request: Request, status: int = 200, **context) -> HTMLResponse:
    from cobuild.web.pages import render

    return render(request, "one_tap.html", http_status=status, council=None, **context)


@router.get("/a/{token}")
def show(request: Request, token: str):
    lang = language(request)
    with request_session(request) as session:
        try:
            link, member, item, claim = _checked(request, session, token)
        except Refused as refused:
            return _page(request, 410, refused=message(refused.code, lang, **refused.params))
        unit = session.get(it.Unit, claim.unit_id).name if claim else None
        return _page(request, link=link, member=member, item=item, claim=claim, unit=unit, token=token)


@router.post("/a/{token}")
async def do(request: Request, token: str):
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    lang = language(request)

    def work() -> HTMLResponse:
        with request_session(request) as session:
            try:
                link, member, item, claim = _checked(request, session, token)
            except Refused as refused:
                return _page(request, 410, refused=message(refused.code, lang, **refused.params))
            now = request.app.state.clock()
            choice = str(form.get("choice", ""))
            try:
                # spent in the use case's own transaction: a refused step leaves the link usable
                once(session, item.council_id, f"action-link|{link['n']}", now, {"member": member.id, "action": link["a"]})
                if link["a"] == "verify" and choice == "accept":
                    rating = int(str(form.get("satisfaction", "5"))) if str(form.get("satisfaction", "5")).isdigit() else 0
                    it.verify_close_out(session, item, by=member, now=now, satisfaction=rating)
                elif link["a"] == "verify" and choice == "send_back":
                    it.send_back(session, item, by=member, now=now, reason=str(form.get("reason", "")))
                elif link["a"] == "confirm_claim" and claim is not None and choice in ("confirm", "decline"):
                    it.decide_claim(session, claim, by=member, now=now, confirm=choice == "confirm",
                                    reason=str(form.get("reason", "")) or None)
                elif link["a"] == "acknowledge" and choice == "note":
                    it.post_progress(session, item, by=member, now=now, note=str(form.get("note", "")),
                                     percent=item.latest_percent if item.lead_unit_id == member.unit_id else None)
                else:
                    session.rollback()
                    return _page(request, 400, refused=message("link_forged", lang))
            except DomainError as refused:
                session.rollback()
                return _page(request, 409, refused=refused.message(lang), item=item)
            return _page(request, done=True, item=item, member=member)

    return await run_in_threadpool(work)


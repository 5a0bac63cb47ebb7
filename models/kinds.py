"""Every kind of message cobuild sends, in one place.

A kind's name is the template file's stem (notifications/templates/<lang>/<kind>.*), the key of
its sample (notifications/samples.py) and of its shown name (models/messages.py), and the
`kind` of its notifications. What a kind stands on decides when a queued one is stale:
- `deadline`: worked out from an item's deadline; stale once the deadline moves, or the item
  leaves the working states or asks to be closed;
- `close_request`: worked out from an item's close-out request; stale once that is decided;
- `None`: a council event or a digest, never stale.
tests/unit/test_kinds.py checks that each kind has both languages' templates, a sample and a
name, and that each kind the reminder ladder can give is here with the right basis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Basis = Literal["deadline", "close_request"] | None


@dataclass(frozen=True)
class Kind:
    name: str
    zh: str
    en: str
    subject: str  # what a notification of this kind is about: item, conference, election, term, council, member
    basis: Basis = None
    escalation: bool = False  # a 督办: marked once per item and step, and audited


KINDS: dict[str, Kind] = {k.name: k for k in (
    # the item ladder (models/reminders.py)
    Kind("deadline_approaching", "临期提醒", "deadline approaching", "item", "deadline"),
    Kind("deadline_due", "到期提醒", "deadline today", "item", "deadline"),
    Kind("overdue", "逾期提醒", "overdue", "item", "deadline"),
    Kind("escalation", "督办", "escalation", "item", "deadline", escalation=True),
    Kind("verify_request", "验收提醒", "verification request", "item", "close_request"),
    Kind("verify_escalation", "验收督办", "verification escalation", "item", "close_request", escalation=True),
    # council events (cobuild/sweep/events.py)
    Kind("window_open", "征集开始", "call for items", "conference"),
    Kind("submission_reminder", "提交提醒", "submission reminder", "conference"),
    Kind("agenda", "会议议程", "agenda", "conference"),
    Kind("election_open", "选举开始", "election open", "election"),
    Kind("election_reminder", "投票提醒", "voting reminder", "election"),
    Kind("election_result", "选举结果", "election result", "election"),
    Kind("handover", "主席交接", "hand-over", "term"),
    Kind("evaluation_open", "测评开始", "evaluation open", "term"),
    Kind("evaluation_reminder", "测评提醒", "evaluation reminder", "term"),
    Kind("term_report", "任期通报", "term report", "term"),
    # hand-offs, sent by the use case that gives someone work or answers them (actions/handoffs.py)
    Kind("item_assigned", "新任务", "new task", "item"),
    Kind("claim_pending", "待确认认领", "claim to confirm", "item"),
    Kind("claim_decided", "认领结果", "claim answered", "item"),
    Kind("close_out_answered", "验收结果", "close-out answered", "item"),
    Kind("deadline_extended", "时限调整", "deadline moved", "item"),
    Kind("item_reopened", "事项重启", "item reopened", "item"),
    Kind("assignment_declined", "退回指派", "assignment declined", "item"),
    Kind("progress_posted", "进展", "progress", "item"),
    Kind("hurry", "催办", "hurry-up", "item"),
    Kind("conference_rescheduled", "会议改期", "conference moved", "conference"),
    # the service menu (cobuild/actions/services.py, cobuild/sweep/orders.py)
    Kind("order_step", "服务订单", "service order", "order"),
    Kind("order_reminder", "服务提醒", "service reminder", "order"),
    # the yearly appraisal (cobuild/sweep/appraisal.py)
    Kind("appraisal_open", "年度考评开始", "appraisal opened", "appraisal"),
    Kind("appraisal_reminder", "考评自评提醒", "self-evaluation reminder", "appraisal"),
    # digests, and what the system tells a council about itself
    Kind("weekly_digest", "每周汇总", "weekly digest", "council"),
    Kind("daily_digest", "每日汇总", "daily digest", "member"),
    Kind("council_problem", "系统提示", "notice of a problem", "council"),
)}

DEADLINE_KINDS = frozenset(k.name for k in KINDS.values() if k.basis == "deadline")
VERIFY_KINDS = frozenset(k.name for k in KINDS.values() if k.basis == "close_request")
ESCALATION_KINDS = frozenset(k.name for k in KINDS.values() if k.escalation)
# sent at once by the use case that hands work on (cobuild/actions/handoffs.py), not by the sweep
HANDOFF_KINDS = frozenset({"item_assigned", "claim_pending", "claim_decided", "close_out_answered", "deadline_extended",
                           "item_reopened", "assignment_declined", "progress_posted", "hurry"})


# computed from a deadline or a close-out request: re-checked against the item before it is sent,
# and dropped when the item has moved on (the only messages that can go stale)
STALEABLE_KINDS = frozenset(k.name for k in KINDS.values() if k.basis is not None)


def can_go_stale(kind: str) -> bool:
    """A queued message of this kind is re-checked against its item before it is sent."""
    return kind in STALEABLE_KINDS

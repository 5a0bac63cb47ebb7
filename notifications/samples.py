"""A sample context for every message kind: validates council overrides before they are saved,
and lets tests render every template in both languages."""

from __future__ import annotations

_ITEM = {"number": "2026-Q2-03", "title": "老旧小区路灯维修", "deadline": "2026-06-30", "lead_unit": "国网牡丹供电所",
         "raised_by": "牡丹社区", "goal": "6月底前完成维修", "responsible_person": "周志强"}
_CONFERENCE = {"code": "2026-Q2", "held_on": "2026-05-16", "held_at": "2026-05-16 09:30", "closes": "2026-05-15 00:00"}
_ORDER = {"id": 7, "title": "老年人健康义诊", "place": "牡丹社区服务中心", "need": "测血压、血糖,用药咨询",
          "wanted_on": "2026-05-20", "service_on": "2026-05-22", "residents": 40, "unit": "市第一人民医院",
          "placed_by_unit": "牡丹社区"}
_TERM = {"number": 2, "starts_on": "2026-07-01", "ends_on": "2026-12-31"}
_TOTALS = {"confirmed": 12, "closed": 9, "on_time": 8, "overdue": 1, "completion_rate": 0.75, "on_time_rate": 0.667}
_ROW = {"number": "2026-Q2-03", "title": "老旧小区路灯维修", "lead_unit": "国网牡丹供电所", "deadline": "2026-06-30",
        "days_overdue": 3, "raised_by": "牡丹社区"}

COMMON = {"recipient": "王丽华", "council": "牡丹社区大党委", "step": "", "link": "https://cobuild.example.org/c/1/items/3",
          "action_link": None}

SAMPLES: dict[str, dict] = {
    "deadline_approaching": {"item": _ITEM, "days_left": 3},
    "deadline_due": {"item": _ITEM},
    "overdue": {"item": _ITEM, "days_overdue": 4},
    "escalation": {"item": _ITEM, "days_overdue": 4},
    "verify_request": {"item": _ITEM, "requested_on": "2026-06-20", "waiting_days": 3},
    "verify_escalation": {"item": _ITEM, "requested_on": "2026-06-20", "waiting_days": 5},
    "window_open": {"conference": _CONFERENCE, "limit_min": 1, "limit_max": 3},
    "submission_reminder": {"conference": _CONFERENCE, "limit_min": 1, "limit_max": 3, "unit": "火炬小学"},
    "agenda": {"conference": _CONFERENCE, "limit_min": 1, "limit_max": 3,
               "agenda": [{"label": "新提交", "label_en": "new", "title": "校门口交通疏导"}]},
    "election_open": {"term": _TERM, "closes": "2026-06-24 00:05", "candidates": ["赵建国", "周志强"]},
    "election_reminder": {"term": _TERM, "closes": "2026-06-24 00:05", "candidates": ["赵建国", "周志强"]},
    "election_result": {"term": _TERM, "closes": "2026-06-24 00:05", "candidates": ["赵建国", "周志强"],
                        "winner": "周志强", "unit": "国网牡丹供电所", "how": "得票最多", "how_en": "by plurality"},
    "handover": {"term": _TERM, "chair": "周志强", "closes": "2027-01-01 00:00"},
    "evaluation_open": {"term": _TERM, "chair": "周志强", "closes": "2027-01-01 00:00"},
    "evaluation_reminder": {"term": _TERM, "chair": "周志强", "closes": "2027-01-01 00:00"},
    "term_report": {"term": _TERM, "chair": "周志强", "closes": "2027-01-01 00:00", "totals": _TOTALS,
                    "commitments": 3, "commitments_kept": 2, "completion": "75.0%", "on_time": "66.7%", "evaluations": 9},
    "weekly_digest": {"totals": _TOTALS, "completion": "75.0%", "week": "2026-W26", "overdue": [_ROW],
                      "due_soon": [_ROW], "waiting": [_ROW]},
    "council_problem": {"problem": {"code": "template", "kind_label": "逾期提醒", "kind_label_en": "overdue",
                                    "item": "2026-Q2-03", "what": "会议通知", "what_en": "Conference notices",
                                    "detail": "'dict object' has no attribute 'phone'"}},
    "item_assigned": {"item": _ITEM, "role": "lead"},
    "claim_pending": {"item": _ITEM, "unit": "火炬小学", "role": "cooperating"},
    "claim_decided": {"item": _ITEM, "role": "lead", "confirmed": False, "reason": "已由供电所牵头"},
    "close_out_answered": {"item": _ITEM, "verified": True, "rating": 5, "reason": ""},
    "deadline_extended": {"item": _ITEM, "old_deadline": "2026-06-15", "reason": "雨季施工受限"},
    "item_reopened": {"item": _ITEM, "reason": "路灯再次损坏"},
    "assignment_declined": {"item": _ITEM, "unit": "国网牡丹供电所", "reason": "不属于本单位职责"},
    "progress_posted": {"item": _ITEM, "unit": "国网牡丹供电所", "percent": 60, "note": "已完成12盏路灯更换"},
    "conference_rescheduled": {"conference": _CONFERENCE, "was": "2026-05-09", "limit_min": 1, "limit_max": 3},
    "hurry": {"item": _ITEM, "by": "周志强", "by_role": "轮值主席", "by_role_en": "the chair", "days_overdue": 3},
    "order_step": {"order": _ORDER, "event": "rated", "rating": 5, "comment": "讲解耐心", "by": "王医生",
                   "residents_served": 36, "hours": 3, "answer": "", "reason": ""},
    "order_reminder": {"order": _ORDER, "event": "not_taken", "days": 3},
    "appraisal_open": {"year": 2026, "unit": "国网牡丹供电所", "due": "2026-12-15", "closes": "2026-12-31", "by": "牡丹街道"},
    "appraisal_reminder": {"year": 2026, "unit": "国网牡丹供电所", "due": "2026-12-15"},
    "daily_digest": {"count": 1, "messages": [{"subject": "【逾期提醒】2026-Q2-03 已逾期 4 天", "text": "请尽快办结。"}]},
}


def sample(kind: str) -> dict:
    return {**COMMON, **SAMPLES[kind]}

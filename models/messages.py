"""User-facing message catalogue: Chinese (default) and English.

Kept as plain data so that the domain layer stays free of any i18n framework. Each entry is a
pair of `str.format` templates. State names are translated through STATE_NAMES.
"""

from __future__ import annotations

from cobuild.models.kinds import KINDS

STATE_NAMES: dict[str, tuple[str, str]] = {
    # items
    "submitted": ("已提交", "submitted"),
    "accepted": ("已采纳", "accepted"),
    "merged": ("已合并", "merged"),
    "deferred": ("已暂缓", "deferred"),
    "rejected": ("未采纳", "rejected"),
    "claimed": ("已认领", "claimed"),
    "in_progress": ("推进中", "in progress"),
    "close_requested": ("待验收", "close-out requested"),
    "closed": ("已销号", "closed"),
    "reopened": ("已重启", "reopened"),
    "cancelled": ("已撤销", "cancelled"),
    # conferences
    "planned": ("已计划", "planned"),
    "collecting": ("征集中", "collecting"),
    "agenda_locked": ("议程已锁定", "agenda locked"),
    "held": ("已召开", "held"),
    "resolved": ("决议已发布", "resolved"),
    # elections
    "open": ("投票中", "open"),
    "decided": ("已产生结果", "decided"),
    "runoff": ("进入第二轮", "runoff"),
    # terms
    "scheduled": ("待任职", "scheduled"),
    "active": ("任职中", "active"),
    "evaluating": ("测评中", "evaluating"),
    "reported": ("已通报", "reported"),
    # commitments
    "done": ("已兑现", "fulfilled"),
    "dropped": ("已放弃", "dropped"),
    # claims
    "pending": ("待确认", "pending"),
    "confirmed": ("已确认", "confirmed"),
    "declined": ("未通过", "declined"),
    "withdrawn": ("单位退回", "given back"),
}

SUBJECT_NAMES: dict[str, tuple[str, str]] = {
    "item": ("事项", "item"),
    "conference": ("联席会议", "conference"),
    "election": ("选举", "election"),
    "term": ("任期", "term"),
    "claim": ("认领", "claim"),
    "commitment": ("承诺事项", "commitment"),
    "council": ("大党委", "council"),
    "unit": ("单位", "unit"),
    "member": ("人员", "member"),
    "resolution": ("决议", "resolution"),
}

ACTION_NAMES: dict[str, tuple[str, str]] = {
    "accept": ("采纳", "accept"),
    "merge": ("合并", "merge"),
    "defer": ("暂缓", "defer"),
    "reject": ("不予采纳", "reject"),
    "claim": ("认领", "claim"),
    "claim_lead": ("认领牵头", "claim as lead"),
    "claim_cooperating": ("认领配合", "claim as cooperating unit"),
    "confirm_claim": ("确认认领", "confirm a claim"),
    "decline_claim": ("驳回认领", "decline a claim"),
    "assign": ("分解落实(明确目标、牵头单位、责任人、时限)", "assign the item"),
    "progress": ("报告进展", "post progress"),
    "note": ("发表配合意见", "post a note"),
    "extend": ("延长办理时限", "extend the deadline"),
    "request_close": ("申请销号", "request close-out"),
    "verify": ("验收销号", "verify close-out"),
    "send_back": ("退回", "send back"),
    "reopen": ("重启事项", "reopen the item"),
    "cancel": ("撤销", "cancel"),
    "withdraw": ("撤回", "withdraw"),
    "decline_assignment": ("退回牵头任务", "decline the assignment"),
    "hurry": ("催办", "hurry an item"),
    "submit": ("提交事项", "submit items"),
    "open_window": ("开启征集", "open the submission window"),
    "lock_agenda": ("锁定议程", "lock the agenda"),
    "hold": ("召开会议", "hold the conference"),
    "attend": ("登记出席", "record attendance"),
    "decide": ("作出决定", "decide items"),
    "publish": ("发布决议", "publish the resolution"),
    "amend": ("修正决议", "amend the resolution"),
    "reschedule": ("调整会期", "reschedule the conference"),
    "vote": ("投票", "vote"),
    "open_election": ("开启选举", "open an election"),
    "close_election": ("结束选举", "close the election"),
    "start_term": ("开始任期", "start the term"),
    "open_evaluation": ("开启测评", "open the evaluation"),
    "evaluate": ("测评", "evaluate"),
    "report": ("发布任期通报", "publish the term report"),
    "statement": ("发表就职演说", "publish the inaugural statement"),
    "commit": ("作出承诺", "add commitments"),
    "complete_commitment": ("兑现承诺", "close a commitment"),
    "administer": ("管理大党委设置", "administer the council"),
    "appoint": ("任命首任主席", "appoint the first chair"),
}

# a message kind's shown name, from the one list of kinds (models/kinds.py)
KIND_NAMES: dict[str, tuple[str, str]] = {kind.name: (kind.zh, kind.en) for kind in KINDS.values()}

MESSAGES: dict[str, tuple[str, str]] = {
    "illegal_transition": (
        "{subject}当前状态为「{state}」,不能{action};此状态下允许:{allowed}",
        "The {subject} is {state}; cannot {action}. Allowed from this state: {allowed}",
    ),
    "wrong_state": (
        "{subject}当前状态为「{state}」,不能{action};需要状态:{allowed}",
        "The {subject} is {state}; cannot {action}. It must be: {allowed}",
    ),
    "not_found": ("找不到{subject}:{key}", "No such {subject}: {key}"),
    "ambiguous": ("「{key}」对应多个{subject},请使用编号", "'{key}' matches several {subject}s; use the id"),
    "not_chair": (
        "只有本届轮值主席可以{action}(当前主席:{chair})",
        "Only the current rotating chair may {action} (chair: {chair})",
    ),
    "no_chair": ("当前没有任职中的轮值主席,不能{action}", "There is no active chair; cannot {action}"),
    "not_secretary": ("只有社区书记可以{action}", "Only the council secretary may {action}"),
    "not_liaison": (
        "{person}不是「{unit}」的联络员,不能代表该单位{action}",
        "{person} is not a liaison of {unit} and cannot {action} for it",
    ),
    "not_voter": ("{person}不是大党委委员,不能{action}", "{person} is not a council member and cannot {action}"),
    "system_only": ("该操作只能由系统或主席执行", "This action is for the scheduler or the chair"),
    "wrong_council": ("{subject}不属于该大党委", "The {subject} belongs to another council"),
    "invalid": ("输入有误:{detail}", "Invalid input: {detail}"),
    "limit_reached": (
        "「{unit}」本次会议已提交 {count} 项,已达上限 {limit} 项",
        "{unit} has already submitted {count} items to this conference; the limit is {limit}",
    ),
    "window_closed": (
        "征集窗口为 {opens} 至 {closes},当前不在窗口内",
        "The submission window runs from {opens} to {closes}; it is not open now",
    ),
    "election_window": (
        "投票时间为 {opens} 至 {closes},当前不在投票时间内",
        "Voting runs from {opens} to {closes}; it is not open now",
    ),
    "already_voted": ("{person}已经投过票", "{person} has already voted"),
    "already_evaluated": ("{person}已经提交过测评", "{person} has already submitted an evaluation"),
    "not_candidate": ("{person}不是本次选举的候选人", "{person} is not a candidate in this election"),
    "raiser_cannot_lead": (
        "按本大党委规则,提出事项的单位「{unit}」不能牵头办理该事项",
        "By this council's rules the raising unit ({unit}) cannot lead the item",
    ),
    "lead_already_set": ("该事项已有牵头单位「{unit}」", "The item already has a lead unit: {unit}"),
    "already_claimed": ("「{unit}」已认领该事项", "{unit} has already claimed this item"),
    "link_forged": ("这个链接无效。请打开消息里的“查看”链接,登录后处理。",
                    "This link is not valid. Open the message's other link and sign in to do it there."),
    "link_expired": ("这个链接已过期(7 天内有效)。请登录后在事项页面处理。",
                     "This link has expired (it works for 7 days). Sign in and do it on the item's page."),
    "link_used": ("这个链接已经用过了。", "This link has been used already."),
    "link_moved_on": ("事项已有变化,这个链接不再适用。请登录查看。",
                      "The item has moved on, so this link no longer applies. Sign in to see it."),
    "link_other_person": ("这个链接是发给{name}的,而您已用其他账号登录。请先退出,或登录后在事项页面处理。",
                          "This link was sent to {name}, and you are signed in as someone else. Sign out first, "
                          "or do it on the item's page."),
    "hurried_today": ("该事项今天已催办过,明天可再次催办", "This item was already hurried today; try again tomorrow"),
    "not_chair_or_secretary": ("只有轮值主席或社区书记可以{action}", "Only the chair or the secretary may {action}"),
    "not_lead": ("只有牵头单位「{unit}」可以{action}", "Only the lead unit ({unit}) may {action}"),
    "not_raiser": ("只有提出单位「{unit}」可以{action}", "Only the raising unit ({unit}) may {action}"),
    "not_involved": (
        "「{unit}」不是该事项的牵头或配合单位",
        "{unit} is neither the lead nor a cooperating unit of this item",
    ),
    "reopen_window": (
        "事项已于 {closed} 销号,超过 {days} 天的重启期限",
        "The item was closed on {closed}; the {days}-day reopen window has passed",
    ),
    "undecided_items": (
        "还有 {count} 个事项尚未作出决定:{items}",
        "{count} item(s) still need a decision: {items}",
    ),
    "incomplete_assignment": (
        "事项「{item}」尚未明确{fields},不能发布决议",
        "Item '{item}' has no {fields} yet; the resolution cannot be published",
    ),
    "resolution_published": (
        "决议 {code} 已发布,不能直接修改;请使用修正案(amend)",
        "Resolution {code} is published and immutable; use an amendment",
    ),
    "consecutive_term": (
        "按本大党委规则,「{unit}」不能连续两届担任轮值主席",
        "By this council's rules {unit} may not chair two terms in a row",
    ),
    "community_exists": ("每个大党委只能有一个社区单位", "A council has exactly one community unit"),
    "duplicate": ("{subject}「{key}」已存在", "{subject} '{key}' already exists"),
    "self_evaluation": ("轮值主席不能测评自己", "The chair cannot evaluate their own term"),
    "too_early": ("{action}的时间是 {when} 之后", "{action} is possible from {when}"),
    "concurrent": (
        "该操作与他人同时进行的操作冲突(可能已由他人完成),未作任何更改;请刷新后查看",
        "This clashed with someone else's change made at the same moment (it may already be done); "
        "nothing was changed — reload and check",
    ),
    "busy": ("系统繁忙,未作任何更改,请稍后重试", "The system is busy; nothing was changed — please try again"),
    "bad_login": ("账号或密码不正确", "Wrong sign-in name or password"),
    "not_signed_in": ("请先登录", "Please sign in first"),
    "bad_token": ("API 令牌无效或已撤销", "The API token is invalid or revoked"),
    "too_many_attempts": (
        "登录失败次数过多,请 {seconds} 秒后再试",
        "Too many failed sign-ins; try again in {seconds} seconds",
    ),
    "not_member": ("您不是该大党委的成员", "You are not a member of this council"),
    "csrf": ("表单已过期,请刷新页面后重试", "The form has expired; reload the page and try again"),
    "upload_too_large": ("文件「{name}」超过 {limit} MB 上限", "The file {name} is larger than {limit} MB"),
    "upload_quota": (
        "本大党委的佐证材料已达 {limit} MB 上限,请联系管理员",
        "This council's evidence files have reached their {limit} MB limit; ask the administrator",
    ),
    "upload_type": (
        "文件「{name}」类型不允许;允许:{allowed}",
        "The file {name} is not an allowed type; allowed: {allowed}",
    ),
    "wrong_password": ("当前密码不正确,未作任何更改", "The current password is wrong; nothing was changed"),
    "no_account": ("{person}没有登录账号", "{person} has no sign-in account"),
    "bad_date": (
        "「{field}」中有无效日期:{value}(应为 YYYY-MM-DD 格式、{first}—{last} 年间的真实日期)",
        "{field}: {value} is not a real date (YYYY-MM-DD, between {first} and {last})",
    ),
    "deadline_too_far": (
        "截止日期 {deadline} 距会议({held_on})超过 {years} 年,请核对",
        "The deadline {deadline} is more than {years} years after the conference ({held_on}); check it",
    ),
    "stale": (
        "该{subject}刚被他人修改,请刷新后重试",
        "The {subject} was changed by someone else just now; reload and try again",
    ),
}


def lang_index(lang: str) -> int:
    return 1 if lang.lower().startswith("en") else 0


def state_name(state: str, lang: str = "zh") -> str:
    names = STATE_NAMES.get(str(state))
    return names[lang_index(lang)] if names else str(state)


FIELD_NAMES: dict[str, tuple[str, str]] = {
    "extra_holidays": ("额外休息日", "extra holidays"),
    "extra_workdays": ("调休上班日", "extra working days"),
    "deadline": ("截止日期", "deadline"),
}


def kind_name(kind: str, lang: str = "zh") -> str:
    names = KIND_NAMES.get(kind)
    return names[lang_index(lang)] if names else kind


def subject_name(subject: str, lang: str = "zh") -> str:
    names = SUBJECT_NAMES.get(subject)
    return names[lang_index(lang)] if names else subject


def render(code: str, lang: str = "zh", /, **params: object) -> str:
    templates = MESSAGES.get(code)
    if templates is None:
        return f"{code}: {params}"
    i = lang_index(lang)
    shown: dict[str, object] = {}
    for key, value in params.items():
        if key in ("state",):
            shown[key] = state_name(str(value), lang)
        elif key == "allowed":
            states = list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]
            sep = "、" if i == 0 else ", "
            none = "无(终态)" if i == 0 else "none (final state)"
            shown[key] = sep.join(state_name(str(s), lang) for s in sorted(states, key=str)) or none
        elif key == "subject":
            shown[key] = subject_name(str(value), lang)
        elif key == "field":
            names = FIELD_NAMES.get(str(value))
            shown[key] = names[i] if names else value
        elif key == "action":
            names = ACTION_NAMES.get(str(value))
            shown[key] = names[i] if names else value
        else:
            shown[key] = value
    return templates[i].format(**shown)

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

# the step that leads into a state: a refusal says what can be done next in these words
REACHED_BY: dict[str, tuple[str, str]] = {
    "submitted": ("重新提交", "submit again"), "accepted": ("会议采纳", "accept it at the conference"),
    "merged": ("合并到其他事项", "merge it into another item"), "deferred": ("暂缓到下次会议", "defer it"),
    "rejected": ("不予采纳", "reject it"), "claimed": ("认领或明确牵头单位", "claim it or name its lead unit"),
    "in_progress": ("报告进展", "report progress"), "close_requested": ("申请销号", "request close-out"),
    "closed": ("验收销号", "verify and close it"), "reopened": ("重启", "reopen it"), "cancelled": ("撤销", "cancel it"),
    "collecting": ("开启征集", "open the window"), "agenda_locked": ("锁定议程", "lock the agenda"),
    "held": ("召开会议", "hold the conference"), "resolved": ("发布决议", "publish the resolution"),
    "decided": ("计票产生结果", "count the votes"), "runoff": ("进行第二轮投票", "hold a runoff"),
    "active": ("开始任期", "start the term"), "evaluating": ("开启测评", "open the evaluation"),
    "reported": ("发布任期通报", "publish the term report"), "confirmed": ("确认认领", "confirm the claim"),
    "declined": ("驳回认领", "decline the claim"), "withdrawn": ("单位退回", "give it back"),
    "done": ("兑现承诺", "fulfil it"), "dropped": ("放弃承诺", "drop it"),
}

# where the same state is reached by another step from a given state: (from, to)
REACHED_FROM: dict[tuple[str, str], tuple[str, str]] = {
    ("claimed", "accepted"): ("退回牵头任务", "give the lead back"),
    ("in_progress", "accepted"): ("退回牵头任务", "give the lead back"),
    ("close_requested", "in_progress"): ("退回继续办理", "send it back"),
    ("reopened", "in_progress"): ("报告进展", "report progress"),
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
    "offer": ("服务项目", "service offer"),
    "order": ("服务订单", "service order"),
    "volunteer": ("在职党员", "in-service party member"),
    "street": ("街道", "street"),
    "appraisal": ("年度考评", "appraisal"),
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
    "offer": ("发布服务项目", "publish a service offer"),
    "edit_offer": ("修改服务项目", "edit a service offer"),
    "list_offer": ("上架服务项目", "list a service offer"),
    "pause_offer": ("暂停服务项目", "pause a service offer"),
    "withdraw_offer": ("下架服务项目", "withdraw a service offer"),
    "register_volunteer": ("登记在职党员报到", "register an in-service party member"),
    "order": ("下单", "order a service"),
    "take_order": ("接单", "take an order"),
    "decline_order": ("婉拒订单", "decline an order"),
    "schedule_order": ("约定服务时间", "set the service date"),
    "record_service": ("记录服务", "record the service"),
    "rate_order": ("评价服务", "rate the service"),
    "answer_order": ("回复评价", "answer the rating"),
    "close_order": ("办结订单", "close the order"),
    "cancel_order": ("撤销订单", "cancel the order"),
    "open_appraisal": ("开启年度考评", "open the appraisal"),
    "self_evaluate": ("提交自评", "submit the self-evaluation"),
    "rate_unit": ("评分", "rate units"),
    "issue_codes": ("发放群众评议码", "issue residents' codes"),
    "publish_appraisal": ("发布考评结果", "publish the appraisal"),
}

# a message kind's shown name, from the one list of kinds (models/kinds.py)
KIND_NAMES: dict[str, tuple[str, str]] = {kind.name: (kind.zh, kind.en) for kind in KINDS.values()}

MESSAGES: dict[str, tuple[str, str]] = {
    "illegal_transition": (
        "{subject}当前状态为「{state}」,不能{action}。现在可以:{allowed}",
        "The {subject} is {state}, so you cannot {action} now. What can happen next: {allowed}",
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
        "决议 {code} 已发布,不能直接修改;请使用“修正决议”",
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
    "overloaded": ("现在访问的人太多,请过几秒钟再试", "Too many people are using it right now; please try again in a few seconds"),
    "retry": ("重新打开本页", "Open this page again"),
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
        "「{field}」中有无效日期:{value}(应为“年-月-日”格式、{first}—{last} 年间的真实日期)",
        "{field}: {value} is not a real date (YYYY-MM-DD, between {first} and {last})",
    ),
    "deadline_too_far": (
        "截止日期 {deadline} 距会议({held_on})超过 {years} 年,请核对",
        "The deadline {deadline} is more than {years} years after the conference ({held_on}); check it",
    ),
    "no_window_left": ('新会期之前已留不出完整的征集期,请选择更晚的日期',
                       'The new date leaves no full submission window; pick a later date'),
    "not_members": ('以下人员不是本大党委成员:{ids}', 'Not members of this council: {ids}'),
    "order_state": ("服务订单当前为「{order_state}」,不能{action}。现在可以:{next_steps}",
                    "The order is {order_state}, so you cannot {action} now. What can happen next: {next_steps}"),
    "offer_state": ("服务项目当前为「{offer_state}」,不能{action}。现在可以:{next_steps}",
                    "The offer is {offer_state}, so you cannot {action} now. What can happen next: {next_steps}"),
    "offer_not_listed": ("服务项目「{title}」未上架,暂不能下单", "The offer {title} is not listed; it cannot be ordered now"),
    "own_offer": ("不能给本单位的服务项目下单", "A unit cannot order its own unit's service"),
    "not_offering_unit": ("只有「{unit}」的联络员或其报到的在职党员可以{action}",
                          "Only a liaison of {unit} or one of its registered party members may {action}"),
    "open_order_no_decline": ("这是面向所有单位的订单,不接即可,无需婉拒", "This order is open to every unit: leave it, there is nothing to decline"),
    "not_taker": ("只有接单的{taker}可以{action}", "Only {taker}, who took the order, may {action}"),
    "not_orderer": ("只有下单的{person}或社区书记可以{action}", "Only {person}, who placed the order, or the secretary may {action}"),
    "not_volunteer": ("{person}不是「{unit}」已报到的在职党员", "{person} is not a registered party member of {unit}"),
    "already_volunteer": ("{person}已登记报到", "{person} is registered already"),
    "served_in_future": ("服务日期 {day} 还没到,请在服务后记录", "The service date {day} has not come yet; record it afterwards"),
    "bad_offer_step": ("只能上架、暂停或下架", "The step must be list, pause or withdraw"),
    "volunteer_other_unit": ("这位人员不属于该单位", "This person belongs to another unit"),
    "volunteer_name": ("请填写姓名(最多 100 个字)", "Give the person's name (at most 100 characters)"),
    "volunteer_fields": ("服务岗位最多 20 个、每个最多 40 个字;联系方式最多 100 个字;特长最多 500 个字",
                         "At most 20 service posts of 40 characters; contact 100, skills 500 characters"),
    "service_in_past": ("服务日期不能早于今天", "The service date cannot be before today"),
    "reason_decline_order": ("婉拒订单需要写明理由", "Declining an order needs a reason"),
    "reason_cancel_order": ("撤销订单需要写明理由", "Cancelling an order needs a reason"),
    "served_by_other_unit": ("参与服务人员须是接单单位的人员", "The people who served must be of the unit that took the order"),
    "served_by_self_only": ("在职党员只能记录本人参加的服务", "A party member records only their own service"),
    "rating_range": ("评价为 1–5 分", "The rating is 1 to 5"),
    "answer_needed": ("请填写回复内容", "Write the answer"),
    "round_published": ("考评结果已发布,不能再{action}", "The appraisal is published; you can no longer {action}"),
    "round_closed": ("考评已于 {day} 截止,不能再{action}", "The appraisal closed on {day}; you can no longer {action}"),
    "appraisal_scores": ("请为每项指标(履职尽责、共建成效、服务群众)打 0–100 分",
                         "Score every indicator (duty, results, service) from 0 to 100"),
    "round_scope": ("考评要么属于一个大党委,要么属于一个街道", "A round belongs to one council or to one street"),
    "round_weights": ("权重为定量、街道、社区、群众四部分,均不小于 0,合计大于 0",
                      "Weights are quantitative, street, community and residents, none negative, not all zero"),
    "round_cap": ("优秀比例上限应在 0 到 1 之间(如 0.2)", "The cap on excellent grades is a share between 0 and 1 (e.g. 0.2)"),
    "round_dates": ("自评截止日不能晚于考评截止日", "The self-evaluation is due on or before the round closes"),
    "round_exists": ("{year} 年度考评已经开启", "The {year} appraisal is already open"),
    "self_due_passed": ("自评已于 {day} 截止", "Self-evaluations were due on {day}"),
    "self_report": ("请填写自评报告(最多 4000 字)", "Write the self-evaluation report (at most 4000 characters)"),
    "code_count": ("评议码数量为 1–2000 个", "Issue 1 to 2000 codes"),
    "too_many_codes": ("输错评议码的次数过多,请 {seconds} 秒后再试", "Too many wrong codes; try again in {seconds} seconds"),
    "code_invalid": ("评议码不正确,请核对后重新输入", "This code is not valid; check it and type it again"),
    "code_used": ("这个评议码已经用过了,每个评议码只能评议一次", "This code has been used; each code rates once"),
    "code_expired": ("本次评议已经结束,评议码已失效", "This rating has ended; the code no longer works"),
    "resident_stars": ("请至少为一个单位选择 1–5 星", "Give at least one unit 1 to 5 stars"),
    "street_name": ("请填写名称(最多 200 个字)", "Give a name (at most 200 characters)"),
    "street_read_only": ("街道工作人员可以查看各社区的数据,但不能修改", "The street office can read a council's data but not change it"),
    "not_street_staff": ("您不是该街道的工作人员", "You are not on the staff of this street"),
    "order_placer": ("只有社区书记或成员单位联络员可以下单", "Only the secretary or a unit's liaison may place an order"),
    "bad_decision": ('决定只能是:{allowed_actions}', 'The decision must be one of: {allowed_actions}'),
    "reason_reject": ('不予采纳需要写明理由', 'A rejection needs a reason'),
    "bad_merge_target": ('只能合并到本次会议议程中另一个未被合并或未被否决的事项',
                         "Merge into another item of this conference's agenda that is not itself merged or rejected"),
    "amend_unpublished": ('只有已发布决议中的事项才能修正;决议发布前请直接分解落实',
                          'Only items of a published resolution are amended; before publication, assign the item'),
    "reason_amend": ('修正决议需要写明理由', 'An amendment needs a reason'),
    "nothing_to_amend": ('没有需要修正的内容:请填写目标任务、牵头单位、配合单位或责任人',
                         'Nothing to amend: give a goal, lead unit, cooperating units or responsible person'),
    "no_current_term": ('当前没有任期,无法选举下一任主席', 'There is no current term to elect a successor for'),
    "bad_candidate": ('候选人 {key} 不是本大党委的在册成员', 'Candidate {key} is not an active member of this council'),
    "no_candidates": ('没有符合条件的候选人', 'There are no eligible candidates'),
    "election_too_late": ('下一任期即将开始,来不及组织选举', 'The next term starts too soon for an election'),
    "no_chair_unit": ('没有能担任轮值主席的单位:请为成员单位添加班子成员', 'No unit is able to chair: add deputies to member units'),
    "empty_statement": ('就职演说不能为空', 'The inaugural statement is empty'),
    "empty_commitment": ('承诺事项需要标题', 'A commitment needs a title'),
    "commitment_due": ('承诺事项的完成日期须在任期内({starts} 至 {ends})',
                       'A commitment is due within the term ({starts} – {ends})'),
    "reason_drop": ('请写明放弃该承诺的原因', 'Say why the commitment is dropped'),
    "rate_grades": ('本大党委按等次测评:{grades}', 'This council rates with grades: {grades}'),
    "rate_score": ('本大党委按 1–100 分测评', 'This council rates with a score from 1 to 100'),
    "unknown_setting": ('没有这项设置:{names}', 'No such setting: {names}'),
    "bad_rotation": ('轮值顺序必须把本大党委的每个单位各列一次',
                     'The rotation order must list every unit of the council exactly once'),
    "one_secretary": ('每个大党委只有一名社区书记,随大党委一同设立', 'A council has one secretary, created with the council'),
    "keep_secretary": ('社区书记不能被停用或改任其他角色;大党委必须有一名书记',
                       'The secretary cannot be deactivated or demoted; the council needs one'),
    "unknown_channel": ('不支持的消息渠道「{key}」;可用:邮件、短信、企业微信、钉钉、飞书、网络回调',
                        'Unknown channel {key}; known: email, SMS, WeCom, DingTalk, Feishu, webhook'),
    "channel_address": ('请填写渠道地址(邮箱、手机号或机器人地址)',
                        'The channel needs an address (email, phone number or robot address)'),
    "webhook_address": ('机器人地址应以 http:// 或 https:// 开头(或 secret:名称)',
                        'A robot address is an http:// or https:// URL (or secret:NAME)'),
    "already_has_terms": ('本大党委已有任期;之后的主席由选举产生', 'This council already has terms; later chairs are elected'),
    "not_a_member": ('{person}不是本大党委成员', '{person} is not a member of this council'),
    "bad_delivery": ('接收方式只能是“即时”或“每日汇总”', 'Delivery is immediate or a daily digest'),
    "bad_language": ('语言只能是中文或英文', 'The language is Chinese or English'),
    "unknown_template": ('没有这个消息模板:{key}', 'No such message template: {key}'),
    "template_broken": ('模板无法生成消息:{problem}', 'The template does not render: {problem}'),
    "unknown_category": ('没有「{key}」这个类别;本大党委的类别:{known}', "No category '{key}'; this council uses: {known}"),
    "self_raise": ('单位不能向自己提出事项;请选择其他单位,或“任一单位”',
                   'A unit cannot raise an item for itself; pick another unit, or any unit'),
    "community_asks_units": ('社区只能向驻区单位提出需求(指定单位或任一单位)',
                             'The community asks units (a given unit, or any unit), not itself'),
    "lead_not_cooperating": ('牵头单位不能同时是配合单位', 'The lead unit is not also a cooperating unit'),
    "empty_goal": ('请填写目标任务', 'The goal is empty'),
    "deadline_before_conference": ('完成时限 {deadline} 早于会议日期({held_on}),请选择之后的日期',
                                   'The deadline {deadline} is before the conference ({held_on}); pick a later date'),
    "bad_role": ('认领方式只能是“牵头”或“配合”', 'Claim as the lead or as a cooperating unit'),
    "reason_decline_claim": ('请写明驳回认领的理由', 'Say why the claim is declined'),
    "percent_needed": ('牵头单位报告进展时请填写完成百分比(0–100)',
                       'The lead unit reports progress as a percentage from 0 to 100'),
    "percent_lead_only": ('只有牵头单位填写完成百分比;配合单位请填写配合意见',
                          'Only the lead unit reports a percentage; cooperating units post notes'),
    "empty_note": ('请填写内容', 'The note is empty'),
    "extend_unpublished": ('只有已发布决议中的事项才有可延长的时限',
                           'Only items of a published resolution have a deadline to extend'),
    "reason_extend": ('延长时限需要写明理由', 'An extension needs a reason'),
    "extend_earlier": ('新的时限必须晚于当前时限({deadline})',
                       'The new deadline must be after the current one ({deadline})'),
    "close_out_empty": ('申请销号请写明办理结果或上传佐证材料', 'A close-out request needs a note or evidence of the result'),
    "no_close_request": ('该事项没有待验收的销号申请', 'There is no pending close-out request'),
    "bad_satisfaction": ('满意度请选 1(不满意)到 5(非常满意)', 'Satisfaction is rated 1 (poor) to 5 (very satisfied)'),
    "reason_send_back": ('请写明退回的理由(还差什么)', 'Say why the close-out is sent back (what is missing)'),
    "reason_reopen": ('请写明重启事项的理由', 'Say why the item is reopened'),
    "no_lead_to_decline": ('该事项还没有牵头单位,无需退回', 'The item has no lead unit to decline'),
    "reason_decline_lead": ('请写明本单位不能牵头的原因', 'Say why the unit cannot lead the item'),
    "unit_needed": ('请选择单位', 'Choose a unit'),
    "no_collecting": ('当前没有正在征集事项的会议', 'No conference is collecting items now'),
    "unknown_file": ('找不到佐证材料「{key}」,请先上传', 'No evidence file {key}; upload it first'),
    "not_retryable": ('消息 {key} 不是发送失败的消息,无需重发', 'Message {key} did not fail; there is nothing to retry'),
    "not_xlsx": ('这不是 Excel(.xlsx)文件', 'This is not an Excel (.xlsx) file'),
    "xlsx_too_big": ('文件解压后超过 {limit} MB 或压缩比异常,已拒绝',
                     'The file would unpack to more than {limit} MB or is suspiciously compressed; refused'),
    "xlsx_unreadable": ('无法读取这个 Excel 文件(可能已损坏);请另存为 .xlsx 后重试',
                        'The workbook cannot be read (it may be damaged); save it again as .xlsx and retry'),
    "xlsx_columns": ('表格缺少这些列:{names};请先导出一份台账,照它的格式填写',
                     'The sheet lacks the columns {names}; export a ledger to see the layout'),
    "xlsx_rows": ('超过 {limit} 行,请拆分成多个文件', 'More than {limit} rows; split the file'),
    "xlsx_errors": ('发现 {count} 处错误,未导入任何内容:{detail}', '{count} error(s), nothing imported: {detail}'),
    # a schema validator's refusal (ValueError(code)); validation_message() shows it after the field's name
    "v_timezone": ("不是有效的时区(如 Asia/Shanghai)", "is not a known time zone (e.g. Asia/Shanghai)"),
    "v_clock": ("应为“时:分”,如 09:30", "must be a time like 09:30"),
    "v_date": ("有无效日期(应为“年-月-日”的真实日期)", "holds a date that is not real (YYYY-MM-DD)"),
    "v_categories": ("至少需要一个类别", "needs at least one category"),
    "v_points_unknown": ("有不认识的积分项", "holds an unknown rule"),
    "v_points_range": ("分值应为 -1000 到 1000 之间的整数", "points are whole numbers between -1000 and 1000"),
    "v_min_max": ("每单位至少提交数不能大于至多提交数", "the least a unit submits cannot exceed the most"),
    "v_window": ("征集期必须长于“征集截止距会议”的天数",
                 "the window must be longer than the days it closes before the conference"),
    "v_email": ("不是有效的邮箱地址", "is not an email address"),
    "v_login_spaces": ("登录名不能有空格", "a sign-in name has no spaces"),
    "v_common_password": ("这是最常见的密码之一,请换一个", "this password is one of the commonest; choose another"),
    "v_control": ("含有不可见的控制字符", "holds an invisible control character"),
    "v_number": ("应为数字,而不是“是/否”", "a number is expected, not yes or no"),
    "v_asks_unit": ("请选择提请的单位", "choose the unit asked"),
    "v_asks_any": ("只有“指定单位”时才选择单位", "a unit is named only when one unit is asked"),
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
    if code == "fields":  # a schema's refusals, field by field
        errors = params.get("errors")
        return validation_message(list(errors) if isinstance(errors, (list, tuple)) else [], lang)
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
            if code == "illegal_transition":  # what a person can do next, not the states it leads to
                none = "无,这已是最终状态" if i == 0 else "nothing: this is a final state"
                current = str(params.get("state", ""))
                steps = dict.fromkeys(REACHED_FROM[(current, str(s))][i] if (current, str(s)) in REACHED_FROM
                                      else REACHED_BY[str(s)][i] if str(s) in REACHED_BY else state_name(str(s), lang)
                                      for s in sorted(states, key=str))
                shown[key] = sep.join(steps) or none
            else:
                none = "无(终态)" if i == 0 else "none (final state)"
                shown[key] = sep.join(state_name(str(s), lang) for s in sorted(states, key=str)) or none
        elif key in ("order_state", "offer_state"):
            shown[key] = word(key, value, lang)
        elif key == "next_steps":
            named = [SERVICE_STEP_NAMES[str(s)][i] for s in (value or []) if str(s) in SERVICE_STEP_NAMES]
            shown[key] = ("、" if i == 0 else ", ").join(named) or ("无,这已是最终状态" if i == 0 else "nothing: this is a final state")
        elif key == "subject":
            shown[key] = subject_name(str(value), lang)
        elif key == "field":
            names = FIELD_NAMES.get(str(value))
            shown[key] = names[i] if names else value
        elif key == "fields" and isinstance(value, (list, tuple)):
            shown[key] = ("、" if i == 0 else ", ").join(FIELD_NAMES[str(v)][i] if str(v) in FIELD_NAMES else str(v)
                                                        for v in value)
        elif key == "action":
            names = ACTION_NAMES.get(str(value))
            shown[key] = names[i] if names else value
        elif key == "allowed_actions" and isinstance(value, (list, tuple, dict, set, frozenset)):
            shown[key] = ("、" if i == 0 else ", ").join(ACTION_NAMES[str(a)][i] if str(a) in ACTION_NAMES else str(a)
                                                        for a in value)
        elif isinstance(value, (list, tuple)):
            shown[key] = ("、" if i == 0 else ", ").join(str(v) for v in value)
        else:
            shown[key] = value
    return templates[i].format(**shown)


# ---- the words for code values a person sees (the catalogue's vocabulary) -------------------------

UNIT_KIND_NAMES: dict[str, tuple[str, str]] = {
    "community": ("社区", "community"), "government": ("机关事业单位", "government body"),
    "state_enterprise": ("国有企业",
                         "state-owned enterprise"), "private_enterprise": ("非公企业", "private enterprise"),
    "school": ("学校", "school"), "hospital": ("医院", "hospital"), "social_org": ("社会组织", "social organisation"),
    "other": ("其他", "other"),
}

ROLE_NAMES: dict[str, tuple[str, str]] = {
    "secretary": ("社区书记", "secretary"), "deputy": ("兼职副书记(单位负责人)", "deputy (unit head)"),
    "member": ("委员", "member"), "staff": ("工作人员", "staff"), "liaison": ("联络员", "liaison"),
    "volunteer": ("在职党员", "in-service party member"),
}

CHANNEL_NAMES: dict[str, tuple[str, str]] = {
    "email": ("邮件",
              "email"), "sms": ("短信", "SMS"), "wecom": ("企业微信", "WeCom"), "dingtalk": ("钉钉", "DingTalk"),
    "feishu": ("飞书", "Feishu"), "webhook": ("网络回调", "webhook"), "file": ("文件(测试)", "file (testing)"),
}

NOTIFICATION_STATE_NAMES: dict[str, tuple[str, str]] = {
    "pending": ("待发送",
                "waiting"), "held": ("待汇总", "held for the digest"), "digested": ("已并入汇总", "in a digest"),
    "sent": ("已发送", "sent"), "failed": ("发送失败", "failed"), "dropped": ("已作废", "dropped"),
    "retry": ("待重试", "to retry"), "dead": ("发送失败", "failed"),
}

DELIVERY_NAMES: dict[str, tuple[str, str]] = {"immediate": ("即时", "at once"), "digest": ("每日汇总", "daily digest")}

POINTS_RULE_NAMES: dict[str, tuple[str, str]] = {
    "lead_closed_on_time": ("牵头事项按期办结", "led and closed on time"),
    "lead_closed_late": ("牵头事项逾期办结", "led and closed late"),
    "cooperating": ("配合办结事项", "cooperated on a closed item"),
    "raised_verified": ("提出事项并验收", "raised an item and verified it"),
    "overdue_day": ("牵头事项逾期(每天)", "each day a led item is overdue"),
    "sent_back": ("销号申请被退回(每次)", "each close-out sent back"),
    "declined": ("退回牵头任务", "gave back a lead assignment"),
    "order_served": ("完成服务订单(每单)", "each service order served"),
    "residents_served_10": ("服务群众(每 10 人次)", "each 10 residents served"),
}

DECISION_NAMES: dict[str, tuple[str, str]] = {
    "accept": ("采纳",
               "accepted"), "merge": ("合并", "merged"), "defer": ("暂缓", "deferred"), "reject": ("不予采纳", "rejected"),
    "accepted": ("采纳", "accepted"), "merged": ("合并", "merged"), "deferred": ("暂缓", "deferred"),
    "rejected": ("不予采纳", "rejected"),
}

# what an audit event means, for the timeline and `cobuild audit list`
AUDIT_NAMES: dict[str, tuple[str, str]] = {
    "item.submit": ("提交事项", "submitted"), "item.accept": ("会议采纳", "accepted at the conference"),
    "item.merge": ("会议决定合并", "merged at the conference"), "item.defer": ("会议决定暂缓", "deferred at the conference"),
    "item.reject": ("会议决定不予采纳", "rejected at the conference"), "item.decide": ("会议作出决定", "decided"),
    "item.carry_over": ("暂缓事项转入下次会议", "carried over to the next conference"),
    "item.assign": ("分解落实", "assigned"), "item.publish": ("列入决议并发布", "published in the resolution"),
    "item.amend": ("修正决议", "amended"), "item.claim": ("认领", "claimed"), "claim.lead": ("申请认领牵头", "asked to lead"),
    "claim.cooperating": ("申请认领配合", "asked to cooperate"), "claim.confirm": ("主席确认认领", "claim confirmed"),
    "claim.decline": ("主席驳回认领", "claim declined"), "claim.decide": ("处理认领", "claim decided"),
    "item.progress": ("报告进展", "progress reported"), "item.note": ("发表配合意见", "note posted"),
    "item.extend": ("延长时限", "deadline extended"), "item.request_close": ("申请销号", "close-out requested"),
    "item.close_out": ("申请销号", "close-out requested"), "item.verify": ("验收", "verified"),
    "item.close": ("验收销号", "closed"), "item.send_back": ("验收退回", "sent back"),
    "item.reopen": ("重启事项", "reopened"), "item.cancel": ("撤销事项", "cancelled"), "item.withdraw": ("撤回事项", "withdrawn"),
    "item.decline": ("退回牵头任务", "lead assignment given back"), "item.hurry": ("催办", "hurried"),
    "item.overdue": ("已逾期", "became overdue"), "item.escalate_chair": ("逾期上报轮值主席", "escalated to the chair"),
    "item.escalate_secretary": ("逾期上报社区书记", "escalated to the secretary"), "item.import": ("从台账导入", "imported from a ledger"),
    "conference.plan": ("安排会议", "conference planned"), "conference.open_window": ("开启事项征集", "submission window opened"),
    "conference.lock_agenda": ("锁定议程", "agenda locked"), "conference.lock": ("锁定议程", "agenda locked"),
    "conference.hold": ("召开会议", "conference held"), "conference.attendance": ("登记出席", "attendance recorded"),
    "conference.publish": ("发布书面决议", "resolution published"), "conference.reschedule": ("调整会期", "conference rescheduled"),
    "election.open": ("开启选举", "election opened"), "election.vote": ("投票", "voted"), "election.close": ("结束选举", "election closed"),
    "election.runoff": ("进入第二轮投票", "runoff"), "term.schedule": ("产生下届主席", "next term scheduled"),
    "term.start": ("任期开始", "term started"), "term.fallback_chair": ("按轮值顺序产生主席", "chair by rotation order"),
    "term.statement": ("发表就职演说", "inaugural statement"), "term.commitment": ("作出承诺", "commitment added"),
    "commitment.add": ("作出承诺", "commitment added"), "commitment.close": ("承诺兑现或放弃", "commitment closed"),
    "term.evaluation_open": ("开启测评", "evaluation opened"), "term.evaluate": ("测评", "evaluated"),
    "term.report": ("发布任期通报", "term report published"), "council.create": ("建立大党委", "council created"),
    "council.settings": ("修改设置", "settings changed"), "council.rotation": ("调整轮值顺序", "rotation order changed"),
    "council.template": ("修改消息模板", "message template changed"), "council.add_unit": ("增加成员单位", "unit added"),
    "council.add_member": ("增加人员", "person added"), "unit.add": ("增加成员单位", "unit added"),
    "unit.rotation": ("调整轮值顺序", "rotation order changed"), "member.add": ("增加人员", "person added"),
    "member.update": ("修改人员信息", "person updated"), "member.preferences": ("修改接收偏好", "preferences changed"),
    "member.channel": ("修改联系方式", "contact changed"), "member.link_account": ("关联登录账号", "account linked"),
    "channel.add": ("增加联系方式", "contact added"), "member.calendar": ("更改日历订阅", "calendar subscription changed"),
    "template.set": ("修改消息模板", "template changed"),
    "template.reset": ("恢复默认模板", "template reset"), "account.create": ("创建账号", "account created"),
    "account.password": ("修改密码", "password changed"), "account.enable": ("启用账号", "account enabled"),
    "account.disable": ("停用账号", "account disabled"), "token.issue": ("签发 API 令牌", "API token issued"),
    "token.revoke": ("撤销 API 令牌", "API token revoked"), "election.vote_cast": ("投票", "voted"),
    "offer.publish": ("发布服务项目", "offer published"), "offer.edit": ("修改服务项目", "offer edited"),
    "offer.list": ("上架服务项目", "offer listed"), "offer.pause": ("暂停服务项目", "offer paused"),
    "offer.withdraw": ("下架服务项目", "offer withdrawn"), "volunteer.register": ("在职党员报到", "party member registered"),
    "order.place": ("下单", "order placed"), "order.take": ("接单", "order taken"), "order.decline": ("婉拒订单", "order declined"),
    "order.schedule": ("约定服务时间", "service date set"), "order.serve": ("记录服务", "service recorded"),
    "order.rate": ("评价服务", "service rated"), "order.answer": ("回复评价", "rating answered"),
    "order.close": ("办结订单", "order closed"), "order.cancel": ("撤销订单", "order cancelled"),
    "order.remind": ("订单提醒", "order reminder"),
    "street.create": ("建立街道", "street created"), "council.street": ("纳入街道管理", "joined a street"),
    "street.staff": ("增加街道工作人员", "street staff added"),
    "appraisal.open": ("开启年度考评", "appraisal opened"), "appraisal.self": ("提交自评", "self-evaluation submitted"),
    "appraisal.rate": ("考评评分", "unit rated"), "appraisal.codes": ("发放群众评议码", "residents' codes issued"),
    "appraisal.publish": ("发布考评结果", "appraisal published"),
}

FIELD_NAMES.update({
    "title": ("标题", "title"), "description": ("说明", "description"), "goal": ("目标任务", "goal"),
    "category": ("类别", "category"), "percent": ("完成百分比", "percentage"), "note": ("内容", "note"),
    "reason": ("理由", "reason"), "comment": ("意见", "comment"), "login": ("登录名", "sign-in name"),
    "password": ("密码",
                 "password"), "name": ("名称", "name"), "responsible_person": ("责任人", "responsible person"),
    "lead_unit_id": ("牵头单位", "lead unit"), "unit_id": ("单位", "unit"), "asks_unit_id": ("提请单位", "unit asked"),
    "satisfaction": ("满意度", "satisfaction"), "score": ("分数", "score"), "grade": ("等次", "grade"),
    "email": ("邮箱", "email"), "phone": ("手机号", "phone"), "address": ("地址", "address"), "text": ("内容", "text"),
    "held_on": ("会议日期",
                "conference date"), "new_deadline": ("新的时限", "new deadline"), "due_on": ("完成日期", "due date"),
    "present_ids": ("出席人员", "present"), "merge_into": ("合并到", "merge into"), "decision": ("决定", "decision"),
    "role": ("认领方式", "role"), "source": ("模板内容", "template"), "candidate_id": ("候选人", "candidate"),
    "new_password": ("新密码", "new password"), "current_password": ("当前密码", "current password"),
    "cooperating_unit_ids": ("配合单位", "cooperating units"), "evidence": ("佐证材料", "evidence"),
    "status": ("状态", "status"), "number": ("编号", "number"), "cooperating": ("配合单位", "cooperating units"),
    "team": ("服务队", "service team"), "capacity_per_month": ("每月可服务(次)", "capacity per month"),
    "availability": ("服务时间", "availability"), "how_to_order": ("下单方式", "how to order"),
    "need": ("群众需求", "what residents need"), "place": ("服务地点", "place"), "wanted_on": ("希望服务日期", "wanted on"),
    "residents": ("服务人数", "people to serve"), "served_on": ("服务日期", "date served"), "hours": ("服务时长(小时)", "hours"),
    "residents_served": ("服务群众(人次)", "residents served"), "rating": ("评价", "rating"), "answer": ("回复", "answer"),
    "service_on": ("服务日期", "service date"), "offer_id": ("服务项目", "offer"), "skills": ("特长", "skills"),
    "posts": ("认领服务岗位", "service posts"), "contact": ("联系方式", "contact"), "member_id": ("人员", "person"),
    "served_by": ("参与服务人员", "who served"),
})

# every council rule: its label and a line of help (the settings page; validation messages name it)
SETTING_NAMES: dict[str, tuple[str, str, str, str]] = {
    "timezone": ("时区", "time zone", "本大党委所在地的时区,所有时间按此显示", "every time is shown in this zone"),
    "term_months": ("轮值主席任期(月)", "chair's term (months)", "每届轮值主席任职的月数", "how long a chair serves"),
    "conferences_per_term": ("每届会议次数", "conferences per term", "每届任期内召开联席会议的次数", "conferences in each term"),
    "conference_cadence_months": ("会议间隔(月)",
                                  "months between conferences", "两次联席会议之间相隔的月数", "how often the council meets"),
    "conference_offset_days": ("首次会议距任期开始(天)", "first conference after the term starts (days)",
                               "会议日期如遇休息日,顺延到下一个工作日", "moved to the next working day if it falls on a day off"),
    "conference_time": ("会议开始时间", "conference time", "如 09:30", "e.g. 09:30"),
    "submission_window_days": ("事项征集期(天)",
                               "submission window (days)", "会前征集事项的天数", "how long units may submit items"),
    "submission_close_days_before": ("征集截止距会议(天)", "window closes before the conference (days)",
                                     "征集在会议前几天截止,以便整理议程", "time to prepare the agenda"),
    "items_min_per_unit": ("每单位至少提交(项)", "items each unit submits, at least", "", ""),
    "items_max_per_unit": ("每单位至多提交(项)", "items each unit submits, at most", "", ""),
    "categories": ("事项类别", "item categories", "每行一个", "one per line"),
    "no_consecutive_terms": ("同一单位不得连任主席", "no unit chairs twice in a row", "", ""),
    "raiser_cannot_lead": ("提出单位不得牵头自己提出的事项", "the raising unit cannot lead its own item", "", ""),
    "election_window_days": ("任期结束前多少天开始选举", "election starts before the term ends (days)", "", ""),
    "election_duration_days": ("投票期(天)", "voting period (days)", "", ""),
    "runoff_enabled": ("票数相同时进行第二轮投票", "runoff on a tie", "", ""),
    "runoff_days": ("第二轮投票期(天)", "runoff period (days)", "", ""),
    "evaluation_scale": ("测评方式", "evaluation scale", "等次(优秀/称职/基本称职/不称职)或 1–100 分",
                         "grades or a score from 1 to 100"),
    "evaluation_days_before_end": ("任期结束前多少天开启测评", "evaluation opens before the term ends (days)", "", ""),
    "reopen_window_days": ("销号后可重启的期限(天)", "reopen window after close-out (days)", "", ""),
    "verify_remind_working_days": ("验收提醒(工作日)", "remind the verifier after (working days)",
                                   "申请销号后多少个工作日未验收即提醒", "after a close-out request waits this long"),
    "verify_escalate_working_days": ("验收上报(工作日)",
                                     "escalate an unverified close-out after (working days)", "", ""),
    "overdue_every_working_days": ("逾期提醒间隔(工作日)", "overdue reminder every (working days)", "", ""),
    "overdue_weekly_after_working_days": ("逾期多久后改为每周提醒(工作日)",
                                          "weekly reminders after (working days overdue)", "", ""),
    "quiet_start": ("免打扰开始", "quiet hours start", "此后不发即时消息(如 21:00)", "no messages after this time"),
    "quiet_end": ("免打扰结束", "quiet hours end", "如 08:00", "e.g. 08:00"),
    "morning_send": ("早间发送时间",
                     "morning sending time", "免打扰期间积压的消息在此时发出", "held messages go out at this time"),
    "extra_holidays": ("额外休息日", "extra holidays", "在法定节假日之外的休息日,每行一个日期", "one date a line"),
    "extra_workdays": ("调休上班日", "extra working days", "周末调休上班的日期,每行一个日期", "one date a line"),
    "points_rules": ("积分规则", "points rules", "每项行为的得分(可为负数)", "points for each thing a unit does"),
}

EVALUATION_SCALE_NAMES: dict[str, tuple[str, str]] = {"grades": ("等次", "grades"), "score": ("分数(1–100)", "score (1–100)")}

_VOCABULARIES = {"unit_kind": UNIT_KIND_NAMES, "role": ROLE_NAMES, "channel": CHANNEL_NAMES,
                 "notification": NOTIFICATION_STATE_NAMES, "delivery": DELIVERY_NAMES, "points": POINTS_RULE_NAMES,
                 "decision": DECISION_NAMES, "audit": AUDIT_NAMES, "state": STATE_NAMES, "kind": KIND_NAMES,
                 "field": FIELD_NAMES, "evaluation_scale": EVALUATION_SCALE_NAMES, "action": ACTION_NAMES}


def word(vocabulary: str, value: object, lang: str = "zh") -> str:
    """The shown word for a code value (`word("role", "liaison")` → 联络员). An unknown value shows a
    plain placeholder in Chinese, never the code (tests/unit/test_catalogue.py lists them all)."""
    if vocabulary == "setting":
        names4 = SETTING_NAMES.get(str(value))
        return names4[lang_index(lang)] if names4 else str(value)
    names = _VOCABULARIES[vocabulary].get(str(value))
    if names:
        return names[lang_index(lang)]
    if vocabulary == "audit":  # a new event kind not yet named: say what it touches, not its code
        subject = str(value).split(".", 1)[0]
        return f"{subject_name(subject, lang)}{'变更' if lang_index(lang) == 0 else ' changed'}"
    return str(value)


def setting_help(name: str, lang: str = "zh") -> str:
    names = SETTING_NAMES.get(name)
    return names[2 + lang_index(lang)] if names else ""


_VALIDATION: dict[str, tuple[str, str]] = {
    "missing": ("必填", "is required"),
    "string_too_short": ("至少 {min_length} 个字", "needs at least {min_length} characters"),
    "string_too_long": ("最多 {max_length} 个字", "takes at most {max_length} characters"),
    "too_short": ("至少 {min_length} 项", "needs at least {min_length} entries"),
    "too_long": ("最多 {max_length} 项", "takes at most {max_length} entries"),
    "greater_than_equal": ("不能小于 {ge}", "must be at least {ge}"),
    "less_than_equal": ("不能大于 {le}", "must be at most {le}"),
    "greater_than": ("必须大于 {gt}", "must be more than {gt}"),
    "less_than": ("必须小于 {lt}", "must be less than {lt}"),
    "int_parsing": ("应为整数", "must be a whole number"), "int_type": ("应为整数", "must be a whole number"),
    "int_from_float": ("应为整数", "must be a whole number"),
    "float_parsing": ("应为数字", "must be a number"), "bool_parsing": ("应为“是”或“否”", "must be yes or no"),
    "date_from_datetime_parsing": ("应为日期(年-月-日)", "must be a date (YYYY-MM-DD)"),
    "date_parsing": ("应为日期(年-月-日)", "must be a date (YYYY-MM-DD)"),
    "date_type": ("应为日期(年-月-日)", "must be a date (YYYY-MM-DD)"),
    "datetime_parsing": ("应为日期和时间", "must be a date and time"),
    "enum": ("只能是:{expected}",
             "must be one of: {expected}"), "literal_error": ("只能是:{expected}", "must be one of: {expected}"),
    "string_type": ("应为文字", "must be text"), "list_type": ("应为列表", "must be a list"),
    "dict_type": ("格式不对", "has the wrong form"), "extra_forbidden": ("不认识这一项", "is not a known field"),
    "json_invalid": ("格式不对", "has the wrong form"), "value_error": ("不符合要求", "is not valid"),
}


def validation_message(errors: list[dict], lang: str = "zh") -> str:
    """One line for a schema's refusals, in the user's words: `标题:至少 2 个字; 截止日期:应为日期`."""
    i = lang_index(lang)
    parts = []
    for err in errors:
        names = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        field = names[-1] if names and not names[-1].isdigit() else (names[-2] if len(names) > 1 else "")
        label = (SETTING_NAMES[field][i] if field in SETTING_NAMES
                 else FIELD_NAMES[field][i] if field in FIELD_NAMES else (subject_name(field, lang) if field else ""))
        template = _VALIDATION.get(err.get("type", ""))
        ctx = dict(err.get("ctx") or {})
        if "expected" in ctx:
            ctx["expected"] = str(ctx["expected"]).replace("'", "")
        code = str(ctx.get("error", ""))
        if err.get("type") == "value_error" and code in MESSAGES:
            text = MESSAGES[code][i]
        else:
            text = template[i].format(**ctx) if template else _VALIDATION["value_error"][i]
        parts.append(f"{label}{':' if i == 0 else ': '}{text}" if label else text)
    joined = (";" if i == 0 else "; ").join(dict.fromkeys(parts))
    return render("invalid", lang, detail=joined)


DECIDED_BY_NAMES: dict[str, tuple[str, str]] = {
    "appointed": ("首任任命", "appointed"), "election": ("选举产生", "elected"), "runoff": ("第二轮投票产生", "elected in a runoff"),
    "tie_break": ("票数相同,按轮值先后产生", "tie broken by rotation"), "fallback": ("未选出,按轮值顺序产生", "by rotation (no one elected)"),
}
_VOCABULARIES["decided_by"] = DECIDED_BY_NAMES

# the service menu (SPEC.md §9)
ORDER_STATE_NAMES: dict[str, tuple[str, str]] = {
    "placed": ("待接单", "waiting to be taken"), "taken": ("已接单", "taken"), "declined": ("已婉拒", "declined"),
    "scheduled": ("已约定时间", "scheduled"), "served": ("已服务,待评价", "served, to rate"), "rated": ("已评价", "rated"),
    "closed": ("已办结", "closed"), "cancelled": ("已撤销", "cancelled"),
}
OFFER_STATE_NAMES: dict[str, tuple[str, str]] = {
    "draft": ("草稿", "draft"), "listed": ("上架中", "listed"), "paused": ("暂停接单", "paused"), "withdrawn": ("已下架", "withdrawn"),
}
# the step that leads an order or an offer into a state: a refusal says what can be done next
SERVICE_STEP_NAMES: dict[str, tuple[str, str]] = {
    "taken": ("接单", "take it"), "scheduled": ("约定服务时间", "set the service date"), "declined": ("婉拒", "decline it"),
    "served": ("记录服务", "record the service"), "rated": ("评价服务", "rate it"), "closed": ("回复评价或办结", "answer or close it"),
    "cancelled": ("撤销", "cancel it"), "listed": ("上架", "list it"), "paused": ("暂停接单", "pause it"),
    "withdrawn": ("下架", "withdraw it"),
}
_VOCABULARIES["order_state"] = ORDER_STATE_NAMES
_VOCABULARIES["offer_state"] = OFFER_STATE_NAMES


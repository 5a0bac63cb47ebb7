"""The command line's help in Chinese: each command's first line (its docstring is the English).

Part of the catalogue of words a person sees (models/messages.py holds the rest), kept here because
`cobuild --help` must not import the models (the ORM): it answers in a fraction of a second."""

from __future__ import annotations

CLI_HELP: dict[str, str] = {
    "init": "创建或升级数据库结构", "demo": "模拟一个大党委的一年(2026),并列出发生的一切",
    "track": "办结情况:按大党委、任期、季度或单位统计办结率、按期办结率", "cycle": "运行一次主席任期与会议周期(即调度器所运行的)",
    "scheduler": "单独运行调度器(无网页):周期、提醒与发送", "serve": "启动网页与接口服务(/api/docs),并在同一进程中运行调度器",
    "backup": "在运行中备份数据库", "restore": "把备份恢复到 --db 指定的数据库(新库,或用 --force 覆盖)",
    "council create": "建立大党委,同时建立社区单位和社区书记", "council list": "列出所有大党委",
    "council show": "大党委的设置、单位、人员与当前任期", "council set": "修改大党委设置(社区书记)",
    "unit add": "增加成员单位(社区书记)", "unit list": "列出成员单位", "unit rotation": "设置轮值顺序(社区书记)",
    "member add": "增加人员(社区书记)", "member update": "修改人员信息(社区书记)",
    "member channel": "增加联系方式(邮件、短信、企业微信、钉钉、飞书、网络回调、文件)", "member list": "列出人员",
    "member prefs": "设置本人的消息接收偏好(本人或社区书记)", "term appoint": "设立时任命首任轮值主席(社区书记);之后的主席由选举产生",
    "term list": "列出任期", "term show": "任期详情", "term statement": "轮值主席发表就职演说",
    "term commit": "轮值主席作出承诺履职事项", "term commitment-done": "承诺事项兑现或放弃",
    "term evaluate": "任期结束时测评轮值主席(无记名)", "term report": "查看任期通报;--publish 发布(测评开启后由主席发布)",
    "election open": "开启下一任主席选举(调度器在任期结束前 14 天自动开启)", "election vote": "投票",
    "election close": "投票截止后计票(调度器自动执行)", "election list": "列出选举",
    "conference list": "列出联席会议", "conference show": "征集窗口、已提交与未提交的单位、议程",
    "conference open": "提前开启事项征集(轮值主席)", "conference lock": "锁定议程(轮值主席)",
    "conference hold": "召开会议并登记出席(轮值主席)", "conference publish": "发布书面决议:为采纳的事项编号,发布后不可修改",
    "conference resolution": "查看已发布的书面决议及修正", "conference reschedule": "调整会期(轮值主席;遇休息日顺延到工作日)",
    "item submit": "联络员向正在征集的会议提交事项", "item list": "列出事项", "item show": "事项详情:认领、进展与时间线",
    "item decide": "会上对议程事项作出决定(轮值主席)", "item assign": "明确目标任务、牵头与配合单位、责任人与完成时限(轮值主席)",
    "item claim": "单位认领事项(牵头或配合)", "item claims": "列出待确认的认领", "item confirm-claim": "确认(或 --decline 驳回)认领(轮值主席)",
    "item progress": "报告进展(牵头单位)或发表配合意见(配合单位)", "item extend": "延长完成时限并说明理由(轮值主席,计入统计)",
    "item hurry": "催办牵头单位(轮值主席或社区书记,每事项每天一次)", "item request-close": "牵头单位申请销号",
    "item verify": "提出单位验收,事项销号", "item send-back": "提出单位退回销号申请", "item reopen": "提出单位在期限内重启已销号事项",
    "item decline": "牵头单位在开始办理前退回牵头任务", "item withdraw": "提出单位撤回尚未决定的事项",
    "item amend": "修正已发布决议中的事项(轮值主席),或 --cancel 撤销",
    "reminders sweep": "运行一次提醒:到期提醒、逾期上报、会议消息与汇总", "notifications dispatch": "发送消息队列中到时的消息一次",
    "notifications list": "发给了谁、哪些失败以及原因(最新在前)", "notifications retry": "重新发送一条失败的消息(例如改正地址之后)",
    "template set": "为某种消息的某一部分使用本大党委自己的措辞(先在沙箱中检查)", "template reset": "恢复系统默认措辞",
    "template list": "消息种类及可用的示例变量", "report points": "各单位积分及按规则的明细",
    "report units": "各单位记分卡与积分(一个大党委,或全市所有大党委)", "report ranking": "按季度或任期的拉榜排名及其规则",
    "report resolution": "书面决议(HTML 或 PDF)", "report term": "任期通报(HTML 或 PDF;任期中为草稿)",
    "report ledger": "共建事项台账(Excel):每个事项及各单位汇总", "report import": "导入台账(社区书记):逐行检查,全部导入或全部不导入",
    "report calendar": "日历文件:完成时限、会议、选举与测评", "account create": "创建登录账号,可关联到人员",
    "account link": "让账号也能以另一大党委的人员身份登录", "account token": "为其他系统签发 API 令牌(只显示一次)",
    "account password": "设置新密码(管理员重置);该账号的所有登录随即失效", "account disable": "停用人员的登录(社区书记):登录与令牌立即失效",
    "account enable": "恢复人员的登录(社区书记)", "audit list": "最新的审计日志", "audit verify": "检查审计日志的哈希链",
    "audit anchor": "用 COBUILD_AUDIT_KEY 为各大党委的审计链签名并追加到文件",
}

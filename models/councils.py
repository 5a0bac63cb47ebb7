"""Councils, their units, members, liaisons and contact channels, and per-council settings."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator, model_validator
from sqlalchemy import Index, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from cobuild.models.base import JSONType, UTCDateTime, numbers_not_booleans

DEFAULT_CATEGORIES = ["环境卫生", "绿化美化", "治安联防", "党员教育管理", "基础设施建设", "其他"]

# 积分 rule table: points per counted event (SPEC.md section 5, seed excerpt C)
DEFAULT_POINTS = {
    "lead_closed_on_time": 10,  # an item led and closed on time
    "lead_closed_late": 4,  # led and closed, but after the deadline
    "cooperating": 3,  # cooperated on an item that was closed
    "raised_verified": 2,  # raised an item and verified its close-out
    "overdue_day": -1,  # each day an item it leads is (or was) overdue
    "sent_back": -2,  # each close-out request sent back by the raising unit
    "declined": -5,  # gave back an item it had been assigned to lead
    "order_served": 3,  # a service order served (SPEC.md §9)
    "residents_served_10": 1,  # each 10 residents its service orders served
}


class UnitKind(StrEnum):
    community = "community"
    government = "government"
    state_enterprise = "state_enterprise"
    private_enterprise = "private_enterprise"
    school = "school"
    hospital = "hospital"
    social_org = "social_org"
    other = "other"


class MemberRole(StrEnum):
    secretary = "secretary"  # 书记: the community's party secretary, council admin
    deputy = "deputy"  # 副书记: a member unit's head
    member = "member"  # 委员
    staff = "staff"  # not on the council; acts for a unit as liaison only


VOTING_ROLES = frozenset({MemberRole.secretary, MemberRole.deputy, MemberRole.member})


class EvaluationScale(StrEnum):
    grades = "grades"  # 优秀 / 称职 / 基本称职 / 不称职
    score = "score"  # 1-100


class CouncilSettings(SQLModel):
    """Every rule a council can change, with the defaults of SPEC.md."""

    timezone: str = "Asia/Shanghai"
    term_months: int = Field(default=6, ge=1, le=24)
    conferences_per_term: int = Field(default=2, ge=1, le=12)
    conference_cadence_months: int = Field(default=3, ge=1, le=12)
    conference_offset_days: int = Field(default=45, ge=0, le=365)
    conference_time: str = "09:30"
    submission_window_days: int = Field(default=14, ge=1, le=90)
    submission_close_days_before: int = Field(default=2, ge=0, le=30)
    items_min_per_unit: int = Field(default=1, ge=0, le=20)
    items_max_per_unit: int = Field(default=3, ge=1, le=20)
    categories: list[str] = Field(default_factory=lambda: list(DEFAULT_CATEGORIES), sa_type=JSONType)
    no_consecutive_terms: bool = True
    raiser_cannot_lead: bool = True
    election_window_days: int = Field(default=14, ge=1, le=90)
    election_duration_days: int = Field(default=7, ge=1, le=60)
    runoff_enabled: bool = True
    runoff_days: int = Field(default=3, ge=1, le=30)
    evaluation_scale: EvaluationScale = Field(default=EvaluationScale.grades, sa_type=String(16))
    evaluation_days_before_end: int = Field(default=10, ge=0, le=60)
    reopen_window_days: int = Field(default=30, ge=0, le=365)
    verify_remind_working_days: int = Field(default=3, ge=1, le=30)
    verify_escalate_working_days: int = Field(default=5, ge=1, le=30)
    # overdue reminders every N working days, and weekly once an item is this many working days late
    overdue_every_working_days: int = Field(default=2, ge=1, le=30)
    overdue_weekly_after_working_days: int = Field(default=10, ge=0, le=365)
    quiet_start: str = "21:00"
    quiet_end: str = "08:00"
    morning_send: str = "08:30"
    extra_holidays: list[str] = Field(default_factory=list, sa_type=JSONType)
    extra_workdays: list[str] = Field(default_factory=list, sa_type=JSONType)
    points_rules: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_POINTS), sa_type=JSONType)

    _numbers_are_numbers = field_validator("*", mode="before")(numbers_not_booleans)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("v_timezone") from exc
        return value

    @field_validator("conference_time", "quiet_start", "quiet_end", "morning_send")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        hours, _, minutes = value.partition(":")
        if not (hours.isdigit() and minutes.isdigit() and 0 <= int(hours) < 24 and 0 <= int(minutes) < 60):
            raise ValueError("v_clock")
        return f"{int(hours):02d}:{int(minutes):02d}"

    @field_validator("extra_holidays", "extra_workdays")
    @classmethod
    def _real_dates(cls, value: list[str]) -> list[str]:
        from cobuild.models.workdays import parse_days

        try:
            return parse_days(value)
        except ValueError:
            raise ValueError("v_date") from None

    @field_validator("categories")
    @classmethod
    def _categories(cls, value: list[str]) -> list[str]:
        cleaned = [c.strip() for c in value if c and c.strip()]
        if not cleaned:
            raise ValueError("v_categories")
        return list(dict.fromkeys(cleaned))

    @field_validator("points_rules")
    @classmethod
    def _points(cls, value: dict) -> dict:
        unknown = set(value) - set(DEFAULT_POINTS)
        if unknown:
            raise ValueError("v_points_unknown")
        if any(not isinstance(v, int) or abs(v) > 1000 for v in value.values()):
            raise ValueError("v_points_range")
        return {**DEFAULT_POINTS, **value}

    @model_validator(mode="after")
    def _limits(self):
        if self.items_min_per_unit > self.items_max_per_unit:
            raise ValueError("v_min_max")
        if self.submission_close_days_before >= self.submission_window_days:
            raise ValueError("v_window")
        return self


class CouncilCreate(CouncilSettings):
    name: str = Field(min_length=1, max_length=200)
    community_name: str = Field(min_length=1, max_length=200)
    secretary_name: str = Field(min_length=1, max_length=100)


class Council(CouncilSettings, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
    # the street office (街道) whose staff see this council read-only; None: no street
    street_id: int | None = Field(default=None, foreign_key="street.id", index=True)


class UnitCreate(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    kind: UnitKind = UnitKind.other
    rotation_position: int | None = Field(default=None, ge=1)


class Unit(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("council_id", "name"),
        # exactly one community unit per council
        Index(
            "uq_unit_one_community", "council_id", unique=True,
            sqlite_where=text("kind = 'community'"), postgresql_where=text("kind = 'community'"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    name: str = Field(max_length=200)
    kind: UnitKind = Field(sa_type=String(32))
    rotation_position: int
    active: bool = True


class MemberCreate(SQLModel):
    name: str = Field(min_length=1, max_length=100)
    role: MemberRole = MemberRole.member
    is_liaison: bool = False
    language: str = Field(default="zh", regex="^(zh|en)$")
    delivery: str = Field(default="immediate", regex="^(immediate|digest)$")
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value and ("@" not in value or value.startswith("@") or value.endswith("@")):
            raise ValueError("v_email")
        return value or None


class Member(SQLModel, table=True):
    """A person of a council: a 委员 (secretary, deputy, member) or a unit's staff liaison."""

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    # the sign-in account of this person (models/accounts.py); None: cannot sign in yet
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    name: str = Field(max_length=100)
    role: MemberRole = Field(sa_type=String(16))
    is_liaison: bool = False
    language: str = "zh"
    # immediate: each message as it comes; digest: one daily digest on the working morning
    delivery: str = Field(default="immediate", max_length=16)
    active: bool = True
    # sha256 of the secret in the person's calendar subscription address; None: no subscription
    calendar_key_hash: str | None = Field(default=None, max_length=64)

    @property
    def votes(self) -> bool:
        return self.role in VOTING_ROLES and self.active


class ChannelKind(StrEnum):
    email = "email"
    sms = "sms"
    wecom = "wecom"
    dingtalk = "dingtalk"
    feishu = "feishu"
    webhook = "webhook"
    file = "file"


class ContactChannel(SQLModel, table=True):
    """Where a person can be reached. Secrets (robot keys) live in settings, not here."""

    __table_args__ = (UniqueConstraint("member_id", "kind", "address"),)
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: ChannelKind = Field(sa_type=String(16))
    address: str = Field(max_length=300)
    enabled: bool = True

"""The domain: SQLModel tables, enums, state machines and pure rules. No I/O beyond a session."""

from sqlmodel import SQLModel

# Pydantic builds a class's validator when the class is first used, not when it is defined:
# defining the classes below built them all on every start (a visible part of each CLI
# command's start-up, most of which validates nothing). Set before any model class exists.
SQLModel.model_config["defer_build"] = True

from cobuild.models.accounts import Account, AccountCreate, ApiToken, normal_login
from cobuild.models.appraisal import AppraisalRound, Rating, ResidentCode, ResidentRating, RoundStatus, SelfEvaluation
from cobuild.models.audit import AuditEvent, AuditLogIsAppendOnly
from cobuild.models.base import UTCDateTime, add_months, day_end, local_date, local_start, quarter_of
from cobuild.models.conferences import (
    AgendaEntry,
    AgendaKind,
    Amendment,
    AmendmentKind,
    Attendance,
    Conference,
    Resolution,
)
from cobuild.models.councils import (
    DEFAULT_CATEGORIES,
    VOTING_ROLES,
    ChannelKind,
    ContactChannel,
    Council,
    CouncilCreate,
    CouncilSettings,
    EvaluationScale,
    Member,
    MemberCreate,
    MemberRole,
    Unit,
    UnitCreate,
    UnitKind,
)
from cobuild.models.errors import (
    Busy,
    Conflict,
    DomainError,
    IllegalTransition,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)
from cobuild.models.items import (
    AskKind,
    Claim,
    ClaimRole,
    ClaimStatus,
    CloseOut,
    CloseOutOutcome,
    DeadlineExtension,
    Item,
    ItemSubmit,
    ProgressReport,
    days_overdue,
    is_overdue,
)
from cobuild.models.lifecycle import (
    FINAL_STATES,
    OPEN_STATES,
    WORKING_STATES,
    ConferenceStatus,
    ElectionStatus,
    ItemStatus,
    TermStatus,
    require_state,
    require_transition,
)
from cobuild.models.notifications import (
    CouncilEvent,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationStatus,
    TemplateOverride,
)
from cobuild.models.reports import UnitCard, UnitCardStale
from cobuild.models.services import (
    Offer,
    OfferStatus,
    Order,
    OrderStatus,
    Volunteer,
)
from cobuild.models.streets import Street, StreetStaff
from cobuild.models.terms import (
    GRADES,
    Ballot,
    Candidate,
    ChairSource,
    Commitment,
    CommitmentStatus,
    Election,
    EvaluationBallot,
    Term,
)

__all__ = [name for name in dir() if not name.startswith("_")]

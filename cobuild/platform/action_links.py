"""One-tap action links in messages: signed, single-purpose, expiring.

A link carries who it was sent to, the one action it allows, its subject and the basis the
message was worked out from (the close-out request's time, the claim, the deadline): the page
it opens acts as that person, for that action on that subject, once, within MAX_AGE, and only
while the basis still holds. Signed with COBUILD_SECRET_KEY (itsdangerous, a salt of its own);
with no usable key there are no action links. The routine steps only: a close-out to verify
or send back, a claim to confirm, an overdue reminder to answer with a progress note.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

# the message kind -> the action its link allows
ACTIONS = {"verify_request": "verify", "claim_pending": "confirm_claim", "overdue": "acknowledge"}
MAX_AGE = timedelta(days=7)
SALT = "cobuild.action-link.v1"


class ActionLinkRefused(Exception):
    """`code`: forged, expired (the page says so in the reader's language)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _serializer():
    from itsdangerous import URLSafeTimedSerializer

    from cobuild.platform.settings import get_settings

    key = get_settings().secret_key
    if not key or len(key) < 32:
        return None
    return URLSafeTimedSerializer(key, salt=SALT)


def make(member_id: int, kind: str, subject_id: int | None, basis: str) -> str | None:
    """The token for a message of `kind` to `member_id`, or None (no action for the kind, or no key)."""
    action = ACTIONS.get(kind)
    serializer = _serializer()
    if action is None or serializer is None or subject_id is None:
        return None
    return serializer.dumps({"m": member_id, "a": action, "s": subject_id, "b": basis, "n": secrets.token_hex(8)})


def read(token: str, now: datetime) -> dict:
    """The link's payload, if its signature holds and it is not older than MAX_AGE at `now`."""
    from itsdangerous import BadSignature

    serializer = _serializer()
    if serializer is None:
        raise ActionLinkRefused("forged")
    try:
        payload, signed_at = serializer.loads(token, return_timestamp=True)
    except BadSignature:
        raise ActionLinkRefused("forged") from None
    if not isinstance(payload, dict) or not {"m", "a", "s", "b", "n"} <= set(payload):
        raise ActionLinkRefused("forged")
    if signed_at.replace(tzinfo=signed_at.tzinfo or UTC) + MAX_AGE < now:
        raise ActionLinkRefused("expired")
    return payload

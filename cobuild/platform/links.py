"""Links into the web app, for messages, calendar events and documents. The public address is a
deployment setting (COBUILD_PUBLIC_URL, e.g. https://cobuild.example.gov.cn); without it there is
no link, and messages say where to look instead of printing a broken one."""

from __future__ import annotations

from urllib.parse import urlsplit

# what a notification or an event is about -> its page under /c/{council}/
PAGES = {"item": "items", "conference": "conferences", "election": "elections", "term": "terms", "order": "orders",
         "offer": "menu", "appraisal": "appraisal"}


def public_base(url: str | None) -> str | None:
    """The setting as a base to append paths to; None when unset or not an http(s) address."""
    if not url or not url.strip():
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return url.strip().rstrip("/")


def page_link(base: str | None, council_id: int, subject_type: str = "", subject_id: int | None = None) -> str | None:
    """The page of a subject (an item, a conference, an election, a term); the council's front
    page for anything else (a digest, a notice about the council)."""
    if base is None:
        return None
    page = PAGES.get(subject_type)
    if page and subject_id:
        return f"{base}/c/{council_id}/{page}/{subject_id}"
    return f"{base}/c/{council_id}"


def configured_base() -> str | None:
    from cobuild.platform.settings import get_settings

    return public_base(get_settings().public_url)

"""Screenshots of the main pages for the README, taken from the demo database.

    cobuild demo && python docs/screenshots/capture.py [--db sqlite:///cobuild-demo.db]

Serves the demo database with the app's clock at the end of the simulated year, signs in as
the demo people in Debian's Chromium (Playwright) and writes PNGs next to this file.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent.parent))

from tests.web.browser import chromium, live_server  # noqa: E402

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite:///cobuild-demo.db")
    parser.add_argument("--only", nargs="*", help="just these files (e.g. menu.png)")
    args = parser.parse_args()

    from sqlmodel import select

    from cobuild.models import Conference, Election, Item
    from cobuild.models.services import Order
    from cobuild.platform.db import session_for
    from cobuild.web.app import make_app

    with session_for(args.db) as session:
        # the main council's (the demo has a second council on the same street)
        conference = session.exec(select(Conference).where(Conference.council_id == 1, Conference.status == "resolved")
                                  .order_by(Conference.scheduled_at.desc())).first()
        item = session.exec(select(Item).where(Item.council_id == 1, Item.status == "in_progress").order_by(Item.id)).first()
        election = session.exec(select(Election).where(Election.council_id == 1).order_by(Election.id.desc())).first()
        position = _position(session, item.lead_unit_id)
        lead_login = "community-liaison" if position == 1 else f"unit{position}-liaison"
        scheduled = session.exec(select(Order).where(Order.council_id == 1, Order.status == "scheduled")
                                 .order_by(Order.id)).first()
        served = session.exec(select(Order).where(Order.council_id == 1, Order.status == "closed")
                              .order_by(Order.id.desc())).first()
        server_login = f"unit{_position(session, scheduled.unit_id)}-liaison" if scheduled else lead_login
    app = make_app(args.db, secret_key="s" * 40, clock=lambda: datetime(2026, 12, 31, 9, 0, tzinfo=UTC), demo=True)
    shots = [
        ("secretary", DESKTOP, "/c/1", "dashboard.png"),
        ("unit4-head", DESKTOP, f"/c/1/conferences/{conference.id}", "conference.png"),
        ("secretary", DESKTOP, "/c/1/items?overdue=1", "items-overdue.png"),
        (lead_login, DESKTOP, f"/c/1/items/{item.id}", "item.png"),
        ("member1", DESKTOP, f"/c/1/elections/{election.id}", "election.png"),
        ("secretary", DESKTOP, "/c/1/notifications", "notifications.png"),
        (lead_login, DESKTOP, "/c/1/todo", "todo.png"),
        ("unit4-head", PHONE, "/c/1", "phone-chair-todo.png"),
        (lead_login, PHONE, "/c/1", "phone-liaison-todo.png"),
        ("secretary", PHONE, "/c/1", "phone-dashboard.png"),
        ("secretary", DESKTOP, "/c/1/settings", "settings.png"),
        ("secretary", PHONE, "/c/1/settings?template=overdue&part=text&language=zh#templates", "phone-settings-template.png"),
        ("secretary", PHONE, "/c/1/calendar", "phone-calendar.png"),
        ("unit4-liaison", PHONE, "/c/1/settings", "phone-liaison-rules.png"),
        (lead_login, PHONE, f"/c/1/items/{item.id}", "phone-item.png"),
        ("secretary", DESKTOP, "/c/1/menu", "menu.png"),
        ("unit2-liaison", PHONE, "/c/1/menu", "phone-menu.png"),
        (server_login, PHONE, f"/c/1/orders/{scheduled.id}" if scheduled else "/c/1/orders", "phone-order-record.png"),
        ("secretary", DESKTOP, f"/c/1/orders/{served.id}" if served else "/c/1/orders", "order.png"),
        ("secretary", DESKTOP, "/c/1/orders", "orders.png"),
        ("unit2-liaison", DESKTOP, "/c/1/volunteers", "volunteers.png"),
        ("street", DESKTOP, "/s/1", "street.png"),
        ("street", PHONE, "/s/1", "phone-street.png"),
        ("secretary", DESKTOP, "/c/1/appraisal", "appraisal.png"),
    ]
    if args.only:
        shots = [shot for shot in shots if shot[3] in args.only]
    else:
        _documents(args.db)
    with live_server(app) as site, chromium() as browser:
        for login, viewport, path, name in shots:
            context = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1)
            page = context.new_page()
            page.goto(f"{site}/signin")
            page.fill("#login", login)
            page.fill("#password", "cobuild-demo")
            page.click("button[type=submit]")
            page.wait_for_url(lambda url: "/signin" not in url)
            page.goto(site + path)
            page.screenshot(path=str(HERE / name), full_page=viewport is not PHONE)
            context.close()
            print("wrote", HERE / name)


def _documents(db: str) -> None:
    """The first page of the resolution and of a term report, as PDFs render them (pdftoppm)."""
    import subprocess
    import tempfile
    from datetime import date

    from sqlmodel import select

    from cobuild.models import Conference, Council, Term
    from cobuild.platform.db import session_for
    from cobuild.reports.documents import resolution_html, term_report_html, to_pdf

    with session_for(db) as session, tempfile.TemporaryDirectory() as folder:
        council = session.exec(select(Council)).first()
        conference = session.exec(select(Conference).where(Conference.status == "resolved")
                                  .order_by(Conference.scheduled_at.desc())).first()
        term = session.exec(select(Term).where(Term.status == "reported").order_by(Term.number)).first()
        for html, name in ((resolution_html(session, council, conference.code), "document-resolution"),
                           (term_report_html(session, council, term, date(2026, 12, 31)), "document-term-report")):
            pdf = f"{folder}/{name}.pdf"
            to_pdf(html, pdf)
            subprocess.run(["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "1", "-singlefile", pdf, str(HERE / name)], check=True)
            print("wrote", HERE / f"{name}.png")
        # the ledger as LibreOffice prints it (landscape A4, one page wide)
        import shutil

        from cobuild.reports.ledger import write_ledger

        office = shutil.which("soffice") or shutil.which("libreoffice")
        if office:
            write_ledger(session, council, datetime(2026, 12, 31, 9, 0, tzinfo=UTC), f"{folder}/ledger.xlsx")
            subprocess.run([office, "--headless", f"-env:UserInstallation=file://{folder}/lo", "--convert-to", "pdf",
                            "--outdir", folder, f"{folder}/ledger.xlsx"], check=True, capture_output=True, timeout=180)
            subprocess.run(["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "1", "-singlefile", f"{folder}/ledger.pdf",
                            str(HERE / "document-ledger")], check=True)
            print("wrote", HERE / "document-ledger.png")


def _position(session, unit_id: int) -> int:
    from cobuild.models import Unit

    return session.get(Unit, unit_id).rotation_position


if __name__ == "__main__":
    main()

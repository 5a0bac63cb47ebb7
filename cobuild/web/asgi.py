"""The app factory for several uvicorn worker processes (`cobuild serve --workers N`).

The parent process (`serve_forever`) resolves the settings, runs the embedded scheduler, and
hands the database URL and the session key to its workers through the environment.
"""

from __future__ import annotations

import os


def create():
    from cobuild.web.app import make_app

    return make_app(os.environ["COBUILD_SERVE_DB"], secret_key=os.environ["COBUILD_SERVE_KEY"],
                    secure_cookies=os.environ.get("COBUILD_SERVE_SECURE") == "1",
                    demo=os.environ.get("COBUILD_SERVE_DEMO") == "1")

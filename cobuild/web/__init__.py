"""The web app and REST API (FastAPI + Jinja2 pages)."""

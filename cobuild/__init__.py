"""cobuild: the application around the domain — use cases, database, CLI, demo."""

__version__ = "0.1.0"

"""What every layer stands on: the database (engines, sessions, migrations, SQLite bulk helpers),
deployment settings, backup and restore, child-process lifelines, audit anchors."""

"""The reminder sweep: which reminders are due, to whom, queued exactly once (`run.sweep`), and
the executor that shares a big tick with a second process on SQLite (`executor`, `worker`)."""

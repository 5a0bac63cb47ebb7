"""The `cobuild` command. Each command is a few lines: parse, call one use case, print.

Every command takes --db and --json; time-dependent ones take --now; actions take --as.
Refusals print one line and exit with code 2 — never a traceback.
"""

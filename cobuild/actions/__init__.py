"""The use-case layer: every change of data goes through one of these functions.

Called alike by the CLI, the flows and (later) the web app. Each opens one transaction,
checks rights and states, writes the audit event and commits.
"""

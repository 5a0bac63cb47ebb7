"""Messages and their delivery: templates (zh-CN and English), rendering (pure), channels
(email, chat robots, SMS, webhooks, a file channel for demos), the outbox and the dispatcher."""

"""Channels: where a delivery goes. Apprise speaks email and SMS gateways; WeCom/DingTalk/Feishu
robots and JSON webhooks are posted here (a robot's refusal is in its answer's body, which
Apprise does not read); the file channel writes JSON lines for demos and tests.

Secrets never live in the database: a contact address for a robot or a private webhook is a
secret's *name* (`secret:school_group`), resolved from the environment
(`COBUILD_SECRET_SCHOOL_GROUP`) at send time, and scrubbed from every error we keep or log.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


class DeliveryError(Exception):
    """A channel could not deliver. `permanent` failures are not retried."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Outgoing:
    subject: str
    text: str
    html: str
    dedupe_key: str
    recipient: str


def secret(name: str) -> str:
    value = os.environ.get(f"COBUILD_SECRET_{name.upper()}")
    if not value:
        raise DeliveryError(f"secret {name!r} is not set (COBUILD_SECRET_{name.upper()})", permanent=True)
    return value


def _resolve(address: str) -> tuple[str, list[str]]:
    """An address with any `secret:NAME` resolved; also the secret values to scrub."""
    if address.startswith("secret:"):
        value = secret(address.removeprefix("secret:"))
        return value, [value]
    return address, []


def scrub(text: str, secrets: list[str]) -> str:
    for value in sorted(secrets, key=len, reverse=True):
        if value:
            text = text.replace(value, "***")
            # a secret URL's parts, which HTTP clients log separately (host, then path)
            if "://" in value:
                from urllib.parse import urlsplit

                parts = urlsplit(value)
                for piece in (value.split("://", 1)[1], parts.path + (f"?{parts.query}" if parts.query else ""), parts.path):
                    if len(piece) >= 8:
                        text = text.replace(piece, "***")
    return text


def known_secrets() -> list[str]:
    from urllib.parse import urlsplit

    values = [v for k, v in os.environ.items() if k.startswith("COBUILD_SECRET_") and v]
    for name in ("COBUILD_SMTP_URL", "COBUILD_SMS_URL"):
        try:
            password = urlsplit(os.environ.get(name, "")).password
        except ValueError:
            password = None
        if password:
            values.append(password)
    return values


class SecretScrubber(logging.Filter):
    """Apprise logs the URLs it calls (with robot keys in them) at debug level: scrub them."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = known_secrets()
        if secrets:
            message = record.getMessage()
            cleaned = scrub(message, secrets)
            if cleaned != message:
                record.msg, record.args = cleaned, ()
        return True


def _install_scrubber() -> None:
    # the HTTP client logs request paths (a webhook's token) at debug level too
    for name in ("apprise", "urllib3.connectionpool", "urllib3.poolmanager", "requests", "aiohttp.client",
                 "aiohttp.internal"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, SecretScrubber) for f in logger.filters):
            logger.addFilter(SecretScrubber())


class FileChannel:
    """Appends each message as one JSON line to <folder>/outbox.jsonl (the demo's inbox)."""

    kind = "file"
    _lock = threading.Lock()

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def send(self, message: Outgoing, address: str, channel: str) -> None:
        self.send_many([(message, address, channel)])

    def send_many(self, sends: list[tuple[Outgoing, str, str]]) -> None:
        """Every (message, address, channel) as a line, the file opened once."""
        self.folder.mkdir(parents=True, exist_ok=True)
        at = datetime.now(UTC).isoformat()
        lines = "".join(json.dumps({"at": at, "channel": channel, "to": address, "recipient": message.recipient,
                                    "key": message.dedupe_key, "subject": message.subject, "text": message.text,
                                    "html": message.html},
                                   ensure_ascii=False) + "\n" for message, address, channel in sends)
        with self._lock, open(self.folder / "outbox.jsonl", "a", encoding="utf-8") as out:
            out.write(lines)


class _EventLoop:
    """One asyncio event loop in a daemon thread per process, where webhooks are posted: its
    connections stay alive from one batch to the next. Recreated after a fork."""

    _lock = threading.Lock()
    _loop: asyncio.AbstractEventLoop | None = None
    _pid = 0

    @classmethod
    def run(cls, coroutine, timeout: float | None = None):
        with cls._lock:
            if cls._loop is None or cls._pid != os.getpid() or not cls._loop.is_running():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="cobuild-webhooks", daemon=True).start()
                cls._loop, cls._pid = loop, os.getpid()
            loop = cls._loop
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout)

    @classmethod
    def run_quietly(cls, make_coroutine) -> None:
        """At exit, if the loop still runs in this process."""
        if cls._loop is not None and cls._pid == os.getpid() and cls._loop.is_running():
            try:
                cls.run(make_coroutine(), timeout=2)
            except Exception:  # noqa: BLE001 — the process is ending anyway
                pass


class WebhookChannel:
    """A JSON POST to the person's webhook (Apprise's json:// payload: version, title, message,
    type). A batch is posted at once from one event loop through aiohttp's keep-alive connection
    pool (`in_flight` at a time): a fraction of the CPU per message of urllib3 from threads, and
    far less than Apprise (a new client and connection per message); bench/limits.md."""

    kind = "webhook"
    in_flight = 32
    _sessions: dict[float, object] = {}  # per timeout; created in the loop's thread, used only there

    def __init__(self, timeout: float = 10.0, allow_private: bool = False):
        self.timeout = timeout
        # loopback, private, link-local and reserved addresses are refused unless the deployment
        # allows them (COBUILD_ALLOW_PRIVATE_WEBHOOKS): a council member must not be able to make
        # the dispatcher POST into the machine's own network
        self.allow_private = allow_private

    async def _check_target(self, url: str, secrets: list[str]) -> None:
        import ipaddress
        from urllib.parse import urlsplit

        if self.allow_private:
            return
        host = urlsplit(url).hostname or ""
        try:
            addresses = {ipaddress.ip_address(host)}
        except ValueError:
            try:
                found = await asyncio.get_running_loop().getaddrinfo(host, None)
            except OSError as exc:
                raise DeliveryError(scrub(f"{self.kind}: cannot resolve the address's host: {exc}", secrets + [url])) from None
            addresses = {ipaddress.ip_address(info[4][0]) for info in found}
        if any(not address.is_global for address in addresses):
            raise DeliveryError(f"{self.kind}: the address points into a private network (not allowed here)",
                                permanent=True)

    def _session(self):
        import aiohttp

        session = self._sessions.get(self.timeout)
        if session is None or session.closed or getattr(session, "_cobuild_pid", None) != os.getpid():
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.in_flight, limit_per_host=self.in_flight),
                timeout=aiohttp.ClientTimeout(total=None, connect=self.timeout, sock_read=self.timeout),
                headers={"User-Agent": "cobuild"}, skip_auto_headers=("Accept-Encoding",))
            session._cobuild_pid = os.getpid()
            if not self._sessions:
                atexit.register(_EventLoop.run_quietly, self._close_all)
            self._sessions[self.timeout] = session
        return session

    @classmethod
    async def _close_all(cls) -> None:
        """At exit: closed sessions print no 'Unclosed client session' warnings."""
        for session in list(cls._sessions.values()):
            await session.close()
        cls._sessions.clear()

    async def post(self, message: Outgoing, address: str) -> None:
        url, secrets = _resolve(address)
        if not url.startswith(("http://", "https://")):
            raise DeliveryError("webhook: the address is not an http(s) URL", permanent=True)
        body = {"version": "1.0", "title": message.subject, "message": message.text, "type": "info"}
        # the dedupe key lets a receiver drop a message it already has, after a crash between send and commit
        await self._post_json(url, body, secrets, {"X-Cobuild-Dedupe-Key": message.dedupe_key})

    async def _post_json(self, url: str, body: dict, secrets: list[str], headers: dict | None = None) -> bytes:
        """POST `body` as JSON; the answer's body, or DeliveryError for no answer or a status >= 300."""
        import aiohttp

        await self._check_target(url, secrets)
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            async with self._session().post(url, data=data, allow_redirects=False, headers={
                    "Content-Type": "application/json; charset=utf-8", **(headers or {})}) as response:
                answer = await response.read()
                status, reason = response.status, response.reason
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise DeliveryError(scrub(f"{self.kind}: {type(exc).__name__}: {exc}".strip(), secrets + [url])) from None
        if status >= 300:
            raise DeliveryError(scrub(f"{self.kind}: HTTP {status} {reason or ''}".strip(), secrets + [url]))
        return answer

    def send_many(self, sends: list[tuple[Outgoing, str]]) -> list[BaseException | None]:
        """Post every (message, address) at once, `in_flight` at a time; each one's error or None."""

        async def one(limit: asyncio.Semaphore, message: Outgoing, address: str) -> BaseException | None:
            async with limit:
                try:
                    await self.post(message, address)
                except Exception as exc:  # noqa: BLE001 — one failure never holds up the others
                    return exc
                return None

        async def every() -> list[BaseException | None]:
            limit = asyncio.Semaphore(self.in_flight)
            return list(await asyncio.gather(*(one(limit, m, a) for m, a in sends)))

        if not sends:
            return []
        _install_scrubber()
        return _EventLoop.run(every())

    def send(self, message: Outgoing, address: str, channel: str) -> None:
        error = self.send_many([(message, address)])[0]
        if error is not None:
            raise error


# each robot's webhook, `{token}` where the robot's key or access token goes (COBUILD_WECOM_URL …
# point them elsewhere: a proxy, or a test's stand-in)
ROBOT_URLS = {"wecom": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={token}",
              "dingtalk": "https://oapi.dingtalk.com/robot/send?access_token={token}",
              "feishu": "https://open.feishu.cn/open-apis/bot/v2/hook/{token}"}
# the link line every message ends with when COBUILD_PUBLIC_URL is set (notifications/templates)
LINK_LINE = re.compile(r"^(查看:|Open: )(https?://\S+)$")
ROBOT_TEXT_LIMIT = 2000  # characters of a text message (WeCom takes 2,048 bytes of UTF-8 at most)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _link_of(message: Outgoing) -> tuple[str, str, str] | None:
    """(the text without its link line, the link, the line's own word for it), or None."""
    lines = message.text.strip().splitlines()
    found = LINK_LINE.match(lines[-1]) if lines else None
    return ("\n".join(lines[:-1]).strip(), found.group(2), found.group(1)) if found else None


class RobotChannel(WebhookChannel):
    """A group robot of WeCom (企业微信), DingTalk (钉钉) or Feishu (飞书): a text message posted to
    its webhook. The address is the robot's key or access token, `secret@token` for a DingTalk or
    Feishu robot that signs its messages, or the whole webhook URL (each may be a `secret:NAME`).

    A robot answers a refused message with HTTP 200 and an error code in its body (`errcode` of
    WeCom and DingTalk, `code` of Feishu, e.g. a wrong key, a blocked keyword, too many messages):
    that is a failed attempt, retried and dead-lettered like any other, never a message sent."""

    def __init__(self, kind: str, timeout: float = 10.0, url: str | None = None, allow_private: bool = False):
        # the service's own host, or one the deployment chose (COBUILD_WECOM_URL …): trusted; a whole
        # webhook URL given as a member's address is checked like any webhook
        super().__init__(timeout, allow_private)
        self.kind = kind
        self.url_template = url or ROBOT_URLS[kind]

    async def _check_target(self, url: str, secrets: list[str]) -> None:
        if not url.startswith(self.url_template.split("{token}")[0]):
            await super()._check_target(url, secrets)

    def target(self, message: Outgoing, address: str, now: float | None = None) -> tuple[str, dict, list[str]]:
        """The URL to post to, the JSON body and the secrets to scrub from errors."""
        import base64
        import hashlib
        import hmac
        import time
        from urllib.parse import quote_plus

        value, secrets = _resolve(address)
        signing, _, token = value.rpartition("@") if not value.startswith(("http://", "https://")) else ("", "", value)
        url = token if token.startswith(("http://", "https://")) else self.url_template.format(token=token)
        secrets = secrets + [token, signing]
        text = _shorten(f"{message.subject}\n{message.text}", ROBOT_TEXT_LIMIT)
        stamp = now if now is not None else time.time()
        body: dict = self.card(message) or (
            {"msg_type": "text", "content": {"text": text}} if self.kind == "feishu"
            else {"msgtype": "text", "text": {"content": text}})
        if self.kind == "feishu":
            if signing:
                seconds = str(int(stamp))
                digest = hmac.new(f"{seconds}\n{signing}".encode(), b"", hashlib.sha256).digest()
                body.update(timestamp=seconds, sign=base64.b64encode(digest).decode())
            return url, body, secrets
        if self.kind == "dingtalk" and signing:
            millis = str(int(stamp * 1000))
            digest = hmac.new(signing.encode(), f"{millis}\n{signing}".encode(), hashlib.sha256).digest()
            url += f"{'&' if '?' in url else '?'}timestamp={millis}&sign={quote_plus(base64.b64encode(digest))}"
        return url, body, secrets

    def card(self, message: Outgoing) -> dict | None:
        """The message as the robot's own rich format with a button to its page — WeCom markdown,
        a DingTalk actionCard, a Feishu interactive card — when it carries a link (the last line
        of its text, COBUILD_PUBLIC_URL set); None: plain text."""
        found = _link_of(message)
        if found is None:
            return None
        body, link, word = found
        body = _shorten(body, ROBOT_TEXT_LIMIT)
        button = "查看详情" if word.startswith("查看") else "Open"
        if self.kind == "wecom":
            return {"msgtype": "markdown", "markdown": {
                "content": f"**{message.subject}**\n{body}\n[{button}]({link})"}}
        if self.kind == "dingtalk":
            return {"msgtype": "actionCard", "actionCard": {
                "title": message.subject, "text": f"### {message.subject}\n\n{body}", "btnOrientation": "0",
                "singleTitle": button, "singleURL": link}}
        return {"msg_type": "interactive", "card": {
            "header": {"title": {"tag": "plain_text", "content": message.subject}},
            "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": body}},
                         {"tag": "action", "actions": [{"tag": "button", "type": "primary", "url": link,
                                                        "text": {"tag": "plain_text", "content": button}}]}]}}

    async def post(self, message: Outgoing, address: str) -> None:
        url, body, secrets = self.target(message, address)
        answer = await self._post_json(url, body, secrets)
        try:
            reply = json.loads(answer or b"{}")
        except ValueError:
            raise DeliveryError(f"{self.kind}: the robot's answer is not JSON") from None
        code = reply.get("errcode", reply.get("code", reply.get("StatusCode", 0))) if isinstance(reply, dict) else 0
        if code not in (0, "0", None):
            reason = str(reply.get("errmsg") or reply.get("msg") or reply.get("StatusMessage") or "")[:200]
            raise DeliveryError(scrub(f"{self.kind}: the robot refused the message (code {code}) {reason}".strip(),
                                      secrets + [url]))


class AppriseChannel:
    """Email and SMS gateways, through Apprise."""

    # apprise.LogCapture (how a failure's reason is read) is process-wide: one send at a time
    def __init__(self, kind: str, smtp_url: str | None = None, sms_url: str | None = None, timeout: float = 10.0):
        self.kind = kind
        self.smtp_url = smtp_url
        self.sms_url = sms_url
        self.timeout = timeout

    def url_for(self, address: str) -> tuple[str, list[str]]:
        value, secrets = _resolve(address)
        timeouts = f"cto={self.timeout:g}&rto={self.timeout:g}"
        if self.kind == "email":
            if not self.smtp_url:
                raise DeliveryError("no SMTP server configured (COBUILD_SMTP_URL)", permanent=True)
            joiner = "&" if "?" in self.smtp_url else "?"
            return f"{self.smtp_url}{joiner}to={value}&{timeouts}", secrets + _url_secrets(self.smtp_url)
        if self.kind == "sms":
            if not self.sms_url:
                raise DeliveryError("no SMS gateway configured (COBUILD_SMS_URL)", permanent=True)
            return self.sms_url.replace("{phone}", value), secrets + _url_secrets(self.sms_url)
        if self.kind == "webhook":
            url = value
            if url.startswith("http://"):
                url = "json://" + url.removeprefix("http://")
            elif url.startswith("https://"):
                url = "jsons://" + url.removeprefix("https://")
            joiner = "&" if "?" in url else "?"
            return f"{url}{joiner}{timeouts}", secrets
        raise DeliveryError(f"unknown channel {self.kind!r}", permanent=True)

    def send(self, message: Outgoing, address: str, channel: str) -> None:
        import apprise

        _install_scrubber()
        url, secrets = self.url_for(address)
        notifier = apprise.Apprise()
        if not notifier.add(url):
            raise DeliveryError(f"{self.kind}: the address is not usable", permanent=True)
        if self.kind == "webhook":
            # lets a receiver drop a message it already has, after a crash between send and commit
            notifier[0].headers["X-Cobuild-Dedupe-Key"] = message.dedupe_key
        html = self.kind == "email"
        title, body = ("", sms_text(message)) if self.kind == "sms" else \
            (message.subject, message.html if html else message.text)
        with apprise.LogCapture(level=apprise.logging.WARNING) as logs:
            ok = notifier.notify(title=title, body=body,
                                 body_format=apprise.NotifyFormat.HTML if html else apprise.NotifyFormat.TEXT)
        if not ok:
            detail = " ".join(logs.getvalue().split())[-500:] or "delivery failed"
            raise DeliveryError(scrub(f"{self.kind}: {detail}", secrets))


SMS_LIMIT = 70  # characters of one SMS in Chinese (a longer one is split and billed as several)


def sms_text(message: Outgoing) -> str:
    """One short SMS: the subject (kind, number, the deadline or how late), and the page's link
    when there is one, shortened to fit SMS_LIMIT characters."""
    found = _link_of(message)
    subject = " ".join(message.subject.split())
    if found is None or len(found[1]) > SMS_LIMIT - 10:
        return _shorten(subject, SMS_LIMIT)
    link = found[1]
    return f"{_shorten(subject, SMS_LIMIT - len(link) - 1)} {link}"


def _url_secrets(url: str) -> list[str]:
    """The password in scheme://user:password@host, so that errors never show it."""
    from urllib.parse import urlsplit

    try:
        password = urlsplit(url).password
    except ValueError:
        return []
    return [password] if password else []


class Channels:
    """Channel kind -> channel. With `file_only` (the demo, tests) every delivery is written
    to the file channel instead of leaving the machine."""

    def __init__(self, outbox_dir: str | Path = "cobuild-outbox", file_only: bool = False,
                 smtp_url: str | None = None, sms_url: str | None = None, timeout: float = 10.0,
                 robot_urls: dict[str, str | None] | None = None, allow_private: bool | None = None):
        self.file = FileChannel(outbox_dir)
        self.file_only = file_only
        if allow_private is None:
            from cobuild.platform.settings import get_settings

            allow_private = get_settings().allow_private_webhooks
        self.by_kind: dict[str, AppriseChannel | WebhookChannel] = {
            kind: AppriseChannel(kind, smtp_url, sms_url, timeout) for kind in ("email", "sms")}
        self.by_kind.update({kind: RobotChannel(kind, timeout, (robot_urls or {}).get(kind), allow_private)
                             for kind in ROBOT_URLS})
        self.by_kind["webhook"] = WebhookChannel(timeout, allow_private)

    @classmethod
    def from_settings(cls) -> "Channels":
        from cobuild.platform.settings import get_settings

        s = get_settings()
        return cls(s.outbox_dir, s.delivery == "file", s.smtp_url, s.sms_url, s.channel_timeout,
                   {"wecom": s.wecom_url, "dingtalk": s.dingtalk_url, "feishu": s.feishu_url},
                   s.allow_private_webhooks)

    def send(self, channel: str, address: str, message: Outgoing) -> None:
        if self.file_only or channel == "file":
            self.file.send(message, address, channel)
            return
        target = self.by_kind.get(channel)
        if target is None:
            raise DeliveryError(f"unknown channel {channel!r}", permanent=True)
        target.send(message, address, channel)

    def send_all(self, sends: list[tuple[str, str, Outgoing]]) -> list[BaseException | None]:
        """Send every (channel, address, message); each one's error or None, in order. Webhooks
        go out at once (see WebhookChannel.send_many), the file's lines in one write, the rest
        one after another (Apprise's failure capture is process-wide)."""
        errors: list[BaseException | None] = [None] * len(sends)
        webhook = self.by_kind["webhook"]
        posted = [i for i, (channel, _, _) in enumerate(sends) if channel == "webhook" and not self.file_only]
        for i, error in zip(posted, webhook.send_many([(sends[i][2], sends[i][1]) for i in posted])):
            errors[i] = error
        filed = [i for i, (channel, _, _) in enumerate(sends) if self.file_only or channel == "file"]
        if filed:
            try:
                self.file.send_many([(sends[i][2], sends[i][1], sends[i][0]) for i in filed])
            except OSError as exc:
                for i in filed:
                    errors[i] = DeliveryError(f"file: {exc}")
        for i in sorted(set(range(len(sends))) - set(posted) - set(filed)):
            channel, address, message = sends[i]
            try:
                self.send(channel, address, message)
            except Exception as exc:  # noqa: BLE001 — an unexpected channel bug is a failed attempt, not a crash
                errors[i] = exc
        return errors

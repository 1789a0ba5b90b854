"""Notification channels: e-mail over SMTP and signed webhooks, with retries and backoff.

Both use the standard library run in a thread (``smtplib``, ``urllib``): a notification is a rare,
small request, and the stdlib clients are complete, well known and add no dependency. Every message
carries the idempotency key of (transition, receiver), so a receiver that sees it twice (a retry, a
worker restarted before it committed) can keep one.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from alerts.templates import Message


class DeliveryError(RuntimeError):
    """A notification was not delivered."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying: the receiver is down, slow or asks us to come back."""


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help (the receiver refuses the request)."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0


def message_id(key: str, sender: str) -> str:
    """A Message-ID that is the same for every attempt of one (transition, receiver)."""
    domain = sender.rpartition("@")[2] or "ioc.local"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def _send_email(cfg: SmtpConfig, to: str, message: Message, key: str) -> None:
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = cfg.sender, to, message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id(key, cfg.sender)
    email["X-IOC-Idempotency-Key"] = key
    email.set_content(message.text, charset="utf-8")
    try:
        with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout) as smtp:
            if cfg.starttls:
                smtp.starttls()
            if cfg.username:
                smtp.login(cfg.username, cfg.password or "")
            smtp.send_message(email)
    except smtplib.SMTPResponseException as exc:
        error = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
        raise (
            TransientDeliveryError(error)
            if exc.smtp_code >= 400 and exc.smtp_code < 500
            else PermanentDeliveryError(error)
        ) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentDeliveryError(f"recipient refused: {exc.recipients}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientDeliveryError(f"SMTP {cfg.host}:{cfg.port}: {exc}") from exc


async def send_email(cfg: SmtpConfig, to: str, message: Message, key: str) -> None:
    await asyncio.to_thread(_send_email, cfg, to, message, key)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of ``"<timestamp>." + body``; the timestamp stops a replayed request."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify_signature(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver checks (constant-time)."""
    return hmac.compare_digest(signature(secret, timestamp, body), header)


def _post(url: str, secret: str | None, payload: dict[str, Any], key: str, timeout: float) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "Idempotency-Key": key, "X-IOC-Timestamp": timestamp}
    if secret:
        headers["X-IOC-Signature"] = signature(secret, timestamp, body)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        error = f"HTTP {exc.code} from {url}"
        if exc.code in (408, 429) or exc.code >= 500:
            raise TransientDeliveryError(error) from exc
        raise PermanentDeliveryError(error) from exc
    except (OSError, urllib.error.URLError) as exc:
        raise TransientDeliveryError(f"{url}: {exc}") from exc


async def send_webhook(url: str, secret: str | None, payload: dict[str, Any], key: str, wait: float = 10.0) -> None:
    """POST ``payload``; ``wait`` bounds the connection and the answer (seconds)."""
    await asyncio.to_thread(_post, url, secret, payload, key, wait)


async def deliver(
    send: Callable[[], Awaitable[None]],
    *,
    attempts: int,
    base_delay: float,
    max_delay: float,
    on_attempt: Callable[[int, str, str | None], Awaitable[None]],
) -> bool:
    """Try ``send`` up to ``attempts`` times with exponential backoff (and a little jitter); report each
    attempt as ``sent``, ``retry`` or ``failed``. True once sent."""
    for attempt in range(1, attempts + 1):
        try:
            await send()
        except PermanentDeliveryError as exc:
            await on_attempt(attempt, "failed", str(exc))
            return False
        except TransientDeliveryError as exc:
            if attempt == attempts:
                await on_attempt(attempt, "failed", str(exc))
                return False
            await on_attempt(attempt, "retry", str(exc))
            delay = min(max_delay, base_delay * 2 ** (attempt - 1))
            await asyncio.sleep(delay * random.uniform(1.0, 1.2))
            continue
        await on_attempt(attempt, "sent", None)
        return True
    return False

"""The notification channels against a real SMTP server (aiosmtpd) and a real HTTP receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from alerts.channels import SmtpConfig, deliver, message_id, send_email, send_webhook, verify_signature
from alerts.templates import Message
from tests.receivers import HookReceiver, MailReceiver, free_port

pytestmark = pytest.mark.integration
MESSAGE = Message("[IOC][Khẩn cấp] Mực nước vượt báo động III — Trạm Kim Long", "Chi tiết: http://x/#/alerts/1")


@pytest.fixture
def mail() -> Iterator[MailReceiver]:
    receiver = MailReceiver()
    controller = receiver.start()
    yield receiver
    controller.stop()


async def test_an_email_arrives_in_utf8_with_its_idempotency_key(mail: MailReceiver) -> None:
    cfg = SmtpConfig("127.0.0.1", mail.port, "ioc@hue.example.vn")
    await send_email(cfg, "trucban@example.vn", MESSAGE, "fp#3:truc-ban")
    [received] = mail.messages
    assert received["Subject"] == MESSAGE.subject
    assert received["X-IOC-Idempotency-Key"] == "fp#3:truc-ban"
    assert received["Message-ID"] == message_id("fp#3:truc-ban", "ioc@hue.example.vn")
    assert received.get_content().strip() == MESSAGE.text


async def test_a_webhook_is_signed_and_keyed() -> None:
    hook = HookReceiver()
    try:
        await send_webhook(hook.url, "s3cret", {"subject": MESSAGE.subject}, "fp#3:pctt")
    finally:
        hook.close()
    [got] = hook.hooks
    headers = {k.lower(): v for k, v in got.headers.items()}
    assert headers["idempotency-key"] == "fp#3:pctt"
    assert verify_signature("s3cret", headers["x-ioc-timestamp"], got.body, headers["x-ioc-signature"])
    assert not verify_signature("other", headers["x-ioc-timestamp"], got.body, headers["x-ioc-signature"])
    assert got.json == {"subject": MESSAGE.subject}


async def attempts_against(url: str, attempts: int = 4) -> tuple[bool, list[str]]:
    statuses: list[str] = []

    async def on_attempt(attempt: int, status: str, error: str | None) -> None:
        statuses.append(status)

    sent = await deliver(
        lambda: send_webhook(url, None, {}, "k", wait=2.0),
        attempts=attempts,
        base_delay=0.01,
        max_delay=0.05,
        on_attempt=on_attempt,
    )
    return sent, statuses


async def test_transient_failures_are_retried_until_sent() -> None:
    hook = HookReceiver(statuses=(503, 429))
    try:
        assert await attempts_against(hook.url) == (True, ["retry", "retry", "sent"])
    finally:
        hook.close()


async def test_a_refusal_is_failed_at_once() -> None:
    hook = HookReceiver(statuses=(400,))
    try:
        assert await attempts_against(hook.url) == (False, ["failed"])
        assert len(hook.hooks) == 1
    finally:
        hook.close()


async def test_a_receiver_that_is_down_is_retried_then_failed() -> None:
    url = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    assert await attempts_against(url, attempts=3) == (False, ["retry", "retry", "failed"])

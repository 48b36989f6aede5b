"""Outbound delivery of notifications: a pluggable channel named by the setting ZTC_NOTIFY_CHANNEL.

The in-app notification (models.Notification) is always written; the outbound channel is an extra copy.
`LoggingChannel` (the default) writes one log line per notice. `SmsChannel` and `WeChatChannel` are
INTERFACES ONLY: they document what a deployment must implement against its own SMS gateway or
WeChat Work / 政务微信 account and refuse to run until it does — nothing here pretends to send.
"""

import logging
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("zhitongche.notify")
DEFAULT_CHANNEL = "zhitongche.appeals.notify.LoggingChannel"


class OutboundChannel(Protocol):
    """What an outbound channel implements: deliver one notification or raise (the task records the failure)."""

    def send(self, notification: Any) -> None:
        """Deliver the notice to `notification.recipient`; raise on failure so the task can be retried."""


class LoggingChannel:
    """The default channel: one INFO log line per notice (recipient, kind, appeal number, message)."""

    def send(self, notification: Any) -> None:
        """Log the notice."""
        logger.info("notify %s [%s] %s: %s", notification.recipient.get_username(), notification.kind,
                    notification.appeal.number if notification.appeal_id else "-", notification.message)


class SmsChannel:
    """Interface for an SMS gateway (e.g. the city's 政务短信平台). A deployment subclasses it and
    implements `send` with its gateway's API, the recipient's `phone` and an approved message template."""

    def send(self, notification: Any) -> None:
        """Not implemented here: the platform ships no SMS gateway credentials or client."""
        raise NotImplementedError("SmsChannel 是接口：请在部署中实现短信网关的发送，并在 ZTC_NOTIFY_CHANNEL 中指定实现类")


class WeChatChannel:
    """Interface for WeChat Work / 政务微信 application messages. A deployment subclasses it and
    implements `send` with its corp id, agent id and the recipient's account mapping."""

    def send(self, notification: Any) -> None:
        """Not implemented here: the platform ships no WeChat account or client."""
        raise NotImplementedError("WeChatChannel 是接口：请在部署中实现企业微信/政务微信消息的发送")


def channel() -> OutboundChannel:
    """The configured outbound channel instance."""
    cls = import_string(getattr(settings, "ZTC_NOTIFY_CHANNEL", DEFAULT_CHANNEL))
    return cls()

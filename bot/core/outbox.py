"""What an adapter offers for messages not tied to an interaction: scheduled posts, DMs, edits."""

from __future__ import annotations

from abc import ABC, abstractmethod

from bot.core.events import Channel, Platform
from bot.core.replies import MessageRef, Reply


class DeliveryError(Exception):
    """Sending failed. `permanent` means retrying will not help (deleted channel, no permission)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class Outbox(ABC):
    platform: Platform
    capabilities: frozenset[str] = frozenset()

    def supports(self, capability: str) -> bool:
        return capability in self.capabilities

    @abstractmethod
    async def send(
        self,
        channel_id: str,
        reply: Reply,
        *,
        thread_id: str | None = None,
        nonce: str | None = None,
    ) -> MessageRef:
        """Post publicly in a channel (or inside a thread). `nonce` makes a retried send idempotent."""

    @abstractmethod
    async def edit(self, ref: MessageRef, reply: Reply) -> None: ...

    @abstractmethod
    async def open_thread(
        self, channel_id: str, title: str, starter: Reply, *, nonce: str | None = None
    ) -> MessageRef:
        """Post `starter` and open a thread on it; the returned ref has `thread_id` set."""

    @abstractmethod
    async def dm(self, user_id: str, reply: Reply) -> MessageRef | None:
        """Message a member privately; None when their DMs are closed."""

    async def send_private(
        self, channel_id: str, user_id: str, reply: Reply, *, thread_id: str | None = None
    ) -> bool:
        """A message in a channel (or thread) that only `user_id` sees (Slack ephemeral).
        False if unsupported."""
        return False

    async def channel_info(self, channel_id: str) -> Channel | None:
        """Look a channel up; None when it does not exist or the bot cannot see it."""
        return Channel(channel_id)

    def mention_user(self, user_id: str) -> str:
        return f"@{user_id}"

    def mention_channel(self, channel_id: str) -> str:
        return f"#{channel_id}"

"""`Ctx`: who did what, where, and how to answer. Adapters subclass it; cogs see only this."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

from bot.core.commands import Permission
from bot.core.events import Channel, Click, Community, FormSubmit, Incoming, User
from bot.core.replies import Card, Form, MessageRef, Reply

if TYPE_CHECKING:
    from bot.core.outbox import Outbox


class Ctx(ABC):
    """One interaction. The first `reply` answers it; later replies are follow-ups."""

    def __init__(
        self,
        *,
        user: User,
        community: Community,
        channel: Channel,
        outbox: Outbox,
        click: Click | None = None,
        submit: FormSubmit | None = None,
        message: Incoming | None = None,
    ) -> None:
        self.user = user
        self.community = community
        self.channel = channel
        self.outbox = outbox
        self.click = click
        self.submit = submit
        self.message = message
        self.responded = False
        self.sent: list[Reply] = []
        # The member's permission level, filled in by the dispatcher on first need.
        self.level: Permission | None = None

    @property
    def platform(self) -> str:
        return self.community.platform

    def supports(self, capability: str) -> bool:
        return self.outbox.supports(capability)

    async def reply(
        self, reply: Reply | str | Card, *, private: bool | None = None
    ) -> MessageRef | None:
        r = Reply.of(reply)
        if private is not None and private != r.private:
            r = Reply(r.text, r.cards, r.buttons, private, r.attachment, r.replace)
        self.sent.append(r)
        ref = await self._send(r)
        self.responded = True
        return ref

    async def defer(self, *, private: bool = True) -> None:
        """Tell the platform an answer is coming (needed within 3 s on Discord and Slack)."""
        if not self.responded:
            await self._defer(private)
            self.responded = True

    async def open_form(self, form: Form) -> None:
        await self._open_form(form)
        self.responded = True

    @abstractmethod
    async def _send(self, reply: Reply) -> MessageRef | None: ...

    async def _defer(self, private: bool) -> None:
        return None

    async def _open_form(self, form: Form) -> None:
        raise NotImplementedError("this platform cannot open forms")

"""`Ctx` for Discord: one for interactions (commands, clicks, modal submits, autocomplete)
and one for plain messages seen by listeners.

Interaction replies follow Discord's rules: the first answer is the interaction callback
(a message, a deferral, an update of the clicked message, or a modal), later ones are
followups through the interaction webhook. A lock makes the automatic deferral and a
handler's own first reply mutually exclusive, so the 40060 "already acknowledged" error
cannot happen.
"""

from __future__ import annotations

import asyncio
import logging
from enum import Enum
from typing import TYPE_CHECKING, Any

from bot.adapters.discord import render
from bot.core.context import Ctx
from bot.core.events import Channel, Click, Community, FormSubmit, Incoming, User
from bot.core.replies import Form, MessageRef, Reply
from bot.errors import UserError

if TYPE_CHECKING:
    from bot.adapters.discord.api import DiscordApi
    from bot.adapters.discord.outbox import DiscordOutbox

log = logging.getLogger("coinflip.discord.ctx")

CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"
WEBHOOK_MESSAGE = "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"


class State(Enum):
    NEW = "new"
    REPLIED = "replied"
    DEFERRED = "deferred"  # type 5: a "thinking" placeholder waits for the answer
    DEFERRED_UPDATE = "deferred_update"  # type 6: nothing shown; the clicked message may change
    MODAL = "modal"


class DiscordCtx(Ctx):
    def __init__(
        self,
        *,
        api: DiscordApi,
        outbox: DiscordOutbox,
        interaction_id: int,
        token: str,
        application_id: int,
        user: User,
        community: Community,
        channel: Channel,
        source_message_id: str | None = None,
        click: Click | None = None,
        submit: FormSubmit | None = None,
        autocomplete: bool = False,
    ) -> None:
        super().__init__(
            user=user,
            community=community,
            channel=channel,
            outbox=outbox,
            click=click,
            submit=submit,
        )
        self.api = api
        self.interaction_id = interaction_id
        self.token = token
        self.application_id = application_id
        self.source_message_id = source_message_id
        self.autocomplete = autocomplete
        self.state = State.NEW
        self.deferred_private = False
        self._original_is_source = False
        self._lock = asyncio.Lock()

    # -- raw calls ---------------------------------------------------------------

    def _ids(self) -> dict[str, Any]:
        # webhook_id/webhook_token give each interaction its own rate-limit bucket.
        return {
            "interaction_id": self.interaction_id,
            "interaction_token": self.token,
            "webhook_id": self.application_id,
            "webhook_token": self.token,
        }

    async def _callback(
        self, kind: int, data: dict[str, Any] | None, reply: Reply | None = None
    ) -> Any:
        body: dict[str, Any] = {"type": kind}
        if data is not None:
            body["data"] = data
        files = render.files_of(reply) if reply is not None else []
        return await self.api.call(
            "POST",
            CALLBACK,
            payload=body,
            files=files,
            params={"with_response": "true"},
            **self._ids(),
        )

    async def _webhook(
        self, method: str, message_id: str, reply: Reply | None, *, ephemeral: bool = False
    ) -> Any:
        payload = None
        files: list[Any] = []
        if reply is not None:
            payload = render.message_payload(reply, ephemeral=ephemeral, edit=method == "PATCH")
            files = render.files_of(reply)
        return await self.api.call(
            method,
            WEBHOOK_MESSAGE,
            payload=payload,
            files=files,
            message_id=message_id,
            **self._ids(),
        )

    async def _followup(self, reply: Reply) -> Any:
        payload = render.message_payload(reply, ephemeral=reply.private)
        return await self.api.call(
            "POST",
            WEBHOOK,
            payload=payload,
            files=render.files_of(reply),
            params={"wait": "true"},
            **self._ids(),
        )

    def _ref(self, message: Any, ephemeral: bool) -> MessageRef | None:
        if not isinstance(message, dict) or "id" not in message:
            return None
        extra = {}
        if ephemeral:
            # Ephemeral messages can only be edited through the interaction webhook (15 min).
            extra = {"application_id": str(self.application_id), "interaction_token": self.token}
        return MessageRef(self.channel.id, str(message["id"]), self.channel.thread_id, extra)

    # -- Ctx -----------------------------------------------------------------------

    async def _send(self, reply: Reply) -> MessageRef | None:
        if self.autocomplete:
            raise RuntimeError("autocomplete suggestions cannot send messages")
        async with self._lock:
            if self.state is State.NEW:
                self.state = State.REPLIED
                if reply.replace and self.source_message_id:
                    self._original_is_source = True
                    data = render.message_payload(reply, edit=True)
                    data.pop("flags", None)
                    await self._callback(7, data, reply)
                    return MessageRef(
                        self.channel.id, self.source_message_id, self.channel.thread_id
                    )
                answer = await self._callback(
                    4, render.message_payload(reply, ephemeral=reply.private), reply
                )
                message = (
                    (answer or {}).get("resource", {}).get("message")
                    if isinstance(answer, dict)
                    else None
                )
                return self._ref(message, reply.private)
            if self.state is State.DEFERRED:
                self.state = State.REPLIED
                if reply.private == self.deferred_private:
                    message = await self._webhook("PATCH", "@original", reply)
                    return self._ref(message, reply.private)
                # The placeholder's visibility was fixed by the deferral; replace it.
                try:
                    await self._webhook("DELETE", "@original", None)
                except Exception:
                    log.warning("could not remove the deferral placeholder", exc_info=True)
            elif self.state is State.DEFERRED_UPDATE:
                self.state = State.REPLIED
                self._original_is_source = True
                if reply.replace:
                    await self._webhook("PATCH", "@original", reply)
                    return MessageRef(
                        self.channel.id, self.source_message_id or "", self.channel.thread_id
                    )
            elif reply.replace and self._original_is_source and self.source_message_id:
                await self._webhook("PATCH", "@original", reply)
                return MessageRef(self.channel.id, self.source_message_id, self.channel.thread_id)
            message = await self._followup(reply)
            return self._ref(message, reply.private)

    async def _defer(self, private: bool) -> None:
        async with self._lock:
            if self.state is not State.NEW or self.autocomplete:
                return
            if self.source_message_id is not None:
                # A click (or a modal opened from one): acknowledge without showing anything.
                await self._callback(6, None)
                self.state = State.DEFERRED_UPDATE
            else:
                await self._callback(5, {"flags": render.EPHEMERAL} if private else {})
                self.state = State.DEFERRED
                self.deferred_private = private

    async def auto_defer(self, private: bool) -> bool:
        """Called when the handler is slow; True if this deferred the interaction."""
        if self.state is not State.NEW:
            return False
        await self._defer(private)
        self.responded = True
        return True

    async def _open_form(self, form: Form) -> None:
        async with self._lock:
            if self.state is not State.NEW:
                raise UserError("Sorry, I took too long to open that form. Please try again.")
            await self._callback(9, render.modal_payload(form))
            self.state = State.MODAL


class DiscordMessageCtx(Ctx):
    """A listener's context: `reply` posts a public answer to the message (no ping)."""

    def __init__(
        self, *, api: DiscordApi, outbox: DiscordOutbox, message: Incoming, target_id: str
    ) -> None:
        super().__init__(
            user=message.user,
            community=message.community,
            channel=message.channel,
            outbox=outbox,
            message=message,
        )
        self.api = api
        self.target_id = target_id

    async def _send(self, reply: Reply) -> MessageRef | None:
        if reply.private:
            log.info(
                "private reply to a plain message skipped (Discord has no ephemeral messages outside interactions) community=%s",
                self.community.key,
            )
            return None
        assert self.message is not None
        payload = render.message_payload(reply)
        payload["message_reference"] = {"message_id": self.message.id, "fail_if_not_exists": False}
        data = await self.api.deliver(
            self.target_id,
            "POST",
            "/channels/{channel_id}/messages",
            payload=payload,
            files=render.files_of(reply),
            channel_id=self.target_id,
        )
        return MessageRef(self.channel.id, str(data["id"]), self.channel.thread_id)

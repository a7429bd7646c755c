"""Thin typed access to Discord's REST API through discord.py's HTTP client.

discord.py keeps doing what it is good at (rate-limit buckets, 429 retries, session
handling); we build the JSON bodies ourselves so every byte sent is under our control:
`allowed_mentions`, components without `discord.ui.View` objects, modals, nonces.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import discord
from discord.http import Route

from bot.core.outbox import DeliveryError

# Error codes worth naming.
UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
MISSING_ACCESS = 50001
CANNOT_DM = 50007
MISSING_PERMISSIONS = 50013
INVALID_RECIPIENT = 50033
THREAD_EXISTS = 160004

# After a 403/404 on a channel, fail fast for this long instead of asking Discord again:
# invalid requests count toward Discord's temporary IP ban.
BLOCK_SECONDS = 120.0
REQUEST_TIMEOUT = 60.0


class DiscordApi:
    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self._blocked: dict[str, tuple[float, str]] = {}

    async def call(
        self,
        method: str,
        path: str,
        *,
        payload: Any = None,
        files: list[discord.File] | None = None,
        params: dict[str, str] | None = None,
        **ids: Any,
    ) -> Any:
        """One request; raises discord.py's HTTPException family (Forbidden, NotFound, ...)."""
        route = Route(method, path, **ids)
        kwargs: dict[str, Any] = {}
        if params:
            kwargs["params"] = params
        if files:
            form: list[dict[str, Any]] = [
                {
                    "name": "payload_json",
                    "value": json.dumps(payload or {}, separators=(",", ":")),
                }
            ]
            for index, f in enumerate(files):
                form.append(
                    {
                        "name": f"files[{index}]",
                        "value": f.fp,
                        "filename": f.filename,
                        "content_type": "application/octet-stream",
                    }
                )
            return await self.client.http.request(route, files=files, form=form, **kwargs)
        if payload is not None:
            kwargs["json"] = payload
        return await self.client.http.request(route, **kwargs)

    async def deliver(
        self,
        target: str,
        method: str,
        path: str,
        /,
        *,
        payload: Any = None,
        files: list[discord.File] | None = None,
        **ids: Any,
    ) -> Any:
        """Like `call`, for the outbox: errors become `DeliveryError`; 403/404 are remembered."""
        channel_id = target
        blocked = self._blocked.get(channel_id)
        if blocked is not None:
            until, reason = blocked
            if time.monotonic() < until:
                raise DeliveryError(
                    f"channel {channel_id}: {reason} (not retried yet)", permanent=True
                )
            self._blocked.pop(channel_id, None)
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                return await self.call(method, path, payload=payload, files=files, **ids)
        except discord.Forbidden as err:
            reason = f"no permission (Discord {err.code})"
            self._block(channel_id, reason)
            raise DeliveryError(f"channel {channel_id}: {reason}", permanent=True) from err
        except discord.NotFound as err:
            reason = f"not found (Discord {err.code})"
            if err.code in (UNKNOWN_CHANNEL, 0):
                self._block(channel_id, reason)
            raise DeliveryError(f"channel {channel_id}: {reason}", permanent=True) from err
        except discord.RateLimited as err:
            raise DeliveryError(
                f"rate limited for {err.retry_after:.0f} s", permanent=False
            ) from err
        except discord.HTTPException as err:
            permanent = err.status < 500
            raise DeliveryError(
                f"Discord answered {err.status} (code {err.code})", permanent=permanent
            ) from err
        except (aiohttp.ClientError, TimeoutError, OSError) as err:
            raise DeliveryError(f"network problem: {type(err).__name__}", permanent=False) from err

    def _block(self, channel_id: str, reason: str) -> None:
        if len(self._blocked) > 10_000:
            self._blocked.clear()
        self._blocked[channel_id] = (time.monotonic() + BLOCK_SECONDS, reason)

    def unblock(self, channel_id: str) -> None:
        self._blocked.pop(channel_id, None)

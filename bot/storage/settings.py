"""Settings per community, channel or member, with defaults registered by cogs (Red-style).

Scope ids: community -> `Community.key`; channel -> `<community key>/<channel id>`;
user -> `<community key>/<user id>`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa

from bot.errors import UserError
from bot.storage.db import Database
from bot.storage.tables import settings as settings_table

Scope = Literal["community", "channel", "user"]
Kind = Literal["str", "int", "bool", "list", "json"]


@dataclass(frozen=True)
class SettingSpec:
    scope: Scope
    key: str
    default: Any
    kind: Kind = "str"
    description: str = ""
    # Shown by `/config show` and changeable with `/config set` by community admins.
    editable: bool = True
    choices: tuple[str, ...] = ()
    validate: Callable[[Any], Any] | None = None


def channel_scope(community_key: str, channel_id: str) -> str:
    return f"{community_key}/{channel_id}"


def user_scope(community_key: str, user_id: str) -> str:
    return f"{community_key}/{user_id}"


class Settings:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.specs: dict[tuple[Scope, str], SettingSpec] = {}

    def register(self, spec: SettingSpec) -> None:
        existing = self.specs.get((spec.scope, spec.key))
        if existing is not None and existing != spec:
            raise ValueError(f"setting {spec.scope}:{spec.key} is registered twice")
        self.specs[(spec.scope, spec.key)] = spec

    def spec(self, scope: Scope, key: str) -> SettingSpec:
        try:
            return self.specs[(scope, key)]
        except KeyError:
            raise KeyError(f"unregistered setting {scope}:{key}") from None

    async def get(self, scope: Scope, scope_id: str, key: str) -> Any:
        spec = self.spec(scope, key)
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    sa.select(settings_table.c.value).where(
                        settings_table.c.scope == scope,
                        settings_table.c.scope_id == scope_id,
                        settings_table.c.key == key,
                    )
                )
            ).first()
        return spec.default if row is None else row[0]

    async def all(self, scope: Scope, scope_id: str) -> dict[str, Any]:
        values = {spec.key: spec.default for (s, _), spec in self.specs.items() if s == scope}
        async with self.db.read() as conn:
            rows = await conn.execute(
                sa.select(settings_table.c.key, settings_table.c.value).where(
                    settings_table.c.scope == scope, settings_table.c.scope_id == scope_id
                )
            )
            for key, value in rows:
                if key in values:
                    values[key] = value
        return values

    async def set(self, scope: Scope, scope_id: str, key: str, value: Any) -> None:
        spec = self.spec(scope, key)
        if spec.validate is not None:
            value = spec.validate(value)
        now = datetime.now(UTC)
        async with self.db.begin() as conn:
            updated = await conn.execute(
                settings_table.update()
                .where(
                    settings_table.c.scope == scope,
                    settings_table.c.scope_id == scope_id,
                    settings_table.c.key == key,
                )
                .values(value=value, updated_at=now)
            )
            if updated.rowcount == 0:
                await conn.execute(
                    settings_table.insert().values(
                        scope=scope, scope_id=scope_id, key=key, value=value, updated_at=now
                    )
                )

    async def reset(self, scope: Scope, scope_id: str, key: str) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                settings_table.delete().where(
                    settings_table.c.scope == scope,
                    settings_table.c.scope_id == scope_id,
                    settings_table.c.key == key,
                )
            )

    async def delete_scope_ids(self, scope: Scope, scope_id: str) -> int:
        async with self.db.begin() as conn:
            result = await conn.execute(
                settings_table.delete().where(
                    settings_table.c.scope == scope, settings_table.c.scope_id == scope_id
                )
            )
        return int(result.rowcount or 0)

    def parse(self, scope: Scope, key: str, text: str) -> Any:
        """Turn what an admin typed into a value of the setting's kind."""
        spec = self.spec(scope, key)
        text = text.strip()
        if spec.kind == "bool":
            word = text.lower()
            if word in {"on", "yes", "true", "1"}:
                return True
            if word in {"off", "no", "false", "0"}:
                return False
            raise UserError(f"`{key}` takes on or off.")
        if spec.kind == "int":
            try:
                return int(text)
            except ValueError:
                raise UserError(f"`{key}` takes a whole number.") from None
        if spec.kind == "list":
            return [item.strip() for item in text.split(",") if item.strip()]
        if spec.kind == "json":
            try:
                return json.loads(text)
            except ValueError:
                raise UserError(f"`{key}` takes JSON.") from None
        if spec.choices and text not in spec.choices:
            raise UserError(f"`{key}` must be one of: {', '.join(spec.choices)}.")
        return text

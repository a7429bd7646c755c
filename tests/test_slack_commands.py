"""/coinflip end to end through real slack-bolt: HTTP and Socket Mode, permissions, signatures."""

from __future__ import annotations

from cogs.admin import AdminCog
from cogs.help import HelpCog
from tests.slack_harness import running_slack, slack_config


async def test_help_over_http(app_factory, tmp_path):
    app = await app_factory(cogs=[HelpCog, AdminCog], config=await slack_config(tmp_path))
    async with running_slack(app) as slack:
        result = await slack.command("help")
        assert result.status == 200
        assert result.delivery is not None and result.delivery.body == ""  # an empty ack
        assert len(result.messages) == 1
        answer = result.messages[0]
        assert answer["ephemeral"] and answer["via"] == "response_url"
        assert answer["user"] == slack.member
        assert "Coinflip commands" in result.text
        assert "/coinflip health" in result.text
        # a member does not see admin-only commands
        assert "config set" not in result.text
        assert answer["text"]  # plain fallback text for notifications
        assert slack.emu.violations == []

        empty = await slack.command("")
        assert "Coinflip commands" in empty.text


async def test_help_over_socket_mode(app_factory, tmp_path):
    app = await app_factory(cogs=[HelpCog, AdminCog], config=await slack_config(tmp_path))
    async with running_slack(app, mode="socket") as slack:
        assert slack.adapter.url is None  # no events endpoint in Socket Mode
        assert [c.method for c in slack.emu.calls_to("apps.connections.open")]
        result = await slack.command("help config", user=slack.admin)
        assert result.status == 200
        assert "Help: config" in result.text
        assert "/coinflip config set <key> <value>" in result.text
        assert slack.emu.violations == []


async def test_unknown_command_is_answered_in_the_ack(app_factory, tmp_path):
    app = await app_factory(cogs=[HelpCog, AdminCog], config=await slack_config(tmp_path))
    async with running_slack(app) as slack:
        result = await slack.command("frobnicate <b>now</b>")
        assert result.status == 200
        assert result.messages and result.messages[0]["via"] == "ack"
        assert "I don't know `frobnicate`" in result.text
        assert "/coinflip help" in result.text
        group = await slack.command("config")  # a group needs a subcommand
        assert "`config` needs one more word; `/coinflip help config` lists them." in group.text


async def test_health(app_factory, tmp_path):
    app = await app_factory(cogs=[HelpCog, AdminCog], config=await slack_config(tmp_path))
    async with running_slack(app) as slack:
        result = await slack.command("health")
        assert "Coinflip health" in result.text
        assert "ok (SQLite)" in result.text
        assert "slack" in result.text
        fields = [b for b in result.messages[0]["blocks"] if "fields" in b]
        assert fields and all(len(b["fields"]) <= 10 for b in fields)


async def test_config_set_admin_only(app_factory, tmp_path):
    app = await app_factory(cogs=[HelpCog, AdminCog], config=await slack_config(tmp_path))
    async with running_slack(app) as slack:
        key = f"slack:{slack.team_id}"
        refused = await slack.command("config set timezone Europe/London", user=slack.member)
        assert "Only community admins" in refused.text
        assert refused.messages[0]["ephemeral"]
        assert await app.settings.get("community", key, "timezone") == "UTC"

        done = await slack.command("config set timezone Europe/London", user=slack.admin)
        assert "Europe/London" in done.text
        assert await app.settings.get("community", key, "timezone") == "Europe/London"
        # users.info is cached: one lookup per user
        looked_up = [c.args.get("user") for c in slack.emu.calls_to("users.info")]
        assert sorted(looked_up) == sorted([slack.member, slack.admin])


async def test_bad_signature_and_stale_timestamp_are_refused(app_factory, tmp_path):
    app = await app_factory(cogs=[HelpCog, AdminCog], config=await slack_config(tmp_path))
    async with running_slack(app) as slack:
        bad = await slack.command(
            "config set timezone Asia/Tokyo", user=slack.admin, bad_signature=True
        )
        stale = await slack.command("config set timezone Asia/Tokyo", user=slack.admin, stale=True)
        assert bad.status == 401 and stale.status == 401
        assert bad.messages == [] and stale.messages == []
        assert slack.emu.calls_to("users.info") == []
        assert slack.emu.calls_to("response_url") == []
        assert await app.settings.get("community", f"slack:{slack.team_id}", "timezone") == "UTC"
        ok = await slack.command("help")
        assert ok.status == 200 and "Coinflip commands" in ok.text


async def test_healthz(app_factory, tmp_path):
    app = await app_factory(cogs=[HelpCog], config=await slack_config(tmp_path))
    async with running_slack(app) as slack:
        assert slack.adapter.health_url is not None
        assert slack.emu._client is not None
        async with slack.emu._client.get(slack.adapter.health_url) as resp:
            assert resp.status == 200
            body = await resp.json()
        assert body["ok"] is True and body["platform"] == "slack" and body["mode"] == "http"

"""Reply -> Block Kit: markdown conversion, escaping, mention safety and Slack's limits."""

from __future__ import annotations

import json

import pytest

from bot.adapters.slack.render import (
    blocks_for,
    decode_value,
    fallback_text,
    modal_for,
    mrkdwn,
    safe_url,
    unescape,
)
from bot.core.replies import Button, Card, Field, Form, FormField, Reply
from tests.fakes.slack_emulator import MASS_MENTION, SlackEmulator

check = SlackEmulator().check_blocks


@pytest.mark.parametrize(
    ("ours", "slack"),
    [
        ("**bold** and _italic_", "*bold* and _italic_"),
        (
            "see [the guide](https://example.org/g?a=1&b=2)",
            "see <https://example.org/g?a=1&amp;b=2|the guide>",
        ),
        ("[bad](javascript:alert(1))", "bad"),
        ("[ftp](ftp://x.org/f)", "ftp"),
        (
            "[w](https://en.wikipedia.org/wiki/Foo_(bar))",
            "<https://en.wikipedia.org/wiki/Foo_(bar)|w>",
        ),
        ("`a < b`", "`a &lt; b`"),
        ("- one\n- two", "• one\n• two"),
        ("1 < 2 & 3 > 2", "1 &lt; 2 &amp; 3 &gt; 2"),
        ("**[x](https://a.org)**", "*<https://a.org|x>*"),
        ("<@U123> and <#C123|general>", "<@U123> and <#C123|general>"),
        ("<https://evil.example|trusted>", "&lt;https://evil.example|trusted&gt;"),
        ("[a|b](https://x.org/a|b)", "<https://x.org/a%7Cb|a¦b>"),
    ],
)
def test_markdown_to_mrkdwn(ours, slack):
    assert mrkdwn(ours) == slack


@pytest.mark.parametrize(
    "text",
    [
        "<!channel>",
        "<!here|here>",
        "<!everyone>",
        "<!subteam^S0123|@mods>",
        "@here",
        "@channel",
        "@Everyone",
    ],
)
def test_mass_mentions_never_survive(text):
    out = mrkdwn(f"hi {text} there")
    assert not MASS_MENTION.search(out), out
    assert "<!" not in out


def test_unescape_and_safe_url():
    assert unescape("a &amp;lt; b &lt;x&gt;") == "a &lt; b <x>"
    assert safe_url("https://example.org/x y") == "https://example.org/x%20y"
    assert (
        safe_url("http://") is None and safe_url("mailto:a@b.c") is None and safe_url(None) is None
    )


def test_cards_fields_footer_and_buttons():
    reply = Reply(
        "Intro",
        cards=(
            Card(
                "Title",
                "Body",
                fields=tuple(Field(f"n{i}", f"v{i}") for i in range(23))
                + (Field("Long", "x\ny", inline=False),),
                url="https://example.org",
                footer="Source: someone",
            ),
        ),
        buttons=tuple(
            Button(f"B{i}", "cog:act", str(i), "danger" if i == 0 else "success") for i in range(7)
        )
        + (Button("Docs", "cog:unused", url="https://example.org/docs"),),
    )
    blocks = blocks_for(reply)
    assert check(blocks, "reply") == []
    assert blocks[1]["text"]["text"] == "*<https://example.org|Title>*"
    field_sections = [b for b in blocks if "fields" in b]
    assert [len(b["fields"]) for b in field_sections] == [10, 10, 3]
    assert any(
        b["type"] == "context" and "Source: someone" in b["elements"][0]["text"] for b in blocks
    )
    rows = [b for b in blocks if b["type"] == "actions"]
    assert [len(r["elements"]) for r in rows] == [5, 3]
    elements = [e for r in rows for e in r["elements"]]
    assert elements[0]["style"] == "danger" and elements[1]["style"] == "primary"
    assert elements[-1]["url"] == "https://example.org/docs" and "value" not in elements[-1]
    assert len({e["action_id"] for e in elements}) == len(elements)
    assert decode_value(elements[3]["action_id"], elements[3]["value"]) == ("cog:act", "3")


def test_limits_are_never_exceeded():
    reply = Reply(
        "z" * 9000,
        cards=tuple(
            Card(f"C{i}", "w " * 2000, fields=(Field("f", "v" * 2500),)) for i in range(40)
        ),
        buttons=tuple(Button("L" * 100, "cog:" + "a" * 300, "v") for i in range(30)),
    )
    blocks = blocks_for(reply)
    assert len(blocks) == 50
    assert check(blocks, "reply") == []
    assert blocks[-1]["type"] == "actions"
    modal_blocks = blocks_for(reply, limit=100)
    assert len(modal_blocks) <= 100 and check(modal_blocks, "modal", limit=100) == []
    assert len(fallback_text(reply)) <= 3000


def test_long_button_values_are_kept_aside():
    overflow: dict[str, str] = {}
    blocks = blocks_for(Reply(buttons=(Button("Go", "cog:act", "v" * 5000),)), overflow=overflow)
    element = blocks[0]["elements"][0]
    assert len(element["value"]) <= 2000
    action, key = decode_value(element["action_id"], element["value"])
    assert action == "_slack:overflow"
    assert decode_value("", overflow[key]) == ("cog:act", "v" * 5000)


def test_foreign_button_values_are_tolerated():
    assert decode_value("cog:act#2", "plain") == ("cog:act", "plain")
    assert decode_value("cog:act#2", None) == ("cog:act", "")


def test_modal():
    form = Form(
        "cog:form",
        "A title that is far too long for Slack",
        (
            FormField(
                "goal", "Goal", style="long", max_length=9000, placeholder="p" * 300, default="d"
            ),
            FormField("note", "Note", required=False),
        ),
        submit_label="Save it",
    )
    view = modal_for(form, json.dumps({"f": form.id}))
    assert len(view["title"]["text"]) <= 24 and view["submit"]["text"] == "Save it"
    goal, note = view["blocks"]
    assert goal["element"]["multiline"] and goal["element"]["max_length"] == 3000
    assert len(goal["element"]["placeholder"]["text"]) <= 150
    assert goal["element"]["initial_value"] == "d"
    assert note["optional"] is True and goal["optional"] is False
    assert check(view["blocks"], "view", limit=100) == []


def test_empty_reply_still_has_text():
    assert fallback_text(Reply()) == " "
    assert fallback_text(Reply(buttons=(Button("Yes", "a:b"),))) == "Yes"

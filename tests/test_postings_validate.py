"""Postings validation: links (schemes, credentials, hosts, normalisation), deadlines, lengths."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UserError
from cogs.postings.validate import (
    LIMITS,
    DeadlineError,
    LinkError,
    check_fields,
    check_kind,
    check_length,
    check_link,
    guess_kind,
    host_problem,
    parse_deadline,
    parse_ip_literal,
    split_org_line,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


# -- links: refused -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "ftp://files.example.org/job.pdf",
        "mailto:jobs@example.org",
        "example.org/jobs",
        "//example.org/jobs",
    ],
)
def test_only_http_and_https(url):
    with pytest.raises(LinkError) as err:
        check_link(url)
    assert "isn't http or https" in err.value.message
    assert "starting with https://" in err.value.message


@pytest.mark.parametrize(
    "url",
    ["http://user:pass@host.example.org/", "https://user@example.org/", "https://:pw@example.org/"],
)
def test_no_credentials(url):
    with pytest.raises(LinkError, match="username or password"):
        check_link(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost",
        "http://localhost./",
        "http://LOCALHOST:8080/admin",
        "http://app.localhost/",
        "http://127.0.0.1/",
        "http://127.0.0.1:9000/",
        "http://2130706433/",  # decimal 127.0.0.1
        "http://0x7f000001/",  # hex
        "http://0x7f.0.0.1/",
        "http://0177.0.0.1/",  # octal
        "http://127.1/",  # short form
        "http://2852039166/",  # decimal 169.254.169.254
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",  # mapped 169.254.169.254
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",  # carrier-grade NAT, not global
        "http://0.0.0.0/",
        "http://224.0.0.1/",  # multicast
        "http://240.0.0.1/",  # reserved
        "http://printer.local/",
        "http://metadata.google.internal/",
        "http://router.home.arpa/",
        "http://intranet/",
    ],
)
def test_private_and_local_hosts_refused(url):
    with pytest.raises(LinkError) as err:
        check_link(url)
    assert "I can't post that link" in err.value.message


def test_other_broken_links():
    for url, words in [
        ("", "empty"),
        ("https://exa mple.org/", "spaces"),
        ("https://example.org/\u0000", "invisible"),
        ("https://example.org:99999/", "port"),
        ("https://", "no address"),
        ("https://" + "a" * 600 + ".org", "characters"),
        ("https://-bad-.example.org/", "valid domain"),
        ("http://1.2.3.4.5/", "valid domain"),
    ]:
        with pytest.raises(LinkError) as err:
            check_link(url)
        assert words in err.value.message, url


def test_allow_hosts_lifts_only_the_host_rule():
    assert check_link("http://127.0.0.1:8080/rss.xml", allow_hosts={"127.0.0.1"}).port == 8080
    with pytest.raises(LinkError):
        check_link("http://localhost:8080/rss.xml", allow_hosts={"127.0.0.1"})
    with pytest.raises(LinkError, match="username"):
        check_link("http://u:p@127.0.0.1/", allow_hosts={"127.0.0.1"})
    with pytest.raises(LinkError, match="http or https"):
        check_link("file://127.0.0.1/etc/passwd", allow_hosts={"127.0.0.1"})


# -- links: accepted and normalised ----------------------------------------------


@pytest.mark.parametrize(
    "raw,normal",
    [
        ("https://example.org", "https://example.org"),
        ("https://example.org/", "https://example.org"),
        ("HTTPS://Example.ORG/Jobs/", "https://example.org/Jobs"),
        ("https://example.org:443/a", "https://example.org/a"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("https://example.org:8443/a", "https://example.org:8443/a"),
        ("https://example.org/a#apply", "https://example.org/a"),
        (
            "https://example.org/a?utm_source=x&utm_medium=y&b=2&a=1&fbclid=z&gclid=q&ref=hn",
            "https://example.org/a?a=1&b=2",
        ),
        ("https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2"),
        ("https://example.org/a?x=", "https://example.org/a?x="),
        ("https://bücher.example/a", "https://xn--bcher-kva.example/a"),
        ("https://en.wikipedia.org/wiki/Foo_(bar)", "https://en.wikipedia.org/wiki/Foo_%28bar%29"),
        ("  https://example.org/a  ", "https://example.org/a"),
        ("https://medium.com/@everyone/post", "https://medium.com/%40everyone/post"),
        ("https://example.org/a?q=<!channel>", "https://example.org/a?q=%3C%21channel%3E"),
        ("https://8.8.8.8/jobs", "https://8.8.8.8/jobs"),
        ("http://[2001:4860:4860::8888]:8080/x", "http://[2001:4860:4860::8888]:8080/x"),
    ],
)
def test_normalisation(raw, normal):
    assert check_link(raw).url == normal


def test_the_same_link_in_different_clothes_normalises_once():
    forms = [
        "https://jobs.example.org/role/42",
        "https://JOBS.example.org/role/42/",
        "https://jobs.example.org:443/role/42?utm_campaign=newsletter",
        "https://jobs.example.org/role/42#how-to-apply",
        "https://jobs.example.org/role/42?fbclid=abc&utm_source=twitter",
    ]
    assert len({check_link(f).url for f in forms}) == 1


def test_ip_literal_spellings():
    loop = ipaddress.IPv4Address("127.0.0.1")
    for spelling in [
        "127.0.0.1",
        "2130706433",
        "0x7f000001",
        "0x7F.0.0.1",
        "0177.0.0.01",
        "127.1",
        "127.0.1",
    ]:
        assert parse_ip_literal(spelling) == loop, spelling
    assert parse_ip_literal("::1") == ipaddress.IPv6Address("::1")
    assert parse_ip_literal("[fe80::1%eth0]") == ipaddress.IPv6Address("fe80::1")
    # Not addresses: names, out-of-range parts, too many parts, bad octal, hex without 0x.
    for name in ["example.org", "cafe.be", "256.1.1.1", "1.2.3.4.5", "08.1.1.1", "deadbeef"]:
        assert parse_ip_literal(name) is None, name
    assert host_problem("example.org") is None
    assert host_problem("8.8.8.8") is None


# -- deadlines --------------------------------------------------------------------


def test_date_only_means_end_of_day_in_the_community_zone():
    d = parse_deadline("Dec 5", LONDON, NOW)
    assert d.when == datetime(2026, 12, 5, 23, 59, tzinfo=UTC)  # London is on GMT in December
    assert not d.rolling
    d = parse_deadline("Dec 5", NEW_YORK, NOW)
    assert d.when == datetime(2026, 12, 6, 4, 59, tzinfo=UTC)
    assert parse_deadline("2026-12-05", LONDON, NOW).when == datetime(
        2026, 12, 5, 23, 59, tzinfo=UTC
    )
    assert parse_deadline("5 December 2026", LONDON, NOW).when == datetime(
        2026, 12, 5, 23, 59, tzinfo=UTC
    )


def test_zone_in_the_text_wins():
    assert parse_deadline("2026-12-05 17:00 PT", LONDON, NOW).when == datetime(
        2026, 12, 6, 1, 0, tzinfo=UTC
    )
    # PT in June is PDT (UTC-7): the abbreviation maps to a real zone.
    spring = datetime(2026, 3, 1, tzinfo=UTC)
    assert parse_deadline("2026-06-05 17:00 PT", LONDON, spring).when == datetime(
        2026, 6, 6, 0, 0, tzinfo=UTC
    )
    assert parse_deadline("Dec 5 17:00 ET", LONDON, NOW).when == datetime(
        2026, 12, 5, 22, 0, tzinfo=UTC
    )
    assert parse_deadline("Dec 5 17:00 Europe/Berlin", LONDON, NOW).when == datetime(
        2026, 12, 5, 16, 0, tzinfo=UTC
    )
    assert parse_deadline("2026-12-05T17:00:00+01:00", NEW_YORK, NOW).when == datetime(
        2026, 12, 5, 16, 0, tzinfo=UTC
    )
    assert parse_deadline("Dec 5 5pm UTC+2", LONDON, NOW).when == datetime(
        2026, 12, 5, 15, 0, tzinfo=UTC
    )
    assert parse_deadline("Dec 5 AoE", LONDON, NOW).when == datetime(
        2026, 12, 6, 11, 59, tzinfo=UTC
    )


def test_time_without_zone_is_in_the_community_zone():
    summer_now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    assert parse_deadline("Jun 5 17:00", LONDON, summer_now).when == datetime(
        2026, 6, 5, 16, 0, tzinfo=UTC
    )  # BST
    assert parse_deadline("Dec 5 5pm", NEW_YORK, NOW).when == datetime(
        2026, 12, 5, 22, 0, tzinfo=UTC
    )


def test_rolling_words():
    for word in ["rolling", "Rolling", "none", "ongoing", "open", "n/a"]:
        d = parse_deadline(word, LONDON, NOW)
        assert d.rolling and d.when is None and d.label == "rolling"


def test_past_deadlines_are_refused_with_the_reason():
    for text in ["2025-01-01", "Nov 30", "yesterday", "2026-12-01 08:00", "1 Jan 2026"]:
        with pytest.raises(DeadlineError) as err:
            parse_deadline(text, LONDON, NOW)
        assert "already passed" in err.value.message, text
        assert "rolling" in err.value.message
    with pytest.raises(DeadlineError, match=r"Mon 30 Nov 2026, 23:59 UK time\) has already passed"):
        parse_deadline("Nov 30", LONDON, NOW)


def test_yearless_dates_take_the_nearest_occurrence():
    assert parse_deadline("Jan 10", LONDON, NOW).when == datetime(2027, 1, 10, 23, 59, tzinfo=UTC)
    assert parse_deadline("Dec 1", LONDON, NOW).when == datetime(2026, 12, 1, 23, 59, tzinfo=UTC)
    assert parse_deadline("Friday", LONDON, NOW).when == datetime(2026, 12, 4, 23, 59, tzinfo=UTC)
    assert parse_deadline("tomorrow", LONDON, NOW).when == datetime(2026, 12, 2, 23, 59, tzinfo=UTC)


def test_unreadable_and_unreasonable_deadlines():
    for text, words in [
        ("", "empty"),
        ("whenever they feel like it", "couldn't read"),
        ("x" * 150, "characters"),
        ("2031-01-01", "three years"),
    ]:
        with pytest.raises(DeadlineError) as err:
            parse_deadline(text, LONDON, NOW)
        assert words in err.value.message, text


def test_dst_gap_maps_forward():
    spring = datetime(2027, 3, 1, tzinfo=UTC)
    # 02:30 does not exist in New York on 14 March 2027; it happens at 03:30 EDT.
    assert parse_deadline("2027-03-14 02:30", NEW_YORK, spring).when == datetime(
        2027, 3, 14, 7, 30, tzinfo=UTC
    )


# -- the other fields ---------------------------------------------------------------


def test_split_org_line():
    assert split_org_line("Apollo Research · London or remote") == (
        "Apollo Research",
        "London or remote",
    )
    assert split_org_line("FAR AI | Berkeley") == ("FAR AI", "Berkeley")
    assert split_org_line("Redwood Research - Berkeley, CA") == ("Redwood Research", "Berkeley, CA")
    assert split_org_line("MATS, remote") == ("MATS", "remote")
    assert split_org_line("  Anthropic  ") == ("Anthropic", "")
    assert split_org_line("Anthropic ·") == ("Anthropic ·", "")


def test_lengths_state_the_limit():
    with pytest.raises(UserError) as err:
        check_length("description", "x" * 5000, LIMITS["description"])
    assert "at most 1,000 characters; yours has 5,000" in err.value.message
    assert "Nothing was saved" in err.value.message
    assert check_length("title", "  ok  ", 10) == "ok"
    with pytest.raises(UserError, match="empty"):
        check_length("title", "  ", 10)


def test_check_fields_collects_every_problem():
    values = {
        "title": "t" * 300,
        "org": "Org",
        "link": "javascript:alert(1)",
        "deadline": "2020-01-01",
        "description": "d" * 5000,
    }
    draft, problems = check_fields(values, "job", LONDON, NOW)
    assert draft is None
    text = " ".join(problems)
    assert "title can be at most 200" in text
    assert "description can be at most 1,000 characters; yours has 5,000" in text
    assert "isn't http or https" in text
    assert "already passed" in text


def test_check_fields_builds_a_draft():
    values = {
        "title": "  Research   Engineer ",
        "org": "Apollo Research · London",
        "link": "https://apolloresearch.example/jobs/?utm_source=x",
        "deadline": "Dec 5",
        "description": "",
    }
    draft, problems = check_fields(values, "job", LONDON, NOW)
    assert problems == [] and draft is not None
    assert draft.title == "Research Engineer"
    assert (draft.organisation, draft.location) == ("Apollo Research", "London")
    assert draft.link == "https://apolloresearch.example/jobs"
    assert draft.deadline.when == datetime(2026, 12, 5, 23, 59, tzinfo=UTC)


def test_kinds():
    assert check_kind("Fellowship") == "fellowship"
    assert check_kind(None) == "other"
    with pytest.raises(UserError, match="one of"):
        check_kind("gig")
    assert guess_kind("MATS Winter 2027 cohort") == "program"
    assert guess_kind("Research Scientist, Alignment") == "job"
    assert guess_kind("Open Philanthropy career development grant") == "grant"
    assert guess_kind("Astra Fellowship") == "fellowship"
    assert guess_kind("Something else") == "other"

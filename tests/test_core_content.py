"""Content loading: a bad file stops start-up with file, line and reason."""

from __future__ import annotations

import shutil

import pytest

from bot.app import App
from bot.content.loader import load_library
from bot.errors import ContentError
from tests.conftest import ROOT, make_config

GOOD = """\
sources:
  - id: essay
    author: A. Writer
    title: An essay
    url: https://example.org/essay
    year: 2024
topics:
  - slug: planning
    title: Planning
    description: Making a plan you can follow.
snippets:
  - id: one
    title: A first snippet
    body: Write down what you will try this month and what would change your mind.
    topics: [planning]
    source: essay
"""


def test_good_file_loads(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD)
    lib = load_library(tmp_path)
    assert list(lib.snippets) == ["one"]
    assert lib.sources["essay"].author == "A. Writer"


@pytest.mark.parametrize(
    ("change", "expect"),
    [
        (
            ("    topics: [planning]\n", "    topics: [planning]\n    colour: red\n"),
            r"a\.yaml:16: snippets\.0\.colour",
        ),
        (("    body: Write", "    body: W\n    x: Write"), r"a\.yaml:\d+: snippets\.0"),
        (
            ("    url: https://example.org/essay\n", "    url: ftp//nope\n"),
            r"a\.yaml:5: sources\.0\.url",
        ),
        (("topics: [planning]", "topics: [nowhere]"), "unknown topic 'nowhere'"),
        (("    source: essay", "    source: missing"), "unknown source 'missing'"),
    ],
)
def test_bad_file_names_file_line_and_reason(tmp_path, change, expect):
    (tmp_path / "a.yaml").write_text(GOOD.replace(*change))
    with pytest.raises(ContentError, match=expect):
        load_library(tmp_path)


def test_broken_yaml_and_duplicates(tmp_path):
    (tmp_path / "a.yaml").write_text("snippets: [\n")
    with pytest.raises(ContentError, match=r"a\.yaml:\d+: not valid YAML"):
        load_library(tmp_path)
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD.split("topics:")[0].replace("id: essay", "id: essay"))
    with pytest.raises(ContentError, match="id 'essay' is used twice"):
        load_library(tmp_path)


async def test_app_refuses_to_start_on_bad_content(tmp_path):
    content = tmp_path / "advice"
    shutil.copytree(ROOT / "advice", content)
    (content / "zz-bad.yaml").write_text("snippets:\n  - id: Bad Id\n")
    app = App(make_config(tmp_path), content_dir=content, cogs=[])
    with pytest.raises(ContentError, match="zz-bad.yaml:2"):
        await app.prepare()

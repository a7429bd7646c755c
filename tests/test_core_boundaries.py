"""Architecture rules that keep features portable: cogs never import a platform SDK."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

SDKS = ("discord", "slack_bolt", "slack_sdk")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offenders(folder: Path, banned: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        for name in sorted(imported_modules(path)):
            if name.split(".")[0] in banned:
                found.append(f"{path.relative_to(folder)} imports {name}")
    return found


def test_cogs_import_no_platform_sdk():
    assert list((ROOT / "cogs").rglob("*.py")), "no cogs found"
    assert offenders(ROOT / "cogs", SDKS) == []


def test_core_imports_no_platform_sdk():
    assert offenders(ROOT / "bot" / "core", SDKS) == []


def test_adapters_import_no_cog():
    assert offenders(ROOT / "bot" / "adapters", ("cogs",)) == []


def test_the_checker_would_catch_an_offender(tmp_path):
    (tmp_path / "bad.py").write_text("import discord\nfrom slack_sdk.web import WebClient\n")
    (tmp_path / "ok.py").write_text("import discordant_library\n")
    assert offenders(tmp_path, SDKS) == ["bad.py imports discord", "bad.py imports slack_sdk.web"]

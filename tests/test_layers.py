"""The import arrows of the architecture: bot → scheduler → dialogs → content, never back,
and only `bot` touches Telegram and SQLAlchemy."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
OURS = ("bot", "scheduler", "dialogs", "content")
MAY_IMPORT = {
    "content": set(),
    "dialogs": {"content"},
    "scheduler": {"dialogs", "content"},
    "bot": {"scheduler", "dialogs", "content"},
}
ADAPTER_ONLY = ("telegram", "sqlalchemy", "alembic", "starlette", "uvicorn", "httpx", "psycopg")
NO_IO_IN = ("content", "dialogs", "scheduler")
# Pure leaves that import nothing of ours, so every layer may use them: the reminder policy is
# date arithmetic that the reminders flow shows and the runner applies.
LEAVES = frozenset({"scheduler.policy"})


def imports(path: Path, leaves: frozenset[str] = frozenset()) -> set[str]:
    """The top-level packages `path` imports, not counting imports of `leaves` modules."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names if alias.name not in leaves}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module not in leaves:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", OURS)
def test_imports_follow_the_arrows(package):
    for path in (ROOT / package).rglob("*.py"):
        ours = imports(path, LEAVES) & set(OURS) - {package}
        assert ours <= MAY_IMPORT[package], f"{path.relative_to(ROOT)} imports {ours - MAY_IMPORT[package]}"


@pytest.mark.parametrize("leaf", sorted(LEAVES))
def test_leaves_import_nothing_of_ours(leaf):
    assert not imports(ROOT / (leaf.replace(".", "/") + ".py")) & set(OURS)


@pytest.mark.parametrize("package", NO_IO_IN)
def test_pure_layers_do_not_touch_telegram_or_the_database(package):
    for path in (ROOT / package).rglob("*.py"):
        bad = imports(path) & set(ADAPTER_ONLY)
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_the_checker_sees_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import telegram.ext\nfrom bot.store import Store\nfrom . import sibling\n")
    assert imports(sample) == {"telegram", "bot"}

"""The import arrows of the architecture: bot → scheduler → dialogs → content, never back,
and only `bot` touches Telegram and SQLAlchemy."""

import ast
import subprocess
import sys
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
    sample.write_text("import telegram.ext\nfrom bot.storage.store import Store\nfrom . import sibling\n")
    assert imports(sample) == {"telegram", "bot"}


# The modules that run the bot: each imports the ones below it at the top, none needs an import
# inside a function to dodge a cycle (hoisting one used to break every entry point).
ENTRY = ("bot.telegram.application", "bot.telegram.polling", "bot.telegram.webhook", "bot.lifecycle", "bot.cli")


def _runtime_imports_of(module: str) -> set[str]:
    """The `bot` modules `module` imports, at the top or inside a function, but not under
    `if TYPE_CHECKING:` (those never run)."""
    tree = ast.parse((ROOT / (module.replace(".", "/") + ".py")).read_text())
    skipped = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found |= {
            name for name in names if name.startswith("bot.") and (ROOT / (name.replace(".", "/") + ".py")).exists()
        }
    return found


def test_the_entry_modules_import_each_other_without_a_cycle():
    for start in ENTRY:
        seen, todo = set(), [start]
        while todo:
            for imported in _runtime_imports_of(todo.pop()) & set(ENTRY):
                assert imported != start, f"{start} imports itself back through {sorted(seen)}"
                if imported not in seen:
                    seen.add(imported)
                    todo.append(imported)


@pytest.mark.parametrize("module", ENTRY)
def test_each_entry_module_imports_first_in_a_fresh_interpreter(module):
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_the_cycle_check_sees_an_import_inside_a_function(tmp_path, monkeypatch):
    package = tmp_path / "bot"
    package.mkdir()
    (package / "a.py").write_text("def f():\n    from bot import b\n")
    (package / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot import a\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert _runtime_imports_of("bot.a") == {"bot.b"}
    assert _runtime_imports_of("bot.b") == set()


def test_storage_never_imports_telegram():
    """bot/storage/ is the database's side; Telegram's side (bot/telegram/) may use it, not the
    other way round."""
    for path in (ROOT / "bot" / "storage").rglob("*.py"):
        tree = ast.parse(path.read_text())
        names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        names |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        touched = {name for name in names if name.split(".")[0] == "telegram" or name.startswith("bot.telegram")}
        assert not touched, f"{path.relative_to(ROOT)} imports {touched}"

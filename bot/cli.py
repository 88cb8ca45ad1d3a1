"""The `armswing` command line."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path

from telegram.error import InvalidToken, NetworkError

from bot import __version__
from bot.config import ConfigError, Settings
from bot.logs import configure
from bot.runtime import Runtime, StartupError
from bot.storage.store import Transaction, Who

DIAGRAMS = Path("docs/flows")  # where `armswing content diagram` writes, relative to the working directory
TERMINAL_USER_ID = 1  # the local runner of the terminal chat (Telegram ids start far above)


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="armswing",
        description="Armswing, the upper-body coach for runners. Without a command: the Telegram bot "
        "when TELEGRAM_BOT_TOKEN is set, else the terminal chat.",
    )
    main.add_argument("--version", action="version", version=f"armswing {__version__}")
    commands = main.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="run the Telegram bot (polling, or webhook when TELEGRAM_BOT_MODE=webhook)")
    chat = commands.add_parser("chat", help="talk to the coach in this terminal (one message per line)")
    chat.add_argument("--user-id", type=int, default=TERMINAL_USER_ID, help="the local user's id (default 1)")
    chat.add_argument("--name", default=None, help="the first name the coach greets (default: your login)")
    export = commands.add_parser("export", help="write a user's log as CSV to stdout (what /export sends)")
    export.add_argument("--user-id", type=int, required=True, help="the user's Telegram id")
    content = commands.add_parser("content", help="coaching content")
    content_commands = content.add_subparsers(dest="content_command", metavar="CONTENT_COMMAND", required=True)
    content_commands.add_parser("check", help="validate the exercises, topics, templates and flows")
    diagram = content_commands.add_parser("diagram", help="write a Mermaid state diagram of each flow")
    diagram.add_argument("--out", type=Path, default=DIAGRAMS, help=f"folder to write to (default {DIAGRAMS})")
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    db_commands.add_parser("upgrade", help="apply the migrations (also done at every start)")
    return main


async def _run(settings: Settings) -> None:
    from bot.lifecycle import serve

    problems = settings.problems()
    if problems:
        raise StartupError("; ".join(problems))
    runtime = await Runtime.open(settings)
    try:
        await serve(runtime)
    except InvalidToken:  # PTB's message quotes the token: say it without
        raise StartupError("Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather") from None
    except NetworkError as error:
        where = settings.api_base_url or "api.telegram.org"
        raise StartupError(f"cannot reach the Bot API at {where} ({type(error).__name__})") from None
    finally:
        await runtime.close()


async def _chat(settings: Settings, user_id: int, name: str | None) -> None:
    from bot.terminal import chat

    runtime = await Runtime.open(settings)
    try:
        name = name or getpass.getuser() or ""
        await chat(runtime, Who(user_id, user_id, name[:1].upper() + name[1:]))  # "ann" is Ann, McKenzie stays
    finally:
        await runtime.close()


async def _upgrade(settings: Settings) -> None:
    runtime = await Runtime.open(settings)  # opening migrates
    await runtime.close()
    print("database is up to date")


async def _export(settings: Settings, user_id: int) -> int:
    from bot.export import csv_of
    from bot.storage.logbook import entries
    from bot.storage.models import User
    from dialogs.history import Logged, display_names

    def read(tx: Transaction) -> tuple[User | None, list[Logged]]:
        user = tx.db.get(User, user_id)
        return user, entries(tx, Who(user_id, user_id)) if user is not None else []

    runtime = await Runtime.open(settings)
    try:
        user, logged = await runtime.store.run(read)
    finally:
        await runtime.close()
    if user is None:
        print(f"armswing: there is no user {user_id}", file=sys.stderr)
        return 1
    names = display_names(runtime.conversations.coach)
    sys.stdout.buffer.write(csv_of(logged, names, user.timezone or "UTC", user.units or "kg", "sheet"))
    sys.stdout.flush()
    return 0


def _check_content() -> int:
    from content.knowledge import ContentError
    from dialogs.coach import Coach
    from dialogs.flow import FlowError

    try:
        problems = Coach.load().problems()
    except (ContentError, FlowError) as error:
        problems = str(error).splitlines()
    for problem in problems:
        print(f"content: {problem}", file=sys.stderr)
    if not problems:
        print("content is valid")
    return 1 if problems else 0


def _write_diagrams(folder: Path) -> int:
    from dialogs.diagram import markdown
    from dialogs.flows import FLOWS

    folder.mkdir(parents=True, exist_ok=True)
    for flow in FLOWS.values():
        (folder / f"{flow.name}.md").write_text(markdown(flow), encoding="utf-8")
    print(f"wrote {len(FLOWS)} diagrams to {folder}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # PTB's announced future: durations as timedelta
    if args.command == "content":
        return _write_diagrams(args.out) if args.content_command == "diagram" else _check_content()
    try:
        settings = Settings.from_env()
        configure(settings)
        command = args.command or ("run" if settings.token else "chat")
        if command == "run":
            asyncio.run(_run(settings))
        elif command == "export":
            return asyncio.run(_export(settings, args.user_id))
        elif command == "chat":
            asyncio.run(_chat(settings, getattr(args, "user_id", TERMINAL_USER_ID), getattr(args, "name", None)))
        else:
            asyncio.run(_upgrade(settings))
    except (ConfigError, StartupError) as error:
        print(f"armswing: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

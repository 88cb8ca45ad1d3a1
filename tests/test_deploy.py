"""The deployment files in deploy/ agree with the code: every setting the bot reads is in
.env.example, the Dockerfile, compose.yaml and the systemd unit keep their promises, and the
package ships the data files an installed (non-editable) bot needs. Offline, no Docker."""

from __future__ import annotations

import configparser
import fnmatch
import json
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml
from dotenv import dotenv_values

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
ENV_EXAMPLE = DEPLOY / ".env.example"
COMPOSE_ONLY = {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}  # read by the db container
ASSIGNMENT = re.compile(r"^#?\s?([A-Z][A-Z0-9_]*)=(.*)$")


def config_variables() -> set[str]:
    """The environment variables bot/config.py reads."""
    names = Settings.variables()
    assert {"TELEGRAM_BOT_TOKEN", "DATABASE_URL", "TELEGRAM_BOT_TOKEN_FILE"} <= names
    return names


def example_assignments() -> dict[str, tuple[str, bool]]:
    """NAME -> (value, active) for `NAME=value` lines and commented-out `#NAME=value` lines."""
    found: dict[str, tuple[str, bool]] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if match := ASSIGNMENT.match(line):
            name, value = match.groups()
            assert name not in found, f"{name} appears twice in .env.example"
            found[name] = (value, not line.startswith("#"))
    return found


# ---- .env.example ---------------------------------------------------------------------------


def test_env_example_lists_every_setting_and_nothing_unknown():
    listed = set(example_assignments())
    assert config_variables() - listed == set(), "settings missing from deploy/.env.example"
    assert listed - config_variables() - COMPOSE_ONLY == set(), "unknown variables in deploy/.env.example"


def test_env_example_covers_the_readme_configuration_table():
    readme = (ROOT / "README.md").read_text()
    table = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", readme, flags=re.MULTILINE))
    assert table, "the README's configuration table was not found"
    assert table - set(example_assignments()) == set()


def test_env_example_is_safe_and_consistent(monkeypatch):
    for name in config_variables():  # the example file alone
        monkeypatch.delenv(name, raising=False)
    assignments = example_assignments()
    active = {name: value for name, (value, is_active) in assignments.items() if is_active}
    # Secrets are left empty: nothing real is committed, and the bot refuses to start until they are set.
    assert active["TELEGRAM_BOT_TOKEN"] == "" and active["TELEGRAM_WEBHOOK_SECRET"] == ""
    settings = Settings.from_env(dotenv=ENV_EXAMPLE)
    assert settings.mode == "webhook"
    problems = " ".join(settings.problems())
    assert "TELEGRAM_BOT_TOKEN is not set" in problems and "TELEGRAM_WEBHOOK_SECRET is required" in problems
    # Compose: the bot's database URL matches what the db container is created with.
    url = re.fullmatch(r"postgresql://([^:]+):([^@]+)@db:5432/(\w+)", active["DATABASE_URL"])
    assert url, active["DATABASE_URL"]
    assert url.groups() == (active["POSTGRES_USER"], active["POSTGRES_PASSWORD"], active["POSTGRES_DB"])
    # Comments on their own lines only: Compose, systemd and python-dotenv disagree on inline ones.
    assert all(" #" not in value for value, _ in assignments.values())
    # python-dotenv (what the bot uses for a .env file) reads the same active values.
    parsed = {name: value or "" for name, value in dotenv_values(ENV_EXAMPLE).items()}
    assert parsed == active


# ---- compose.yaml ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_rotates_the_logs_of_every_service(compose):
    for name, service in compose["services"].items():
        logging = service["logging"]
        assert logging["driver"] == "json-file", name
        assert re.fullmatch(r"\d+m", logging["options"]["max-size"]) and int(logging["options"]["max-file"]) >= 2


def test_compose_bot_is_built_from_the_dockerfile_and_runs_in_webhook_mode(compose):
    bot = compose["services"]["bot"]
    context = (DEPLOY / bot["build"]["context"]).resolve()
    assert context == ROOT
    assert (context / bot["build"]["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert bot["env_file"] in (".env", [".env"])
    assert bot["environment"]["TELEGRAM_BOT_MODE"] == "webhook"
    assert bot["environment"]["TELEGRAM_WEBHOOK_LISTEN"] == "0.0.0.0"
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["restart"] == "unless-stopped"
    assert bot["ports"] == [f"127.0.0.1:8080:{bot['environment']['TELEGRAM_WEBHOOK_PORT']}"]
    health = bot["healthcheck"]["test"]
    assert health[0] == "CMD" and "/healthz" in health[-1]
    compile(health[-1], "compose healthcheck", "exec")
    assert int(bot["stop_grace_period"].rstrip("s")) > 10  # the bot stops within 10 s of SIGTERM
    assert set(bot["environment"]) <= config_variables()


def test_compose_db_is_postgres_with_a_volume_and_a_healthcheck(compose):
    db = compose["services"]["db"]
    assert db["image"].startswith("postgres:16")
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert set(db["environment"]) == COMPOSE_ONLY
    assert "ports" not in db  # reachable from the bot only


# ---- Dockerfile -----------------------------------------------------------------------------


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """Instructions per stage, continuation lines joined and comments dropped."""
    lines, pending = [], ""
    for raw in (DEPLOY / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    stages: list[list[tuple[str, str]]] = []
    for line in lines:
        keyword, _, rest = line.partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((keyword.upper(), rest.strip()))
    return stages


def instructions(stage: list[tuple[str, str]], keyword: str) -> list[str]:
    return [rest for word, rest in stage if word == keyword]


def test_dockerfile_is_multi_stage_from_python_slim():
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim$", text, flags=re.MULTILINE)
    builder, final = dockerfile_stages()
    assert instructions(builder, "FROM") == ["${PYTHON_IMAGE} AS builder"]
    assert instructions(final, "FROM") == ["${PYTHON_IMAGE}"]
    assert instructions(final, "COPY") == ["--from=builder /opt/armswing/.venv /opt/armswing/.venv"]


def test_dockerfile_installs_with_the_lock_file_and_copies_only_what_exists():
    builder, _ = dockerfile_stages()
    runs = " ".join(instructions(builder, "RUN"))
    assert re.search(r"pip install [^&]*--require-hashes -r requirements/runtime\.txt", runs)
    assert re.search(r"pip install [^&]*--no-deps \.", runs)
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    for copy in instructions(builder, "COPY"):
        *sources, _target = shlex.split(copy)
        for source in sources:
            assert (ROOT / source).exists(), source
            assert source.rstrip("/") in allowed, f"{source} is not in Dockerfile.dockerignore's allow-list"
    assert "**/.env" in ignore


def test_dockerfile_runs_the_bot_as_non_root_in_webhook_mode_with_a_healthcheck():
    _, final = dockerfile_stages()
    user = instructions(final, "USER")[-1]
    assert user.split(":")[0] not in ("root", "0")
    env = dict(pair.split("=", 1) for rest in instructions(final, "ENV") for pair in shlex.split(rest))
    assert env["TELEGRAM_BOT_MODE"] == "webhook"
    assert env["TELEGRAM_WEBHOOK_LISTEN"] == "0.0.0.0" and env["TELEGRAM_WEBHOOK_PORT"] == "8080"
    assert env["DATABASE_URL"] == "sqlite:////data/armswing.sqlite3"
    settings_env = {name for name in env if not name.startswith(("PYTHON", "PATH"))}
    assert settings_env <= config_variables()
    assert json.loads(instructions(final, "VOLUME")[0]) == ["/data"]
    assert instructions(final, "EXPOSE") == ["8080"]
    assert json.loads(instructions(final, "ENTRYPOINT")[0]) == ["armswing"]
    assert json.loads(instructions(final, "CMD")[0]) == ["run"]
    (healthcheck,) = instructions(final, "HEALTHCHECK")
    command = json.loads(
        healthcheck[healthcheck.index(" CMD ") + 5 :]
    )  # exec form: JSON, or Docker falls back to a shell
    assert command[:2] == ["python", "-c"] and "/healthz" in command[2]
    compile(command[2], "HEALTHCHECK", "exec")


# ---- systemd --------------------------------------------------------------------------------


def test_systemd_unit_runs_the_bot_with_its_environment_file_and_hardening():
    unit = configparser.ConfigParser(strict=False, interpolation=None, comment_prefixes=("#", ";"))
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read_string((DEPLOY / "armswing.service").read_text())
    service = unit["Service"]
    assert service["ExecStart"] == "/opt/armswing/.venv/bin/armswing run"
    assert service["EnvironmentFile"] == "/etc/armswing/armswing.env"
    assert service["WorkingDirectory"] == "/var/lib/armswing"
    assert service["User"] == "armswing"
    assert service["Restart"] == "on-failure"
    assert 10 < int(service["TimeoutStopSec"]) <= 30
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ReadWritePaths": "/var/lib/armswing",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
    }.items():
        assert service[key] == value, key
    assert unit["Install"]["WantedBy"] == "multi-user.target"


# ---- proxies and docs -----------------------------------------------------------------------


def test_caddyfiles_forward_only_the_webhook_path():
    path = "/" + Settings.model_fields["webhook_path"].default
    for name in ("Caddyfile", "Caddyfile.replicas"):
        text = (DEPLOY / name).read_text()
        assert f"handle {path} {{" in text and "respond 404" in text, name
    assert "health_uri /healthz" in (DEPLOY / "Caddyfile.replicas").read_text()


def test_deploy_readme_names_every_file_and_only_real_settings():
    readme = (DEPLOY / "README.md").read_text()
    for file in DEPLOY.iterdir():
        if file.name not in ("README.md", ".env"):
            assert f"`{file.name}`" in readme, f"deploy/README.md does not mention {file.name}"
    assert "../README.md#configuration" in readme
    assert re.search(r"^## Configuration$", (ROOT / "README.md").read_text(), flags=re.MULTILINE)
    mentioned = set(re.findall(r"\b((?:TELEGRAM|ARMSWING)_[A-Z0-9_]+|DATABASE_URL)\b", readme))
    assert mentioned - config_variables() == set(), "deploy/README.md mentions settings the bot does not read"


# ---- packaging ------------------------------------------------------------------------------


def uncovered_data_files(patterns: dict[str, list[str]]) -> list[str]:
    """Files of the packages that are neither Python nor matched by a package-data glob: a
    regular (non-editable) `pip install .` leaves them out."""
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    missing = []
    for top in (pattern.rstrip("*") for pattern in include):
        for file in sorted((ROOT / top).rglob("*")):
            if not file.is_file() or file.suffix in (".py", ".pyc") or "__pycache__" in file.parts:
                continue
            relative = file.relative_to(ROOT)
            covered = False
            for package, globs in patterns.items():
                base = Path(*package.split("."))
                if relative.is_relative_to(base):
                    inside = relative.relative_to(base).as_posix()
                    covered |= any(
                        fnmatch.fnmatchcase(inside, glob) and inside.count("/") == glob.count("/") for glob in globs
                    )
            if not covered:
                missing.append(relative.as_posix())
    return missing


def test_package_data_ships_every_data_file_of_the_packages():
    """The Docker image and the systemd venv are regular installs: reply templates, content and
    migrations must be in the package, not only in the source tree."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"].get("package-data", {})
    assert uncovered_data_files(patterns) == []


def test_the_package_data_check_notices_a_missing_glob():
    assert "content/commands.yaml" in uncovered_data_files({"content": ["replies/*.yaml"]})
    assert any(path.startswith("content/replies/") for path in uncovered_data_files({"content": ["*.yaml"]}))

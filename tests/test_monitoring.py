"""Health and metrics in every mode: `armswing run` in polling mode answers /healthz and /metrics on
its health port, a port in use stops the start with one line, and every metric the alert rules
and the Grafana dashboard of deploy/prometheus/ name is one the bot exposes. promtool (Debian's
`prometheus` package) validates the rules and runs their unit tests when it is installed."""

import json
import re
import shutil
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from support.botapi import FakeBotApi
from support.processes import ARMSWING, BotProcess
from test_e2e import USER

from bot.config import Settings
from bot.monitoring import bind

PROMETHEUS = Path(__file__).resolve().parent.parent / "deploy" / "prometheus"
SAMPLE_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
    "info": ("_info",),
    "summary": ("", "_count", "_sum", "_created"),
}
PROMQL_WORDS = {"and", "or", "unless", "bool", "offset"}


@pytest.fixture
def api():
    with FakeBotApi() as fake:
        yield fake


def get(url):
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status, answer.read().decode()


def exposed_names(text: str) -> set[str]:
    """Every sample name the exposition can carry, also for labelled metrics still without samples."""
    names = set()
    for family in text_string_to_metric_families(text):
        names |= {family.name + suffix for suffix in SAMPLE_SUFFIXES.get(family.type, ("",))}
        names |= {sample.name for sample in family.samples}
    return names


def expressions() -> dict[str, str]:
    """Every PromQL expression of the alert rules and the dashboard, by where it is."""
    found = {}
    for group in yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]:
        found |= {f"alert {rule['alert']}": rule["expr"] for rule in group["rules"]}
    dashboard = json.loads((PROMETHEUS / "grafana-dashboard.json").read_text())
    for panel in dashboard["panels"]:
        found |= {f"panel {panel['title']} {t['refId']}": t["expr"] for t in panel["targets"]}
    return found


def metric_names(expression: str) -> set[str]:
    """The metric names in a PromQL expression: identifiers that are not functions (before `(`),
    keywords, or inside label matchers `{...}`, groupings `by (...)` and ranges `[...]`."""
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", expression)
    bare = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", " ", bare)
    names = set()
    for token in re.finditer(r"(?<![\w.])[A-Za-z_:][A-Za-z0-9_:]*", bare):
        if not bare[token.end() :].lstrip().startswith("(") and token.group() not in PROMQL_WORDS:
            names.add(token.group())
    return names


def test_polling_mode_serves_health_and_metrics_naming_everything_the_rules_and_dashboard_use(api, tmp_path):
    bot = BotProcess(api, tmp_path, "polling", f"sqlite:///{tmp_path / 'm.sqlite3'}").start()
    try:
        status, body = get(f"http://127.0.0.1:{bot.port}/healthz")
        assert (status, json.loads(body)) == (200, {"ok": True, "database": True, "scheduler": True})
        api.fail_next("sendMessage", 429, retry_after=1)  # the rate limiter waits and sends again
        api.send_text(USER, "/start")
        api.wait_for_message(USER, r"^Which units", timeout=30)

        def exposition():  # the counters move just after the reply is sent: poll for them
            text = get(f"http://127.0.0.1:{bot.port}/metrics")[1]
            return text if 'armswing_updates_total{kind="command",outcome="ok"} 1.0' in text else None

        text = api.wait_for(exposition, timeout=15)
    finally:
        assert bot.stop() == 0, bot.log.read_text()
    assert 'armswing_build_info{version="0.1.0"} 1.0' in text
    assert 'armswing_bot_api_errors_total{code="429",method="sendMessage"} 1.0' in text
    assert 'armswing_health{check="database"} 1.0' in text and 'armswing_health{check="scheduler"} 1.0' in text
    for collected in ("process_resident_memory_bytes", "python_info", "python_gc_collections_total"):
        assert collected in text, collected  # prometheus-client's process, platform and GC collectors

    exposed = exposed_names(text) | {"up"}  # `up` is Prometheus's own, one per scrape target
    named = {where: metric_names(expression) for where, expression in expressions().items()}
    assert len(named) >= 20 and all(named.values())
    unknown = {where: names - exposed for where, names in named.items() if names - exposed}
    assert unknown == {}, "deploy/prometheus/ names metrics the bot does not expose"


def test_polling_mode_reports_telegram_s_backlog_too(api, tmp_path):
    """getUpdates fails while three updates wait at Telegram: /metrics shows them waiting, as in
    webhook mode, so the alert on a growing backlog watches a polling bot too."""
    for text in ("/start", "/help", "/menu"):
        api.send_text(USER, text)
    api.fail_next("getUpdates", 500, times=3)  # the bot retries after 1, 2 and 4 s
    bot = BotProcess(api, tmp_path, "polling", f"sqlite:///{tmp_path / 'b.sqlite3'}").start()
    try:

        def pending():
            text = get(f"http://127.0.0.1:{bot.port}/metrics")[1]
            return text if "armswing_telegram_pending_updates 3.0" in text else None

        assert api.wait_for(pending, timeout=15)
        api.wait_for_message(USER, r"^What would you like to do", timeout=30)  # then all three handled
    finally:
        assert bot.stop() == 0, bot.log.read_text()
    assert api.calls("getWebhookInfo")


def test_the_docs_name_only_exposed_metrics():
    from bot.metrics import exposition

    text = exposition().decode()
    histograms = {family.name for family in text_string_to_metric_families(text) if family.type == "histogram"}
    exposed = exposed_names(text) | histograms  # a histogram is named by its family in prose
    root = PROMETHEUS.parent.parent
    for doc in (root / "README.md", root / "deploy" / "README.md"):
        named = set(re.findall(r"\barmswing_[a-z_]+", doc.read_text()))
        assert named - exposed == set(), doc
    assert len(set(re.findall(r"\barmswing_[a-z_]+", (root / "deploy" / "README.md").read_text()))) >= 13


def test_the_name_check_can_fail():
    assert metric_names('sum by (code) (rate(armswing_webhook_requests_total{code!~"4.."}[5m])) > 0') == {
        "armswing_webhook_requests_total"
    }
    assert "armswing_updates" not in exposed_names("# TYPE armswing_updates counter\n")  # exposed with _total


@pytest.mark.parametrize(
    ("mode", "variable"), [("polling", "ARMSWING_HEALTH_PORT"), ("webhook", "TELEGRAM_WEBHOOK_PORT")]
)
def test_a_port_in_use_stops_the_start_with_one_line(api, tmp_path, mode, variable):
    bot = BotProcess(api, tmp_path, mode, f"sqlite:///{tmp_path / 'p.sqlite3'}")
    with socket.create_server(("127.0.0.1", bot.port)):  # someone else listens there
        done = subprocess.run([ARMSWING, "run"], cwd=tmp_path, env=bot.env, capture_output=True, text=True, timeout=90)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert lines[-1] == f"armswing: {variable}: 127.0.0.1:{bot.port} is already in use"
    assert "Traceback" not in done.stderr
    assert api.calls("setWebhook") == api.calls("deleteWebhook") == api.calls("getUpdates") == []


def test_port_zero_turns_the_polling_health_server_off():
    assert bind(Settings(health_port=0)) is None


promtool = pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (apt-get install prometheus)")


@promtool
def test_promtool_accepts_the_scrape_config_and_the_rules():
    done = subprocess.run(
        ["promtool", "check", "config", "prometheus.yml"], cwd=PROMETHEUS, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 8 rules found" in done.stdout + done.stderr


@promtool
def test_the_alerts_fire_on_their_faults_and_stay_quiet_otherwise():
    done = subprocess.run(
        ["promtool", "test", "rules", "alerts.test.yml"], cwd=PROMETHEUS, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr

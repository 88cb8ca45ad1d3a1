"""Two bot processes on one PostgreSQL database behind one webhook URL: a stream of updates
for many users, each user's sent in order but spread over both replicas, some delivered to
both at once (a redelivery racing the original). Every update takes effect once, in order."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text
from support.botapi import FakeBotApi
from support.processes import BotProcess, free_port

from bot.storage.database import create_engine
from dialogs.plan import REST_SECONDS

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
USERS = 24
SCRIPT = ["/start", "lb", "Munich", "/settings", "/cancel", "should runners train upper body?"]


def post(port, secret, update):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/tg-hook",
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status


@pytest.fixture
def postgres_url():
    url = os.environ.get("ARMSWING_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("ARMSWING_TEST_POSTGRES_URL is not set")
    from support.databases import empty_postgres

    return empty_postgres(url)


def test_two_replicas_apply_each_users_updates_once_and_in_order(tmp_path, postgres_url):
    with FakeBotApi() as api:
        replicas = start_replicas(api, tmp_path, postgres_url)  # together: the migration lock lets one migrate
        try:
            counter = iter(range(1, 10_000))
            lock = threading.Lock()

            def user_session(user):
                for step, text in enumerate(SCRIPT):
                    with lock:
                        update_id = next(counter)
                    update = {
                        "update_id": update_id,
                        "message": {
                            "message_id": step + 1,
                            "date": 1795500000 + step,
                            "text": text,
                            "chat": {"id": user, "type": "private", "first_name": "Ann"},
                            "from": {"id": user, "is_bot": False, "first_name": "Ann"},
                            **(
                                {"entities": [{"type": "bot_command", "offset": 0, "length": len(text)}]}
                                if text.startswith("/")
                                else {}
                            ),
                        },
                    }
                    target = replicas[(user + step) % 2]
                    if step % 3 == 1:  # the same update to both replicas at once
                        with ThreadPoolExecutor(2) as both:
                            statuses = list(both.map(lambda r, u=update: post(r.port, r.secret, u), replicas))
                    else:
                        statuses = [post(target.port, target.secret, update)]
                    assert set(statuses) == {200}

            with ThreadPoolExecutor(8) as pool:
                list(pool.map(user_session, range(9000, 9000 + USERS)))
        finally:
            for replica in replicas:
                assert replica.stop() == 0, replica.log.read_text()
    # An update delivered twice at once is applied once; the copy that finds it done answers with
    # the same replies again (it cannot know whether the first copy's replies went out).
    for user in range(9000, 9000 + USERS):
        texts = [m["text"] for m in api.messages(user)]
        assert sum(t.startswith("Hi Ann! I'm Armswing") for t in texts) == 1, texts
        assert sum(t.startswith("Which units") for t in texts) == 1, texts
        assert 1 <= sum(t.startswith("Which timezone") for t in texts) <= 2, texts  # the reply to "lb"
        assert sum("weights in <b>lb</b>" in t or "weights in lb" in t for t in texts) == 1, texts
        settings = [t for t in texts if "Your settings" in t]
        assert len(settings) == 1 and "Units: lb" in settings[0] and "Europe/Berlin" in settings[0], texts
        assert 1 <= sum(t.startswith("Okay, I've left the settings") for t in texts) <= 2, texts  # "/cancel"


RUNNERS = 30
RESTING = range(9200, 9206)


class Runner:
    """One runner talking straight to the replicas' webhooks (not through the fake's queue), so a
    test can hand two updates to two replicas at the same moment."""

    ids = iter(range(1_000_000, 2_000_000))
    ids_lock = threading.Lock()

    def __init__(self, api, user):
        self.api, self.user = api, user
        self.sender = {"id": user, "is_bot": False, "first_name": "Ann"}
        self.chat = {"id": user, "type": "private", "first_name": "Ann"}

    def next_id(self):
        with self.ids_lock:
            return next(self.ids)

    def text(self, text):
        content = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        message = {"message_id": self.next_id(), "date": 1795500000, "chat": self.chat, "from": self.sender}
        return {"update_id": self.next_id(), "message": message | content}

    def tap(self, label):
        """Tap `label` on the newest card, once it is shown (replies go out after the webhook's 200)."""

        def card():
            message = next((m for m in reversed(self.api.messages(self.user)) if m.get("reply_markup")), None)
            rows = message["reply_markup"]["inline_keyboard"] if message else []
            return next(((message, b["callback_data"]) for row in rows for b in row if b["text"] == label), None)

        message, data = self.api.wait_for(card, timeout=30)
        query = {
            "id": str(self.next_id()),
            "from": self.sender,
            "message": message,
            "chat_instance": f"instance-{self.user}",
            "data": data,
        }
        return {"update_id": self.next_id(), "callback_query": query}

    def replies(self):
        """The coach's messages sent or edited in this chat (a tap on a live card edits it)."""
        calls = self.api.calls("sendMessage") + self.api.calls("editMessageText")
        return sum(call["params"].get("chat_id") == self.user and call["error"] is None for call in calls)

    def answered(self, count):
        self.api.wait_for(lambda: self.replies() >= count, timeout=30)
        return self.replies()


def start_replicas(api, tmp_path, postgres_url, **env):
    """Replicas a and b, with `env` on top of their environment, started together."""
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    replicas = [BotProcess(api, tmp_path / name, "webhook", postgres_url) for name in ("a", "b")]
    for replica in replicas:
        replica.secret = replicas[0].secret
        replica.env |= env
    threads = [threading.Thread(target=replica.start) for replica in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replicas


def in_a_workout(api, replica, user, *then):
    """A new runner through onboarding to the first exercise of today's workout, then the steps in
    `then` (("tap", label) or ("text", text)), each sent to `replica` once the last one was answered."""
    runner, seen = Runner(api, user), 0
    steps = [("text", "/start"), ("text", "kg"), ("text", "Munich"), ("text", "/today"), ("text", "4 and 8 kg")]
    for kind, value in [*steps, ("tap", "Start ▶"), *then]:
        update = runner.tap(value) if kind == "tap" else runner.text(value)
        assert post(replica.port, replica.secret, update) == 200
        seen = runner.answered(seen + 1)
    return runner


def test_two_different_updates_of_one_runner_at_two_replicas_at_once_both_take_effect(tmp_path, postgres_url):
    """In a guided workout, "12" goes to one replica and "10" to the other at the same moment
    (Telegram's webhook opens many connections; a load balancer spreads them). Each replica must
    step from what the other committed: both sets are stored, and each reply says what it stored."""
    with FakeBotApi() as api:
        replicas = start_replicas(api, tmp_path, postgres_url)
        a, b = replicas
        try:
            with ThreadPoolExecutor(8) as pool:
                runners = list(pool.map(lambda user: in_a_workout(api, a, user), range(9100, 9100 + RUNNERS)))
            barrier = threading.Barrier(2 * RUNNERS)

            def both_at_once(pair):
                replica, update = pair
                barrier.wait()
                return post(replica.port, replica.secret, update)

            seen = {r.user: r.replies() for r in runners}
            pairs = [(replica, r.text(reps)) for r in runners for replica, reps in ((a, "12"), (b, "10"))]
            with ThreadPoolExecutor(2 * RUNNERS) as pool:
                assert set(pool.map(both_at_once, pairs)) == {200}
            for runner in runners:
                api.wait_for(lambda r=runner: r.replies() >= 2 + seen[r.user], 30)
        finally:
            for replica in replicas:
                assert replica.stop() == 0, replica.log.read_text()
    engine = create_engine(postgres_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT user_id, set_number, reps FROM set_logs ORDER BY user_id, set_number"))
        stored = {}
        for user, number, reps in rows:
            stored.setdefault(user, []).append((number, reps))
    engine.dispose()
    lost = [r.user for r in runners if sorted(reps for _, reps in stored.get(r.user, [])) != [10, 12]]
    false_apologies = [r.user for r in runners if any("went wrong" in m["text"] for m in api.messages(r.user))]
    assert (lost, false_apologies) == ([], [])
    for runner in runners:  # each reply tells the set it stored: set 1 of 2, then set 2 of 2
        assert [number for number, _ in stored[runner.user]] == [1, 2]


def test_a_rest_rings_once_with_two_replicas_even_when_one_is_killed_during_it(tmp_path, postgres_url):
    """Runners reach a rest on replica A, which is then killed (SIGKILL) and started again while
    B runs on: each rest-over alert arrives once, within the rest plus 30 seconds."""
    with FakeBotApi() as api:
        replicas = start_replicas(api, tmp_path, postgres_url)
        a = replicas[0]
        try:
            with ThreadPoolExecutor(4) as pool:
                runners = list(
                    pool.map(lambda user: in_a_workout(api, a, user, ("tap", "Start set 1 ▶"), ("text", "12")), RESTING)
                )
            resting_since = time.monotonic()
            a.stop(signal.SIGKILL)
            a.start()

            def alerts(runner):
                return sum(m["text"].startswith("Rest is over") for m in api.messages(runner.user))

            api.wait_for(lambda: all(alerts(r) for r in runners), timeout=REST_SECONDS + 30)
            assert time.monotonic() - resting_since <= REST_SECONDS + 30
            time.sleep(6)  # a tick of each replica after the alerts: nothing rings twice
            assert [alerts(r) for r in runners] == [1] * len(runners)
        finally:
            for replica in replicas:
                assert replica.stop() == 0, replica.log.read_text()


def test_a_tap_that_reaches_a_replica_after_the_runners_newer_message_does_nothing_and_says_so(tmp_path, postgres_url):
    """The runner taps "Yes, delete everything", then logs a set; the log reaches replica B and
    is applied before the tap (an older update id) reaches replica A. The tap must not delete the
    set the runner was just told is logged: it is answered with a toast and does nothing. The card
    keeps its buttons; tapped again (a new update), it deletes."""
    user = 9300
    with FakeBotApi() as api:
        a, b = replicas = start_replicas(api, tmp_path, postgres_url)
        engine = create_engine(postgres_url)

        def sets():
            with engine.connect() as connection:
                return connection.scalar(text("SELECT count(*) FROM set_logs WHERE user_id = :u"), {"u": user})

        try:
            runner, seen = Runner(api, user), 0
            for kind, step in [("text", "/start"), ("text", "kg"), ("text", "Munich"), ("tap", "Not now")] + [
                ("text", "3x12 shoulder press 8kg"),
                ("text", "/deletedata"),
            ]:
                update = runner.tap(step) if kind == "tap" else runner.text(step)
                assert post(a.port, a.secret, update) == 200
                seen = runner.answered(seen + 1)
            tap = runner.tap("Yes, delete everything")
            log = runner.text("3x12 rows 8kg")  # sent after the tap: a newer update id
            assert post(b.port, b.secret, log) == 200
            seen = runner.answered(seen + 1)
            answered = len(api.callback_answers)
            assert post(a.port, a.secret, tap) == 200
            api.wait_for(lambda: len(api.callback_answers) > answered, 30)
            time.sleep(1)  # anything the tap did would show by now
            assert sets() == 6  # before: 0, the set just logged deleted by the older tap
            assert "after your newer message" in api.callback_answers[-1]["text"]
            assert not any("everything about you is deleted" in m["text"] for m in api.messages(user))

            query = tap["callback_query"] | {"id": str(runner.next_id())}  # the same card, tapped anew
            assert post(a.port, a.secret, {"update_id": runner.next_id(), "callback_query": query}) == 200
            api.wait_for(lambda: any("everything about you is deleted" in m["text"] for m in api.messages(user)), 30)
            assert sets() == 0
        finally:
            engine.dispose()
            for replica in replicas:
                assert replica.stop() == 0, replica.log.read_text()


BALANCER = Path(__file__).resolve().parent.parent / "bench" / "balancer.py"
ORDERED = range(9300, 9308)


def test_with_one_webhook_connection_two_replicas_apply_a_runners_updates_in_update_id_order(tmp_path, postgres_url):
    """TELEGRAM_WEBHOOK_MAX_CONNECTIONS=1: Telegram posts the next update only once the last one
    was answered, and a round-robin balancer spreads them over two replicas. Sets a runner types
    in quick succession (queued at Telegram before the first is delivered) are stored in the order
    typed, although consecutive ones go to different replicas."""
    with FakeBotApi(webhook_connections=8) as api:
        front = free_port()
        replicas = start_replicas(
            api,
            tmp_path,
            postgres_url,
            TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{front}/tg-hook",
            TELEGRAM_WEBHOOK_MAX_CONNECTIONS="1",
        )
        balancer = subprocess.Popen(
            [sys.executable, str(BALANCER), str(front), *(f"http://127.0.0.1:{r.port}" for r in replicas)]
        )
        try:
            assert api.webhook["max_connections"] == 1
            for user in ORDERED:
                for reps in range(10, 18):
                    api.send_text(user, f"3x{reps} shoulder press 5kg")
            api.wait_for(lambda: api.pending_updates() == [], timeout=60)
            for user in ORDERED:
                api.wait_for(lambda u=user: sum("Logged" in m["text"] for m in api.messages(u)) == 8, timeout=30)
        finally:
            for replica in replicas:
                assert replica.stop() == 0, replica.log.read_text()
            balancer.terminate()
            balancer.wait(timeout=10)
    served = [sum(" outcome=" in line for line in r.log.read_text().splitlines()) for r in replicas]
    assert min(served) >= 20, served  # both replicas took their share
    engine = create_engine(postgres_url)
    with engine.connect() as connection:
        for user in ORDERED:
            rows = connection.execute(
                text("SELECT reps FROM set_logs WHERE user_id = :u AND set_number = 1 ORDER BY id"), {"u": user}
            )
            assert [reps for (reps,) in rows] == list(range(10, 18)), user
    engine.dispose()

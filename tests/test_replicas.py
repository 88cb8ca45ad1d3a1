"""Two bot processes on one PostgreSQL database behind one webhook URL: a stream of updates
for many users, each user's sent in order but spread over both replicas, some delivered to
both at once (a redelivery racing the original). Every update takes effect once, in order."""

import json
import os
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from support.botapi import FakeBotApi
from test_e2e import BotProcess

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
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with FakeBotApi() as api:
        replicas = [BotProcess(api, tmp_path / name, "webhook", postgres_url) for name in ("a", "b")]
        for replica in replicas:  # both start together: the migration lock lets one migrate
            replica.secret = replicas[0].secret
        threads = [threading.Thread(target=replica.start) for replica in replicas]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
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
                            statuses = list(both.map(lambda r: post(r.port, r.secret, update), replicas))
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

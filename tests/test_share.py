"""An exercise's explanation has a share button: Telegram's share sheet with the deep link
`https://t.me/<bot>?start=ex_<id>`, which opens the same explanation (and, for a new runner,
the set-up) for whoever taps it. The username comes from getMe; without it, no button."""

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

from support.botapi import BOT_USERNAME
from test_wiring import Chat, wired  # noqa: F401 — `wired` is the fixture

from bot.telegram.application import name_the_bot
from dialogs.engine import step
from dialogs.events import Event
from dialogs.session import Profile, Session


def _links(message):
    return [
        b["url"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row if "url" in b
    ]


def _shared(url):
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "t.me", "/share/url")
    query = parse_qs(parts.query)
    return query["url"][0], query["text"][0]


async def test_the_shared_link_opens_the_explanation_and_the_set_up_for_a_new_runner(wired, runtime):  # noqa: F811
    application, telegram = wired
    name_the_bot(application, runtime)
    ann = Chat(application, telegram, user_id=5101)
    await ann.send("how do I do a lateral raise?")
    (explanation,) = telegram.messages(5101)
    assert explanation["text"].startswith("How to do the lateral raise")
    (link,) = _links(explanation)
    deep_link, text = _shared(link)
    assert deep_link == f"https://t.me/{BOT_USERNAME}?start=ex_lateral_raise"
    assert text.startswith("Lateral raise: how to do it")
    assert any("callback_data" in b for row in explanation["reply_markup"]["inline_keyboard"] for b in row)

    bob = Chat(application, telegram, user_id=5102, first_name="Bob")
    await bob.send("/start " + parse_qs(urlsplit(deep_link).query)["start"][0])  # what Telegram sends on a tap
    texts = bob.texts()
    assert (
        texts[0].startswith("Lateral raise\nWorks:")
        and texts[1].startswith("Hi Bob!")
        and texts[2].startswith("Which units")
    )
    assert _shared(_links(telegram.messages(5102)[0])[0])[0] == deep_link


def test_without_the_bots_username_there_is_no_share_button_and_other_answers_get_none(coach, now):
    def buttons(coach, text):
        outcome = step(Session(profile=Profile(first_name="Ann")), Event.from_text(text, now, "Ann"), coach)
        return [b for reply in outcome.replies for row in reply.buttons for b in row]

    assert not [b for b in buttons(coach, "/start ex_renegade_row") if b.url]  # the terminal chat
    named = replace(coach, start_link="https://t.me/SomeBot?start=")
    (share,) = [b for b in buttons(named, "/start ex_renegade_row") if b.url]
    assert share.label == "Share this exercise" and share.data(7) == share.url
    assert _shared(share.url)[0] == "https://t.me/SomeBot?start=ex_renegade_row"
    assert not [b for b in buttons(named, "should runners train upper body?") if b.url]  # a topic: nothing to share

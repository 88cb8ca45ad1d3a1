"""What Telegram shows before anyone talks to the coach: the command menus (private chats and
groups) and the descriptions of the empty chat and of the bot's profile."""

from test_wiring import wired  # noqa: F401 — `wired` is the fixture

from bot.telegram.application import announce_commands


async def test_groups_do_not_list_a_runners_own_data_and_new_users_read_what_the_coach_does(wired, runtime):  # noqa: F811
    application, telegram = wired
    await announce_commands(application, runtime)
    menus = {
        (call["params"].get("scope") or {"type": "default"})["type"]: [c["command"] for c in call["params"]["commands"]]
        for call in telegram.calls("setMyCommands")
    }
    assert {"export", "deletedata", "privacy", "today"} <= set(menus["default"])
    assert "export" not in menus["all_group_chats"] and "deletedata" not in menus["all_group_chats"]
    assert set(menus["all_group_chats"]) == set(menus["default"]) - {"export", "deletedata"}
    assert not [call for call in telegram.calls() if call["error"]]
    description = (await application.bot.get_my_description()).description
    short = (await application.bot.get_my_short_description()).short_description
    assert description.startswith("Armswing coaches runners") and len(description) <= 512
    assert "&" not in description and "<" not in description  # plain text, not HTML
    assert 0 < len(short) <= 120

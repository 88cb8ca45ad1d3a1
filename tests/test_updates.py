"""An update as Telegram sends it, read for PTB (`bot.telegram.updates`): the messages it quotes
keep what the coach reads of them (who sent them, their id and chat), not their buttons or
entities; the update's own message keeps everything."""

from support.botapi import (
    bot_sender,
    callback_query_payload,
    chat_payload,
    message_payload,
    text_content,
    user_payload,
)

from bot.telegram.updates import update_of

TOKEN = "123456:TEST"
RUNNER = user_payload(7001)
CHAT = chat_payload(7001, RUNNER)
KEYBOARD = {
    "inline_keyboard": [[{"text": "12", "callback_data": "4|reps:12"}, {"text": "Undo", "callback_data": "4|undo"}]]
}
BOLD = [{"type": "bold", "offset": 0, "length": 5}]


def card(message_id=41):
    return message_payload(
        message_id, bot_sender(TOKEN), CHAT, text="Set 1: how many reps?", entities=BOLD, reply_markup=KEYBOARD
    )


def test_a_tap_keeps_the_cards_id_chat_and_data_not_its_buttons():
    update = update_of(
        {"update_id": 1, "callback_query": callback_query_payload("q1", RUNNER, card(), "4|reps:12")}, None
    )
    query = update.callback_query
    assert (query.data, query.message.message_id, query.message.chat.id) == ("4|reps:12", 41, 7001)
    assert query.message.reply_markup is None and query.message.entities == ()
    assert query.from_user.id == 7001


def test_a_reply_keeps_its_own_command_and_whom_it_answers():
    message = message_payload(42, RUNNER, CHAT, **text_content("/undo"), reply_to_message=card())
    update = update_of({"update_id": 2, "message": message}, None)
    assert update.message.text == "/undo" and update.message.entities[0].type == "bot_command"
    original = update.message.reply_to_message
    assert original.message_id == 41 and original.from_user.is_bot
    assert original.reply_markup is None and original.entities == ()


def test_an_update_without_quotes_is_read_whole():
    message = message_payload(43, RUNNER, CHAT, text="12 @ 6kg", entities=BOLD, reply_markup=KEYBOARD)
    update = update_of({"update_id": 3, "message": message}, None)
    assert update.message.entities[0].type == "bold"
    assert update.message.reply_markup.inline_keyboard[0][1].callback_data == "4|undo"

"""A stand-in for Telegram's Bot API, so the bot can be tested against the real protocol offline.

Two layers:

* `FakeTelegram` is Telegram's side of the Bot API kept in memory: the update queue with its
  `offset` confirmation, webhooks, chats and their messages, callback queries, commands and
  uploaded files, plus the checks Telegram makes that catch real bot bugs (HTML that does not
  parse, over-long text, "message is not modified", answering a callback twice). It knows no
  transport: `tests.support.offline.OfflineRequest` calls it in-process.
* `FakeBotApi` serves a `FakeTelegram` over HTTP on 127.0.0.1 the way api.telegram.org does
  (`/bot<TOKEN>/<method>`, JSON, urlencoded or multipart bodies) and POSTs updates to a webhook,
  so the bot can run as a separate process with `TELEGRAM_API_BASE_URL=api.base_url`.

Both record every bot call in a journal and play the scripted user (`send_text`, `press`, ...).
"""

from __future__ import annotations

import copy
import json
import math
import re
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple, Self, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

DEFAULT_TOKEN = "123456:TEST-armswing"
BOT_FIRST_NAME = "Armswing"
BOT_USERNAME = "ArmswingTestBot"

MESSAGE_MAX_LENGTH = 4096
CAPTION_MAX_LENGTH = 1024
LONG_POLL_MAX_SECONDS = 50

_T = TypeVar("_T")


# --------------------------------------------------------------------------------------------
# Errors


_ERROR_DESCRIPTIONS = {
    400: "Bad Request",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class BotApiError(Exception):
    """A Bot API failure, answered as `{"ok": false, ...}` with `error_code` as the HTTP status."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None):
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    @classmethod
    def bad_request(cls, reason: str) -> BotApiError:
        return cls(400, f"Bad Request: {reason}")

    @classmethod
    def injected(cls, error_code: int, description: str | None, retry_after: int | None) -> BotApiError:
        """The error of `fail_next`, with Telegram's own wording when none is given."""
        if error_code == 429:
            retry_after = retry_after or 1
            description = description or f"Too Many Requests: retry after {retry_after}"
        return cls(error_code, description or _ERROR_DESCRIPTIONS.get(error_code, "Error"), retry_after)

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


# --------------------------------------------------------------------------------------------
# Payload builders: the JSON objects Telegram sends. Public so offline.py builds the same ones.


def _now() -> int:
    """Telegram's dates are whole seconds since the epoch (never milliseconds)."""
    return int(time.time())


def bot_sender(token: str) -> dict[str, Any]:
    """The bot as it appears in `message.from`; its id is the token's digits, as on Telegram."""
    return {
        "id": int(token.split(":", 1)[0]),
        "is_bot": True,
        "first_name": BOT_FIRST_NAME,
        "username": BOT_USERNAME,
    }


def user_payload(user_id: int, first_name: str = "Ann", username: str | None = None) -> dict:
    user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
    if username:
        user["username"] = username
    return user


def chat_payload(chat_id: int, user: Mapping[str, Any]) -> dict[str, Any]:
    """The private chat with `user` when `chat_id` is the user's id, else a group."""
    if chat_id != user["id"]:
        return {"id": chat_id, "type": "group", "title": "Armswing test group"}
    chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
    if "username" in user:
        chat["username"] = user["username"]
    return chat


def message_payload(message_id: int, sender: Mapping, chat: Mapping, **content: Any) -> dict:
    """A Message; `content` holds the rest (text and entities, sticker, photo, reply_markup)."""
    return {
        "message_id": message_id,
        "from": dict(sender),
        "chat": dict(chat),
        "date": _now(),
        **content,
    }


def callback_query_payload(
    query_id: str, user: Mapping[str, Any], message: Mapping[str, Any], data: str
) -> dict[str, Any]:
    """A tap on an inline button under `message`; PTB needs the `chat_instance`."""
    return {
        "id": query_id,
        "from": dict(user),
        "message": copy.deepcopy(dict(message)),
        "chat_instance": f"instance-{message['chat']['id']}",
        "data": data,
    }


_BOT_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?")


def text_content(text: str) -> dict[str, Any]:
    """A user's text as Telegram delivers it: a leading /command gets a bot_command entity."""
    content: dict[str, Any] = {"text": text}
    command = _BOT_COMMAND.match(text)
    if command:
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
    return content


def sticker_content(emoji: str = "👍") -> dict[str, Any]:
    return {
        "sticker": {
            "file_id": f"sticker-{ord(emoji[0]):x}",
            "file_unique_id": f"u-sticker-{ord(emoji[0]):x}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
    }


def photo_content(caption: str | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {
        "photo": [
            {"file_id": "photo-small", "file_unique_id": "u-photo-small", "width": 90, "height": 60},
            {"file_id": "photo-large", "file_unique_id": "u-photo-large", "width": 1280, "height": 853},
        ]
    }
    if caption:
        content["caption"] = caption
    return content


# --------------------------------------------------------------------------------------------
# Parameters


@dataclass(frozen=True)
class UploadedFile:
    """A file the bot uploaded (a multipart part): what a test reads back, e.g. a CSV export."""

    filename: str
    content: bytes = field(repr=False)
    content_type: str = "application/octet-stream"


_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "media",
    }
)
_NUMBER_PARAMS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "cache_time",
        "max_connections",
        "message_thread_id",
        "reply_to_message_id",
        "from_chat_id",
    }
)
_BOOL_PARAMS = frozenset(
    {
        "show_alert",
        "drop_pending_updates",
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "disable_content_type_detection",
        "has_spoiler",
        "is_personal",
        "allow_paid_broadcast",
        "show_caption_above_media",
    }
)


def decode_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Give parameters their types, as Telegram does by each method's signature.

    PTB, like most clients, sends every value as a string (objects JSON-encoded) in a form or
    multipart body. Decoding up front lets the handlers and the journal see ints, bools and dicts
    whichever encoding the client chose. Values that are not strings pass through.
    """
    return {name: _decode_value(name, value) for name, value in raw.items()}


def _decode_value(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            raise BotApiError.bad_request(f"can't parse {name} JSON object") from None
    if name in _NUMBER_PARAMS:
        for number in (int, float):
            try:
                return number(value)
            except ValueError:
                pass
    if name in _BOOL_PARAMS:
        return value.lower() in ("true", "1")
    return value


# --------------------------------------------------------------------------------------------
# HTML parse mode


_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>")
_HTML_ATTRIBUTE = re.compile(r"""([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_HTML_CHARACTER = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")
_NAMED_CHARACTERS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _utf16_length(text: str) -> int:
    """Entity offsets and lengths count UTF-16 code units, as Telegram's do."""
    return len(text.encode("utf-16-le")) // 2


class HtmlParser:
    """Turns `parse_mode=HTML` text into plain text and entities, rejecting what Telegram rejects.

    Telegram refuses the whole message when the markup does not parse: an unsupported tag, a tag
    left open or closed out of order, or a bare `<`. That is exactly the failure a bot produces
    when it forgets to escape a user's text, so the fake must refuse it too.
    """

    def __init__(self, markup: str):
        self._markup = markup
        self._text: list[str] = []
        self._length = 0
        self._open: list[tuple[str, int, dict[str, Any]]] = []  # tag, offset, entity
        self._entities: list[dict[str, Any]] = []

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        position = 0
        while (special := self._find_special(position)) >= 0:
            self._append(self._markup[position:special])
            position = self._consume(special)
        self._append(self._markup[position:])
        if self._open:
            raise self._error(f'Can\'t find end tag corresponding to start tag "{self._open[-1][0]}"')
        entities = sorted(self._entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self._text), entities

    def _find_special(self, start: int) -> int:
        found = (self._markup.find(special, start) for special in "<&")
        return min((index for index in found if index >= 0), default=-1)

    def _consume(self, position: int) -> int:
        """Handle the `<` or `&` at `position`; returns where plain text resumes."""
        if self._markup[position] == "&":
            character = _HTML_CHARACTER.match(self._markup, position)
            if not character:  # Telegram keeps a lone `&` as it is
                self._append("&")
                return position + 1
            self._append(self._decode_character(character.group(1)))
            return character.end()
        tag = _HTML_TAG.match(self._markup, position)
        if not tag:
            raise self._error(f"Unexpected end of name token at byte offset {self._byte(position)}")
        closing, name, attributes = tag.groups()
        if closing:
            self._close(name.lower(), position)
        else:
            self._start(name.lower(), attributes, position)
        return tag.end()

    def _start(self, name: str, raw_attributes: str, position: int) -> None:
        attributes = {
            match.group(1).lower(): next((g for g in match.groups()[1:] if g is not None), "")
            for match in _HTML_ATTRIBUTE.finditer(raw_attributes)
        }
        kind = _HTML_ENTITY_TYPES.get(name)
        if kind is None or (name == "span" and attributes.get("class") != "tg-spoiler"):
            raise self._error(f'Unsupported start tag "{name}" at byte offset {self._byte(position)}')
        entity: dict[str, Any] = {"type": kind}
        if name == "a":
            entity["url"] = attributes.get("href", "")
        elif name == "tg-emoji":
            entity["custom_emoji_id"] = attributes.get("emoji-id", "")
        elif name == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        self._open.append((name, self._length, entity))

    def _close(self, name: str, position: int) -> None:
        if not self._open:
            raise self._error(f"Unexpected end tag at byte offset {self._byte(position)}")
        expected, offset, entity = self._open.pop()
        if expected != name:
            raise self._error(
                f'Unmatched end tag at byte offset {self._byte(position)}, expected "</{expected}>", found "</{name}>"'
            )
        if self._length > offset:  # Telegram drops empty entities
            self._entities.append({**entity, "offset": offset, "length": self._length - offset})

    def _append(self, text: str) -> None:
        self._text.append(text)
        self._length += _utf16_length(text)

    @staticmethod
    def _decode_character(reference: str) -> str:
        if reference.startswith("#x"):
            return chr(int(reference[2:], 16))  # noqa: FURB166 (the prefix is '#x', not '0x')
        if reference.startswith("#"):
            return chr(int(reference[1:]))
        return _NAMED_CHARACTERS[reference]

    def _byte(self, position: int) -> int:
        return len(self._markup[:position].encode())

    @staticmethod
    def _error(detail: str) -> BotApiError:
        return BotApiError.bad_request(f"can't parse entities: {detail}")


# --------------------------------------------------------------------------------------------
# Telegram's state: small pieces, each guarded by FakeTelegram's lock


_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class _UpdateQueue:
    """The updates Telegram holds for the bot until it confirms them.

    Confirmed updates are forgotten; unconfirmed ones are handed out again, which is what lets
    a bot that crashed mid-update pick it up after a restart.
    """

    def __init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._last_id = 0
        self._allowed: frozenset[str] | None = None

    def add(self, update: Mapping[str, Any]) -> int:
        self._last_id += 1
        self._updates.append({**copy.deepcopy(dict(update)), "update_id": self._last_id})
        return self._last_id

    def confirm_below(self, offset: int) -> None:
        """getUpdates' `offset`: forget ids below it; a negative one keeps the last -offset."""
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def confirm(self, update_id: int) -> None:
        self._updates = [u for u in self._updates if u["update_id"] != update_id]

    def clear(self) -> None:
        self._updates.clear()

    def allow(self, params: Mapping[str, Any]) -> None:
        """Telegram remembers `allowed_updates` until a call passes it again; [] = default."""
        if "allowed_updates" in params:
            self._allowed = frozenset(params["allowed_updates"] or ()) or None

    def peek(self, limit: int) -> list[dict[str, Any]]:
        """The first `limit` updates, after dropping those of a kind the bot did not allow."""
        self._updates = [u for u in self._updates if self._is_allowed(u)]
        return copy.deepcopy(self._updates[:limit])

    def snapshot(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._updates)

    def __len__(self) -> int:
        return len(self._updates)

    def _is_allowed(self, update: Mapping[str, Any]) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        if self._allowed is None:
            return kind not in _OPT_IN_UPDATES
        return kind in self._allowed


class _ChatHistory:
    """Every chat's messages, the user's and the bot's, with message ids counted per chat."""

    def __init__(self) -> None:
        self._chats: dict[int, dict[str, Any]] = {}
        self._messages: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
        self._last_ids: dict[int, int] = defaultdict(int)

    def chat(self, chat_id: int) -> dict[str, Any]:
        """The chat as seen in the user's messages, else a plain one.

        Telegram would answer "chat not found" for a chat nobody wrote in; the fake answers, so
        in-process tests whose updates never passed through it can still get replies.
        """
        return self._chats.get(chat_id) or {"id": chat_id, "type": "private" if chat_id > 0 else "group"}

    def post(self, chat: Mapping[str, Any], sender: Mapping[str, Any], content: Mapping[str, Any]) -> dict[str, Any]:
        self._chats.setdefault(chat["id"], dict(chat))
        self._last_ids[chat["id"]] += 1
        message = message_payload(self._last_ids[chat["id"]], sender, chat, **content)
        self._messages[chat["id"]][message["message_id"]] = message
        return message

    def find(self, chat_id: int, message_id: Any) -> dict[str, Any] | None:
        return self._messages[chat_id].get(message_id)

    def delete(self, chat_id: int, message_id: Any) -> bool:
        return self._messages[chat_id].pop(message_id, None) is not None

    def sent_by(self, chat_id: int, sender_id: int) -> list[dict[str, Any]]:
        return [copy.deepcopy(m) for m in self._messages[chat_id].values() if m["from"]["id"] == sender_id]


@dataclass
class _Fault:
    method: str
    chat_id: int | None
    error: BotApiError
    remaining: int


class _FaultPlan:
    """Failures a test asked for (`fail_next`), raised by the matching calls."""

    def __init__(self) -> None:
        self._faults: list[_Fault] = []

    def add(self, fault: _Fault) -> None:
        self._faults.append(fault)

    def check(self, method: str, params: Mapping[str, Any]) -> None:
        for fault in self._faults:
            if fault.method == method.lower() and fault.chat_id in (None, params.get("chat_id")):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                raise fault.error


class _FloodControl:
    """Telegram's flood control: about `limit` messages a second per bot, else 429."""

    def __init__(self, limit: int | None):
        self._limit = limit
        self._recent: deque[float] = deque()

    def take_slot(self) -> None:
        if self._limit is None:
            return
        moment = time.monotonic()
        while self._recent and self._recent[0] <= moment - 1:
            self._recent.popleft()
        if len(self._recent) >= self._limit:
            retry_after = max(1, math.ceil(self._recent[0] + 1 - moment))
            raise BotApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        self._recent.append(moment)


class WebhookDelivery(NamedTuple):
    update: dict[str, Any]
    url: str
    secret_token: str | None


def _present(content: Mapping[str, Any]) -> dict[str, Any]:
    """Drop the empty fields: Telegram leaves out what is not set."""
    return {key: value for key, value in content.items() if value not in (None, [], "")}


def _image_size(content: bytes) -> tuple[int, int]:
    """Width and height from a PNG header (the bot's charts); 0 x 0 for other formats."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    return 0, 0


# --------------------------------------------------------------------------------------------
# Telegram's side, in memory


class _TextField(NamedTuple):
    """Where a message keeps a formatted text, and Telegram's limits on it."""

    key: str
    entities_key: str
    max_length: int
    too_long: str


_TEXT = _TextField("text", "entities", MESSAGE_MAX_LENGTH, "message is too long")
_CAPTION = _TextField("caption", "caption_entities", CAPTION_MAX_LENGTH, "message caption is too long")
_RATE_LIMITED = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BUTTON_ACTIONS = frozenset(
    {
        "callback_data",
        "url",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)


class FakeTelegram:
    """Telegram's side of the Bot API in memory, for one bot; see the module docstring.

    Thread-safe: one re-entrant lock guards all state, and one condition on it wakes long polls,
    webhook delivery and `wait_for` whenever anything changes.

    `token=None` adopts the token of the first call (handy in-process, where PTB's `Bot` already
    holds one); afterwards a call with another token gets 401 like on Telegram. `rate_limit`
    answers 429 with `retry_after` past that many messages sent in one second.
    """

    def __init__(self, token: str | None = None, *, rate_limit: int | None = None):
        self.token = token
        self._changed = threading.Condition(threading.RLock())
        self._closed = False
        self._journal: list[dict[str, Any]] = []
        self._faults = _FaultPlan()
        self._flood_control = _FloodControl(rate_limit)
        self._updates = _UpdateQueue()
        self._poll_generation = 0
        self._webhook: dict[str, Any] | None = None
        self._delivering: set[int] = set()  # update ids being posted to the webhook now
        self._history = _ChatHistory()
        self._last_callback_id = 0
        self._answered_callbacks: set[str] = set()
        self._callback_answers: list[dict[str, Any]] = []
        self._commands: dict[str, list[dict[str, Any]]] = {}
        self._files: dict[str, UploadedFile] = {}
        self._descriptions: dict[str, str] = {}
        self._uploads: list[tuple[int, UploadedFile]] = []
        self._methods: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "sendChatAction": self._send_chat_action,
                "sendPhoto": lambda params: self._send_file(params, "photo"),
                "sendDocument": lambda params: self._send_file(params, "document"),
                "getFile": self._get_file,
                "setMyDescription": lambda params: self._set_description(params, "description", 512),
                "setMyShortDescription": lambda params: self._set_description(params, "short_description", 120),
                "getMyDescription": lambda params: {"description": self._descriptions.get("description", "")},
                "getMyShortDescription": lambda params: {
                    "short_description": self._descriptions.get("short_description", "")
                },
                "close": lambda params: True,
                "logOut": lambda params: True,
            }.items()
        }

    # ---- the bot's side ------------------------------------------------------------------

    def handle(self, method: str, params: Mapping[str, Any], token: str | None = None) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call: `(HTTP status, JSON body)`. Journals it, even when it fails.

        `params` are decoded (`decode_params`); an uploaded file is an `UploadedFile` value.
        """
        with self._changed:
            call = {"method": method, "params": dict(params), "time": time.time(), "error": None}
            self._journal.append(call)
            try:
                name, handler = self._resolve(method, token)
                call["method"] = name
                self._faults.check(name, call["params"])
                if name in _RATE_LIMITED:
                    self._flood_control.take_slot()
                answer = 200, {"ok": True, "result": handler(call["params"])}
            except BotApiError as error:
                call["error"] = {"error_code": error.error_code, "description": error.description}
                answer = error.error_code, error.payload()
            self._changed.notify_all()
            return answer

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        *,
        description: str | None = None,
        retry_after: int | None = None,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` (to `chat_id`, if given) fail.

        Descriptions default to Telegram's: 429 "Too Many Requests: retry after N" (with
        `parameters.retry_after`, 1 s unless given), 403 "Forbidden: bot was blocked by the
        user", 500 "Internal Server Error".
        """
        error = BotApiError.injected(error_code, description, retry_after)
        with self._changed:
            self._faults.add(_Fault(method.lower(), chat_id, error, times))

    def shutdown(self) -> None:
        """End every long poll and webhook wait now, so the threads serving them can finish."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def _resolve(self, method: str, token: str | None) -> tuple[str, Callable]:
        if self.token is None:
            self.token = token
        if token is not None and token != self.token:
            raise BotApiError(401, "Unauthorized")
        try:
            return self._methods[method.lower()]  # Telegram's method names ignore case
        except KeyError:
            raise BotApiError(404, "Not Found") from None

    def _bot(self) -> dict[str, Any]:
        return bot_sender(self.token or DEFAULT_TOKEN)

    # ---- methods: identity, updates, webhook ---------------------------------------------

    def _get_me(self, params: dict) -> dict[str, Any]:
        return {
            **self._bot(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_updates(self, params: dict) -> list[dict[str, Any]]:
        """Long polling as Telegram does it.

        `offset` confirms every update below it; the rest come again on the next call. With
        nothing to return, the call waits up to `timeout` seconds for an update. A newer
        getUpdates ends an older waiting one with 409, as when two bot instances poll.
        """
        self._poll_generation += 1
        generation = self._poll_generation
        self._check_polling(generation)
        self._updates.confirm_below(int(params.get("offset") or 0))
        self._updates.allow(params)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = min(max(params.get("timeout") or 0, 0), LONG_POLL_MAX_SECONDS)
        deadline = time.monotonic() + timeout
        while not (updates := self._updates.peek(limit)) and not self._closed:
            self._check_polling(generation)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._changed.wait(remaining)
        return updates

    def _check_polling(self, generation: int) -> None:
        if self._webhook:
            raise BotApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is "
                "active; use deleteWebhook to delete the webhook first",
            )
        if generation != self._poll_generation:
            raise BotApiError(
                409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
            )

    def _set_webhook(self, params: dict) -> bool:
        url = params.get("url") or ""
        if not url:  # an empty url removes the webhook, as on Telegram
            return self._delete_webhook(params)
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise BotApiError.bad_request("secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._updates.allow(params)
        self._webhook = {"url": url, "secret_token": secret, "max_connections": params.get("max_connections") or 40}
        return True

    def _delete_webhook(self, params: dict) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = None
        return True

    def _get_webhook_info(self, params: dict) -> dict[str, Any]:
        info: dict[str, Any] = {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._updates)}
        if self._webhook:
            info.update(
                {key: value for key, value in self._webhook.items() if key != "secret_token" and value is not None}
            )
        return info

    # ---- methods: messages ---------------------------------------------------------------

    def _send_message(self, params: dict) -> dict[str, Any]:
        return self._post(
            self._chat_id(params),
            {
                **self._formatted(params, _TEXT),
                "reply_markup": self._inline_markup(params),
            },
        )

    def _send_file(self, params: dict, kind: str) -> dict[str, Any]:
        """sendPhoto / sendDocument: a multipart upload, or the file_id of an earlier one."""
        chat_id = self._chat_id(params)
        caption = self._formatted(params, _CAPTION)
        upload = params.get(kind)
        if isinstance(upload, str):
            upload = self._files.get(upload)
        if not isinstance(upload, UploadedFile):
            raise BotApiError.bad_request("wrong file identifier/HTTP URL specified")
        file_id = f"{kind}-{len(self._files) + 1}"
        self._files[file_id] = upload
        self._uploads.append((chat_id, upload))
        media = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": len(upload.content)}
        if kind == "photo":
            width, height = _image_size(upload.content)
            content: Any = [{**media, "width": width, "height": height}]
        else:
            content = {**media, "file_name": upload.filename, "mime_type": upload.content_type}
        return self._post(
            chat_id,
            {
                kind: content,
                **caption,
                "reply_markup": self._inline_markup(params),
            },
        )

    def _get_file(self, params: dict) -> dict[str, Any]:
        """A file's `file_path` for the download URL (`<base_file_url><token>/<file_path>`)."""
        file_id = str(params.get("file_id") or "")
        upload = self._files.get(file_id)
        if upload is None:
            raise BotApiError.bad_request("invalid file_id")
        path = f"documents/{file_id}/{upload.filename}"
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(upload.content),
            "file_path": path,
        }

    def download(self, token: str, file_path: str) -> bytes | None:
        """The bytes at a file URL's path (`documents/<file id>/<name>`), or None (a 404)."""
        if token != self.token:
            return None
        with self._changed:
            upload = self._files.get(file_path.split("/")[1] if file_path.count("/") >= 2 else "")
        return None if upload is None else upload.content

    def _edit_message_text(self, params: dict) -> dict[str, Any]:
        return self._edit(
            self._editable_message(params),
            {
                **self._formatted(params, _TEXT),
                "reply_markup": self._inline_markup(params),
            },
        )

    def _edit_message_reply_markup(self, params: dict) -> dict[str, Any]:
        return self._edit(self._editable_message(params), {"reply_markup": self._inline_markup(params)})

    def _delete_message(self, params: dict) -> bool:
        if not self._history.delete(self._chat_id(params), params.get("message_id")):
            raise BotApiError.bad_request("message to delete not found")
        return True

    def _send_chat_action(self, params: dict) -> bool:
        self._chat_id(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise BotApiError.bad_request("wrong parameter action in request")
        return True

    def _answer_callback_query(self, params: dict) -> bool:
        """A callback query can be answered once; Telegram refuses the second answer."""
        query_id = str(params.get("callback_query_id") or "")
        if not query_id or query_id in self._answered_callbacks:
            raise BotApiError.bad_request("query is too old and response timeout expired or query ID is invalid")
        self._answered_callbacks.add(query_id)
        self._callback_answers.append(
            {
                "callback_query_id": query_id,
                "text": params.get("text"),
                "show_alert": bool(params.get("show_alert")),
                "url": params.get("url"),
            }
        )
        return True

    @staticmethod
    def _chat_id(params: Mapping[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise BotApiError.bad_request("chat_id is empty")
        if not isinstance(chat_id, int):
            raise BotApiError.bad_request("chat not found")
        return chat_id

    @staticmethod
    def _formatted(params: Mapping[str, Any], field: _TextField) -> dict[str, Any]:
        """The text or caption as Telegram stores it: markup parsed into entities, checked."""
        raw = str(params.get(field.key) or "")
        if str(params.get("parse_mode") or "").upper() == "HTML":
            text, entities = HtmlParser(raw).parse()
        else:
            text, entities = raw, list(params.get(field.entities_key) or [])
        if field is _TEXT and not text.strip():
            raise BotApiError.bad_request("message text is empty")
        if len(text) > field.max_length:
            raise BotApiError.bad_request(field.too_long)
        return {field.key: text, field.entities_key: entities}

    @staticmethod
    def _inline_markup(params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The inline keyboard a message keeps; Telegram does not echo reply keyboards back."""
        markup = params.get("reply_markup")
        if not isinstance(markup, dict) or "inline_keyboard" not in markup:
            return None
        for button in (button for row in markup["inline_keyboard"] for button in row):
            if not _BUTTON_ACTIONS & button.keys():
                raise BotApiError.bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            data = str(button.get("callback_data", "-")).encode()
            if not 1 <= len(data) <= 64:
                raise BotApiError.bad_request("BUTTON_DATA_INVALID")
        return markup

    def _post(self, chat_id: int, content: Mapping[str, Any]) -> dict[str, Any]:
        message = self._history.post(self._history.chat(chat_id), self._bot(), _present(content))
        return copy.deepcopy(message)

    def _editable_message(self, params: Mapping[str, Any]) -> dict[str, Any]:
        if "inline_message_id" in params:
            raise BotApiError.bad_request("inline messages are not supported by the fake")
        message = self._history.find(self._chat_id(params), params.get("message_id"))
        if message is None:
            raise BotApiError.bad_request("message to edit not found")
        if message["from"]["id"] != self._bot()["id"]:
            raise BotApiError.bad_request("message can't be edited")
        return message

    @staticmethod
    def _edit(message: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
        """Apply `changes`; a None removes the field, as an edit without a keyboard drops it."""
        current = {key: value for key, value in message.items() if key != "edit_date"}
        edited = {key: value for key, value in current.items() if key not in changes}
        edited.update(_present(changes))
        if edited == current:
            raise BotApiError.bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message.clear()
        message.update(edited, edit_date=_now())
        return copy.deepcopy(message)

    # ---- methods: commands ---------------------------------------------------------------

    @staticmethod
    def _commands_key(params: Mapping[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    def _set_my_commands(self, params: dict) -> bool:
        commands = params.get("commands") or []
        if len(commands) > 100:
            raise BotApiError.bad_request("too many commands")
        for command in commands:
            if not _COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise BotApiError.bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise BotApiError.bad_request("command description is empty or too long")
        self._commands[self._commands_key(params)] = commands
        return True

    def _set_description(self, params: dict, field: str, limit: int) -> bool:
        """setMyDescription (512 characters) / setMyShortDescription (120): what a new user sees."""
        text = str(params.get(field) or "")
        if len(text) > limit:
            raise BotApiError.bad_request(f"{field} is too long")
        self._descriptions[field] = text
        return True

    def _get_my_commands(self, params: dict) -> list[dict[str, Any]]:
        return self._commands.get(self._commands_key(params), [])

    def _delete_my_commands(self, params: dict) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    # ---- webhook delivery (driven by FakeBotApi's delivery thread) -----------------------

    def next_webhook_delivery(self) -> WebhookDelivery | None:
        """Wait for the oldest pending update no other delivery thread is posting while a webhook
        is set and fewer than its `max_connections` are being posted; None once shut down."""
        with self._changed:
            while not self._closed:
                if self._webhook and len(self._delivering) < self._webhook["max_connections"]:
                    for update in self._updates.peek(len(self._delivering) + 1):
                        if update["update_id"] not in self._delivering:
                            self._delivering.add(update["update_id"])
                            return WebhookDelivery(update, self._webhook["url"], self._webhook["secret_token"])
                self._changed.wait()
            return None

    def finish_webhook_delivery(self, delivery: WebhookDelivery, error: str | None) -> None:
        """A 2xx answer confirms the update; an error shows in getWebhookInfo and it stays."""
        with self._changed:
            self._delivering.discard(delivery.update["update_id"])
            if error is None:
                self._updates.confirm(delivery.update["update_id"])
            elif self._webhook:
                self._webhook.update(last_error_date=_now(), last_error_message=error)
            self._changed.notify_all()

    # ---- the user's side -----------------------------------------------------------------

    def send_update(self, update: Mapping[str, Any]) -> int:
        """Queue any update (an edited message, my_chat_member, ...); returns its update_id."""
        with self._changed:
            update_id = self._updates.add(update)
            self._changed.notify_all()
            return update_id

    def send_message(
        self,
        user_id: int,
        content: Mapping[str, Any],
        first_name: str = "Ann",
        username: str | None = None,
        chat_id: int | None = None,
    ) -> int:
        """The user sends a message of `content` (e.g. `sticker_content()`); returns update_id."""
        user = user_payload(user_id, first_name, username)
        chat = chat_payload(user_id if chat_id is None else chat_id, user)
        with self._changed:
            return self.send_update({"message": self._history.post(chat, user, content)})

    def send_document(
        self,
        user_id: int,
        filename: str,
        content: bytes,
        mime_type: str = "text/csv",
        caption: str | None = None,
        first_name: str = "Ann",
    ) -> int:
        """The user sends a file; the bot can fetch it with getFile and its URL. Returns update_id."""
        with self._changed:
            file_id = f"user-document-{len(self._files) + 1}"
            self._files[file_id] = UploadedFile(filename, content, mime_type)
        document = {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        return self.send_message(
            user_id, {"document": document} | ({"caption": caption} if caption else {}), first_name
        )

    def send_text(
        self, user_id: int, text: str, first_name: str = "Ann", username: str | None = None, chat_id: int | None = None
    ) -> int:
        """The user types `text` (a leading /command gets its entity); returns the update_id."""
        return self.send_message(user_id, text_content(text), first_name, username, chat_id)

    def press(
        self,
        user_id: int,
        message_id: int,
        data: str,
        first_name: str = "Ann",
        username: str | None = None,
        chat_id: int | None = None,
        *,
        require_button: bool = True,
    ) -> int:
        """The user taps the inline button carrying `data` under a bot message; returns update_id.

        The callback query carries the message as it is now (after edits). With
        `require_button`, the message must still show that button, as on a real phone; pass
        False to replay a tap on a keyboard the bot has since replaced (a stale double tap).
        """
        chat_id = user_id if chat_id is None else chat_id
        with self._changed:
            message = self._history.find(chat_id, message_id)
            if message is None:
                raise LookupError(f"no message {message_id} in chat {chat_id}")
            keyboard = message.get("reply_markup", {}).get("inline_keyboard", [])
            buttons = [button.get("callback_data") for row in keyboard for button in row]
            if require_button and data not in buttons:
                raise LookupError(f"message {message_id} has no button {data!r}; it has {buttons}")
            self._last_callback_id += 1
            return self.send_update(
                {
                    "callback_query": callback_query_payload(
                        str(self._last_callback_id), user_payload(user_id, first_name, username), message, data
                    )
                }
            )

    # ---- what a test reads ---------------------------------------------------------------

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in a chat as they are now: edits applied, deleted ones gone."""
        with self._changed:
            return self._history.sent_by(chat_id, self._bot()["id"])

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """The journal: `{"method", "params", "time", "error"}` per bot call, oldest first.

        `error` is None or `{"error_code", "description"}`; an uploaded file's param is an
        `UploadedFile`.
        """
        with self._changed:
            return [
                copy.deepcopy(call)
                for call in self._journal
                if method is None or call["method"].lower() == method.lower()
            ]

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot (by offset, or by a 2xx webhook answer)."""
        with self._changed:
            return self._updates.snapshot()

    def uploads(self, chat_id: int | None = None) -> list[UploadedFile]:
        """Files the bot uploaded (to `chat_id`, if given), oldest first."""
        with self._changed:
            return [upload for chat, upload in self._uploads if chat_id in (None, chat)]

    @property
    def callback_answers(self) -> list[dict[str, Any]]:
        """answerCallbackQuery calls: `{"callback_query_id", "text", "show_alert", "url"}`."""
        with self._changed:
            return copy.deepcopy(self._callback_answers)

    @property
    def webhook(self) -> dict[str, Any] | None:
        """The webhook as set (`url`, `secret_token`, ...), or None while the bot polls."""
        with self._changed:
            return copy.deepcopy(self._webhook)

    def wait_for(self, predicate: Callable[[], _T], timeout: float = 10.0) -> _T:
        """Block until `predicate()` is truthy and return its value; TimeoutError after `timeout`.

        The predicate is re-checked after every bot call and user action. In an async test that
        runs the bot in the same event loop, call this through `asyncio.to_thread`.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (result := predicate()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    recent = [(call["method"], call["error"]) for call in self._journal[-5:]]
                    raise TimeoutError(f"condition not met within {timeout}s; last bot calls: {recent}")
                self._changed.wait(remaining)
            return result

    def wait_for_message(
        self, chat_id: int, pattern: str | re.Pattern[str], timeout: float = 10.0, *, after: int = 0
    ) -> dict[str, Any]:
        """The first bot message in the chat whose text or caption matches `pattern` (re.search).

        `after` skips messages up to that message_id, to wait for a new one.
        """
        regex = re.compile(pattern)

        def matching() -> dict[str, Any] | None:
            return next(
                (
                    m
                    for m in self.messages(chat_id)
                    if m["message_id"] > after and regex.search(m.get("text") or m.get("caption") or "")
                ),
                None,
            )

        try:
            return self.wait_for(matching, timeout)
        except TimeoutError:
            texts = [m.get("text") or m.get("caption") for m in self.messages(chat_id)]
            raise TimeoutError(
                f"no bot message matching {regex.pattern!r} in chat {chat_id} "
                f"within {timeout}s; the bot's messages: {texts}"
            ) from None


# --------------------------------------------------------------------------------------------
# HTTP transport


_BOT_PATH = re.compile(r"/bot([^/]+)/([A-Za-z]+)")
FILE_PATH = re.compile(r"/file/bot([^/]+)/(.+)")
_MULTIPART_NAME = re.compile(r'\bname="([^"]*)"')
_MULTIPART_FILENAME = re.compile(r'\bfilename="([^"]*)"')


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """The parameters of a JSON, urlencoded or multipart/form-data body, undecoded."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}
    if media_type == "application/json":
        try:
            params = json.loads(body)
        except ValueError:
            raise BotApiError.bad_request("can't parse JSON") from None
        return params if isinstance(params, dict) else {}
    if media_type == "multipart/form-data":
        return _parse_multipart(content_type, body)
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """Form fields as strings and file parts as `UploadedFile` (what PTB sends for uploads)."""
    boundary = re.search(r'boundary="?([^";]+)"?', content_type)
    if not boundary:
        raise BotApiError.bad_request("can't parse multipart boundary")
    params: dict[str, Any] = {}
    for part in body.split(b"--" + boundary.group(1).encode())[1:]:
        if part.startswith(b"--"):  # the closing delimiter
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in head.decode("utf-8", "replace").split("\r\n"))
        }
        disposition = headers.get("content-disposition", "")
        name = _MULTIPART_NAME.search(disposition)
        if not name:
            continue
        content = content.removesuffix(b"\r\n")
        filename = _MULTIPART_FILENAME.search(disposition)
        params[name.group(1)] = (
            UploadedFile(
                filename.group(1),
                content,
                headers.get("content-type", "application/octet-stream"),
            )
            if filename
            else content.decode()
        )
    return params


class _BotApiRequestHandler(BaseHTTPRequestHandler):
    """`/bot<TOKEN>/<method>` by GET or POST; HTTP/1.1 keep-alive, as PTB's httpx expects."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes; don't wait 40 ms
    server: _BotApiHttpServer

    def do_GET(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        route = _BOT_PATH.fullmatch(url.path)
        download = FILE_PATH.fullmatch(unquote(url.path))  # PTB quotes the path (the token's colon)
        if download is not None:
            self._send_file_content(self.server.api.download(download.group(1), download.group(2)))
            return
        if route is None:
            status, payload = 404, BotApiError(404, "Not Found").payload()
        else:
            api = self.server.api
            try:
                params = {
                    **dict(parse_qsl(url.query, keep_blank_values=True)),
                    **parse_body(self.headers.get("Content-Type", ""), body),
                }
                params = decode_params(params)
            except BotApiError as error:
                status, payload = error.error_code, error.payload()
            else:
                time.sleep(api.latency)
                misbehaviour = api.take_misbehaviour(route.group(2), params.get("chat_id"))
                if misbehaviour == "lose_answer":  # done at Telegram, but the answer never arrives
                    api.handle(route.group(2), params, token=route.group(1))
                    self.close_connection = True
                    return
                if misbehaviour is not None:
                    self._misbehave(misbehaviour)
                    return
                status, payload = api.handle(route.group(2), params, token=route.group(1))
        self._reply(status, payload)

    do_POST = do_GET

    def _send_file_content(self, content: bytes | None) -> None:
        if content is None:
            self._reply(404, BotApiError(404, "Not Found").payload())
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def _reply(self, status: int, payload: Mapping[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _misbehave(self, how: str) -> None:
        """What a broken network or server does instead of answering (`FakeBotApi.misbehave_next`)."""
        self.close_connection = True
        if how == "hang":
            self.server.api.wait_until_released()
        elif how == "not_json":
            data = b"<html>502 Bad Gateway</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif how == "garbage":
            self.wfile.write(b"\x00\x01 this is not HTTP\r\n\r\n")
        elif how == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"ok": true, "resu')
        # "drop": nothing at all; the connection closes

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the journal (`calls()`) is the log."""


class _BotApiHttpServer(ThreadingHTTPServer):
    """One thread per connection, so a long poll never holds up sendMessage."""

    daemon_threads = True
    # socketserver's backlog of 5 drops connections when the bot opens dozens at once (a batch of
    # updates), and its requests fail with a read error; Telegram accepts them.
    request_queue_size = 1024

    def __init__(self, api: FakeBotApi, host: str):
        super().__init__((host, 0), _BotApiRequestHandler)
        self.api = api

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (PTB cancels its long poll at shutdown) is not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _WebhookDeliverer(threading.Thread):
    """POSTs updates to the webhook one at a time, in order, retrying each until a 2xx answer.

    That is Telegram's promise: an update the bot failed to take is delivered again later, so
    tests can check that a crash mid-update loses nothing.
    """

    FIRST_BACKOFF = 0.05
    MAX_BACKOFF = 1.0
    TIMEOUT = 5.0

    def __init__(self, telegram: FakeTelegram):
        super().__init__(name="fake-telegram-webhook", daemon=True)
        self._telegram = telegram
        self._stopped = threading.Event()
        # Straight to 127.0.0.1 even when the environment names an HTTP proxy.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def run(self) -> None:
        backoff = self.FIRST_BACKOFF
        while (delivery := self._telegram.next_webhook_delivery()) is not None:
            error = self._post(delivery)
            self._telegram.finish_webhook_delivery(delivery, error)
            if error is None:
                backoff = self.FIRST_BACKOFF
            elif self._stopped.wait(backoff):
                return
            else:
                backoff = min(backoff * 2, self.MAX_BACKOFF)

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=self.TIMEOUT + 1)

    def _post(self, delivery: WebhookDelivery) -> str | None:
        headers = {"Content-Type": "application/json"}
        if delivery.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = delivery.secret_token
        request = urllib.request.Request(delivery.url, json.dumps(delivery.update).encode(), headers, method="POST")
        try:
            with self._opener.open(request, timeout=self.TIMEOUT) as response:
                response.read()
        except urllib.error.HTTPError as error:
            return f"Wrong response from the webhook: {error.code} {error.reason}"
        except (OSError, ValueError) as error:
            return f"Connection failed: {error}"
        return None


class FakeBotApi(FakeTelegram):
    """`FakeTelegram` served over HTTP on 127.0.0.1 (a free port), in background threads.

    Use as a context manager; point the bot at `base_url`::

        with FakeBotApi() as api:
            env = {"TELEGRAM_API_BASE_URL": api.base_url, "TELEGRAM_BOT_TOKEN": api.token}

    `latency` (seconds) delays every bot call, like Telegram's round trip. Up to
    `webhook_connections` updates are posted to a webhook at once, and no more than the
    `max_connections` it was set with (Telegram's default 40; with 1, the next update is posted
    only after the last one was answered, so they arrive in update_id order).
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        latency: float = 0.0,
        rate_limit: int | None = None,
        host: str = "127.0.0.1",
        webhook_connections: int = 1,
    ):
        super().__init__(token, rate_limit=rate_limit)
        self.latency = latency
        self.webhook_connections = webhook_connections
        self._host = host
        self._misbehaviours: list[list[Any]] = []  # [method, chat id or None, how, times left]
        self._stopped = threading.Event()
        self._released = threading.Event()
        self._server: _BotApiHttpServer | None = None
        self._threads: tuple[threading.Thread, list[_WebhookDeliverer]] | None = None

    @property
    def base_url(self) -> str:
        """What PTB's `base_url` wants: it appends `<TOKEN>/<method>`."""
        if self._server is None:
            raise RuntimeError("FakeBotApi is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/bot"

    @property
    def base_file_url(self) -> str:
        """What PTB's `base_file_url` wants: it appends `<TOKEN>/<file_path>`."""
        return self.base_url.replace("/bot", "/file/bot")

    MISBEHAVIOURS = ("hang", "drop", "garbage", "not_json", "truncated", "lose_answer")

    def misbehave_next(self, method: str, how: str, *, chat_id: int | None = None, times: int = 1) -> None:
        """Make the next `times` calls of `method` (to `chat_id`, if given) fail in transport
        instead of answering: `hang` (never answers until `release_hangs` or the server stops),
        `drop` (closes the connection without a word), `garbage` (bytes that are not HTTP),
        `not_json` (200 with an HTML body, like a broken proxy), `truncated` (the connection
        closes half-way through the body), all without doing the call (it is not journaled), or
        `lose_answer` (the call is done and journaled, then the connection closes before the
        answer: the bot cannot know that it worked)."""
        if how not in self.MISBEHAVIOURS:
            raise ValueError(f"unknown misbehaviour {how!r}")
        with self._changed:
            self._misbehaviours.append([method.lower(), chat_id, how, times])

    def take_misbehaviour(self, method: str, chat_id: Any = None) -> str | None:
        with self._changed:
            for planned in self._misbehaviours:
                if planned[0] == method.lower() and planned[1] in (None, chat_id):
                    planned[3] -= 1
                    if planned[3] <= 0:
                        self._misbehaviours.remove(planned)
                    self._changed.notify_all()  # a call that misbehaves is a call: `wait_for` looks again
                    return planned[2]
        return None

    def misbehaviours_left(self) -> int:
        """How many planned misbehaviours have not begun yet (a hang begun is not counted)."""
        with self._changed:
            return sum(planned[3] for planned in self._misbehaviours)

    def clear_misbehaviours(self) -> None:
        """Forget the misbehaviours planned and not used yet (hangs in progress go on)."""
        with self._changed:
            self._misbehaviours.clear()

    def release_hangs(self) -> None:
        """End the hangs in progress: their connections close without an answer."""
        with self._changed:
            released, self._released = self._released, threading.Event()
        released.set()

    def wait_until_released(self) -> None:
        with self._changed:
            released = self._released
        while not (released.wait(0.05) or self._stopped.is_set()):
            pass

    def start(self) -> Self:
        self._server = _BotApiHttpServer(self, self._host)
        serving = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-telegram-http", daemon=True
        )
        self._threads = serving, [_WebhookDeliverer(self) for _ in range(self.webhook_connections)]
        serving.start()
        for deliverer in self._threads[1]:
            deliverer.start()
        return self

    def stop(self) -> None:
        """Stop answering: long polls and hung calls end at once, then the server and the webhook thread."""
        self.shutdown()
        self._stopped.set()
        if self._server is None or self._threads is None:
            return
        serving, deliverers = self._threads
        self._server.shutdown()
        self._server.server_close()
        serving.join()
        for deliverer in deliverers:
            deliverer.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


__all__ = [
    "DEFAULT_TOKEN",
    "FILE_PATH",
    "BotApiError",
    "FakeBotApi",
    "FakeTelegram",
    "HtmlParser",
    "UploadedFile",
    "WebhookDelivery",
    "bot_sender",
    "callback_query_payload",
    "chat_payload",
    "decode_params",
    "message_payload",
    "parse_body",
    "photo_content",
    "sticker_content",
    "text_content",
    "user_payload",
]

"""Answering a question: the matcher picks what the question is about, this turns it into a
reply, with related entries as buttons and, inside a flow, a way back to the same step."""

from __future__ import annotations

from urllib.parse import urlencode

from dialogs.matcher import Match
from dialogs.outcome import Button, Reply
from dialogs.payload import EXERCISE, SEPARATOR, TOPIC, exercise_ref, payload, read_ref
from dialogs.turn import Turn

ASPECTS = ("overview", "howto", "muscles", "why", "mistakes", "equipment")
# What "not covered" offers when nothing it knows comes close.
FALLBACK_REFS = ("topic:which_exercises", "topic:what_can_you_do")
SHARE_URL = "https://t.me/share/url"  # Telegram's share sheet: pick a chat, the link and text are sent there


def answer(turn: Turn, text: str) -> None:
    match = turn.coach.matcher.match(text, current_exercise=turn.data.get("exercise"))
    if match.kind == "unknown" and turn.state.fallback:
        turn.say(turn.state.fallback, text=text)
        turn.show_card()
        return
    if match.kind == "unknown":
        _reply(turn, _not_covered(turn, turn.coach.matcher.closest(text)))
        return
    _reply(turn, _match_reply(turn, match))


def open_ref(turn: Turn, ref: str) -> None:
    """Open `topic:<id>` or `ex:<id>[/<aspect>]` from a button or a deep link."""
    kind, ident, aspect = read_ref(ref)
    knowledge = turn.coach.catalog.knowledge
    if kind == TOPIC and ident in knowledge.topics:
        match = Match("topic", ident)
    elif kind == EXERCISE and ident in knowledge.exercises:
        match = Match("exercise", ident, aspect if aspect in ASPECTS else "overview")
    else:
        match = Match("unknown")
    _reply(turn, _match_reply(turn, match))


def _match_reply(turn: Turn, match: Match) -> Reply:
    knowledge = turn.coach.catalog.knowledge
    if match.kind == "topic":
        assert match.id is not None
        topic = knowledge.topics[match.id]
        related = tuple(ref_button(turn, ref) for ref in topic.related)
        return Reply("answer/topic", {"topic_id": topic.id}, tuple((b,) for b in related))
    if match.kind == "exercise":
        assert match.id is not None
        exercise = knowledge.exercises[match.id]
        others = [a for a in ("howto", "muscles", "why", "mistakes") if a != match.aspect]
        row = tuple(turn.button(f"aspect/{a}", exercise_ref(exercise.id, a)) for a in others)
        share = _share_row(turn, exercise.id, exercise.name)
        return Reply(
            "answer/exercise", {"exercise_id": exercise.id, "aspect": match.aspect}, (row[:2], row[2:], *share)
        )
    if match.kind == "suggest":
        buttons = tuple((ref_button(turn, ref),) for ref in match.options)
        return Reply("answer/did_you_mean", {"options": [b.label for (b,) in buttons]}, buttons)
    if match.kind == "smalltalk":
        context = {"kind": match.id, "first_name": turn.profile.first_name, "in_flow": not turn.at_home}
        return Reply("answer/smalltalk", context)
    if match.kind == "safety":
        in_workout = any(t.source == turn.state_name and t.trigger == "button:skip" for t in turn.flow.transitions)
        skip = ((turn.button("skip_exercise", "skip"),),) if in_workout else ()
        return Reply("answer/safety", {"in_workout": in_workout}, skip)
    return _not_covered(turn, ())


def _share_row(turn: Turn, exercise_id: str, name: str) -> tuple[tuple[Button, ...], ...]:
    """A button that shares the exercise through Telegram's share sheet as the deep link
    `<start link>ex_<id>`, which opens this explanation for whoever taps it (`/start ex_<id>`)."""
    link = turn.coach.start_link
    if not link:
        return ()
    catalog = turn.coach.catalog
    query = urlencode({"url": f"{link}ex_{exercise_id}", "text": catalog.label("share_text", name=name)})
    return ((Button(catalog.label("share"), "", url=f"{SHARE_URL}?{query}"),),)


def _not_covered(turn: Turn, closest: tuple[str, ...]) -> Reply:
    """A line or two saying so, and buttons for the closest things it does know."""
    return Reply("answer/unknown", {}, tuple((ref_button(turn, ref),) for ref in closest or FALLBACK_REFS))


def ref_button(turn: Turn, ref: str) -> Button:
    """A button that opens `ex:<id>`, `topic:<id>` or a bare topic id."""
    kinds = (EXERCISE + SEPARATOR, TOPIC + SEPARATOR)
    return Button(turn.coach.catalog.knowledge.title(ref), ref if ref.startswith(kinds) else payload(TOPIC, ref))


def _reply(turn: Turn, reply: Reply) -> None:
    """Send the answer; inside a flow, add a button back to the exact step the runner was at."""
    if not turn.at_home:
        back = (turn.button("back_to", "resume", step=turn.step_name()),)
        reply = Reply(reply.template, reply.context, (*reply.buttons, back))
    turn.replies.append(reply)

"""The rep-log parser: what a runner types after a set → the sets to store, or why not.

`parse_log(text, exercises=..., default_unit=..., current_exercise=...)` is pure and
deterministic (stdlib + rapidfuzz), never raises on any `str`, and looks at no more than
`MAX_CHARS` characters (longer text is `NotALog`). It returns one of

- `Parsed(entry)`      — one exercise and its sets;
- `Ambiguous(options)` — two or more readings; the engine asks which one;
- `Invalid(reason, detail)` — clearly a log, but nothing may be stored (reasons below);
- `NotALog()`          — chat or a question: the engine hands it to the question matcher.

`describe(entry, names)` writes the confirmation card's line, and `parse_log` reads that line
back to the same entry ("Shoulder press — 3 × 12 @ 8 kg").

Grammar
-------
Case is ignored; HTML tags, emoji, brackets and other symbols are skipped. A message is split into
words, numbers and a few symbols:

- number:   `12`, `7.5`, `7,5` (a decimal comma only right before a unit or right after
            `@`/at/with: `7,5 kg`, `@ 7,5`; elsewhere a comma separates: `12,12,10`),
            `-3` (a minus straight before a digit, also after a times sign: `3x-12`, so
            that it can be refused), and the words
            one … twenty;
- unit:     kg kgs kilo kilos kilogram kilograms → kg;  lb lbs pound pounds → lb;
            it belongs to the number right before it (`8kg`, `8 kg`);
- times:    `x` `X` `×` `*`, and the words "of", "for", "times" (`3 sets of 12`, `3 times 12`;
            "times" with no number after it counts the sets: `12 reps 3 times`);
- weight:   a number with a unit, or a number after `@`, "at", "with" or "w/" (`@ 8` is in
            `default_unit`);
- sets, reps: a number followed by set/sets/round/rounds or rep/reps/repetition(s);
- separator: `, ; : / + - – —`, "and", "then", "plus", a sentence end.

Numbers joined by "times" form a group:

    a × b          a sets of b reps — always sets first: `12x3` is 12 sets of 3 (the card shows it)
    12 reps x 3    the words win over the order: 3 sets of 12
    8kg x 12       a weight and a number: one set of 12 at 8 kg (`12 x 8kg` too)
    3 x 12 x 8kg   weight last (or in the middle): 3 sets of 12 at 8 kg
    8kg x 12 x 3   weight first: ambiguous, see below (`8kg x 3 sets x 12` is not)
    3 sets 12 reps a number of sets takes the number right after it as its reps

A lone number is one set of that many reps (`12, 12, 10`, `15 15 12`, `12-12-10`).
A weight that follows sets belongs to all the sets since the previous weight
(`12, 12, 10 with 8kg`, `12 reps 10kg, 10 reps 12kg`); a weight before any of them belongs to
the next group (`8kg 3x12`, `10kg 12 reps, 12kg 10 reps`); sets after the last weight keep it
(`12 @ 8kg, 10`). So an entry's sets either all carry a weight or none does.

Examples (exercise names and aliases come from the content):

    3x12 shoulder press 8kg                      Shoulder press — 3 × 12 @ 8 kg
    shoulder press 3x12 @ 8 kg / ohp 3x12@8      (the same; `@ 8` is in the default unit)
    8kg 3x12 ohp / ohp 3 x 12 x 8kg              (the same)
    shoulder press 12, 12, 10 with 8kg           Shoulder press — 2 × 12 @ 8 kg, 10 @ 8 kg
    rows 3 sets of 15 with 10 lb                 Bent-over row — 3 × 15 @ 10 lb
    did 2 sets of 10 lateral raises with 3kg dumbbells
    chest press: 12 reps 10kg, 10 reps 12kg      Chest press — 12 @ 10 kg, 10 @ 12 kg
    renegade rows 3x8 (6kg)                      Renegade row — 3 × 8 @ 6 kg
    curl to press 15 15 12 @ 5kg                 Curl to press — 2 × 15 @ 5 kg, 12 @ 5 kg
    12 reps chest press 15 pounds                Chest press — 12 @ 15 lb
    lateral raises 15                            Lateral raise — 1 × 15
    sholder pres 3x12 7,5 kg                     Shoulder press — 3 × 12 @ 7.5 kg

The exercise is found by reading every run of up to a few words as a name, by the rule the question
matcher uses too (`dialogs.exercise_names`: typos pass, "sholder pres", "renagade rows").
Spans that match claim their words longest first, then closest, so "renegade rows" is not
read as "rows" and "curl to shoulder press" not as "shoulder press"; a span never starts or ends
with a word of the grammar above ("lateral raises with 3kg" keeps its "with"). Two different
exercises in one message are refused. With no exercise named, the `current_exercise` of a
guided session is used: `12`, `did 10`, `12 @ 8`, `12@8kg`, `3x12`; but words that name
nothing still make a log shape `unknown_exercise` ("3x10 pushups"), in a session too.

Ambiguous on purpose
--------------------
- Three numbers with no unit (`4x10x12`): sets × reps × weight, or weight × reps × sets
  (one notation for the whole message).
- A weight first and two plain numbers (`8kg x 12 x 3`): lifting's weight × reps × sets
  (3 × 12), or sets × reps as everywhere else here (12 × 3). Lifting's reading comes first.
- A lone number beside one other group with no weight anywhere and no separator between them
  (`3x12 8`, `8 3x12`, `12 reps 8`, `15 4`): a weight (in `default_unit`) or one more set.
  With a separator it is one more set (`3x12, 8`); three or more lone numbers are reps.
Readings that fail validation are dropped (`3x12x30` can only be 3 × 12 @ 30), identical
readings merge (`5x5x5`).

Not a log
---------
A sentence is a question, and is ignored, when it ends with `?`, starts with an asking word
(should, can, is, do, which, …), has one right before its subject ("… is that enough", "… can I
go heavier") or contains how/what/why/mean/explain; a comma before an asking word starts a new
sentence ("3x12 rows 8kg, can I go heavier" logs the rows). What is left
is a log only if it has a number and either a log shape (a group, a weight, sets or reps words)
or nothing but an exercise name, numbers and filler words ("did", "today", "each side", …).
So "should I do 3x12?", "what does 3x12 mean", "I ran 10 km" and a bare `12` outside a session
are `NotALog`; "did 3x12 ohp 8kg. Should I go heavier?" is the log. When a message asks something
and the rest is not a clean log (it would be `Invalid`), the whole message is `NotALog`:
"how heavy for lateral raises? 3x12 maybe" goes to the question matcher.

Comments: a clause (words between separators) with a word of chat ("was", "have", "only",
"hard", "felt", …) is a comment, never an exercise's name. A comment beside the sets is ignored:
"12 reps, that was hard" in a session is the set, "lateral raises 15 felt easy" is a log. With no
exercise named, numbers inside a comment are said in passing and the message is `NotALog`: "i
only have 5 lb dumbbells", "I have 2 dumbbells of 5kg" go to the question matcher, not
`unknown_exercise`.

Invalid reasons (stable keys; `detail` holds plain values)
----------------------------------------------------------
    missing_exercise   a log shape, no exercise named and no current exercise ("3x12")
    unknown_exercise   a log shape and words that name no exercise   {"words": "deadlifts"}
    several_exercises  two exercises in one message   {"exercises": ["shoulder_press", ...]}
    missing_reps       a weight or a number of sets and no reps ("ohp 8kg", "ohp 3 sets")
    not_whole          sets or reps with a fraction   {"value": "2.5"}
    unreadable         numbers in a shape no rule reads ("3x12x8x2", two weights in a row,
                       "3 sets x 4 sets")
    sets_zero          0 (or fewer) sets              {"sets": 0}
    too_many_sets      more than MAX_SETS in total    {"sets": 25, "max": 20}
    reps_zero          0 (or fewer) reps in a set     {"reps": 0}
    too_many_reps      more than MAX_REPS in a set    {"reps": 150, "max": 100}
    weight_not_positive  0 or less as stored (to 0.01: 0.001 is 0)
                                                      {"weight": "0", "unit": "kg"}
    weight_too_high    above MAX_WEIGHT_KG after conversion
                                                      {"weight": "250", "unit": "kg", "max_kg": 200}
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import groupby, pairwise, product
from typing import Any, Literal

from dialogs.exercise_names import index_of, normalised
from dialogs.units import Unit, plain, stored_weight, to_kg

MAX_REPS = 100
MAX_SETS = 20
MAX_WEIGHT_KG = 200
MAX_CHARS = 500  # a 20-set card line is about 360 characters


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetLog:
    reps: int
    weight: Decimal | None  # as the user typed it, in `unit`
    unit: Unit | None  # None when no weight

    @property
    def weight_kg(self) -> Decimal | None:
        return None if self.weight is None or self.unit is None else to_kg(self.weight, self.unit)


@dataclass(frozen=True)
class LogEntry:
    exercise_id: str
    sets: tuple[SetLog, ...]


@dataclass(frozen=True)
class Parsed:
    entry: LogEntry


@dataclass(frozen=True)
class Ambiguous:
    options: tuple[LogEntry, ...]


@dataclass(frozen=True)
class Invalid:
    reason: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NotALog:
    pass


LogResult = Parsed | Ambiguous | Invalid | NotALog


# --- vocabulary ----------------------------------------------------------------------------

_UNITS: dict[str, Unit] = {
    **dict.fromkeys(("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"), "kg"),
    **dict.fromkeys(("lb", "lbs", "pound", "pounds"), "lb"),
}
NUMBER_WORDS = {
    word: n
    for n, word in enumerate(
        [
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ],
        start=1,
    )
}
_KEYWORDS = {
    **dict.fromkeys(("x", "of", "for"), "link"),
    "times": "times",
    **dict.fromkeys(("set", "sets", "round", "rounds"), "sets"),
    **dict.fromkeys(("rep", "reps", "repetition", "repetitions"), "reps"),
    **dict.fromkeys(("at", "with"), "at"),
    **dict.fromkeys(("and", "then", "plus"), "sep"),
}
# Words that may sit beside a log without making it something else.
_FILLERS = frozenset(
    [
        "i",
        "i'm",
        "im",
        "i've",
        "ive",
        "just",
        "did",
        "done",
        "do",
        "finished",
        "completed",
        "managed",
        "got",
        "logged",
        "log",
        "a",
        "an",
        "the",
        "my",
        "this",
        "that",
        "today",
        "tonight",
        "morning",
        "evening",
        "yesterday",
        "each",
        "per",
        "side",
        "sides",
        "arm",
        "arms",
        "hand",
        "hands",
        "total",
        "in",
        "dumbbell",
        "dumbbells",
        "db",
        "dbs",
        "ok",
        "okay",
        "so",
        "yes",
        "yep",
        "hey",
        "hi",
    ]
)
# Words of a comment about a set ("that was hard", "i only have 5 lb dumbbells"), not of an
# exercise's name: a clause with one of them is chat, and its words never make `unknown_exercise`.
_CHAT_WORDS = frozenset(
    [
        "have",
        "has",
        "had",
        "having",
        "only",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "it",
        "its",
        "it's",
        "they",
        "them",
        "their",
        "there",
        "you",
        "your",
        "we",
        "our",
        "us",
        "me",
        "he",
        "she",
        "but",
        "because",
        "though",
        "although",
        "very",
        "really",
        "quite",
        "too",
        "pretty",
        "bit",
        "little",
        "lot",
        "not",
        "no",
        "don't",
        "didn't",
        "doesn't",
        "can't",
        "cannot",
        "couldn't",
        "wasn't",
        "isn't",
        "won't",
        "felt",
        "feel",
        "feels",
        "feeling",
        "hard",
        "harder",
        "easy",
        "easier",
        "heavy",
        "heavier",
        "light",
        "lighter",
        "tough",
        "tougher",
        "tired",
        "good",
        "great",
        "fine",
        "nice",
        "enough",
        "think",
        "thought",
        "want",
        "wanted",
        "need",
        "needed",
        "like",
        "love",
        "hate",
        "going",
        "gonna",
        "try",
        "tried",
        "maybe",
        "probably",
        "still",
        "again",
        "should",
        "could",
        "would",
        "will",
        "can",
        "might",
        "must",
        "any",
        "some",
        "more",
        "less",
        "much",
        "many",
        "about",
        "if",
        "whether",
        "while",
        "than",
        "lol",
        "haha",
        "thanks",
        "please",
    ]
)
# An asking word right before its subject asks, wherever it stands: "… is that enough".
_SUBJECTS = frozenset(["i", "it", "that", "this", "these", "those", "you", "we", "they", "there", "my"])
_ASKING_STARTS = frozenset(
    [
        "should",
        "shall",
        "can",
        "could",
        "would",
        "will",
        "is",
        "are",
        "am",
        "do",
        "does",
        "may",
        "might",
        "when",
        "where",
        "which",
        "who",
    ]
)
_QUESTION_WORDS = frozenset(
    ["how", "how's", "hows", "what", "what's", "whats", "why", "mean", "means", "meaning", "explain"]
)

_TAG = re.compile(r"<[^<>]{0,64}>")
_HYPHEN_IN_WORD = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
_WITH = re.compile(r"\bw/")  # "3x12 w/ 8kg"
_TOKEN = re.compile(
    r"""
      (?P<num>(?:(?:(?<!\w)|(?<=\dx))-)?[0-9]+(?:\.[0-9]+)?)
    | (?P<word>[^\W\d_]+(?:'[^\W\d_]+)?)
    | (?P<link>[×*])
    | (?P<at>@)
    | (?P<sep>[,;:/+\-–—])
    | (?P<end>[?!.\n])
    """,
    re.VERBOSE,
)


# --- tokens --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    kind: str  # num word link at sep end, later also name sets reps times
    text: str
    start: int = 0
    end: int = 0
    unit: Unit | None = None


def _tokenize(text: str) -> list[_Tok]:
    text = _TAG.sub(" ", text.casefold().replace("’", "'"))
    text = _WITH.sub(" with ", _HYPHEN_IN_WORD.sub(" ", text))
    toks = []
    for m in _TOKEN.finditer(text):
        kind, word = m.lastgroup or "", m.group()
        if word in NUMBER_WORDS:
            kind, word = "num", str(NUMBER_WORDS[word])
        toks.append(_Tok(kind, word, m.start(), m.end()))
    return _attach_units(_join_decimal_commas(toks))


def _join_decimal_commas(toks: list[_Tok]) -> list[_Tok]:
    """`7,5 kg` and `@ 7,5` are 7.5; `12,10,8` stays three numbers."""
    out: list[_Tok] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if _is_decimal_comma(toks, i, out[-1] if out else None):
            frac = toks[i + 2]
            t = _Tok("num", f"{t.text}.{frac.text}", t.start, frac.end)
            i += 2
        out.append(t)
        i += 1
    return out


def _is_decimal_comma(toks: list[_Tok], i: int, before: _Tok | None) -> bool:
    if i + 2 >= len(toks):
        return False
    whole, comma, frac = toks[i : i + 3]
    after = toks[i + 3] if i + 3 < len(toks) else None
    return (
        whole.kind == "num"
        and "." not in whole.text
        and comma.text == ","
        and frac.kind == "num"
        and frac.text.isdigit()
        and len(frac.text) <= 2
        and whole.end == comma.start
        and comma.end == frac.start
        and (
            (after is not None and after.text in _UNITS)
            or (before is not None and (before.kind == "at" or before.text in ("at", "with")))
        )
    )


def _attach_units(toks: list[_Tok]) -> list[_Tok]:
    """A unit word joins the number before it; a stray unit word is dropped."""
    out: list[_Tok] = []
    for t in toks:
        if t.kind == "word" and t.text in _UNITS:
            if out and out[-1].kind == "num" and out[-1].unit is None:
                out[-1] = replace(out[-1], unit=_UNITS[t.text])
            continue
        out.append(t)
    return out


def _without_questions(toks: list[_Tok]) -> tuple[list[_Tok], bool]:
    """Drop the sentences that ask something and join the rest with separators; tell whether
    anything was asked. A comma before an asking word starts a sentence too ("3x12 rows, can I
    go heavier")."""
    kept: list[_Tok] = []
    sentence: list[_Tok] = []
    asked = False
    toks = [
        replace(t, kind="end") if t.text == "," and i + 1 < len(toks) and toks[i + 1].text in _ASKING_STARTS else t
        for i, t in enumerate(toks)
    ]
    for t in [*toks, _Tok("end", "")]:
        if t.kind != "end":
            sentence.append(t)
        elif sentence and _is_question(sentence, t.text == "?"):
            asked, sentence = True, []
        elif sentence:
            kept += [_Tok("sep", "."), *sentence] if kept else sentence
            sentence = []
    return kept, asked


def _is_question(sentence: list[_Tok], ends_with_question_mark: bool) -> bool:
    words = [t.text for t in sentence if t.kind == "word"]
    return (
        ends_with_question_mark
        or (sentence[0].kind == "word" and sentence[0].text in _ASKING_STARTS)
        or any(w in _QUESTION_WORDS for w in words)
        or any(a in _ASKING_STARTS and b in _SUBJECTS for a, b in pairwise(words))
    )


# --- exercise names ------------------------------------------------------------------------


def _find_exercises(toks: list[_Tok], exercises: Mapping[str, Sequence[str]]) -> tuple[list[str], set[int]]:
    """The exercises named, in the order they appear, and the token positions their names use."""
    names = index_of(exercises)
    candidates = []  # (words, score, -start), start, end, exercise
    for run in _word_runs(toks):
        for a in range(len(run)):
            for b in range(a + 1, min(len(run), a + names.longest) + 1):
                words = [toks[k].text for k in run[a:b]]
                if words[0] in _KEYWORDS or words[-1] in _KEYWORDS:
                    continue  # "lateral raises with" must leave "with" to the weight
                found = names.read([normalised(word) for word in words])
                if found:
                    candidates.append(((b - a, found[1], -run[a]), run[a], run[b - 1], found[0]))

    used: set[int] = set()
    named: list[tuple[int, str]] = []
    for _, start, end, exercise_id in sorted(candidates, reverse=True):
        span = set(range(start, end + 1))
        if not span & used:
            used |= span
            named.append((start, exercise_id))
    return list(dict.fromkeys(e for _, e in sorted(named))), used


def _word_runs(toks: list[_Tok]) -> list[list[int]]:
    runs: list[list[int]] = []
    for i, t in enumerate(toks):
        if t.kind != "word":
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


# --- numbers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Atom:
    value: Decimal
    unit: Unit | None
    role: Literal["W", "S", "R"] | None  # weight, sets, reps, or not said


@dataclass(frozen=True)
class _Weight:
    value: Decimal
    unit: Unit


@dataclass(frozen=True)
class _Group:
    sets: int
    reps: int
    weight: _Weight | None = None


# How a message writes three unit-less numbers joined by "x" (`4x10x12`).
_SETS_REPS_WEIGHT = "sets × reps × weight"
_WEIGHT_REPS_SETS = "weight × reps × sets"


class _Reject(Exception):
    def __init__(self, reason: str, **detail: object) -> None:
        super().__init__(reason)
        self.invalid = Invalid(reason, detail)


@dataclass
class _Clause:
    words: list[str] = field(default_factory=list)  # left over: neither grammar, filler nor a name
    numbered: bool = False

    @property
    def chat(self) -> bool:
        return not _CHAT_WORDS.isdisjoint(self.words)


def _numeric_stream(toks: list[_Tok], named: set[int]) -> tuple[list[_Tok], list[_Clause]]:
    """Keywords become symbols, exercise names stay as markers, fillers go; the other words are
    returned as left over, clause by clause (a separator ends a clause)."""
    stream: list[_Tok] = []
    clauses = [_Clause()]
    for i, t in enumerate(toks):
        if i in named:
            stream.append(_Tok("name", t.text))
        elif t.kind != "word":
            stream.append(t)
        elif t.text in _KEYWORDS:
            stream.append(_Tok(_KEYWORDS[t.text], t.text))
        elif t.text not in _FILLERS:
            clauses[-1].words.append(t.text)
        if stream and stream[-1].kind == "num":
            clauses[-1].numbered = True
        elif stream and stream[-1].kind == "sep" and (clauses[-1].words or clauses[-1].numbered):
            clauses.append(_Clause())
    return stream, clauses


def _items(stream: list[_Tok]) -> list[_Atom | str]:
    """Numbers with their roles, and the "link"/"sep" symbols between them."""
    kinds = [t.kind for t in stream] + [""]
    for i, kind in enumerate(kinds[:-1]):
        if kind == "times":  # "3 times 12" joins; "12 reps 3 times" counts sets
            kinds[i] = "link" if kinds[i + 1] == "num" else "sets"
    items: list[_Atom | str] = []
    for i, t in enumerate(stream):
        if kinds[i] == "num":
            after, before = kinds[i + 1], kinds[i - 1] if i else ""
            role: Literal["W", "S", "R"] | None = (
                "W"
                if t.unit
                else "S"
                if after == "sets"
                else "R"
                if after == "reps"
                else "W"
                if before == "at"
                else None
            )
            items.append(_Atom(Decimal(t.text), t.unit, role))
        elif kinds[i] in ("link", "sep"):
            items.append(kinds[i])
    return items


def _chains(items: list[_Atom | str]) -> tuple[list[list[_Atom]], list[bool]]:
    """Numbers joined by links, and for each chain whether a separator came right before it.

    A lone number of sets also joins the number right after it ("3 sets 12 reps"), and a lone
    number of reps the sets right after it ("12 reps 3 sets").
    """
    chains: list[list[_Atom]] = []
    after_sep: list[bool] = []
    previous: _Atom | str = "sep"
    for it in items:
        if isinstance(it, str):
            if previous != "sep":
                previous = it
            continue
        lone = chains[-1][0] if chains and len(chains[-1]) == 1 else None
        if previous == "link" or (
            isinstance(previous, _Atom)
            and lone is not None
            and ((lone.role == "S" and it.role in (None, "R")) or (lone.role == "R" and it.role == "S"))
        ):
            chains[-1].append(it)
        else:
            chains.append([it])
            after_sep.append(previous == "sep" and len(chains) > 1)
        previous = it
    return chains, after_sep


def _lone_number_may_weigh(chains: list[list[_Atom]], after_sep: list[bool]) -> int | None:
    """`3x12 8`: which chain's lone number could be a weight instead of one more set."""
    if len(chains) != 2 or after_sep[1] or any(a.role == "W" for c in chains for a in c):
        return None
    return next((i for i in (1, 0) if len(chains[i]) == 1 and chains[i][0].role is None), None)


def _readings(
    chain: list[_Atom], notation: str, lone_may_weigh: bool, default_unit: Unit
) -> list[_Group | _Weight | Invalid]:
    """Every way to read one chain: which of its numbers (if any) is the weight, and whether
    the other two of three numbers are reps × sets rather than sets × reps."""
    weights = [i for i, a in enumerate(chain) if a.role == "W"]
    shapes: list[tuple[int | None, bool]]
    if len(chain) > 3 or len(weights) > 1:
        shapes = []
    elif weights == [0] and len(chain) == 3:  # 8kg x 12 x 3: lifting's weight × reps × sets, or sets × reps
        shapes = [(0, True), (0, False)]
    elif weights:
        shapes = [(weights[0], False)]
    elif len(chain) == 3:
        shapes = [(2, False)] if notation == _SETS_REPS_WEIGHT else [(0, True)]
        shapes = [
            (place, reps_first) for place, reps_first in shapes if place is not None and chain[place].role is None
        ]
    elif lone_may_weigh:
        shapes = [(0, False), (None, False)]
    else:
        shapes = [(None, False)]
    out: list[_Group | _Weight | Invalid] = []
    for place, reps_first in shapes:
        try:
            out.append(_reading(chain, place, reps_first, default_unit))
        except _Reject as reject:
            out.append(reject.invalid)
    return out or [Invalid("unreadable", {})]


def _reading(chain: list[_Atom], place: int | None, reps_first: bool, default_unit: Unit) -> _Group | _Weight:
    weight = None if place is None else _Weight(chain[place].value, chain[place].unit or default_unit)
    rest = [a for i, a in enumerate(chain) if i != place]
    if not rest:
        assert weight is not None
        return weight
    if len(rest) == 1:
        if rest[0].role == "S":
            raise _Reject("missing_reps")
        return _Group(1, _whole(rest[0]), weight)
    sets, reps = _sets_and_reps(rest[0], rest[1], reps_first=reps_first)
    return _Group(_whole(sets), _whole(reps), weight)


def _sets_and_reps(a: _Atom, b: _Atom, *, reps_first: bool) -> tuple[_Atom, _Atom]:
    roles = (a.role, b.role)
    if roles in {("S", None), (None, "R"), ("S", "R")}:
        return a, b
    if roles in {("R", None), (None, "S"), ("R", "S")}:
        return b, a
    if roles == (None, None):
        return (b, a) if reps_first else (a, b)
    raise _Reject("unreadable")


def _whole(atom: _Atom) -> int:
    if atom.value != atom.value.to_integral_value():
        raise _Reject("not_whole", value=str(atom.value))
    return int(atom.value)


def _assemble(pieces: Sequence[_Group | _Weight]) -> list[_Group]:
    """Give every group its weight: see "A weight that follows sets…" in the module docstring."""
    groups: list[_Group] = []
    pending: list[int] = []  # groups still waiting for a weight
    ahead: _Weight | None = None  # a weight waiting for the next group
    last: _Weight | None = None
    for piece in pieces:
        if isinstance(piece, _Weight):
            if pending:
                for k in pending:
                    groups[k] = replace(groups[k], weight=piece)
                pending, last = [], piece
            elif ahead is None:
                ahead = piece
            else:
                raise _Reject("unreadable")
        elif piece.weight is not None:
            groups.append(piece)
            last = piece.weight
        elif ahead is not None:
            groups.append(replace(piece, weight=ahead))
            ahead, last = None, ahead
        else:
            pending.append(len(groups))
            groups.append(piece)
    if not groups:
        raise _Reject("missing_reps")
    if ahead is not None:
        raise _Reject("unreadable")
    for k in pending:
        groups[k] = replace(groups[k], weight=last)
    return groups


def _validate(groups: list[_Group]) -> None:
    for g in groups:
        if g.sets < 1:
            raise _Reject("sets_zero", sets=g.sets)
        if g.reps < 1:
            raise _Reject("reps_zero", reps=g.reps)
        if g.reps > MAX_REPS:
            raise _Reject("too_many_reps", reps=g.reps, max=MAX_REPS)
        if g.weight is not None:
            w = g.weight
            if stored_weight(w.value) <= 0:  # 0.001 kg would be stored as 0
                raise _Reject("weight_not_positive", weight=str(w.value), unit=w.unit)
            if to_kg(w.value, w.unit) > MAX_WEIGHT_KG:
                raise _Reject("weight_too_high", weight=str(w.value), unit=w.unit, max_kg=MAX_WEIGHT_KG)
    total = sum(g.sets for g in groups)
    if total > MAX_SETS:
        raise _Reject("too_many_sets", sets=total, max=MAX_SETS)


def _entry(exercise_id: str, pieces: Sequence[_Group | _Weight]) -> LogEntry:
    groups = _assemble(pieces)
    _validate(groups)
    sets = tuple(
        SetLog(g.reps, stored_weight(g.weight.value), g.weight.unit) if g.weight else SetLog(g.reps, None, None)
        for g in groups
        for _ in range(g.sets)
    )
    return LogEntry(exercise_id, sets)


# --- the parser ----------------------------------------------------------------------------


def parse_log(
    text: str,
    *,
    exercises: Mapping[str, Sequence[str]],
    default_unit: Unit,
    current_exercise: str | None = None,
) -> LogResult:
    """Read one message as a rep log. See the module docstring for the grammar."""
    if len(text) > MAX_CHARS:
        return NotALog()
    toks, asked = _without_questions(_tokenize(text))
    result = _read(toks, exercises, default_unit, current_exercise)
    return NotALog() if asked and isinstance(result, Invalid) else result


def _read(
    toks: list[_Tok], exercises: Mapping[str, Sequence[str]], default_unit: Unit, current_exercise: str | None
) -> LogResult:
    named_ids, named_at = _find_exercises(toks, exercises)
    stream, clauses = _numeric_stream(toks, named_at)
    if not named_ids and any(c.chat and c.numbered for c in clauses):
        return NotALog()  # numbers said in passing: "i only have 5 lb dumbbells"
    leftover = [word for clause in clauses if not clause.chat for word in clause.words]
    chains, after_sep = _chains(_items(stream))
    if not chains:
        return NotALog()
    shaped = any(len(c) > 1 or c[0].role for c in chains)
    if leftover and not shaped:
        return NotALog()
    if len(named_ids) > 1:
        return Invalid("several_exercises", {"exercises": named_ids})
    if named_ids:
        exercise_id = named_ids[0]
    elif leftover:
        return Invalid("unknown_exercise", {"words": " ".join(leftover)})
    elif current_exercise is not None:
        exercise_id = current_exercise
    elif shaped:
        return Invalid("missing_exercise", {})
    else:
        return NotALog()

    lone = _lone_number_may_weigh(chains, after_sep)
    unweighted_triple = any(len(c) == 3 and all(a.role != "W" for a in c) for c in chains)
    notations = (_SETS_REPS_WEIGHT, _WEIGHT_REPS_SETS) if unweighted_triple else (_SETS_REPS_WEIGHT,)
    outcomes = [
        _try_entry(exercise_id, pieces)
        for notation in notations
        for pieces in product(*(_readings(c, notation, i == lone, default_unit) for i, c in enumerate(chains)))
    ]
    entries = list(dict.fromkeys(o for o in outcomes if isinstance(o, LogEntry)))
    if not entries:
        return next(o for o in outcomes if isinstance(o, Invalid))  # the first reason
    return Parsed(entries[0]) if len(entries) == 1 else Ambiguous(tuple(entries))


def _try_entry(exercise_id: str, pieces: Sequence[_Group | _Weight | Invalid]) -> LogEntry | Invalid:
    problem = next((p for p in pieces if isinstance(p, Invalid)), None)
    if problem is not None:
        return problem
    try:
        return _entry(exercise_id, pieces)  # type: ignore[arg-type]  # no Invalid left
    except _Reject as reject:
        return reject.invalid


# --- the card line -------------------------------------------------------------------------


def describe(entry: LogEntry, names: Mapping[str, str]) -> str:
    """The card line, e.g. "Shoulder press — 3 × 12 @ 8 kg".

    Runs of equal sets are counted; a single weighed set is written "12 @ 10 kg"; sets without a
    weight always show their count ("1 × 15"). `parse_log` reads the line back to `entry`.
    """
    parts = []
    for s, run in groupby(entry.sets):
        count = len(list(run))
        if s.weight is None:
            parts.append(f"{count} × {s.reps}")
        elif count == 1:
            parts.append(f"{s.reps} @ {plain(s.weight)} {s.unit}")
        else:
            parts.append(f"{count} × {s.reps} @ {plain(s.weight)} {s.unit}")
    return f"{names[entry.exercise_id]} — {', '.join(parts)}"

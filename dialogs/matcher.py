"""The question matcher: a runner's message → a topic, an exercise aspect, small talk, a call for
care, a suggestion or "not covered" ("unknown"). Its word tables are in dialogs/vocabulary.py.

How it decides:
1. Normalise the first 300 characters (rapidfuzz's `default_process`, drawn-out letters shortened).
   An emoji alone, or only small talk (hi, thanks, ok, lol, bye, "what's your name"), is small
   talk. Pain, an injury of one's own, a medical condition or an age worry is a call for care.
   A subject next door that the coach must not touch (food, shoes, other sports, the day before
   a race, no dumbbells) is "unknown". Remarks ("thanks in advance!", "asking for a friend") and
   statements of one's own running ("I run about 20 miles a week.") are set aside when the rest
   names a subject of its own.
2. Look for an exercise named in the text: its aliases, compared window by window and word by
   word with `fuzz.ratio`, so "lateral raize" still counts and "dumbbells how" is no row.
3. Turn the words into canonical terms: fix typos, but only in words that are not English
   (content/english.py), against the content's own vocabulary; fold texting spellings, phrases
   and synonyms ("how often", "stamina", "lift weights"), stem. Words of conversation ("tell
   me", "nah", "legit") are ignored like stopwords. Keep the form of the question: yes/no, why,
   which ("what muscles…", "what should i…" too), how or other. When the last sentence or
   clause asks a question of its own after others that set the scene ("I run 5k three times a
   week. Should I also do upper body?"), it is answered alone if it can be; so is any last
   clause when the whole message gets no answer.
4. A named exercise gets the aspect asked for (where the body goes is its how-to; a yes/no
   question about doing it, its why), unless a weak aspect word sits beside a topic ("how many
   reps for the shoulder press"). While an exercise is on screen, an aspect, "this/it" or its
   own name is about it, unless the rest points at a topic; where the body goes always is.
5. The headline question in any words (a yes/no or why question about training the upper
   body, with no other topic's subject in it) gets the yes-and-why answer.
6. Otherwise every topic phrasing is scored: IDF-weighted cosine with the question, blended with
   how much of the question the topic's vocabulary explains, with a bonus for topics usually
   asked in the question's form, and scaled by the share of the question the content
   understands at all. Unknown words count against a match, which is what keeps "what's the
   weather" or "bitcoin price" from being answered with coaching. A clear winner above the
   cut-off is answered; a close call, a winner that leaves out a coaching concept its rival
   covers, a winner that no word of the question mostly means (only words every topic shares:
   run, upper body, gym), or a question that names a coaching concept among unknown words, gets
   a "did you mean"; anything else is "unknown". A choice between parts of the upper body
   ("chest, back or shoulders") is the list of muscles.

Why rapidfuzz's string scorers do not score the topics: blended into the cosine score they won
at most 2 of 276 questions in tests/data/questions.yaml, and WRatio, token_set_ratio and
partial_ratio began answering off-topic questions that share a single word with a phrasing.
bench/matching.py prints the accuracy per category and the time per question.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Literal

import snowballstemmer
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from content.english import english_words
from content.knowledge import EXERCISE_REF, TOPIC_REF, Knowledge
from dialogs.exercise_names import NAME_SCORE, index_of
from dialogs.vocabulary import (
    ASKED_FOR,
    ASKING,
    ASKING_FOR,
    ASPECT_PRIORITY,
    ASPECT_WORDS,
    BACK_REFERENCES,
    BODY_STRENGTH,
    CHOICE_BODY,
    COMPARING,
    CONCEPTS,
    DEICTIC,
    DISCOURSE,
    FORM_OPENERS,
    FORMS,
    GENERIC,
    HEADLINE_ALSO,
    HEADLINE_BODY,
    HEADLINE_HELPING,
    HEADLINE_LIFTING,
    HEADLINE_OTHERS,
    HEADLINE_SUBJECT,
    HEADLINE_TOPIC,
    HEADLINE_TRAINING,
    HEADLINE_WEIGHING,
    HELPING_WORDS,
    INJURY_WORDS,
    INTRODUCTIONS,
    LIFTING,
    LIMITERS,
    MUSCLES_TOPIC,
    NOT_COVERED,
    OPINION_WORDS,
    OUT_OF_SCOPE,
    PERSONAL_WORDS,
    PHRASES,
    PREVENTION_WORDS,
    QUESTION_SUBJECTS,
    RELATIVE,
    RUNNING_HOW_SUBJECTS,
    RUNNING_STRAIN,
    RUNNING_TOPIC,
    SAFETY_BODY,
    SAFETY_PHRASES,
    SAFETY_PROBLEM,
    SAFETY_WORDS,
    SCENE_OPENERS,
    SCENE_RUNNING,
    SMALL_TALK,
    SMALL_TALK_FILLER,
    STOPWORDS,
    SWING_PATH,
    SWING_SUBJECTS,
    TEXTING,
    WH_WORDS,
    WHAT_WORDS,
    WHY_WORDS,
    WORDS,
    YESNO_WORDS,
)

MAX_CHARS = 300
SHORT_TALK = 4  # words: a message this short that asks nothing and names nothing may be small talk

ANSWER_SCORE = 50.0  # a topic scoring this (0–100) is answered...
CLEAR_MARGIN = 5.0  # ...when the runner-up trails by at least this much
SUGGEST_SCORE = 55.0  # weaker, or too close to call: offer the best two or three
SINGLE_WORD_SHARE = 0.6  # a one-word question needs this share of that word's phrasings
RIVAL_SHARE = 0.7  # a rival scoring this share of the best one is a contender
SUBJECT_SHARE = 0.28  # any answer needs a word of the question with this share of its phrasings
COSINE_SHARE = 0.8  # the rest of a topic's score is how much of the question it explains
UNKNOWN_WORD_WEIGHT = 3.0  # the IDF given to a word no topic uses
RUNNING_MISMATCH = 0.5
FORM_BONUS = 0.3  # what a topic gains when its phrasings are mostly asked in the question's form...
ASKED_BONUS = 0.6  # what the topic whose things a "which" question asks for gains
BONUS_FORMS = (
    "yesno",
    "why",
    "which",
)  # ...of these forms ("how" and the rest say little)  # factor for a topic that never mentions running, asked about running
TYPO_SCORE = 80.0
CLOSEST_SHARE = 0.5  # a topic offered as "closest" scores at least this share of the best one  # fuzz.ratio needed to read an unknown word as a misspelt known one

_PHRASE_PATTERN = re.compile(r"\b(" + "|".join(map(re.escape, PHRASES)) + r")\b")
_INTRODUCTION = re.compile(r"\b(" + "|".join(INTRODUCTIONS) + r") \w+$")
# Where a sentence or a clause ends: after . ! ? ; (keeping the "?"), or before ", but" / ", so".
_CLAUSE_BREAK = re.compile(r"(?<=[.!?;])\s+|,\s*(?:but|so|and)?\s*|\s+but\s+")
# "how do i run faster", "how can i get better at running", "how fast can a cheetah run": asking
# how to run, or how fast.
_HOW_TO_RUN = re.compile(
    r"\bhow (do|can|should|could|would|to) (i |you |we )?(run|breathe|get better|get faster|improve|become)\b"
    r"|\bhow fast (can|do|does|should|could|will) "
)
# Where a remark may begin or end: a sentence's end, a comma, a dash, brackets.
_SEGMENT = re.compile(r"(?<=[.!?;])\s+|,\s*|\s+[-–—]\s+|[()]")
# A polite request in front of the question proper: its form is the form of what follows.
_REQUEST = re.compile(
    r"^(?:(?:hey |hi |so |ok )?(?:can|could|would|will) you (?:please |pls )?(?:tell|explain|show|give|(suggest|recommend))(?: me)?"
    r"|(?:do|did) you know|i (?:want|wanted|would like|d like) to know|i was wondering|i wonder|tell me|explain)\b\s*"
)
# "chest, back or shoulders": a choice between things, not "…or not".
_EITHER = re.compile(r"\bor (?!not\b|no\b)")
# …or a comparison: "the back more than the arms", "chest vs back".
_COMPARED = re.compile(r"\bor (?!not\b|no\b)|\b(than|vs|versus)\b")
# "what does it do for me", "what do rows do for runners": what good it does.
_DO_FOR = re.compile(r"^(what|wat|wot) (does|do|will|would|can) .*\bdo for\b")
# Heavy as a feeling is tiredness ("my arms feel so heavy", "shoulders getting heavy", "heavy arms
# late in a race"), not the weight of a dumbbell ("should i go heavy") or of the runner ("i don't
# want to get heavy").
_HEAVY_FEELING = re.compile(
    r"\b(?:feel|feels|feeling|felt|(?:(?<=arm )|(?<=arms )|(?<=shoulder )|(?<=shoulders ))"
    r"(?:get|gets|getting|got|go|turn|turns|turning))(?: so| really| very| too| super| pretty)? heavy\b"
    r"|\bheavy (?=arm|shoulder)"
)
# How often one runs, said in passing: "i run 3x a week and never train my arms, is that a problem"
# is no question of how often to train.
_RUNNING_HABIT = re.compile(
    r"(?i)\b(i (?:run|jog|race|train)|i'?m running|i am running)(?: about| around| roughly| like)?"
    r" (?:\d+ ?x|\d+ times|\d+ days|once|twice|three times|four times|five times|six times)"
    r"(?: a| per| every| each)? ?(?:week|wk)\b"
)
# Training the upper body weighed against only running: "…or should i just keep running", "upper body
# or more miles", "vs just more running".
_JUST_RUN = re.compile(
    r"\b(?:or|vs|versus)(?: should i| do i| is it better to)?(?: just| simply| only)?"
    r" (?:keep running|run more|more running|more miles|run|running|stick to running)\b"
)
# A part of one's own body that hurts: "my shoulder hurts", "my left elbow is aching".
_OWN_HURT = re.compile(
    r"\bmy (?:left |right )?(?:shoulder|arm|elbow|wrist|back|neck|knee|chest|hip|hand|lower back|upper back)s?"
    r"(?: really| kind of| a bit)? (?:hurts?|aches?|is hurting|are hurting|is aching|are aching|is killing)\b"
)
# A time to beat: "break 50 minutes in the 10k", "a sub 25 5k".
_RACE_TARGET = re.compile(r"\b(?:break|breaking|sub|beat|beating|go under|get under) \d+\b")
# A physio who said something is only a person with a view ("my physio said runners neglect…"),
# unless they said not to, or to stop ("my physio said no lifting").
_SAID_BY = re.compile(
    r"\b(?:physio|physiotherapist|physical therapist) (?:said|says|mentioned|thinks|suggested)\b"
    r"(?!(?: \w+){0,3} (?:not|no|dont|shouldnt|cant|never|stop|avoid|rest)\b)"
)
# Harm to one's running is no injury: "does a weak upper body hurt my running".
_HARM = re.compile(r"\bhurts? (?:my|your|the|their) (?:running|run|runs|performance|pace|speed|times?)\b")
# A long run of letters: maybe words typed without spaces.
_JOINED = re.compile(r"[^\W\d_]{14,}")
MAX_JOINED_WORD = 12  # the longest piece of such a run tried as a word
_DRAWN_OUT = re.compile(r"([^\W\d])\1{2,}")
_DIGITS_AND_LETTERS = re.compile(r"(?<=\d)(?=[^\W\d])|(?<=[^\W\d])(?=\d)")
# Stopwords and words of conversation: neither help a match nor count against it.
_IGNORED = STOPWORDS | DISCOURSE
# Words that may come before the question proper ("hey coach, so…").
_LEAD_IN = DISCOURSE | SMALL_TALK_FILLER
_WH = WH_WORDS | WHY_WORDS
_SYNONYM_GROUPS = {**TEXTING, **CONCEPTS, **WORDS}
_TEXTED = {word: canon for canon, words in TEXTING.items() for word in words.split()}
_SYNONYMS = {word: canon for canon, words in _SYNONYM_GROUPS.items() for word in words.split()}
_TALK = {phrase: kind for kind, phrases in SMALL_TALK.items() for phrase in phrases}
_TALK_ORDER = tuple(SMALL_TALK)
_LONGEST_TALK = max(len(phrase.split()) for phrase in _TALK)
# …but "running is a lower body sport" is the claim the headline answers.
_NOT_COVERED = re.compile(r"\b(" + "|".join(map(re.escape, NOT_COVERED)) + r")\b(?! sport| activity)")
# "i'm 65", "i am 14", "55 yo", "in my 60s": an age that may need care, a child's or from 50 on
# (not "i'm 30 and training for a 10k").
_AGE = r"(?:1[0-7]|[5-9]\d)"
_SAFETY_PATTERN = re.compile(
    r"\b("
    + "|".join(map(re.escape, SAFETY_PHRASES))
    + rf")\b|\b(im|i am) {_AGE}\b(?! (kg|lb|lbs|kilos|pounds|reps|sets))|\b{_AGE} (yo|yrs old)\b|\bin my [5-9]0 s\b"
)
# Terms the stemmer must leave alone.
_CANONICAL = frozenset(_SYNONYM_GROUPS) | frozenset(ASPECT_WORDS) | frozenset(PHRASES.values())


@dataclass(frozen=True)
class Match:
    """The verdict on one message. `score` is on rapidfuzz's 0–100 scale."""

    kind: Literal["topic", "exercise", "suggest", "unknown", "smalltalk", "safety"]
    id: str | None = None
    aspect: str | None = None
    options: tuple[str, ...] = ()
    score: float = 0.0


UNKNOWN = Match("unknown")
SAFETY = Match("safety")


@dataclass(frozen=True)
class _Named:
    exercise_id: str
    start: int
    end: int
    score: float


class Matcher:
    """Built once from the knowledge; `match` is then pure, synchronous and never raises."""

    def __init__(self, knowledge: Knowledge):
        self._exercise_ids = frozenset(knowledge.exercises)
        self._alias_exact: dict[str, str] = {
            default_process(alias): exercise.id
            for exercise in knowledge.exercises.values()
            for alias in (exercise.name, *exercise.aliases)
        }
        # Words that could name more than one exercise (content's `shared_words`): offered as a choice.
        self._shared: dict[str, tuple[str, ...]] = {}
        for exercise in knowledge.exercises.values():
            for word in exercise.shared_words:
                self._shared[word] = (*self._shared.get(word, ()), exercise.id)
        self._names = index_of({e.id: (e.name.lower(), *e.aliases) for e in knowledge.exercises.values()})
        # The words of each exercise's names: on screen, they point at it ("the row", "chest").
        self._name_words: dict[str, set[str]] = {}
        for alias, exercise_id in self._alias_exact.items():
            words = {_canonical(w) for w in alias.split()} - _IGNORED - {"dumbbell"}
            self._name_words.setdefault(exercise_id, set()).update(words)

        questions = [(t.id, _words(q)) for t in knowledge.topics.values() for q in t.questions]
        vocabulary = set(_IGNORED) | set(_SYNONYMS) | set(ASPECT_WORDS) | set(GENERIC)
        vocabulary |= {word for phrase in PHRASES for word in phrase.split()}
        vocabulary |= {word for alias in self._alias_exact for word in alias.split()}
        vocabulary |= {word for _, words in questions for word in words}
        self._vocabulary = frozenset(vocabulary)
        # Only a word that is not English is read as a misspelling: "place" must not become "pace".
        self._english = english_words()
        self._spellings: dict[tuple[str, int], list[str]] = {}
        for word in vocabulary:
            for size in (len(word) - 1, len(word), len(word) + 1):
                self._spellings.setdefault((word[0], size), []).append(word)
        self._correct = lru_cache(maxsize=4096)(self._correct_uncached)
        self._split = lru_cache(maxsize=1024)(self._split_uncached)
        # The words of each part of an exercise's card, for questions asked with it on screen.
        self._card_words = {
            exercise.id: {
                aspect: {_root(term) for text in texts for term in _residual(self._terms(_words(text)))}
                for aspect, texts in (
                    ("howto", (exercise.start_position, *exercise.steps, *exercise.cues)),
                    ("mistakes", exercise.mistakes),
                    ("muscles", exercise.muscles),
                    ("why", (exercise.why_runners,)),
                    ("equipment", (exercise.equipment,)),
                )
            }
            for exercise in knowledge.exercises.values()
        }

        # A question asked exactly as a topic phrases it gets that topic.
        self._phrasing_topic = {" ".join(words): topic_id for topic_id, words in questions}
        self._topics = _TopicIndex(
            [(topic_id, _content(self._terms(words)), _form(words)) for topic_id, words in questions]
        )

    # -- public API -------------------------------------------------------------------------

    def match(self, text: str, current_exercise: str | None = None) -> Match:
        if isinstance(text, str):
            text = _JOINED.sub(lambda found: self._split(found.group(0).lower()), text[:MAX_CHARS])
        words = _words(text)
        if not words:
            return Match("smalltalk", "emoji") if _is_emoji(text) else UNKNOWN
        if _needs_care(words):
            return SAFETY
        talk = _small_talk(words, lenient=self._says_nothing_else(text, words))
        if talk is not None:
            return Match("smalltalk", talk)
        if _NOT_COVERED.search(" ".join(words)):
            return UNKNOWN
        text = _RUNNING_HABIT.sub(r"\1", text)
        text = self._without_remarks(text)
        words = _words(text)
        named = self._find(words)
        on_screen = current_exercise in self._exercise_ids
        question = _question_clause(text, on_screen)
        terms = self._terms(words)
        if question is not None and not _body_choice(text, _content(terms)):  # "shoulders? back? core?"
            # "I run 5k three times a week. Should I also do upper body?": the first sentence
            # sets the scene (an exercise named there is the one asked about; a subject next
            # door, like the coffee in "…heavier than a coffee cup lol, am i missing out", is
            # only scenery), the last asks.
            clause_words = _words(question)
            clause_terms = self._terms(clause_words)
            current = named.exercise_id if named and not self._find(clause_words) else current_exercise
            if not _out_of_scope(clause_words, clause_terms):
                answer = self._answer(clause_words, clause_terms, current, question)
                if answer.kind in ("topic", "exercise"):
                    return answer
        if _out_of_scope(words, terms, self._name_words.get(current_exercise or "", set())):
            return UNKNOWN
        answer = self._answer(words, terms, current_exercise, text, named)
        tail = _last_clause(text, on_screen) if answer.kind in ("unknown", "suggest") else None
        if tail is not None and tail != question and not self._scene(tail):
            # "ok so i've been running for years and was wondering, form tips": what the scene
            # sinks, the last clause alone may answer (not when it is the scene: "what is the
            # capital of france. I run about 20 miles a week.").
            tail_words = _words(tail)
            tail_terms = self._terms(tail_words)
            if not _out_of_scope(tail_words, tail_terms):
                alone = self._answer(tail_words, tail_terms, current_exercise, tail)
                if alone.kind in ("topic", "exercise"):
                    return alone
        return answer

    def _answer(
        self, words: list[str], terms: list[str], current_exercise: str | None, text: str, named: _Named | None = None
    ) -> Match:
        """The answer to words that passed the checks for care, small talk and scope."""
        form = _form([self._correct(word) for word in words])  # "shuld i…" is a yes/no question
        if _HOW_TO_RUN.search(" ".join(words)) and not RUNNING_HOW_SUBJECTS.intersection(terms):
            return UNKNOWN  # "how do i get better at running": how to run, not covered
        if form == "why":  # "how does arm swing help": the how is the why
            terms = [t for t in terms if t != "how"]
        named = named or self._find(words)
        if self._names_own_word(words, named, current_exercise):
            named = None  # "do i row both arms at once" on the renegade row: its row, not the bent-over row
        if named is not None and self._compared(words, named, current_exercise):
            options = (EXERCISE_REF + named.exercise_id, EXERCISE_REF + str(current_exercise))
            return Match("suggest", options=options, score=named.score)
        if named is not None:
            return self._about_named(words, named, form)
        asked = text[:MAX_CHARS].rstrip().endswith("?")
        if current_exercise in self._exercise_ids:
            about_current = self._about_current(words, terms, current_exercise, form, asked) or self._in_own_words(
                terms, current_exercise, form
            )
            if about_current is not None:
                return about_current
        exact = self._phrasing_topic.get(" ".join(words))
        if exact:
            return Match("topic", exact, score=100.0)
        if _JUST_RUN.search(" ".join(words)) and LIFTING & set(terms):
            return Match("topic", HEADLINE_TOPIC, score=ANSWER_SCORE)  # "upper body or more miles, what's better"
        headline, elsewhere = self._headline(terms, form, asked)
        # A "which" question (or the headline asked about another topic's subject) is not
        # answered with the yes-and-why.
        # Nor is one that asks what the arms do for a run, saying nothing of training them or of
        # whether it is worth it ("do my arms help me run").
        content = _content(terms)
        untrained = (
            HEADLINE_HELPING & content
            and not (HEADLINE_SUBJECT | HEADLINE_TRAINING | HEADLINE_LIFTING | HEADLINE_WEIGHING) & content
        )
        exclude = HEADLINE_TOPIC if elsewhere or form == "which" or untrained else None
        if _body_choice(text, content):
            return Match("topic", MUSCLES_TOPIC, score=ANSWER_SCORE)
        return headline or self._by_topic(terms, words, form, exclude=exclude)

    def closest(self, text: str, limit: int = 3) -> tuple[str, ...]:
        """Refs of the things it knows that come closest to a question it cannot answer: an
        exercise named in it, then the topics that share its words (best first)."""
        words = _words(text)
        named = self._find(words)
        refs = [EXERCISE_REF + named.exercise_id] if named else []
        ranked = self._topics.rank(_content(self._terms(words)), _form(words), lenient=True)
        refs += [TOPIC_REF + topic_id for topic_id, score in ranked if score >= CLOSEST_SHARE * ranked[0][1]]
        return tuple(refs[:limit])

    def find_exercise(self, text: str) -> str | None:
        """The exercise named in the text (an alias, typos forgiven), if any."""
        named = self._find(_words(text))
        return named.exercise_id if named else None

    # -- deciding ---------------------------------------------------------------------------

    def _without_remarks(self, text: str) -> str:
        """The text without what stands beside the question: remarks, the sentences, clauses and
        asides that name nothing the coach knows but are conversation ("thanks in advance!", "or
        is that a silly question?", "(sorry for my english)"), and statements of the runner's own
        running ("I run about 20 miles a week."). Their words would otherwise count against the
        question as unknown subject words, or pull it towards the running topics. Only when what
        is left names a subject of its own: "what's the weather like. I run about 20 miles a
        week." keeps its scene, and stays unanswered."""
        text = text[:MAX_CHARS]
        segments = [part for part in _SEGMENT.split(text) if part.strip()]
        if len(segments) < 2:
            return text
        aside = [part for part in segments if self._remark(_words(part)) or self._scene(part)]
        if not aside:
            return text
        rest = text
        for part in aside:  # the punctuation stays: it still tells the clauses apart
            rest = rest.replace(part, " ", 1)
        words = _words(rest)
        if _content(self._terms(words)) - GENERIC & (self._topics.idf.keys() | ASPECT_WORDS.keys()):
            return rest
        # A question of its own about something else, beside a scene: the scene is not answered
        # instead ("whats 2+2. I run about 20 miles a week.").
        asks = "?" in rest or bool(words) and (words[0] in WH_WORDS or _form(words) != "other")
        return rest if asks and any(self._scene(part) for part in aside) else text

    def _scene(self, segment: str) -> bool:
        return _scene(segment, set(self._terms(_words(segment))))

    def _remark(self, words: list[str]) -> bool:
        """Whether a segment is a remark: it names nothing the coach knows, and is small talk or
        has a word of conversation in it (thanks, friend, sorry, question). "treadmill or outside"
        is no remark but a subject the coach does not know."""
        terms = _content(self._terms(words))
        if terms & self._topics.idf.keys() or terms & ASPECT_WORDS.keys() or self._find(words):
            return False
        if words and words[0] in WH_WORDS:
            return False  # "what's the weather like": a question of its own
        return _small_talk(words) is not None or bool(DISCOURSE.intersection(words))

    def _says_nothing_else(self, text: str, words: list[str]) -> bool:
        """Whether a message is short, asks nothing and names nothing the coach knows about: no
        question mark, word or form, no exercise, no coaching term, no aspect of an exercise, no
        subject next door."""
        if len(words) > SHORT_TALK or "?" in text[:MAX_CHARS] or _WH.intersection(words) or _form(words) != "other":
            return False
        if _NOT_COVERED.search(" ".join(words)) or OUT_OF_SCOPE.intersection(words):
            return False
        terms = _content(self._terms(words))
        return not (terms & self._topics.idf.keys() or terms & ASPECT_WORDS.keys() or self._find(words))

    def _names_own_word(self, words: list[str], named: _Named | None, current_exercise: str | None) -> bool:
        """Whether a one-word name ("row") is a word of the exercise on screen's own name."""
        if named is None or current_exercise not in self._exercise_ids or named.exercise_id == current_exercise:
            return False
        return named.end - named.start == 1 and _canonical(words[named.start]) in self._name_words[current_exercise]

    def _compared(self, words: list[str], named: _Named, current_exercise: str | None) -> bool:
        """Whether another exercise is named to compare it with the one on screen ("is this like
        the shoulder press", "can i do lateral raises instead")."""
        if current_exercise not in self._exercise_ids or named.exercise_id == current_exercise:
            return False
        said = set(words)
        return bool(COMPARING & said and (DEICTIC & said or "instead" in said))

    def _about_named(self, words: list[str], named: _Named, form: str) -> Match:
        others = words[: named.start] + words[named.end :]
        rest = self._terms(others)
        aspect, strength = _aspect(rest)
        also = self._others_named(others, named.exercise_id) - {named.exercise_id}
        if also:  # "elbows in presses and rows": about several moves, so a topic or a choice
            options = tuple(EXERCISE_REF + ex for ex in (named.exercise_id, *sorted(also)))
            return self._best_topic(rest, form, _lifting(rest)) or Match("suggest", options=options[:3])
        if strength <= 1 and _residual(rest):  # "how many reps for the shoulder press"
            topic = self._best_topic(rest, form, _lifting(rest))
            if topic is not None:
                return topic
        if aspect in (None, "howto") and strength <= 1 and (form == "yesno" or "run" in rest):
            # "should i do bent over rows", "what do lateral raises do for runners"
            aspect = "why"
        elif aspect in (None, "howto") and strength <= 1 and _purpose(words):
            aspect = "why"  # "whats the curl to press for", "what do lateral raises do for me"
        elif aspect == "howto" and strength <= 1 and "how" not in rest and words[0] in WH_WORDS:
            aspect = "muscles"  # "what does the bent over row do": what it works
        return Match("exercise", named.exercise_id, aspect or "overview", score=named.score)

    def _about_current(
        self, words: list[str], terms: list[str], exercise_id: str, form: str, asked: bool
    ) -> Match | None:
        aspect, strength = _aspect(terms)
        own = self._name_words[exercise_id]  # "why chest for runners" on the chest press
        pointed = (DEICTIC | {"these", "those"}).intersection(words) or own.intersection(terms)
        if aspect is None and not pointed:
            return None
        if not pointed and {"run", "exercise"} & set(terms):
            return None  # runners or exercises in general: "which muscles should runners train", "what exercises"
        body = _residual(terms) - LIMITERS  # "shoulders only or triceps too?"
        worth = body <= HEADLINE_WEIGHING | {"why"} and bool(body or aspect)
        if aspect in (None, "why") and DEICTIC & set(words) and worth:
            return Match("exercise", exercise_id, "why", score=100.0)  # "why bother with this", "is it worth it"
        # "is this chest or arms", "lats?", "is this supposed to hit my triceps too"
        if (
            body
            and body <= CHOICE_BODY
            and (aspect == "muscles" or aspect is None and (len(body) > 1 or len(words) == 1))
        ):
            return Match("exercise", exercise_id, "muscles", score=100.0)
        rest = _residual(terms) - own
        unknown = any(t not in self._topics.idf for t in rest)
        if strength < BODY_STRENGTH and rest and (unknown or self._best_topic(terms, form, _lifting(terms))):
            return None
        # "whats this one for", "what does it do for me"
        # …and "how is this like running": what it does for the run
        purpose = (aspect is None or aspect == "howto" and strength <= 1) and (_purpose(terms) or "run" in terms)
        # A question of no aspect about the move being done ("one arm at a time?") is how it is
        # done; "explain this exercise" is the whole card.
        default = "howto" if asked or form in ("yesno", "how") else "overview"
        return Match("exercise", exercise_id, "why" if purpose else aspect or default, score=100.0)

    def _in_own_words(self, terms: list[str], exercise_id: str, form: str) -> Match | None:
        """The exercise on screen, asked about in the words of its own card ("pull to my ribs or my
        chest" on the bent-over row, "is the rotation at the top" on the curl to press): most of
        the question's words are in one part of it, and no topic answers it."""
        rest = _residual(terms) - self._name_words[exercise_id]
        if not rest or self._best_topic(terms, form, _lifting(terms)):
            return None
        roots = {_root(term) for term in rest}
        fits = {aspect: len(roots & words) for aspect, words in self._card_words[exercise_id].items()}
        asked = _aspect(terms)[0]  # "what does this target": of the parts that fit as well, the one asked for
        aspect = max(fits, key=lambda a: (fits[a], a == asked, -ASPECT_PRIORITY.index(a)))
        if 2 * fits[aspect] < len(roots):
            return None
        return Match("exercise", exercise_id, aspect, score=100.0)

    def _headline(self, terms: list[str], form: str, asked: bool) -> tuple[Match | None, bool]:
        """The headline question in any words ("runners + upper body workouts?" too), if it is
        one; and whether it is one asked about another topic's subject ("should runners train
        upper body for posture": that topic answers it, not the headline)."""
        content = _content(terms)
        weighed = HEADLINE_WEIGHING & content or (asked and form == "other" and HEADLINE_SUBJECT & content)
        if form == "which" or form not in ("yesno", "why") and not weighed:
            return None, False
        if _EITHER.search(" ".join(terms)) and len(HEADLINE_BODY & content) > 1:
            return None, False  # "do i train chest, back or shoulders": which muscles
        # "do" trains only as a verb ("should runners do arms"), not as "how do arms help".
        verbs = [t for before, t in pairwise(["", *terms]) if t not in ASKING or before and before not in _WH]
        body = HEADLINE_BODY & content and HEADLINE_TRAINING.intersection(verbs)
        if not HEADLINE_SUBJECT & content and not body and not (HEADLINE_LIFTING & content and "run" in content):
            return None, False
        own = self._topics.terms[HEADLINE_TOPIC] | HEADLINE_ALSO
        if any(t in CONCEPTS or t in HEADLINE_OTHERS for t in content - own):
            return None, True
        if (HEADLINE_HELPING | PREVENTION_WORDS) & content and any(t not in self._topics.idf for t in content - own):
            return None, False  # "does upper body strength help running economy": not sure which benefit
        return Match("topic", HEADLINE_TOPIC, score=ANSWER_SCORE), False

    def _best_topic(self, terms: list[str], form: str, exclude: str | None = None) -> Match | None:
        ranked = self._topics.rank(_content(terms), form, exclude=exclude, asked=_asked_for(terms, form))
        if not ranked or ranked[0][1] < ANSWER_SCORE:
            return None
        best, score = ranked[0]
        if len(ranked) > 1 and score - ranked[1][1] < CLEAR_MARGIN:
            return None
        known = [t for t in _content(terms) if t in self._topics.idf]
        # One word alone ("arm", "form") is only an answer when it mostly means one topic; and any
        # answer needs a word of the question that mostly means it, not only words every topic
        # shares (run, upper body, gym) and a form of question it is often asked in.
        subject = max(self._topics.share(t, best) for t in known)
        if subject < (SINGLE_WORD_SHARE if len(known) == 1 else SUBJECT_SHARE) and best != HEADLINE_TOPIC:
            return None
        # A coaching concept the answer never mentions, that a close rival does, makes it a choice
        # (a rival far behind is no contender: "out of breath fast" is about breathing, not speed).
        unexplained = {t for t in known if t in CONCEPTS and t not in self._topics.terms[best]}
        for rival, rival_score in ranked[1:2]:
            if unexplained & self._topics.terms[rival] and rival_score >= RIVAL_SHARE * score:
                return None
        return Match("topic", best, score=score)

    def _by_topic(self, terms: list[str], words: list[str], form: str, exclude: str | None = None) -> Match:
        for word in words:  # "press" alone: which press?
            if word in self._shared and not _residual(terms) - {_canonical(word)}:
                options = tuple(EXERCISE_REF + ex for ex in self._shared[word])
                return Match("suggest", options=options, score=NAME_SCORE)
        best = self._best_topic(terms, form, exclude)
        if best is not None:
            return best
        ranked = self._topics.rank(_content(terms), form, lenient=True, exclude=exclude, asked=_asked_for(terms, form))
        if len(ranked) >= 2 and ranked[0][1] >= SUGGEST_SCORE:
            close = [topic_id for topic_id, score in ranked[:3] if score >= SUGGEST_SCORE]
            close = close if len(close) >= 2 else [ranked[0][0], ranked[1][0]]
            return Match("suggest", options=tuple(TOPIC_REF + o for o in close), score=ranked[0][1])
        return UNKNOWN

    # -- words ------------------------------------------------------------------------------

    def _find(self, words: list[str]) -> _Named | None:
        """The longest exercise name in the words, exactly or within a typo or two
        (`dialogs.exercise_names`, the rule the rep-log parser reads names by)."""
        for size in range(min(self._names.longest, len(words)), 0, -1):
            best: _Named | None = None
            for start in range(len(words) - size + 1):
                found = self._names.read(words[start : start + size])
                if found is not None and (best is None or found[1] > best.score):
                    best = _Named(found[0], start, start + size, found[1])
            if best is not None:
                return best
        return None

    def _others_named(self, words: list[str], exclude: str) -> set[str]:
        """Exercises named in words that were left over after the first match."""
        named = self._find(words)
        if named is not None:
            rest = words[: named.start] + words[named.end :]
            return {named.exercise_id} | self._others_named(rest, exclude)
        # "press" beside "shoulder press" is the same press, not another one.
        return {ex for word in words if exclude not in self._shared.get(word, ()) for ex in self._shared.get(word, ())}

    def _terms(self, words: list[str]) -> list[str]:
        """Canonical terms: typos fixed, phrases and synonyms folded, plurals stripped."""
        spelt = (self._correct(word) for word in words)
        text = " ".join(_TEXTED.get(word, word) for word in spelt)  # "upper bdy" is "upper body"
        text = _HEAVY_FEELING.sub("fatigue ", text)
        text = _RACE_TARGET.sub("speed", text)
        text = _PHRASE_PATTERN.sub(lambda found: PHRASES[found.group(1)], text)
        terms = [_canonical(word) for word in text.split()]
        return [
            "someone" if term == "trainer" and OPINION_WORDS.intersection(terms[at + 1 : at + 3]) else term
            for at, term in enumerate(terms)
        ]

    def _split_uncached(self, word: str) -> str:
        """A run of words typed without spaces ("shouldrunnerstrainupperbody", "#upperbodyday"),
        split into the fewest words the content knows; left alone when it is a word or no split
        covers it."""
        if word in self._vocabulary or word in self._english:
            return word
        fewest: list[list[str] | None] = [[]] + [None] * len(word)
        for end in range(1, len(word) + 1):
            for start in range(max(0, end - MAX_JOINED_WORD), end):
                piece, before = word[start:end], fewest[start]
                if before is None or piece not in self._vocabulary or len(piece) < 2 and piece not in "ai":
                    continue
                if fewest[end] is None or len(before) + 1 < len(fewest[end] or ()):
                    fewest[end] = [*before, piece]
        found = fewest[-1]
        return " ".join(found) if found else word

    def _correct_uncached(self, word: str) -> str:
        if word in self._vocabulary or word in self._english or len(word) < 4 or not word.isalpha():
            return word
        # A typo keeps the first letter and about the length: "pain" is not "gain", and
        # "propel" is not "properly".
        candidates = self._spellings.get((word[0], len(word)), ())
        found = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE)
        return found[0] if found else word


class _TopicIndex:
    """The topics' phrasings as IDF-weighted term vectors, and the scoring over them."""

    def __init__(self, phrasings: list[tuple[str, set[str], str]]):
        self.terms: dict[str, set[str]] = {}
        forms: dict[str, Counter[str]] = {}
        for topic_id, terms, form in phrasings:
            self.terms.setdefault(topic_id, set()).update(terms)
            forms.setdefault(topic_id, Counter())[form] += 1
        # How well each topic fits each form of question: the share of its phrasings of that
        # form, relative to the topic where that share is highest.
        share = {t: {f: n / sum(c.values()) for f, n in c.items()} for t, c in forms.items()}
        top = {f: max(s.get(f, 0.0) for s in share.values()) if f in BONUS_FORMS else 2.0 for f in FORMS}
        self._form_fit = {t: {f: s.get(f, 0.0) / (top[f] or 1.0) for f in FORMS} for t, s in share.items()}
        frequency: dict[str, int] = {}
        for terms in self.terms.values():
            for term in terms:
                frequency[term] = frequency.get(term, 0) + 1
        count = len(self.terms)
        self.idf = {term: math.log((count + 1) / df) for term, df in frequency.items()}
        self._phrasings = [
            (topic_id, {t: self.idf[t] for t in terms}, _norm(self.idf[t] for t in terms))
            for topic_id, terms, _ in phrasings
            if terms
        ]
        self._postings: dict[str, list[int]] = {}
        self._uses: dict[str, dict[str, int]] = {}
        for index, (topic_id, weights, _) in enumerate(self._phrasings):
            for term in weights:
                self._postings.setdefault(term, []).append(index)
                uses = self._uses.setdefault(term, {})
                uses[topic_id] = uses.get(topic_id, 0) + 1

    def share(self, term: str, topic_id: str) -> float:
        """Of the phrasings that use `term`, the share that belongs to `topic_id`."""
        uses = self._uses.get(term, {})
        return uses.get(topic_id, 0) / (sum(uses.values()) or 1)

    def rank(
        self, query: set[str], form: str, lenient: bool = False, exclude: str | None = None, asked: str | None = None
    ) -> list[tuple[str, float]]:
        """Every topic that shares a term with the question, with its score, best first.

        Lenient ranking (for suggestions only) forgives unknown words in a question that uses a
        coaching concept: "my posture is terrible at the end of a half" is worth a "did you
        mean", while "how fast can a cheetah run" must still not get an answer.
        """
        known = {t: self.idf[t] for t in query if t in self.idf}
        if not known:
            return []
        known_mass = sum(known.values())
        unknown_mass = UNKNOWN_WORD_WEIGHT * (len(query) - len(known))
        if lenient:
            unknown_mass /= 1 + len(CONCEPTS.keys() & known.keys())
        understood = known_mass / (known_mass + unknown_mass)
        running = "run" in known and not LIFTING & known.keys()
        query_norm = _norm(known.values())
        dots: dict[int, float] = {}
        for term, weight in known.items():
            for index in self._postings[term]:
                dots[index] = dots.get(index, 0.0) + weight * weight
        cosine: dict[str, float] = {}
        for index, dot in dots.items():
            topic_id, _, norm = self._phrasings[index]
            cosine[topic_id] = max(dot / (query_norm * norm), cosine.get(topic_id, 0.0))
        scores = {}
        for topic_id, similarity in cosine.items():
            if topic_id == exclude or topic_id == RUNNING_TOPIC and not _swing_question(known.keys(), form):
                continue
            explained = sum(w for t, w in known.items() if t in self.terms[topic_id])
            blended = COSINE_SHARE * similarity + (1 - COSINE_SHARE) * explained / known_mass
            if running and "run" not in self.terms[topic_id]:
                # "How often should I run?" asks about running, not about a lifting topic
                # (but "how often should runners lift" does).
                blended *= RUNNING_MISMATCH
            # A topic usually asked in the question's form gains: "should runners…" wants the
            # yes-and-why answer, "which muscles…" the list.
            blended *= 1 + FORM_BONUS * max(0.0, 2 * self._form_fit[topic_id][form] - 1)
            if topic_id == asked:  # "which exercises … for my arms and back": the exercises, not the muscles
                blended *= 1 + ASKED_BONUS
            scores[topic_id] = 100.0 * blended * understood
        # Best first; a tie (to rounding: sums over sets differ in the last bits from run to
        # run) goes to the topic that comes first by name, so every run answers alike.
        return sorted(scores.items(), key=lambda item: (-round(item[1], 6), item[0]))


def _asked_for(terms: list[str], form: str) -> str | None:
    """The topic whose things a "which" question asks for: the first of its next three terms
    after which, what, best, list or name that names a kind of thing (exercises, muscles)."""
    if form != "which":
        return None
    at = next((i for i, t in enumerate(terms) if t in ASKING_FOR), None)
    if at is None:
        return None
    following = [t for t in terms[at + 1 :] if t not in _IGNORED][:3]
    return next((ASKED_FOR[t] for t in following if t in ASKED_FOR), None)


def _swing_question(query: Iterable[str], form: str) -> bool:
    """Whether the run's arm swing may answer: the question speaks of running or the arms, and
    does not ask yes or no (or why) about what good they do ("do my arms help me run")."""
    terms = set(query)
    return bool(SWING_SUBJECTS & terms) and not (form in ("yesno", "why") and {"help", "benefit"} & terms)


def _lifting(terms: Iterable[str]) -> str | None:
    """The topic to leave out of a question about lifting: the run's own arm swing, unless it
    speaks of running."""
    return None if "run" in terms else RUNNING_TOPIC


def _out_of_scope(words: list[str], terms: list[str], own: Iterable[str] = ()) -> bool:
    """A subject next door that the coach must not answer with its own material (but not a word of
    the name of the exercise on screen: "why planks with rows" on the plank row)."""
    said = {w for w in words if _canonical(w) not in own} | {t for t in terms if t not in own}
    return bool(OUT_OF_SCOPE & said)


def _question_clause(text: str, on_screen: bool = False) -> str | None:
    """The last sentence or clause, when it asks a question of its own: it ends with "?" or opens
    like a question ("…, should i", "… but do runners…")."""
    clause = _last_clause(text, on_screen)
    if clause is None:
        return None
    words = _words(clause)
    if not (clause.endswith("?") or words and (_form(words) != "other" or words[0] in WH_WORDS)):
        return None
    # "…, right?", "…, correct?": a tag that asks nothing of its own
    return clause if len(_content(words) - GENERIC) >= (1 if clause.endswith("?") else 2) else None


def _last_clause(text: str, on_screen: bool = False) -> str | None:
    """The last sentence or clause, when something comes before it and nothing in it points back
    ("can upper body work help with that"; "it" is mostly a dummy: "is it worth it for runners";
    with an exercise on screen, "this" and "it" are that exercise)."""
    clauses = [c for c in _CLAUSE_BREAK.split(text[:MAX_CHARS].strip()) if c and c.strip()]
    if len(clauses) < 2:
        return None
    words = _words(clauses[-1])
    before = text[:MAX_CHARS].strip()[: -len(clauses[-1])]
    if words and words[0] in RELATIVE and before.rstrip().endswith(",") and _EITHER.search(before.lower()):
        return None  # "back or shoulders, which matters more": the which is the choice before it
    pointing = BACK_REFERENCES - (DEICTIC if on_screen else {"it"})
    if not _content(words) or pointing.intersection(words) or HEADLINE_HELPING.intersection(words):
        return None
    return clauses[-1]


def _scene(segment: str, said: set[str]) -> bool:
    """Whether a sentence or clause states the runner's own running, asking nothing: it opens
    with I (so it is no question: "i do parkrun every saturday", "i have a half marathon in
    june"), names running and nothing of lifting, no coaching concept but how often it runs ("i
    slouch at the end of long runs" is the complaint asked about) and no clear aspect of an
    exercise, and has no question mark."""
    words = _words(segment)
    return (
        bool(words)
        and words[0] in SCENE_OPENERS
        and "?" not in segment
        and bool(SCENE_RUNNING.intersection(words))
        and not (LIFTING | CONCEPTS.keys() - {"often"} | _STRONG_ASPECTS).intersection(said)
    )


def _purpose(words: list[str]) -> bool:
    """Whether the words ask what a move is for: "whats this one for", "what does it do for me"."""
    return words[-1] == "for" or bool(_DO_FOR.search(" ".join(words)))


def _body_choice(text: str, content: set[str]) -> bool:
    """A choice between parts of the upper body, with or, than or question marks ("chest, back or
    shoulders", "the back more than the arms", "shoulders? back? core?"), that names no coaching
    concept (posture, breathing)."""
    lowered = text[:MAX_CHARS].lower()
    chosen = len(CHOICE_BODY & content) > 1 and bool(_COMPARED.search(lowered) or lowered.count("?") > 1)
    return chosen and not any(t in CONCEPTS and t not in CHOICE_BODY or t in SWING_PATH for t in content)


def _small_talk(words: list[str], lenient: bool = False) -> str | None:
    """The kind of small talk a message is made of, or None if it says anything more. Lenient
    (a short message that asks nothing and names nothing of coaching), words that are neither
    small talk nor filler are passed over, one at most: "legend, cheers", "great, ta"."""
    introduced = _INTRODUCTION.search(" ".join(words))
    if introduced and introduced.start() > 0:  # "hey, i'm sam": the greeting, without the name
        words = " ".join(words)[: introduced.start()].split()
    words = [_TEXTED.get(word, word) for word in words]  # "are u a bot"
    found: list[str] = []
    index = passed = 0
    while index < len(words):
        for size in range(min(_LONGEST_TALK, len(words) - index), 0, -1):
            kind = _TALK.get(" ".join(words[index : index + size]))
            if kind is not None:
                found.append(kind)
                index += size
                break
        else:
            if words[index] not in SMALL_TALK_FILLER:
                passed += words[index] not in _IGNORED
                if not lenient or passed > 1:
                    return None
            index += 1
    return min(found, key=_TALK_ORDER.index) if found else None


def _needs_care(words: list[str]) -> bool:
    """Pain, an injury of one's own, a medical condition or an age worry (not a physio's view)."""
    words = _SAID_BY.sub("someone said", _HARM.sub("matter", " ".join(words))).split()
    if SAFETY_WORDS.intersection(words) or _SAFETY_PATTERN.search(" ".join(words)):
        return True
    if SAFETY_BODY.intersection(words) and SAFETY_PROBLEM.intersection(words):
        return True
    said = set(words)
    if _OWN_HURT.search(" ".join(words)) and not RUNNING_STRAIN & said:
        return True  # "my shoulder hurts when i lift, should i keep going": keep is no prevention here
    if INJURY_WORDS & said and not (PREVENTION_WORDS | RUNNING_STRAIN) & said:
        return True  # "wrist hurts in the plank", "it hurts"; "shoulders strained from running" is a topic
    return bool(INJURY_WORDS & said and PERSONAL_WORDS & said) and not PREVENTION_WORDS & said


def _is_emoji(text: str) -> bool:
    """A message of pictographs only (👍, 😂, ❤️), no letters or digits."""
    stripped = text[:MAX_CHARS].strip()
    return bool(stripped) and any(unicodedata.category(c) == "So" for c in stripped)


def _form(words: list[str]) -> str:
    """The form of a question: yes/no ("should runners…", "is it worth…"), why, which, how, or
    another (what…, a statement). Greetings and words of conversation in front are skipped."""
    words = [_TEXTED.get(word, word) for word in words]  # "whats ur take": "ur" is "your"
    request = _REQUEST.match(" ".join(words))
    if request and request.end() < len(" ".join(words)):  # "can you tell me what muscles…": a what
        words = " ".join(words)[request.end() :].split()
        if request.group(1) and "would" not in request.group(0) and _form(words) == "other":
            return "which"  # "can you suggest a simple routine" asks for things ("would you recommend…" weighs)
    if WHY_WORDS.intersection(words) or _DO_FOR.search(" ".join(words)):
        return "why"  # "what does the arm swing do for running": what good it does
    at = next((i for i, w in enumerate(words) if w in FORM_OPENERS or w not in _LEAD_IN), len(words))
    opener, after, then = (words[at : at + 3] + ["", "", ""])[:3]
    if opener == "how" and HELPING_WORDS.intersection(words):
        return "why"  # "how does arm swing help": what good it does, not how it is done
    if opener in FORM_OPENERS:
        return FORM_OPENERS[opener]
    # "what muscles…", "besides my legs what should i strengthen", "…. question - which muscles should
    # i build": it asks for a thing, not a yes or no
    at = next((i for i, w in enumerate(words) if w in WHAT_WORDS or w == "which"), len(words))
    after, then = (words[at + 1 : at + 3] + ["", ""])[:2]
    if after and after not in STOPWORDS or after == "of" or after in ASKING and then in PERSONAL_WORDS:
        return "which"
    if opener in WH_WORDS:
        return "other"
    if YESNO_WORDS.intersection(words) or words[-2:] in (["or", "not"], ["or", "no"]):
        return "yesno"  # "…, train them or not?"
    # A yes/no question later in the message: "…, am i missing out", "i'm a runner, is it worth it"
    # (Not after a question word: "…, how do i do it" stays a how question.)
    before_wh = words[: next((i for i, w in enumerate(words) if w in _WH), len(words))]
    asked = list(pairwise(before_wh))
    if any(w in FORM_OPENERS and nxt in QUESTION_SUBJECTS for w, nxt in asked):
        return "yesno"
    return "other"


def _words(text: str) -> list[str]:
    if not isinstance(text, str):
        return []
    text = text[:MAX_CHARS].replace("'", "").replace("\u2019", "")
    text = _DRAWN_OUT.sub(r"\1", default_process(text))  # "heyyy", "hellooo"
    return _DIGITS_AND_LETTERS.sub(" ", text).split()


_SNOWBALL = snowballstemmer.stemmer("english")
_STRONG_ASPECTS = frozenset(word for word, (_, weight) in ASPECT_WORDS.items() if weight > 1)  # not do, how
_SUFFIXES = (("ment", 4), ("ing", 4), ("ed", 4), ("s", 3))
_ES_PLURALS = ("ches", "shes", "sses", "xes")  # "arches" is "arch", "crunches" "crunch"


def _stem(word: str) -> str:
    """A light stemmer: "crossing" and "crosses" meet at "cross", "improvement" at "improve"."""
    if word.endswith(("ss", "us", "is")):
        return word
    if word.endswith(_ES_PLURALS) and len(word) > 5:
        return word[:-2]
    for suffix, keep in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            stem = word[: -len(suffix)]
            if suffix in ("ing", "ed") and stem[-1] == stem[-2] and stem[-1] not in "lsz":
                return stem[:-1]  # "hitting" is "hit", "stopped" "stop"
            return stem
    return word


def _root(term: str) -> str:
    """Snowball's stem of a term, for comparing a question with an exercise's card: "rotation"
    and "rotate" meet at "rotat", where the light stemmer keeps them apart."""
    return str(_SNOWBALL.stemWord(term))


def _canonical(word: str) -> str:
    if word in _CANONICAL or word in _IGNORED:
        return word
    return _SYNONYMS.get(word) or _SYNONYMS.get(_stem(word)) or _stem(word)


def _content(terms: Iterable[str]) -> set[str]:
    """The terms that carry meaning: no stopwords, no bare numbers."""
    return {t for t in terms if t not in _IGNORED and not t.isdigit()}


def _residual(terms: Iterable[str]) -> set[str]:
    """What is left once the words about an exercise on screen are set aside."""
    return {t for t in _content(terms) if t not in GENERIC and t not in DEICTIC and t not in ASPECT_WORDS}


def _aspect(terms: list[str]) -> tuple[str | None, int]:
    """The aspect of an exercise the terms ask about, and how strongly (0 when none)."""
    strength: dict[str, int] = {}
    for term in terms:
        if term in ASPECT_WORDS:
            aspect, weight = ASPECT_WORDS[term]
            strength[aspect] = max(strength.get(aspect, 0), weight)
    if not strength:
        return None, 0
    best = max(ASPECT_PRIORITY, key=lambda a: (strength.get(a, 0), -ASPECT_PRIORITY.index(a)))
    return best, strength[best]


def _norm(weights: Iterable[float]) -> float:
    return math.sqrt(sum(w * w for w in weights)) or 1.0

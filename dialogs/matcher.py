"""The question matcher: what a runner typed → a topic, an exercise aspect, a suggestion or nothing.

How it decides, in order:
1. Normalise (rapidfuzz's `default_process`) the first 300 characters.
2. Look for an exercise named in the text: its aliases, compared window by window with
   rapidfuzz so that "lateral raize" still counts.
3. Turn the other words into canonical terms: fix typos against the content's own vocabulary,
   fold phrases and synonyms ("how often", "stamina", "bulk up"), strip plurals.
4. An exercise named with an aspect word ("what does X work") is about that exercise; so is an
   aspect or "this/it" question while an exercise is on screen, unless the rest of the words
   point at a topic.
5. Otherwise every topic is scored against the terms: IDF-weighted cosine with its best
   phrasing, blended with how much of the question its vocabulary explains, and scaled down by
   the share of words the content never uses. That last factor is what keeps "what's the
   weather" or "bitcoin price" from being answered with coaching. A close runner-up gives a
   suggestion; a weak best score gives "unknown".
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from content.knowledge import EXERCISE_REF, TOPIC_REF, Knowledge

MAX_CHARS = 300

ANSWER_SCORE = 50.0  # a topic scoring this (0–100) is answered...
CLEAR_MARGIN = 5.0  # ...when the runner-up trails by at least this much
SUGGEST_SCORE = 50.0  # weaker, or too close to call: offer the best two or three
SINGLE_WORD_SHARE = 0.6  # a one-word question needs this share of that word's phrasings
COSINE_SHARE = 0.8  # the rest of a topic's score is how much of the question it explains
UNKNOWN_WORD_WEIGHT = 3.0  # the IDF given to a word no topic uses
RUNNING_MISMATCH = 0.3
ALIAS_SCORE = 85.0  # fuzz.ratio needed for a word window to name an exercise
TYPO_SCORE = 80.0  # fuzz.ratio needed to read an unknown word as a misspelt known one

# Phrases folded into one term before the text is split into words.
_PHRASES = {
    "how many": "count", "how much": "count", "how often": "often", "how heavy": "heavy",
    "good for": "benefit", "point of": "benefit", "how does": "benefit", "muscle groups": "muscle",
    "warm up": "warmup", "cool down": "cooldown", "bulk up": "bulk", "every day": "often",
    "times a week": "often", "times per week": "often", "a week": "week", "per week": "week",
    "1 on 1": "oneonone", "1 1": "oneonone", "one on one": "oneonone", "one to one": "oneonone",
    "personal trainer": "trainer", "personal training": "trainer", "upper body": "upperbody",
    "gym membership": "gym", "half marathon": "marathon",
}
_PHRASE_PATTERN = re.compile(r"\b(" + "|".join(map(re.escape, _PHRASES)) + r")\b")
_DIGITS_AND_LETTERS = re.compile(r"(?<=\d)(?=[^\W\d])|(?<=[^\W\d])(?=\d)")

_TEXTING = {
    "should": "shud shld", "you": "u ya", "your": "ur", "are": "r", "what": "wat wut",
    "want": "wanna", "going": "gonna",
}
# The coaching concepts. A question that uses one of these is about training even when it also
# has words the content never uses, so they soften the penalty for unknown words.
_CONCEPTS = {
    "rep": "reps repetition repetitions",
    "set": "sets",
    "weight": "weights kg kgs kilo kilos pound pounds lb lbs",
    "heavy": "heavier heaviest light lighter",
    "dumbbell": "dumbbells dumbell dumbells db dbs",
    "bulk": "bulky bulking bulked huge massive jacked muscular bodybuilder big bigger buff",
    "often": "frequency frequently daily twice once",
    "warmup": "warm warming warmups",
    "cooldown": "cool cooling afterwards",
    "mobility": "stretch stretches stretching",
    "injury": "injuries injured injure",
    "imbalance": "imbalances imbalanced unbalanced",
    "posture": "slouch slouching slump slumping hunch hunched hunching upright",
    "breath": "breathing breathe breathes breathless",
    "core": "abs trunk",
    "fatigue": "tired tiring tire fatigued exhausted wrecked",
    "recover": "recovery recovering recovers",
    "endurance": "stamina",
    "speed": "faster fast quicker quick quickly pace pb pr",
    "swing": "swinging swings pump pumping",
    "propulsion": "propel propels propelling drive driving",
    "elbow": "elbows",
    "trainer": "coach pt coaching trainers",
    "custom": "personalised personalized customised customized tailored personal",
    "equipment": "gear kit",
    "form": "technique",
    "begin": "beginner beginners start started starting beginning newbie novice",
}
_WORDS = {
    "week": "weeks weekly",
    "arm": "arms",
    "shoulder": "shoulders",
    "hand": "hands",
    "mile": "miles mi km kms kilometre kilometres kilometer kilometers",
    "exercise": "exercises moves workout workouts routine",
    "run": "running runner runners runs jog jogging jogger",
    "lift": "lifting lifts lifted",
    "train": "training trains trained",
    "strength": "strengthen strengthening stronger strong",
    "muscle": "muscles",
    "benefit": "benefits useful worth purpose",
    "mistake": "mistakes error errors",
    "step": "steps instruction instructions",
    "target": "targets hit hits",
    "work": "works working worked",
    "bot": "app",
    "help": "helps helping",
    "need": "needed necessary essential required",
    "cross": "across crossing crosses crossed",
    "ask": "question questions answer answers",
}
_SYNONYM_GROUPS = {**_TEXTING, **_CONCEPTS, **_WORDS}
_SYNONYMS = {word: canon for canon, words in _SYNONYM_GROUPS.items() for word in words.split()}

# Function words and everyday filler: they say nothing about the subject, so they neither help
# a match nor count against it.
_STOPWORDS = frozenset("""
    a an the i im ive id ill me my mine myself we our us they them their he she her his him
    to of in on at for with and or nor is are am be been being was were it its this that these
    those so just really actually some any about if then than from by as but also there here
    do does did doing done get gets got getting have has had having would could should will wil
    shall can cant may might must what whats which when where who whom while very please hey hi
    ok okay into yeah yes no not dont doesnt didnt isnt arent wont cannot your yours now still
    already even ever maybe probably anything something thing things stuff lot lots bit kind
    sort type guys make makes made take takes know think feel feels go goes going say says said
    see look try keep use true lol thanks thank cheers time times all always
    never sometimes usually mostly completely totally pretty quite rather literally basically
    honestly definitely anyway though because since
""".split())
# Subjects next door that the coach must not answer with its own material (pain, food, shoes):
# one of these words and the answer is "I don't know that one".
_OUT_OF_SCOPE = frozenset("""
    pain painful hurt hurts hurting sore knee knees ankle ankles foot feet shin shins plantar
    achilles hamstring hamstrings calf calves diet dieting eat eating food meal nutrition calorie
    calories protein carb carbs lose losing shoe shoes sneaker sneakers doctor physio medicine
    pregnant pregnancy supplement supplements creatine caffeine
    squat squats lunge lunges deadlift deadlifts pushup pushups pullup pullups ups chinup chinups
    burpee burpees yoga pilates swim swimming cycling bike biking rowing treadmill tennis golf
    football soccer basketball
""".split())

# Aspect words (canonical terms) → (aspect, strength). The strongest aspect wins; a tie goes to
# the one earlier in _ASPECT_PRIORITY.
_ASPECT_WORDS = {
    "muscle": ("muscles", 2), "work": ("muscles", 2), "target": ("muscles", 2),
    "form": ("howto", 2), "step": ("howto", 2), "perform": ("howto", 2),
    "properly": ("howto", 1), "tip": ("howto", 1), "how": ("howto", 1), "do": ("howto", 1), "doing": ("howto", 1),
    "why": ("why", 2), "benefit": ("why", 2), "help": ("why", 1),
    "mistake": ("mistakes", 2), "wrong": ("mistakes", 2), "avoid": ("mistakes", 2),
    "bad": ("mistakes", 1),
    "need": ("equipment", 2), "equipment": ("equipment", 2), "bench": ("equipment", 2),
    "without": ("equipment", 2), "floor": ("equipment", 1),
}
_ASPECT_PRIORITY = ("mistakes", "equipment", "muscles", "why", "howto")
# Terms the stemmer must leave alone.
_CANONICAL = frozenset(_SYNONYM_GROUPS) | frozenset(_ASPECT_WORDS) | frozenset(_PHRASES.values())
# Words that point at the exercise on screen.
_DEICTIC = frozenset({"this", "it", "that", "one", "exercise"})
# Words that say nothing about which topic is meant.
_GENERIC = frozenset({"run", "proper", "right", "correct", "good", "tell", "explain", "show",
                      "again", "common", "exactly", "thing", "way"})
# Words that could name more than one exercise: offered as a suggestion.
_AMBIGUOUS = {
    "press": ("shoulder_press", "chest_press", "curl_to_press"),
    "presses": ("shoulder_press", "chest_press", "curl_to_press"),
    "raise": ("lateral_raise", "curl_to_press"),
}


@dataclass(frozen=True)
class Match:
    """The verdict on one message. `score` is on rapidfuzz's 0–100 scale."""

    kind: Literal["topic", "exercise", "suggest", "unknown"]
    id: str | None = None
    aspect: str | None = None
    options: tuple[str, ...] = ()
    score: float = 0.0


UNKNOWN = Match("unknown")


@dataclass(frozen=True)
class _Named:
    exercise_id: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class _Phrasing:
    topic_id: str
    weights: dict[str, float]
    norm: float


class Matcher:
    def __init__(self, knowledge: Knowledge):
        self._exercise_ids = frozenset(knowledge.exercises)
        self._alias_exact: dict[str, str] = {
            default_process(alias): exercise.id
            for exercise in knowledge.exercises.values()
            for alias in (exercise.name, *exercise.aliases)
        }
        self._max_alias_words = max(len(alias.split()) for alias in self._alias_exact)
        # Short aliases ("ohp", "row") are too easy to hit by accident: exact matches only.
        self._alias_fuzzy: dict[int, list[str]] = {}
        for alias in self._alias_exact:
            if len(alias) >= 5:
                self._alias_fuzzy.setdefault(len(alias.split()), []).append(alias)

        questions = [(t.id, _words(q)) for t in knowledge.topics.values() for q in t.questions]
        vocabulary = set(_STOPWORDS) | set(_SYNONYMS) | set(_ASPECT_WORDS) | set(_GENERIC)
        vocabulary |= {word for phrase in _PHRASES for word in phrase.split()}
        vocabulary |= {word for alias in self._alias_exact for word in alias.split()}
        vocabulary |= {word for _, words in questions for word in words}
        self._vocabulary = frozenset(vocabulary)
        # Misspellings are only ever read as words that matter: "world" must not become "would".
        self._spellings: dict[tuple[str, int], list[str]] = {}
        for word in vocabulary - _STOPWORDS:
            for size in (len(word) - 1, len(word), len(word) + 1):
                self._spellings.setdefault((word[0], size), []).append(word)
        self._correct = lru_cache(maxsize=4096)(self._correct_uncached)

        phrasings = [(topic_id, _content(self._terms(words))) for topic_id, words in questions]
        self._topic_terms: dict[str, set[str]] = {}
        for topic_id, terms in phrasings:
            self._topic_terms.setdefault(topic_id, set()).update(terms)
        frequency: dict[str, int] = {}
        for terms in self._topic_terms.values():
            for term in terms:
                frequency[term] = frequency.get(term, 0) + 1
        count = len(self._topic_terms)
        self._idf = {term: math.log((count + 1) / df) for term, df in frequency.items()}
        self._share: dict[str, dict[str, float]] = {}
        for topic_id, terms in phrasings:
            for term in terms:
                self._share.setdefault(term, {}).setdefault(topic_id, 0.0)
                self._share[term][topic_id] += 1.0
        for shares in self._share.values():
            total = sum(shares.values())
            for topic_id in shares:
                shares[topic_id] /= total
        self._phrasings = [
            _Phrasing(topic_id, {t: self._idf[t] for t in terms}, _norm(self._idf[t] for t in terms))
            for topic_id, terms in phrasings if terms
        ]

    # -- public API -------------------------------------------------------------------------

    def match(self, text: str, current_exercise: str | None = None) -> Match:
        words = _words(text)
        if not words or _OUT_OF_SCOPE.intersection(words):
            return UNKNOWN
        named = self._find(words)
        if named is not None:
            return self._about_named(words, named)
        terms = self._terms(words)
        if current_exercise in self._exercise_ids:
            about_current = self._about_current(terms, current_exercise)
            if about_current is not None:
                return about_current
        return self._by_topic(terms, words)

    def find_exercise(self, text: str) -> str | None:
        named = self._find(_words(text))
        return named.exercise_id if named else None

    # -- deciding ---------------------------------------------------------------------------

    def _about_named(self, words: list[str], named: _Named) -> Match:
        others = words[:named.start] + words[named.end:]
        rest = self._terms(others)
        aspect = _aspect(rest)
        also = self._others_named(others) - {named.exercise_id}
        if also:  # "elbows in presses and rows": about several moves, so a topic or a choice
            options = tuple(EXERCISE_REF + ex for ex in (named.exercise_id, *sorted(also)))
            return self._best_topic(rest) or Match("suggest", options=options[:3])
        if aspect is None and _residual(rest):
            topic = self._best_topic(rest)
            if topic is not None:
                return topic
        return Match("exercise", named.exercise_id, aspect or "overview", score=named.score)

    def _about_current(self, terms: list[str], exercise_id: str) -> Match | None:
        aspect = _aspect(terms)
        if aspect is None and not _DEICTIC.intersection(terms):
            return None
        rest = _residual(terms)
        if rest and (self._best_topic(terms) or any(t not in self._idf for t in rest)):
            return None
        return Match("exercise", exercise_id, aspect or "overview", score=100.0)

    def _best_topic(self, terms: list[str]) -> Match | None:
        ranked = self._rank(terms)
        if not ranked or ranked[0][1] < ANSWER_SCORE:
            return None
        best, score = ranked[0]
        if len(ranked) > 1 and score - ranked[1][1] < CLEAR_MARGIN:
            return None
        known = [t for t in _content(terms) if t in self._idf]
        # One word alone ("arm", "form") is only an answer when it mostly means one topic.
        if len(known) == 1 and self._share[known[0]].get(best, 0.0) < SINGLE_WORD_SHARE:
            return None
        return Match("topic", best, score=score)

    def _by_topic(self, terms: list[str], words: list[str]) -> Match:
        best = self._best_topic(terms)
        if best is not None:
            return best
        ranked = self._rank(terms, lenient=True)
        if len(ranked) >= 2 and ranked[0][1] >= SUGGEST_SCORE:
            options = [topic_id for topic_id, score in ranked[:3] if score >= SUGGEST_SCORE]
            options = options if len(options) >= 2 else [ranked[0][0], ranked[1][0]]
            return Match("suggest", options=tuple(TOPIC_REF + o for o in options),
                         score=ranked[0][1])
        for word in words:
            if word in _AMBIGUOUS and not _residual(terms) - {_stem(word)}:
                options = tuple(EXERCISE_REF + ex for ex in _AMBIGUOUS[word])
                return Match("suggest", options=options, score=ALIAS_SCORE)
        return UNKNOWN

    # -- scoring ----------------------------------------------------------------------------

    def _rank(self, terms: list[str], lenient: bool = False) -> list[tuple[str, float]]:
        """Every topic that shares a term with the question, with its score, best first.

        Lenient ranking (for suggestions only) forgives unknown words in a question that uses a
        coaching concept: "my posture is terrible at the end of a half" is worth a "did you
        mean", while "how fast can a cheetah run" must still not get an answer.
        """
        query = _content(terms)
        known = {t: self._idf[t] for t in query if t in self._idf}
        if not known:
            return []
        known_mass = sum(known.values())
        unknown_mass = UNKNOWN_WORD_WEIGHT * (len(query) - len(known))
        if lenient:
            unknown_mass /= 1 + len(_CONCEPTS.keys() & known.keys())
        understood = known_mass / (known_mass + unknown_mass)
        query_norm = _norm(known.values())
        cosine: dict[str, float] = {}
        for phrasing in self._phrasings:
            dot = sum(w * phrasing.weights[t] for t, w in known.items() if t in phrasing.weights)
            if dot:
                similarity = dot / (query_norm * phrasing.norm)
                if "run" in known and "run" not in phrasing.weights:
                    # "how often should I run" asks about running, not about these moves.
                    similarity *= RUNNING_MISMATCH
                cosine[phrasing.topic_id] = max(similarity, cosine.get(phrasing.topic_id, 0.0))
        scores = {}
        for topic_id, similarity in cosine.items():
            explained = sum(w for t, w in known.items() if t in self._topic_terms[topic_id])
            blended = COSINE_SHARE * similarity + (1 - COSINE_SHARE) * explained / known_mass
            scores[topic_id] = 100.0 * blended * understood
        return sorted(scores.items(), key=lambda item: item[1], reverse=True)

    # -- words ------------------------------------------------------------------------------

    def _find(self, words: list[str]) -> _Named | None:
        """The longest alias named in the words, exactly or within a typo or two."""
        for size in range(min(self._max_alias_words, len(words)), 0, -1):
            best: _Named | None = None
            for start in range(len(words) - size + 1):
                window = " ".join(words[start:start + size])
                exercise_id, score = self._alias_exact.get(window), 100.0
                if exercise_id is None and size in self._alias_fuzzy:
                    found = process.extractOne(window, self._alias_fuzzy[size],
                                               scorer=fuzz.ratio, score_cutoff=ALIAS_SCORE)
                    if found is None:
                        continue
                    exercise_id, score = self._alias_exact[found[0]], found[1]
                if exercise_id is not None and (best is None or score > best.score):
                    best = _Named(exercise_id, start, start + size, score)
            if best is not None:
                return best
        return None

    def _others_named(self, words: list[str]) -> set[str]:
        """Exercises named in words that were left over after the first match."""
        named = self._find(words)
        if named is not None:
            return {named.exercise_id} | self._others_named(words[:named.start] + words[named.end:])
        return {ex for word in words for ex in _AMBIGUOUS.get(word, ())}

    def _terms(self, words: list[str]) -> list[str]:
        """Canonical terms: typos fixed, phrases and synonyms folded, plurals stripped."""
        text = " ".join(self._correct(word) for word in words)
        text = _PHRASE_PATTERN.sub(lambda found: _PHRASES[found.group(1)], text)
        return [_canonical(word) for word in text.split()]

    def _correct_uncached(self, word: str) -> str:
        if word in self._vocabulary or len(word) < 4 or not word.isalpha():
            return word
        # A typo keeps the first letter and about the length: "pain" is not "gain", and
        # "propel" is not "properly".
        candidates = self._spellings.get((word[0], len(word)), ())
        found = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE)
        return found[0] if found else word


def _words(text: str) -> list[str]:
    if not isinstance(text, str):
        return []
    text = text[:MAX_CHARS].replace("'", "").replace("\u2019", "")
    return _DIGITS_AND_LETTERS.sub(" ", default_process(text)).split()


_SUFFIXES = (("ment", 4), ("ing", 4), ("ed", 4), ("s", 3))


def _stem(word: str) -> str:
    """A light stemmer: "crossing" and "crosses" meet at "cross", "improvement" at "improve"."""
    if word.endswith(("ss", "us", "is")):
        return word
    for suffix, keep in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            return word[: -len(suffix)]
    return word


def _canonical(word: str) -> str:
    if word in _CANONICAL or word in _STOPWORDS:
        return word
    return _SYNONYMS.get(word) or _SYNONYMS.get(_stem(word)) or _stem(word)


def _content(terms: Iterable[str]) -> set[str]:
    """The terms that carry meaning: no stopwords, no bare numbers."""
    return {t for t in terms if t not in _STOPWORDS and not t.isdigit()}


def _residual(terms: Iterable[str]) -> set[str]:
    """What is left once the words about an exercise on screen are set aside."""
    return {t for t in _content(terms)
            if t not in _GENERIC and t not in _DEICTIC and t not in _ASPECT_WORDS}


def _aspect(terms: list[str]) -> str | None:
    strength: dict[str, int] = {}
    for term in terms:
        if term in _ASPECT_WORDS:
            aspect, weight = _ASPECT_WORDS[term]
            strength[aspect] = max(strength.get(aspect, 0), weight)
    if not strength:
        return None
    return max(_ASPECT_PRIORITY, key=lambda a: (strength.get(a, 0), -_ASPECT_PRIORITY.index(a)))


def _norm(weights: Iterable[float]) -> float:
    return math.sqrt(sum(w * w for w in weights)) or 1.0

"""The question matcher: a runner's message → a topic, an exercise aspect, a suggestion or nothing.

How it decides:
1. Normalise the first 300 characters (rapidfuzz's `default_process`). A word from a subject next
   door that the coach must not touch (pain, food, shoes, other sports) means "unknown".
2. Look for an exercise named in the text: its aliases, compared window by window with
   `fuzz.ratio`, so "lateral raize" still counts.
3. Turn the other words into canonical terms: fix typos against the content's own vocabulary
   (rapidfuzz again), fold phrases and synonyms ("how often", "stamina", "bulk up"), stem.
4. An exercise named with an aspect word ("what does X work") is about that exercise; so is an
   aspect or "this/it" question while an exercise is on screen, unless the rest of the words
   point at a topic.
5. Otherwise every topic phrasing is scored: IDF-weighted cosine with the question, blended with
   how much of the question the topic's vocabulary explains, and scaled by the share of the
   question the content understands at all. Unknown words count against a match, which is what
   keeps "what's the weather" or "bitcoin price" from being answered with coaching. A clear
   winner above the cut-off is answered; a close call, or a question that names a coaching
   concept among unknown words, gets a "did you mean"; anything else is "unknown".

Why rapidfuzz's string scorers do not score the topics: blended into the cosine score they won
at most 2 of 276 questions in tests/data/questions.yaml, and WRatio, token_set_ratio and
partial_ratio began answering off-topic questions that share a single word with a phrasing.
bench/matching.py prints the accuracy and the time per question.
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
SUGGEST_SCORE = 55.0  # weaker, or too close to call: offer the best two or three
SINGLE_WORD_SHARE = 0.6  # a one-word question needs this share of that word's phrasings
COSINE_SHARE = 0.8  # the rest of a topic's score is how much of the question it explains
UNKNOWN_WORD_WEIGHT = 3.0  # the IDF given to a word no topic uses
RUNNING_MISMATCH = 0.5  # factor for a topic that never mentions running, asked about running
ALIAS_SCORE = 85.0  # fuzz.ratio needed for a word window to name an exercise
TYPO_SCORE = 80.0  # fuzz.ratio needed to read an unknown word as a misspelt known one

# Phrases folded into one term before the text is split into words.
_PHRASES = {
    "how many": "count",
    "how much": "count",
    "how often": "often",
    "how heavy": "heavy",
    "good for": "benefit",
    "point of": "benefit",
    "how does": "benefit",
    "muscle groups": "muscle",
    "warm up": "warmup",
    "cool down": "cooldown",
    "bulk up": "bulk",
    "every day": "often",
    "times a week": "often",
    "times per week": "often",
    "a week": "week",
    "per week": "week",
    "1 on 1": "oneonone",
    "1 1": "oneonone",
    "one on one": "oneonone",
    "one to one": "oneonone",
    "personal trainer": "trainer",
    "personal training": "trainer",
    "upper body": "upperbody",
    "gym membership": "gym",
    "half marathon": "marathon",
    "push ups": "pushup",
    "pull ups": "pullup",
    "chin ups": "chinup",
    "sit ups": "situp",
}
_PHRASE_PATTERN = re.compile(r"\b(" + "|".join(map(re.escape, _PHRASES)) + r")\b")
_DIGITS_AND_LETTERS = re.compile(r"(?<=\d)(?=[^\W\d])|(?<=[^\W\d])(?=\d)")

_TEXTING = {
    "should": "shud shld",
    "you": "u ya",
    "your": "ur",
    "are": "r",
    "what": "wat wut",
    "want": "wanna",
    "going": "gonna",
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
    "speed": "faster fast quicker quick quickly pace pb pr slow slower slowing",
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
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "i",
        "im",
        "ive",
        "id",
        "ill",
        "me",
        "my",
        "mine",
        "myself",
        "we",
        "our",
        "us",
        "they",
        "them",
        "their",
        "he",
        "she",
        "her",
        "his",
        "him",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "with",
        "and",
        "or",
        "nor",
        "is",
        "are",
        "am",
        "be",
        "been",
        "being",
        "was",
        "were",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "so",
        "just",
        "really",
        "actually",
        "some",
        "any",
        "about",
        "if",
        "then",
        "than",
        "from",
        "by",
        "as",
        "but",
        "also",
        "there",
        "here",
        "do",
        "does",
        "did",
        "doing",
        "done",
        "get",
        "gets",
        "got",
        "getting",
        "have",
        "has",
        "had",
        "having",
        "would",
        "could",
        "should",
        "will",
        "wil",
        "shall",
        "can",
        "cant",
        "may",
        "might",
        "must",
        "what",
        "whats",
        "which",
        "when",
        "where",
        "who",
        "whom",
        "while",
        "very",
        "please",
        "hey",
        "hi",
        "ok",
        "okay",
        "into",
        "yeah",
        "yes",
        "no",
        "not",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "arent",
        "wont",
        "cannot",
        "your",
        "yours",
        "now",
        "still",
        "already",
        "even",
        "ever",
        "maybe",
        "probably",
        "anything",
        "something",
        "thing",
        "things",
        "stuff",
        "lot",
        "lots",
        "bit",
        "kind",
        "sort",
        "type",
        "guys",
        "make",
        "makes",
        "made",
        "take",
        "takes",
        "know",
        "think",
        "feel",
        "feels",
        "go",
        "goes",
        "going",
        "say",
        "says",
        "said",
        "see",
        "look",
        "try",
        "keep",
        "use",
        "want",
        "true",
        "lol",
        "thanks",
        "thank",
        "cheers",
        "time",
        "times",
        "all",
        "always",
        "never",
        "sometimes",
        "usually",
        "mostly",
        "completely",
        "totally",
        "pretty",
        "quite",
        "rather",
        "literally",
        "basically",
        "honestly",
        "definitely",
        "anyway",
        "though",
        "because",
        "since",
    ]
)
# Subjects next door that the coach must not answer with its own material (pain, food, shoes):
# one of these words and the answer is "I don't know that one".
_OUT_OF_SCOPE = frozenset(
    [
        "pain",
        "painful",
        "hurt",
        "hurts",
        "hurting",
        "sore",
        "knee",
        "knees",
        "ankle",
        "ankles",
        "foot",
        "feet",
        "shin",
        "shins",
        "plantar",
        "achilles",
        "hamstring",
        "hamstrings",
        "calf",
        "calves",
        "diet",
        "dieting",
        "eat",
        "eating",
        "food",
        "meal",
        "nutrition",
        "calorie",
        "calories",
        "protein",
        "carb",
        "carbs",
        "lose",
        "losing",
        "shoe",
        "shoes",
        "sneaker",
        "sneakers",
        "doctor",
        "physio",
        "medicine",
        "pregnant",
        "pregnancy",
        "supplement",
        "supplements",
        "creatine",
        "caffeine",
        "squat",
        "squats",
        "lunge",
        "lunges",
        "deadlift",
        "deadlifts",
        "pushup",
        "pushups",
        "pullup",
        "pullups",
        "chinup",
        "chinups",
        "situp",
        "situps",
        "burpee",
        "burpees",
        "yoga",
        "pilates",
        "swim",
        "swimming",
        "cycling",
        "bike",
        "biking",
        "rowing",
        "treadmill",
        "tennis",
        "golf",
        "football",
        "soccer",
        "basketball",
    ]
)

# Aspect words (canonical terms) → (aspect, strength). The strongest aspect wins; a tie goes to
# the one earlier in _ASPECT_PRIORITY.
_ASPECT_WORDS = {
    "muscle": ("muscles", 2),
    "work": ("muscles", 2),
    "target": ("muscles", 2),
    "form": ("howto", 2),
    "step": ("howto", 2),
    "perform": ("howto", 2),
    "properly": ("howto", 1),
    "tip": ("howto", 1),
    "how": ("howto", 1),
    "do": ("howto", 1),
    "doing": ("howto", 1),
    "why": ("why", 2),
    "benefit": ("why", 2),
    "help": ("why", 1),
    "mistake": ("mistakes", 2),
    "wrong": ("mistakes", 2),
    "avoid": ("mistakes", 2),
    "bad": ("mistakes", 1),
    "need": ("equipment", 2),
    "equipment": ("equipment", 2),
    "bench": ("equipment", 2),
    "without": ("equipment", 2),
    "floor": ("equipment", 1),
}
_ASPECT_PRIORITY = ("mistakes", "equipment", "muscles", "why", "howto")
# Terms the stemmer must leave alone.
_CANONICAL = frozenset(_SYNONYM_GROUPS) | frozenset(_ASPECT_WORDS) | frozenset(_PHRASES.values())
# Words that point at the exercise on screen.
_DEICTIC = frozenset({"this", "it", "that", "one", "exercise"})
# Words that say nothing about which topic is meant.
_GENERIC = frozenset(
    {"run", "proper", "right", "correct", "good", "tell", "explain", "show", "again", "common", "exactly", "way"}
)
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


class Matcher:
    """Built once from the knowledge; `match` is then pure, synchronous and never raises."""

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

        self._topics = _TopicIndex([(topic_id, _content(self._terms(words))) for topic_id, words in questions])

    # -- public API -------------------------------------------------------------------------

    def match(self, text: str, current_exercise: str | None = None) -> Match:
        words = _words(text)
        terms = self._terms(words)
        if not words or _OUT_OF_SCOPE.intersection(words) or _OUT_OF_SCOPE.intersection(terms):
            return UNKNOWN
        named = self._find(words)
        if named is not None:
            return self._about_named(words, named)
        if current_exercise in self._exercise_ids:
            about_current = self._about_current(terms, current_exercise)
            if about_current is not None:
                return about_current
        return self._by_topic(terms, words)

    def find_exercise(self, text: str) -> str | None:
        """The exercise named in the text (an alias, typos forgiven), if any."""
        named = self._find(_words(text))
        return named.exercise_id if named else None

    # -- deciding ---------------------------------------------------------------------------

    def _about_named(self, words: list[str], named: _Named) -> Match:
        others = words[: named.start] + words[named.end :]
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
        if rest and (self._best_topic(terms) or any(t not in self._topics.idf for t in rest)):
            return None
        return Match("exercise", exercise_id, aspect or "overview", score=100.0)

    def _best_topic(self, terms: list[str]) -> Match | None:
        ranked = self._topics.rank(_content(terms))
        if not ranked or ranked[0][1] < ANSWER_SCORE:
            return None
        best, score = ranked[0]
        if len(ranked) > 1 and score - ranked[1][1] < CLEAR_MARGIN:
            return None
        known = [t for t in _content(terms) if t in self._topics.idf]
        # One word alone ("arm", "form") is only an answer when it mostly means one topic.
        if len(known) == 1 and self._topics.share(known[0], best) < SINGLE_WORD_SHARE:
            return None
        return Match("topic", best, score=score)

    def _by_topic(self, terms: list[str], words: list[str]) -> Match:
        best = self._best_topic(terms)
        if best is not None:
            return best
        ranked = self._topics.rank(_content(terms), lenient=True)
        if len(ranked) >= 2 and ranked[0][1] >= SUGGEST_SCORE:
            close = [topic_id for topic_id, score in ranked[:3] if score >= SUGGEST_SCORE]
            close = close if len(close) >= 2 else [ranked[0][0], ranked[1][0]]
            return Match("suggest", options=tuple(TOPIC_REF + o for o in close), score=ranked[0][1])
        for word in words:
            if word in _AMBIGUOUS and not _residual(terms) - {_canonical(word)}:
                options = tuple(EXERCISE_REF + ex for ex in _AMBIGUOUS[word])
                return Match("suggest", options=options, score=ALIAS_SCORE)
        return UNKNOWN

    # -- words ------------------------------------------------------------------------------

    def _find(self, words: list[str]) -> _Named | None:
        """The longest alias named in the words, exactly or within a typo or two."""
        for size in range(min(self._max_alias_words, len(words)), 0, -1):
            best: _Named | None = None
            for start in range(len(words) - size + 1):
                window = " ".join(words[start : start + size])
                exercise_id, score = self._alias_exact.get(window), 100.0
                if exercise_id is None and size in self._alias_fuzzy:
                    found = process.extractOne(
                        window, self._alias_fuzzy[size], scorer=fuzz.ratio, score_cutoff=ALIAS_SCORE
                    )
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
            rest = words[: named.start] + words[named.end :]
            return {named.exercise_id} | self._others_named(rest)
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


class _TopicIndex:
    """The topics' phrasings as IDF-weighted term vectors, and the scoring over them."""

    def __init__(self, phrasings: list[tuple[str, set[str]]]):
        self.terms: dict[str, set[str]] = {}
        for topic_id, terms in phrasings:
            self.terms.setdefault(topic_id, set()).update(terms)
        frequency: dict[str, int] = {}
        for terms in self.terms.values():
            for term in terms:
                frequency[term] = frequency.get(term, 0) + 1
        count = len(self.terms)
        self.idf = {term: math.log((count + 1) / df) for term, df in frequency.items()}
        self._phrasings = [
            (topic_id, {t: self.idf[t] for t in terms}, _norm(self.idf[t] for t in terms))
            for topic_id, terms in phrasings
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

    def rank(self, query: set[str], lenient: bool = False) -> list[tuple[str, float]]:
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
            unknown_mass /= 1 + len(_CONCEPTS.keys() & known.keys())
        understood = known_mass / (known_mass + unknown_mass)
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
            explained = sum(w for t, w in known.items() if t in self.terms[topic_id])
            blended = COSINE_SHARE * similarity + (1 - COSINE_SHARE) * explained / known_mass
            if "run" in known and "run" not in self.terms[topic_id]:
                # "How often should I run?" asks about running, not about a lifting topic.
                blended *= RUNNING_MISMATCH
            scores[topic_id] = 100.0 * blended * understood
        return sorted(scores.items(), key=lambda item: item[1], reverse=True)


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
    return {t for t in _content(terms) if t not in _GENERIC and t not in _DEICTIC and t not in _ASPECT_WORDS}


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

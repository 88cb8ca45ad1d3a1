"""The matcher's vocabulary: which words mean the same, which carry no subject, which belong to
subjects next door, and how small talk and calls for care are worded. Plain data; the matcher
(dialogs/matcher.py) decides with it."""

from __future__ import annotations


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Phrases folded into one term before the text is split into words.
PHRASES = {
    # "you" is the coach itself only in questions about the bot; elsewhere it is a stopword.
    "what do you think": "think",
    "what can you": "bot",
    # …asked indirectly: "help me understand what you can do", "the things you can help with".
    "what you can": "bot",
    "what you do": "bot",
    "things you can": "bot",
    "you can help with": "bot",
    "what youre able": "bot",
    "what else can you": "bot",
    "what do you": "bot",
    "what are you": "bot",
    "who are you": "bot",
    "how do you work": "bot work",
    "this thing": "bot",
    # A coach to hire is a personal trainer; "my coach says…" is only conversation.
    "a coach": "trainer",
    # The coach's own plan is its exercises; a plan made for one is personal coaching ("a custom plan").
    "the plan": "exercise",
    "your plan": "exercise",
    "this plan": "exercise",
    "golden rule": "tip",
    # New words for old subjects.
    "prone to": "risk",
    "face to face": "oneonone",
    # Leaning back to lift is the back arching, a mistake (leaning forward on the row is its position).
    "leaning back": "arch",
    "lean back": "arch",
    "leans back": "arch",
    "stay straight": "posture",
    "overuse problems": "overuse injury",
    "overuse issues": "overuse injury",
    "go the distance": "endurance",
    "keep going": "endurance",
    "in the final": "fatigue",
    "knock time off": "speed",
    "take time off": "speed",
    "put on mass": "bulk",
    "put on size": "bulk",
    "gain size": "bulk",
    "make you heavier": "bulk",
    "make runners heavier": "bulk",
    "make them heavier": "bulk",
    "arm form": "arm swing",
    "arms form": "arm swing",
    # Where one's own back goes while lifting is form.
    "my back look like": "back straight",
    "my back be doing": "back straight",
    "my spine be doing": "back straight",
    "should my back be": "back straight",
    "my back be": "back straight",
    "position my back": "back straight",
    "hold myself": "posture",
    "carry myself": "posture",
    "side to side": "cross",
    "later stages": "fatigue",
    "latter stages": "fatigue",
    "delay fatigue": "less fatigue",
    "a set of": "some",
    "your programme": "exercise",
    "the programme": "exercise",
    "your program": "exercise",
    "the program": "exercise",
    "what services": "bot",
    "services you": "bot",
    "at the moment": "now",
    "right now": "now",
    "by the end of": "fatigue",
    "balance out": "imbalance",
    "even out": "imbalance",
    "sprint finish": "speed",
    "finishing kick": "speed",
    "move you forward": "propulsion",
    "move me forward": "propulsion",
    "push you forward": "propulsion",
    "push me forward": "propulsion",
    "touched a dumbbell": "lift",
    "touch a dumbbell": "lift",
    "touched dumbbells": "lift",
    "touched weights": "lift",
    "doing it wrong": "mistake",
    "where should i be feeling": "feel",
    "where am i supposed to feel": "feel",
    "gain anything from": "benefit",
    "get anything from": "benefit",
    "benefit from": "benefit",
    "pressing weights": "lift",
    "press weights": "lift",
    "so often": "lot",  # "getting injured so often": a lot, not a frequency
    "just for me": "custom",
    "made for me": "custom",
    "for me personally": "custom",
    "you know about": "bot",
    "starting out": "begin",
    "start out": "begin",
    "just starting": "begin",
    "loosen up": "warmup",
    "limber up": "warmup",
    "get warm": "warmup",
    "session look like": "exercise",
    "workout look like": "exercise",
    "routine look like": "exercise",
    "translate into": "help",
    "translate to": "help",
    "carry over to": "help",
    "lead to": "help",
    "folding over": "posture",
    "fold over": "posture",
    "bent over when": "posture",
    # A day for the arms is a session of upper-body training, not how often.
    "arm day": "arm train",
    "arms day": "arm train",
    "upper body day": "upperbody train",
    "not do": "avoid",
    # Asking whether one does it right asks what goes wrong.
    "doing it right": "doing mistake",
    "doing this right": "doing mistake",
    "doing it correctly": "doing mistake",
    "doing this correctly": "doing mistake",
    "doing it properly": "doing mistake",
    "doing this properly": "doing mistake",
    "shouldnt do": "avoid",
    "shouldnt i do": "avoid",
    # The runner's own weight: "i don't want to get heavy".
    "get heavy": "bulk",
    "getting heavy": "bulk",
    "straight line": "straight",
    # Results, strength or gains that come faster are about the training, not running speed.
    "results faster": "results",
    "results quicker": "results",
    "strength faster": "strength",
    "stronger faster": "strength",
    "stronger quicker": "strength",
    "gains faster": "gains",
    "muscle faster": "muscle",
    # "running is a lower body sport": the claim that running is only legs.
    "lower body sport": "leg sport",
    "lower body activity": "leg sport",
    # Where a move is felt is what it works, not where the body goes.
    "where should i feel": "feel",
    "where do i feel": "feel",
    "where will i feel": "feel",
    "where should it burn": "feel",
    "where should this burn": "feel",
    # Someone's own trainer or coach is only a person who said something.
    "my trainer": "someone",
    "my coach": "someone",
    "my pt": "someone",
    "coach me": "trainer",
    "real coach": "trainer",
    "human coach": "trainer",
    "personal coach": "trainer",
    "in person": "oneonone",
    "real person": "trainer",
    "a human": "trainer",
    "use you": "use bot",
    "how much does": "how",  # "how much does it matter": how important, not how many
    "how many of these": "count rep",  # of the move on screen: reps
    "how many of those": "count rep",
    "how many of them": "count rep",
    "how many": "count",
    "how much": "count",
    "how often": "often",
    "how heavy": "heavy",
    "good for": "benefit",
    "point of": "benefit",
    "muscle groups": "muscle",
    "warm up first": "warmup",  # "first" is otherwise the order of a move's parts
    "warmup first": "warmup",
    "warm up": "warmup",
    "before the workout": "warmup",
    "before the session": "warmup",
    "before training": "warmup",
    "before lifting": "warmup",
    "after the workout": "cooldown",
    "after the session": "cooldown",
    "after training": "cooldown",
    "after lifting": "cooldown",
    "bounce back": "recover",
    # Late in a run is when the runner is tired: the complaint, not the time, tells the topic.
    "in the last": "fatigue",
    "late in": "fatigue",
    "at the end of": "fatigue",
    "towards the end": "fatigue",
    "toward the end": "fatigue",
    "hold up": "endurance",
    "last longer": "endurance",
    "how slowly": "how repspeed",
    "cool down": "cooldown",
    "bulk up": "bulk",
    "every day": "often",
    "times a week": "often",
    "x a week": "often",
    "x per week": "often",
    "x week": "often",
    "missing out": "benefit",
    "miss out": "benefit",
    "times per week": "often",
    "a week": "week",
    "per week": "week",
    "1 on 1": "oneonone",
    "1 1": "oneonone",
    "one on one": "oneonone",
    "one to one": "oneonone",
    "personal trainer": "trainer",
    "rep scheme": "rep",
    "pair of dumbbells": "dumbbell",
    "lift weights": "lift",
    "lifting weights": "lift",
    "weight training": "lift",
    "weightlifting": "lift",
    "upper body weights": "upperbody lift",
    "strength train": "train",
    "strength training": "train",
    "top half": "upperbody",
    "make a difference": "matter",
    "makes a difference": "matter",
    "upper half": "upperbody",
    "above the waist": "upperbody",
    "waist up": "upperbody",
    # Time in a race is speed: "improve my race times", "shave time off my 5k".
    "race time": "speed",
    "race times": "speed",
    "k time": "speed",  # "my 10k time": digits and letters are split
    "k times": "speed",
    "marathon time": "speed",
    "marathon times": "speed",
    "parkrun time": "speed",
    "finish time": "speed",
    "finishing time": "speed",
    "my times": "speed",
    "seconds off": "speed",
    "minutes off": "speed",
    "time off": "speed",
    "cut seconds off": "speed",
    "cut minutes off": "speed",
    "cut time off": "speed",
    "knock seconds off": "speed",
    "knock minutes off": "speed",
    # Asking for a thing to train is asking which muscles ("what should i train above the waist").
    "what to train": "muscle train",
    "what should i train": "muscle train",
    "what to strengthen": "muscle strength",
    "what should i strengthen": "muscle strength",
    "what to work on": "muscle work",
    "what should i work on": "muscle work",
    # A weak upper body that "hurts your running" harms it: no injury.
    "hurt your running": "matter run",
    "hurt my running": "matter run",
    "hurts your running": "matter run",
    "hurts my running": "matter run",
    "hurt running": "matter run",
    "hurts running": "matter run",
    # "forward and back" is a direction, not the back.
    "forward and back": "forward",
    "back and forth": "forward",
    "front to back": "forward",
    "upper bodies": "upperbody",
    # A kind of runner is a runner: the kind does not make the question the headline.
    "distance runner": "run",
    "distance runners": "run",
    "long distance runners": "run",
    "trail runners": "run",
    "trail runner": "run",
    "ought to": "should",
    "get anything out of": "benefit",
    "gain from": "benefit",
    "get out of": "benefit",
    "gain out of": "benefit",
    "get from": "benefit",
    "dumbbell work": "lift",
    "dumbbell training": "lift",
    "training with dumbbells": "lift",
    "like to ask": "think",
    "want to ask": "think",
    "quick question": "think",
    "focus on": "train",
    "can you help": "bot",
    "make me heavier": "bulk",
    "make me heavy": "bulk",
    "make me slow": "bulk",
    "slow me down": "bulk",
    "at once": "together",
    "at the same time": "together",
    "hips rotate": "hip twist",
    "hips rotating": "hip twist",
    "hips are rotating": "hip twist",
    "put on weight": "bulk",
    "put on muscle": "bulk",
    "gain muscle": "bulk",
    "gain mass": "bulk",
    "how slow": "how repspeed",
    "how fast should i lift": "how repspeed",
    "how fast should i lower": "how repspeed",
    "walk me through": "step",
    "talk me through": "step",
    "not to do": "avoid",
    "watch out for": "avoid",
    "look out for": "avoid",
    # Heavy as the runner's own weight, not the dumbbell's.
    "make me too heavy": "bulk",
    "make my legs heavy": "bulk",
    "mess up": "mistake",
    "screw up": "mistake",
    "touch weights": "lift",
    "do weights": "lift",
    "whats the deal": "why",
    "use of my time": "benefit",
    "use of time": "benefit",
    "worth my time": "benefit",
    "waste of my time": "waste",
    "my time": "speed",
    "gain weight": "bulk",
    "personal training": "trainer",
    "upper body": "upperbody",
    "gym membership": "gym",
    "half marathons": "marathon",
    "half marathon": "marathon",
    "push ups": "pushup",
    "pull ups": "pullup",
    "chin ups": "chinup",
    "sit ups": "situp",
}

TEXTING = {
    "should": "shud shld",
    "you": "u ya ye",
    "your": "ur",
    "are": "r",
    "body": "bdy bod",
    "what": "wat wut wtf wth",
    "want": "wanna",
    "going": "gonna",
}
# A trainer who says, thinks or recommends something ("what would a personal trainer say about
# runners lifting") is only a person with a view, like "my trainer": not a trainer to hire.
OPINION_WORDS = _set("say says said think thinks thought recommend suggest advise believe reckon reckons")

# The coaching concepts. A question that uses one of these is about training even when it also
# has words the content never uses, so they soften the penalty for unknown words.
CONCEPTS = {
    "rep": "reps repetition repetitions",
    "set": "sets",
    "weight": "weights kg kgs kilo kilos pound pounds lb lbs",
    "heavy": "heavier heaviest light lighter moderate",
    "dumbbell": "dumbbells dumbell dumbells db dbs",
    "bulk": "bulky bulking bulked huge massive jacked muscular muscly beefy swole ripped hulk bodybuilder bodybuilders weightlifter weightlifters powerlifter meathead big bigger buff",
    "often": "frequency frequently daily twice once regularly",
    "warmup": "warm warming warmups",
    "cooldown": "cool cooling afterwards",
    "mobility": "stretch stretches stretching",
    "injury": "injuries injured injure hurt hurts hurting niggle niggles niggling",
    "imbalance": "imbalances imbalanced unbalanced",
    "posture": "tall taller slouch slouching slump slumping hunch hunched hunching upright collapse collapses collapsing sloppy cave caves caving stoop stoops stooping stooped",
    "breath": "breathing breathe breathes breathless lung lungs",
    "core": "abs trunk",
    "fatigue": "tired tiring tire fatigued exhausted wrecked dead knackered drained fade fading",
    "recover": "recovery recovering recovers",
    "endurance": "stamina",
    "speed": "faster fast quicker quick quickly pace pb pr slow slower slowing shave speedy speedier",
    "swing": "swinging swings pump pumping carry carriage",
    "propulsion": "propel propels propelling drive driving stride strides power powers powerful",
    "elbow": "elbows",
    "trainer": "pt coaching trainers",
    "custom": "personalised personalized customised customized tailored personal",
    "equipment": "gear kit",
    "form": "technique",
    "begin": "beginner beginners beginning newbie novice",
}
WORDS = {
    "week": "weeks weekly wk wks",
    "arm": "arms biceps bicep triceps tricep forearm forearms",
    "shoulder": "shoulders delts delt deltoid deltoids",
    "back": "lats rhomboids rhomboid traps",
    "chest": "pecs pectorals pecs",
    "hand": "hands fist fists",
    "mile": "miles mileage mi km kms kilometre kilometres kilometer kilometers",
    "exercise": "exercises moves workout workouts routine",
    "run": "running runner runners runs marathoner marathoners trail trails jog jogging jogger sprint sprints sprinting sprinter sprinters",
    "lift": "lifting lifts lifted",
    "train": "training trains trained target targets targeting hit hits",
    "protect": "safe safely protecting protects",
    "strength": "strengthen strengthening stronger strong weak weaker weakness",
    "muscle": "muscles area areas parts bits",
    "benefit": "benefits useful worth purpose important importance matter matters pros advantage advantages upside upsides",
    "mistake": "mistakes error errors cheat cheating cheats",
    "step": "steps instruction instructions",
    "work": "works working worked",
    "bot": "app",
    "help": "helps helping affect affects",
    "need": "needed necessary essential required require requires",
    "pointless": "irrelevant unnecessary overrated",
    "cross": "across crossing crosses crossed",
    "ask": "answer answers",
    "correct": "correctly",
    "hire": "book booking connect arrange",
    "flail": "flap flaps flapping",
    "row": "rowing",  # doing rows (rowing as a sport is a subject next door unless rows are on screen)
    "twist": "rock rocking rocks sway sways swaying",
    "ache": "aches aching achy",
    "stable": "steady steadier steadies steadying",
    "efficient": "efficiently efficiency",
    "relax": "relaxed relaxing loose looser tense tension stiff",
    "make": "design designs designed create build builds",
    "tip": "tips rule rules pointer pointers hint hints",
}

# Function words and everyday filler: they say nothing about the subject, so they neither help
# a match nor count against it.
STOPWORDS = _set(
    """
    a an the i im ive id ill me my mine myself we our us they them their he she her his him to of in on at for
    with and or nor is are am be been being was were it its this that these those so just really actually some
    any about if then than from by as but also there here do does did doing done get gets got getting have has
    had having would could should will wil shall can cant may might must what whats which when where who whom
    while very please hey hi ok okay into yeah yes no not dont doesnt didnt isnt arent wont cannot you your yours
    now still already even ever maybe probably anything something thing things stuff lot lots alot bit kind sort type
    guys make makes made take takes know think feel feels go goes going say says said see look try keep use want
    true lol thanks thank cheers time times all always never sometimes usually mostly completely totally pretty
    quite rather literally basically much second seconds minute minutes hour hours honestly definitely anyway though because since
    """
)
# Words of conversation, not of a subject: "is there a reason", "tell me whether", "nah", "legit".
# Like stopwords they neither help a match nor count against it; an unknown subject word
# ("what is the weight of the earth") still does.
DISCOURSE = _set(
    """
    reason reasons question questions q context sorry english tbh imo imho ngl care tell explain whether nah nope legit wonder wondering wondered read reading heard hear idea
    case convince give pls plz dear like would love quick sooo soo so well hmm um uh
    recommend recommended suggest opinion think thought thoughts believe suppose guess mean
    honest real actually truly seriously anyway also too even just still during one new many else offer stay
    fix easier harder using supposed top k more talk speak tend near finish okay ok yeah yep along besides view views
    morning evening afternoon two three four five six seven eight nine ten twenty year years month months
    someone somebody everyone people person folks woman women female girl girls lady ladies man men male guy say says said told wanted wanna please kindly hello hey
    hi thanks thank cheers mate bro dude buddy friend coach myth scared afraid worried concerned fear enough
    wait hang understand meant sure list name fine instead both normal slight slightly chasing chase gimme available
    insist insists insisted claim claims claimed mention mentions mentioned follow outline describe main verdict result results gains choose total complete
    absolute likely
    """
)
# The form of a question, from the word it opens with (after greetings and words of
# conversation): a yes/no question about training the upper body wants the yes-and-why answer,
# a "which" question a list.
FORMS = ("yesno", "why", "which", "how", "other")
FORM_OPENERS = {
    **dict.fromkeys(
        _set("should shud shld shoud do does did dont doesnt is isnt are arent r can could would will wont must am has")
        | _set("have need needed"),
        "yesno",
    ),
    "which": "which",
    # "best upper body moves for runners?", "list the muscle groups…": asking for things.
    "best": "which",
    "list": "which",
    "name": "which",
    "recommend": "which",
    "suggest": "which",
    "how": "how",
}
WHY_WORDS = _set("why y reason reasons point case convince")
HELPING_WORDS = _set("help helps helped helping benefit benefits")
WH_WORDS = _set("what whats which how when where who")
WHAT_WORDS = _set("what whats wat wut")
# A "which" question asks for a kind of thing, named after these words ("which exercises…", "best
# upper body moves…", "list the muscle groups…"): the topic that lists them.
ASKING_FOR = _set("which what whats best list name")
ASKED_FOR = {"exercise": "which_exercises", "muscle": "muscles_to_train"}
ASKING = _set("should shud shld do can could must")  # "what should i…": asks for a thing to do
# Asked later in the sentence, these still make it a yes/no question ("u think runners should…").
YESNO_WORDS = _set(
    "should shud shld must whether worth needed necessary recommended advisable nay relevant required essential optional"
)
# An auxiliary followed by one of these is a yes/no question wherever it stands ("…, is it worth it").
QUESTION_SUBJECTS = _set(
    "i you u we it runners runner a an my upper upperbody this that there arms lifting training"
) | _set("mistake bad ok good necessary important needed worth useful useless pointless true right wrong")
# The headline question, "should runners train the upper body?", in any words: a yes/no or why
# question (or one that weighs it: worth, important, pointless) about training the upper body,
# with nothing in it that another topic answers, gets the yes-and-why answer.
HEADLINE_TOPIC = "should_train_upper_body"
HEADLINE_SUBJECT = _set("upperbody")
HEADLINE_BODY = _set("arm shoulder back chest")
# A choice between parts of the upper body ("chest, back or shoulders?", "shoulders? back? core?")
# asks which muscles to train, unless it names a coaching concept besides.
MUSCLES_TOPIC = "muscles_to_train"
CHOICE_BODY = HEADLINE_BODY | {"core"}  # …with a word for training them
HEADLINE_TRAINING = _set("train lift strength work exercise do doing")
HEADLINE_LIFTING = _set("lift strength")  # …or lifting, asked by a runner ("should runners lift?")
HEADLINE_WEIGHING = _set(
    "benefit important need matter pointless useless good skip waste bother ignore neglect mistake"
)
HEADLINE_ALSO = _set("muscle shoulder back chest marathon mile half top body better easier begin")
# "does upper body strength help <something>": a benefit the headline may not be about.
HEADLINE_HELPING = _set("help improve fix boost")
# Subjects of other topics (beside CONCEPTS) that take the question away from the headline.
HEADLINE_OTHERS = _set("exercise tall count gym bench forward balance rhythm momentum protect round stable ache")

# Questions next door that share words with the coaching ("should i train legs too", "lift the
# day before a race", "i've got no weights"): the content does not cover them.
NOT_COVERED = (
    "train my legs",
    "legs too",
    "for my legs",
    "for legs",
    "leg day",
    "leg workout",
    "leg exercises",
    "lower body",
    "day before",
    "day after",
    "race day",
    "run days",
    "running days",
    "same day",
    "before a race",
    "after a race",
    "good marathon time",
    "good half marathon time",
    "good 5 k time",
    "good 10 k time",
    "good time for a",
    "fastest marathon",
    "world record",
    "stretching routine",
    "stretch routine",
    "stretching program",
    "stretching exercises",
    "what stretches",
    "which stretches",
    "train for a marathon",
    "training plan",
    "time of day",
    "better to run",
    "morning or evening",
    "morning or night",
    "no weights",
    "no dumbbells",
    "dont have dumbbells",
    "dont have any dumbbells",
    "dont have weights",
    "dont have any weights",
    "train for a half",
    "train for a 5 k",
    "train for a 10 k",
    "train for a race",
    "train for my race",
    "train for my first",
    "dont own",
    "without dumbbells",
    "without weights",
    "rest between",
    "rest day",
    "how long",
    "before or after",
    "should i run",
    "how fast should i",
    "run first",
    "lift first",
    "lift before",
    "lift after",
    "lifting before",
    "lifting after",
    "running app",
    "running watch",
)
# Subjects next door that the coach must not answer with its own material (pain, food, shoes):
# one of these words and the answer is "I don't know that one".
OUT_OF_SCOPE = _set(
    """
    pain painful sore ankle ankles shin shins plantar achilles hamstring
    hamstrings calf calves diet dieting eat eating food meal nutrition calorie calories protein carb carbs lose
    losing shoe shoes sneaker sneakers doctor physio medicine pregnant pregnancy supplement supplements creatine
    caffeine fasting fasted planks crunch crunches squat squats lunge lunges deadlift deadlifts pushup pushups pullup pullups chinup chinups situp
    situps burpee burpees yoga pilates swim swimming cycling bike biking rowing treadmill tennis golf football
    soccer basketball kettlebell kettlebells barbell barbells band bands cable machine machines trx bodyweight
    calisthenics dip dips crossfit hiit boxing climbing elliptical spin stairmaster hydration hydrate water drink
    drinking alcohol beer coffee gel gels electrolyte electrolytes vitamin vitamins sleep sleeping nap massage
    sauna foam roller ice weather rain snow interval intervals tempo fartlek cadence vo2 strava garmin
    gps playlist music podcast blister blisters chafing toenail fat bmi taper tapering
    """
)

# Aspect words (canonical terms) → (aspect, strength). The strongest aspect wins; a tie goes to
# the one earlier in ASPECT_PRIORITY.
ASPECT_WORDS = {
    "muscle": ("muscles", 2),
    "work": ("muscles", 2),
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
    "train": ("muscles", 1),
    "point": ("why", 2),
    # Where the body goes: about the exercise on screen whatever else the question says.
    "palm": ("howto", 3),
    "thumb": ("howto", 3),
    "feet": ("howto", 3),
    "foot": ("howto", 3),
    "wide": ("howto", 3),
    "stance": ("howto", 3),
    "wrist": ("howto", 3),
    "hip": ("howto", 3),
    "grip": ("howto", 3),
    "position": ("howto", 3),
    "alternate": ("howto", 2),
    "side": ("howto", 2),
    "swing": ("mistakes", 2),
    "start": ("howto", 3),
    "high": ("howto", 3),
    "low": ("howto", 3),
    "far": ("howto", 3),
    "facing": ("howto", 3),
    "where": ("howto", 3),
    "straight": ("howto", 3),
    "bent": ("howto", 3),
    "knee": ("howto", 3),
    "repspeed": ("howto", 3),
    "bend": ("howto", 2),
    "turn": ("howto", 2),
    "rotate": ("howto", 2),
    "pull": ("howto", 2),
    "elbow": ("howto", 1),
    "hand": ("howto", 2),
    "higher": ("howto", 3),
    "above": ("howto", 3),
    "below": ("howto", 3),
    "flat": ("howto", 3),
    "height": ("howto", 3),
    "under": ("howto", 3),
    "apart": ("howto", 3),
    "together": ("howto", 3),
    "lock": ("howto", 3),
    "front": ("howto", 3),
    "tuck": ("howto", 3),
    "lean": ("howto", 3),
    "first": ("howto", 2),  # the order of a move's parts: "curl first then press?", "which arm first"
    "order": ("howto", 2),
    "slowly": ("howto", 3),
    "lie": ("howto", 3),
    "lying": ("howto", 3),
    "stand": ("howto", 3),
    "sit": ("howto", 3),
    "seat": ("howto", 3),
    "overhead": ("howto", 3),
    "feel": ("muscles", 2),
    "burn": ("muscles", 2),
    "round": ("mistakes", 3),
    "twist": ("mistakes", 3),
    "flare": ("mistakes", 3),
    "arch": ("mistakes", 3),
    "sag": ("mistakes", 3),
    "shrug": ("mistakes", 3),
}
# An aspect this strong is about the exercise on screen even when other words point at a topic.
BODY_STRENGTH = 3
ASPECT_PRIORITY = ("mistakes", "equipment", "muscles", "why", "howto")
# Terms of lifting: a question with one of these is about the training even when it names running
# ("how often should runners lift"), so topics that never mention running are not marked down.
LIFTING = _set("upperbody lift train exercise weight dumbbell rep set strength arm shoulder back chest core")
# The topic about the run itself: never the answer to a question that names an exercise or is
# asked while one is on screen, unless it speaks of running ("elbows at 90 in curls and rows").
RUNNING_TOPIC = "arm_swing_technique"
# ...nor to one that says nothing of running or the arms ("what's the right form").
SWING_SUBJECTS = _set("run swing arm elbow hand propulsion")
# Where the arms go in the swing: a question with one of these that names the chest or the back
# ("hands across the chest or forward and back") asks how to swing, not which muscles to train.
SWING_PATH = _set("cross forward hand")
# With the exercise on screen, another one named beside one of these is compared with it ("how is
# this different from a bent over row", "can i do lateral raises instead"): a choice of the two.
COMPARING = _set("different difference differ like same similar instead compared compare versus vs")
# A statement of one's own running ("I run about 20 miles a week.", "i have a half marathon in
# june"): scenery beside the question, not the question.
SCENE_OPENERS = _set("i im ive")
SCENE_RUNNING = _set(
    "run runs running ran race races marathon marathons half parkrun mile miles km 5k 10k ultra trail jog"
)
# Words that only limit what they stand beside ("shoulders only or triceps too?").
LIMITERS = _set("only mostly mainly")
# Words that point at the exercise on screen.
DEICTIC = frozenset({"this", "it", "that", "one", "exercise"})
# "How do i run…/get better…" with none of these asks how to run, which the content does not
# cover ("how do i run faster up hills"); with one it asks about the upper body's part in it.
RUNNING_HOW_SUBJECTS = LIFTING | _set(
    "swing elbow hand posture propulsion heavy bulk form warmup cooldown often injury"
)
# After a comma these open a clause about what came before it, not a question of its own.
RELATIVE = _set("which who whom whose")
# Words that point back at an earlier sentence: a clause with one is no question of its own.
BACK_REFERENCES = DEICTIC | _set("they them those these there such")
# Words that say nothing about which topic is meant.
GENERIC = frozenset(
    {"run", "proper", "right", "correct", "good", "tell", "explain", "show", "again", "common", "exactly", "way"}
)

# Small talk: phrases (normalised words) by the kind of reply they get. A message made only of
# these and SMALL_TALK_FILLER is small talk; the kinds earlier in the table win.
SMALL_TALK = {
    "name": (
        "whats your name",
        "what is your name",
        "whats ur name",
        "what are you called",
        "your name",
        "who made you",
        "who built you",
        "who created you",
        "do you have a name",
        "how old are you",
        "who are you",
        "who r u",
        "who are u",
    ),
    "how_are_you": (
        "how are you",
        "how r u",
        "how are u",
        "how r you",
        "how are you doing",
        "how you doing",
        "hows it going",
        "how is it going",
        "whats up",
        "wassup",
        "sup",
        "how goes it",
        "how are things",
        "hows things",
        "hows your day",
        "how have you been",
        "you good",
        "whats good",
        "you ok",
        "hows your day going",
        "how is your day",
        "how is your day going",
    ),
    "bot": (
        "are you a bot",
        "are you human",
        "are you a robot",
        "are you real",
        "are you ai",
        "are you a person",
        "are you chatgpt",
        "are you an ai",
        "are you there",
        "anyone there",
        "you there",
        "are you a real person",
        "are you a human",
        "are you a coach",
        "are you a real coach",
        "are you a real trainer",
    ),
    "compliment": (
        "youre awesome",
        "you are awesome",
        "youre great",
        "you rock",
        "good bot",
        "love this",
        "love it",
        "good job",
        "well done",
        "nice work",
        "great job",
        "youre the best",
        "you are the best",
        "youre amazing",
        "youre smart",
        "youre funny",
        "good coach",
        "best coach",
        "love this bot",
        "love this app",
        "youre helpful",
        "you are helpful",
        "so helpful",
    ),
    "new": ("im new here", "i am new here", "im new", "new here"),
    "thanks": (
        "thank you",
        "thanks",
        "thx",
        "ty",
        "tysm",
        "cheers",
        "thank u",
        "much appreciated",
        "appreciate it",
        "that helped",
        "that helps",
        "helpful",
        "many thanks",
        "thanks a ton",
        "much obliged",
        "thnx",
        "thanx",
        "thks",
        "for your help",
        "that was helpful",
        "that was useful",
        "that is useful",
        "thats useful",
        "for your assistance",
        "for the help",
        "for helping",
        "that helped a lot",
        "helped",
        "really helped",
    ),
    "bye": (
        "goodbye",
        "bye",
        "bye bye",
        "see you",
        "see ya",
        "cya",
        "later",
        "good night",
        "gotta go",
        "ttyl",
        "night",
        "gn",
        "see you later",
        "bye for now",
        "talk later",
        "catch you later",
        "peace",
        "see ya tomorrow",
        "see you tomorrow",
        "until next time",
    ),
    "greeting": (
        "hello",
        "hi",
        "hey",
        "hiya",
        "heya",
        "yo",
        "howdy",
        "gm",
        "good morning",
        "good afternoon",
        "good evening",
        "morning",
        "evening",
        "greetings",
        "test",
        "testing",
        "nice to meet you",
        "good day",
        "good day to you",
        "hello there",
    ),
    "laugh": ("lol", "haha", "hahaha", "lmao", "rofl", "hehe", "xd"),
    "ack": (
        "ok",
        "okay",
        "k",
        "kk",
        "cool",
        "nice",
        "great",
        "awesome",
        "alright",
        "all right",
        "got it",
        "sure",
        "fine",
        "perfect",
        "sounds good",
        "good",
        "wow",
        "yep",
        "yup",
        "yes",
        "yeah",
        "no",
        "nope",
        "noted",
        "understood",
        "makes sense",
        "i see",
        "fair enough",
        "good to know",
        "interesting",
        "ah ok",
        "oh ok",
        "no problem",
        "np",
        "no worries",
        "sorry",
        "my bad",
        "oops",
        "hmm",
        "meh",
        "omg",
        "yay",
        "right",
        "true",
        "gotcha",
        "roger",
        "will do",
        "on it",
        "okk",
        "great stuff",
        "good stuff",
        "cool stuff",
        "amazing",
        "brilliant",
        "sweet",
        "all good",
        "excellent",
        "lovely",
        "phew",
        "that was hard",
        "that was tough",
        "tough one",
        "okie dokie",
        "okey dokey",
    ),
}
# Words that may stand beside small talk without making it a question ("hello there coach").
SMALL_TALK_FILLER = _set(
    "coach there mate man buddy so much very a lot all again you too and oh ah um well one armswing really super i are is"
    " today tonight now that it"
)
# "hey, i'm sam": a greeting that ends by giving a name.
INTRODUCTIONS = ("im", "i am", "my name is", "name is", "call me", "this is")

# A call for care: pain, injury, a medical condition, age. Such a message gets the safe reply
# (stop, don't push through pain, ask a physiotherapist or doctor), never coaching.
SAFETY_WORDS = _set(
    """
    pain pains painful discomfort sore soreness tender swollen swelling numb
    numbness tingling tingle tingles dizzy dizziness faint lightheaded nauseous pinch pinching pinched tendonitis
    tendinitis tendon arthritis bursitis sprain sprained torn dislocated hernia osteoporosis pregnant pregnancy
    postpartum asthma asthmatic diabetes diabetic surgery operation medication medical doctor physio
    physiotherapist unstable click clicks clicking clicked pop pops popped popping crack cracking grinding snap
    snapped baby postpartum breastfeeding menopause scoliosis fracture fractured broke broken dangerous twinge
    ouch ow twinged twinges tweaked arthritic hypertension epilepsy seizure seizures cancer chemo chemotherapy stroke concussion migraine
    migraines headache headaches nerve sciatica herniated disc hypermobile hypermobility dislocation osteoarthritis
    rheumatoid fibromyalgia anemia anaemia thyroid kidney illness sick fever flu covid infection rehab
    rehabilitation prescription pacemaker angina arrhythmia palpitations cramp cramps cramping stiffness elderly
    senior seniors teenager teenagers teen teens kid kids child children
    """
)
SAFETY_PHRASES = (
    "heart condition",
    "heart problem",
    "heart disease",
    "blood pressure",
    "rotator cuff",
    "pulled a muscle",
    "pulled my",
    "pulled something",
    "killing me",
    "bad back",
    "bad shoulder",
    "bad elbow",
    "bad wrist",
    "bad knee",
    "push through",
    "feels weird",
    "feel weird",
    "feels funny",
    "feels off",
    "feels wrong",
    "too old",
    "years old",
    "my age",
    "at my age",
    "any risks",
    "is it safe",
    "is lifting safe",
    "is this safe",
    "gave birth",
    "too young",
    "have a cold",
    "physical therapist",
    "physical therapy",
    "chest tightness",
    "bad for my knee",
    "bad for my knees",
    "bad for my back",
    "bad for my joint",
    "bad for my joints",
    "bad for my heart",
    "bad for my shoulder",
    "bad for my shoulders",
    "bad for my wrist",
    "bad for my wrists",
    "bad for my neck",
    "bad for my elbow",
    "bad for my elbows",
    "bad for my hip",
    "bad for my hips",
    "my heart",
    "c section",
)
# "back problems", "a knee issue": a body part with a problem.
SAFETY_BODY = _set("back shoulder shoulders knee knees neck wrist wrists elbow elbows hip hips joint joints heart")
SAFETY_PROBLEM = _set("problem problems issue issues condition")
# Injury words are a call for care about one's own injury ("i injured my shoulder"), but a topic
# when the question is about preventing them ("can it help avoid injuries") or says nothing of
# the runner's own body ("shoulders ache at the end of a marathon").
INJURY_WORDS = _set("injury injuries injured injure strain strained ache aches aching achy hurt hurts hurting")
PERSONAL_WORDS = _set("i im ive me my")
# The strain running puts on the upper body is what training it helps with: a topic.
RUNNING_STRAIN = _set("run running runs marathon marathons race races mile miles repetitive")
PREVENTION_WORDS = _set(
    "prevent prevention avoid reduce risk help helps keep stop protect free overuse fewer less resilient resistant"
)

"""One runner's session, shared by the benchmarks: onboarding, a question, today's workout with
sets logged by tap and by typing and questions in the middle, then more questions. Each step
is typed text ("say") or a tap on the newest button with that label ("tap")."""

SCRIPT = [
    ("say", "/start"),
    ("tap", "kg"),
    ("tap", "Berlin"),
    ("say", "should runners train upper body?"),
    ("say", "/today"),
    ("tap", "6 kg"),
    ("tap", "Start ▶"),
    ("tap", "Start set 1 ▶"),
    ("tap", "12"),
    ("say", "how do I do this?"),
    ("tap", "Set 2 ▶"),
    ("say", "12 @ 6kg"),
    ("tap", "Start set 1 ▶"),
    ("tap", "15"),
    ("tap", "Set 2 ▶"),
    ("tap", "12"),
    ("say", "what does the chest press work"),
    ("tap", "Start set 1 ▶"),
    ("tap", "10"),
    ("tap", "Set 2 ▶"),
    ("tap", "12"),
    ("tap", "Finish"),
    ("say", "how many reps should i do"),
    ("say", "/help"),
]

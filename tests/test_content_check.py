"""`armswing content check`: the content as shipped is valid, and breakage is reported."""

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from dialogs.flow import State
from dialogs.outcome import Reply


def test_the_shipped_content_passes_the_check():
    done = subprocess.run(
        [str(Path(sys.executable).parent / "armswing"), "content", "check"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "content is valid"


def test_the_check_reports_broken_templates_flows_and_unreachable_exercises(coach):
    knowledge = coach.catalog.knowledge
    press = knowledge.exercises["chest_press"]
    broken_catalog = type(coach.catalog)(
        replace(
            knowledge,
            exercises={**knowledge.exercises, "chest_press": replace(press, aliases=(*press.aliases, "zzqx"))},
        ),
        {
            **{
                name: coach.catalog.env.loader.mapping[name]
                for name in coach.catalog.names
                if not name.startswith("topic/")
            },
            "answer/exercise": "{{ exercise.nonexistent_field }}",
        },
        coach.catalog.commands,
    )
    lonely = replace(
        coach.flows["home"], states=(*coach.flows["home"].states, State("home:lost", lambda t: Reply("x")))
    )
    broken = replace(coach, catalog=broken_catalog, flows={**coach.flows, "home": lonely})
    problems = "\n".join(broken.problems())
    assert "home: state 'home:lost' is unreachable" in problems
    assert "answer/exercise" in problems and "nonexistent_field" in problems
    assert "asking about 'zzqx' does not reach it" in problems

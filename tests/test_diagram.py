"""The flow diagrams in docs/flows/ are what `dialogs.diagram` draws from today's flows."""

import subprocess
import sys
from pathlib import Path

import pytest

from dialogs.diagram import markdown, mermaid
from dialogs.flow import END
from dialogs.flows import FLOWS

DOCS = Path(__file__).resolve().parent.parent / "docs" / "flows"


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_the_committed_diagram_is_current(name):
    page = DOCS / f"{name}.md"
    assert page.exists() and page.read_text(encoding="utf-8") == markdown(FLOWS[name]), (
        f"{page} is stale: run `armswing content diagram`"
    )


def test_every_state_and_transition_is_drawn():
    flow = FLOWS["settings"]
    drawn = mermaid(flow)
    assert drawn.startswith("stateDiagram-v2\n")
    assert "[*] --> settings_menu\n" in drawn
    for state in flow.states:
        assert f'state "{state.name}" as {state.name.replace(":", "_")}\n' in drawn
    edges = [line for line in drawn.splitlines() if "-->" in line and not line.strip().startswith("[*]")]
    assert len(edges) == len(flow.transitions)
    assert "settings_menu --> [*]: tap done" in drawn and END not in drawn.split("stateDiagram-v2")[1]
    assert "settings_units --> settings_menu: text [has_units]" in drawn


def test_the_command_writes_one_page_per_flow(tmp_path):
    armswing = Path(sys.executable).parent / "armswing"
    done = subprocess.run(
        [str(armswing), "content", "diagram", "--out", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert sorted(page.stem for page in tmp_path.glob("*.md")) == sorted(FLOWS)

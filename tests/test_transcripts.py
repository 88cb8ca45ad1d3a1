"""Every conversation in tests/transcripts/ played through the pure engine."""

from pathlib import Path

import pytest
from support.transcript import play

TRANSCRIPTS = sorted((Path(__file__).parent / "transcripts").glob("*.yaml"))


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_transcript(path, coach, now):
    play(path, coach, now)


def test_there_are_transcripts():
    assert len(TRANSCRIPTS) >= 3

"""Files made in worker processes, and charts kept per runner until what they show changes."""

import asyncio
import os

import pytest

from bot.files import Files
from bot.message import Attachment


def whose_process() -> Attachment:
    return Attachment("document", "pid.txt", str(os.getpid()).encode())


def failing() -> Attachment:
    raise ValueError("no chart today")


@pytest.fixture
async def files(tmp_path):
    made = Files(f"sqlite:///{tmp_path / 'files.sqlite3'}", workers=1, kept=2)
    yield made
    made.close()


async def test_a_file_is_made_in_another_process(files):
    made = await files.make(1, whose_process)
    assert int(made.content) != os.getpid()


async def test_a_file_with_an_equal_key_is_made_once_per_runner_and_the_oldest_is_dropped(files):
    first = await files.make(1, whose_process, key=("summary", "light"))
    assert await files.make(1, whose_process, key=("summary", "light")) is first
    assert files.made == 1
    await files.make(1, whose_process, key=("summary", "dark"))  # what it shows changed: made again
    await files.make(2, whose_process, key=("summary", "dark"))  # another runner: their own
    assert files.made == 3
    await files.make(3, whose_process, key="x")  # keeps 2: runner 1's is dropped
    await files.make(1, whose_process, key=("summary", "dark"))
    assert files.made == 5
    await files.make(4, whose_process)  # without a key: always made, nothing kept
    await files.make(4, whose_process)
    assert files.made == 7


async def test_a_failing_job_raises_in_the_caller_and_the_pool_keeps_working(files):
    with pytest.raises(ValueError, match="no chart today"):
        await files.make(1, failing)
    assert (await files.make(1, whose_process)).filename == "pid.txt"


async def test_a_forgotten_runner_s_chart_is_not_kept_even_when_it_was_being_drawn(files):
    await files.make(1, whose_process, key="chart")
    files.forget(1)
    await files.make(1, whose_process, key="chart")
    assert files.made == 2  # drawn again: the kept one was dropped

    drawing = asyncio.ensure_future(files.make(1, whose_process, key="later"))
    await asyncio.sleep(0)  # the job is in the worker
    files.forget(1)
    assert (await drawing).filename == "pid.txt"  # still sent to whoever asked
    await files.make(1, whose_process, key="later")
    assert files.made == 4  # but not kept
    await files.make(1, whose_process, key="later")
    assert files.made == 4  # a runner's later files are kept again

"""Strong and Hevy exports read as the coach's entries (fixtures made from the apps' documented
column layouts), then imported through the real PTB Application with a document the runner sends."""

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from dialogs.imports import read_export
from dialogs.replog import SetLog

FIXTURES = Path(__file__).parent / "data" / "imports"


@pytest.fixture
def names(coach):
    return coach.exercise_names


def sets_of(reading):
    return {(item.entry.exercise_id, item.at): item.entry.sets for item in reading.entries}


def test_a_strong_export_maps_the_six_exercises_and_skips_the_rest(names):
    reading = read_export((FIXTURES / "strong.csv").read_bytes(), names, "Europe/Berlin", "kg")
    assert reading.source == "Strong"
    monday = datetime(2026, 11, 2, 6, 31, 12, tzinfo=UTC)  # 07:31:12 in Berlin
    kg = lambda reps, weight: SetLog(reps, Decimal(weight), "kg")
    assert sets_of(reading) == {
        ("shoulder_press", monday): (kg(12, 8), kg(12, 8), kg(10, 8)),  # the warm-up set left out
        ("bent_over_row", monday): (kg(12, 10), kg(12, 10)),
        ("lateral_raise", datetime(2026, 11, 5, 17, 2, 40, tzinfo=UTC)): (kg(15, 5), kg(15, 5)),
        ("curl_to_press", datetime(2026, 11, 5, 17, 2, 40, tzinfo=UTC)): (kg(12, "7.5"),),
    }
    assert reading.skipped == (("Bench Press (Barbell)", 2), ("Plank", 1), ("Running", 1))
    assert reading.warmups == 1


def test_strongs_weight_is_in_the_runners_unit_unless_the_file_says(names):
    in_lb = read_export((FIXTURES / "strong.csv").read_bytes(), names, "America/New_York", "lb")
    assert {s.unit for item in in_lb.entries for s in item.entry.sets} == {"lb"}
    older = (
        "Date;Workout Name;Exercise Name;Set Order;Weight;Weight Unit;Reps;RPE;Distance;Distance Unit;Seconds;Notes;Workout Notes\n"
        '2019-01-11 12:31:54;"Arms";"Lateral Raise (Dumbbell)";1;12;lbs;15;;;;0;"";""\n'
    )
    [item] = read_export(older.encode(), names, "UTC", "kg").entries
    assert item.entry.sets == (SetLog(15, Decimal(12), "lb"),)
    assert item.at == datetime(2019, 1, 11, 12, 31, 54, tzinfo=UTC)


def test_a_hevy_export_in_kg_and_in_lb(names):
    reading = read_export((FIXTURES / "hevy.csv").read_bytes(), names, "Europe/Berlin", "lb")
    tuesday = datetime(2026, 11, 3, 17, 5, tzinfo=UTC)
    assert reading.source == "Hevy"
    assert sets_of(reading) == {
        ("chest_press", tuesday): (SetLog(10, Decimal(14), "kg"), SetLog(9, Decimal(14), "kg")),
        ("renegade_row", tuesday): (SetLog(8, Decimal(6), "kg"),),
    }
    assert reading.skipped == (("Triceps Pushdown (Cable)", 2), ("Push Up", 1))
    assert reading.warmups == 1
    in_lb = (
        (FIXTURES / "hevy.csv")
        .read_text()
        .replace('"weight_kg"', '"weight_lbs"')
        .replace('"distance_km"', '"distance_miles"')
    )
    assert {s.unit for item in read_export(in_lb.encode(), names, "UTC", "kg").entries for s in item.entry.sets} == {
        "lb"
    }


def test_the_same_file_gives_the_same_entry_ids_and_another_workout_other_ones(names):
    content = (FIXTURES / "hevy.csv").read_bytes()
    first, again = (read_export(content, names, "Europe/Berlin", "kg") for _ in range(2))
    assert [e.entry_id for e in first.entries] == [e.entry_id for e in again.entries]
    moved = read_export(content.replace(b"3 Nov 2026, 18:05", b"4 Nov 2026, 18:05"), names, "Europe/Berlin", "kg")
    assert not {e.entry_id for e in first.entries} & {e.entry_id for e in moved.entries}
    assert all(len(e.entry_id) <= 40 for e in first.entries)  # set_logs.entry_id is 40 characters


@pytest.mark.parametrize(
    "content",
    [b"", b"logged_at,exercise,set,reps\n", b"\x89PNG\r\n\x1a\n", b"Date,Exercise Name\n2026-01-01,Curl\n"],
)
def test_what_is_not_an_export_is_said_so(names, content):
    assert read_export(content, names, "UTC", "kg") is None


def test_bad_rows_are_left_out_without_failing(names):
    header = "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE\n"
    rows = [
        "not a date,W,1m,Lateral Raise (Dumbbell),1,5,15,0,0,,,",
        "2026-11-05 18:02:40,W,1m,Lateral Raise (Dumbbell),1,5,many,0,0,,,",
        "2026-11-05 18:02:40,W,1m,Lateral Raise (Dumbbell),1,900,15,0,0,,,",  # 900 kg: not a dumbbell
        "2026-11-05 18:02:40,W,1m,Lateral Raise (Dumbbell),1,5,500,0,0,,,",
        "2026-11-05 18:02:40,W,1m,Lateral Raise (Dumbbell),2,0,15,0,0,,,",  # no weight: a set of 15
    ]
    reading = read_export((header + "\n".join(rows)).encode(), names, "UTC", "kg")
    assert [item.entry.sets for item in reading.entries] == [(SetLog(15, None, None),)]


# --- through the real PTB Application, with the file fetched by getFile -------------------------
from sqlalchemy import func, select
from telegram import Update
from test_wiring import Chat, handled, wired  # noqa: F401 — `wired` is the fixture

from bot.storage.models import SetLog as SetRow


async def send_file(application, telegram, user_id, filename, content, mime_type="text/csv"):
    update_id = telegram.send_document(user_id, filename, content, mime_type)
    [payload] = [u for u in telegram.pending_updates() if u["update_id"] == update_id]
    await handled(application, Update.de_json(payload, application.bot))
    return telegram.messages(user_id)[-1]["text"]


def stored_sets(runtime, user_id):
    with runtime.store.transaction() as tx:
        return tx.db.scalar(select(func.count()).select_from(SetRow).where(SetRow.user_id == user_id))


async def test_a_strong_file_imports_once_and_says_what_it_did(wired, runtime):  # noqa: F811
    application, telegram = wired
    chat = Chat(application, telegram, user_id=4901)
    for text in ("/start", "kg", "Berlin"):
        await chat.send(text)
    await chat.tap("Not now")
    strong = (FIXTURES / "strong.csv").read_bytes()

    said = await send_file(application, telegram, 4901, "strong.csv", strong)
    assert said.startswith("✓ Imported from Strong: 8 sets in 4 entries (Shoulder press, Bent-over row, ")
    assert "Skipped, not among my six exercises: Bench Press (Barbell) (2), Plank (1), Running (1)." in said
    assert "Warm-up sets left out: 1." in said
    assert stored_sets(runtime, 4901) == 8
    assert telegram.calls("getFile")[-1]["params"]["file_id"].startswith("user-document-")

    again = await send_file(application, telegram, 4901, "strong.csv", strong)
    assert again.startswith("Nothing new to import from this Strong file.\n4 entries were imported before")
    assert stored_sets(runtime, 4901) == 8

    hevy = await send_file(application, telegram, 4901, "workouts.csv", (FIXTURES / "hevy.csv").read_bytes())
    assert hevy.startswith("✓ Imported from Hevy: 3 sets in 2 entries (Chest press, Renegade row).")
    assert stored_sets(runtime, 4901) == 11

    await chat.send("/history")
    assert "Lateral raise — 2 × 15 @ 5 kg" in chat.texts()[-1]


async def test_files_that_are_not_exports(wired, runtime):  # noqa: F811
    application, telegram = wired
    chat = Chat(application, telegram, user_id=4902)
    await chat.send("/help")
    own = b"logged_at,exercise,set,reps\n2026-11-02,Shoulder press,1,12\n"
    assert (await send_file(application, telegram, 4902, "mine.csv", own)).startswith(
        "I can read a CSV exported by Strong or Hevy, and “mine.csv” is neither."
    )
    await send_file(application, telegram, 4902, "plan.pdf", b"%PDF-1.4", "application/pdf")
    assert telegram.messages(4902)[-2]["text"].startswith("I can read text, and a CSV exported by Strong or Hevy")
    assert not [call for call in telegram.calls("getFile") if call["params"]["file_id"].endswith("-2")]  # not fetched
    assert stored_sets(runtime, 4902) == 0

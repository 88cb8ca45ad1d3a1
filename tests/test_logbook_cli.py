"""`armswing export` and the terminal chat's files, run as the installed command."""

import csv
import io
import os
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from test_terminal import BIN, chat


def test_the_terminal_saves_the_chart_and_the_export_and_the_cli_writes_the_same_csv(tmp_path):
    lines = [
        "/start",
        "kg",
        "Europe/Berlin",
        "9",
        "3x12 shoulder press 8kg",
        "rows 3 sets of 15 with 10 lb",
        "/progress",
    ]
    first = chat(tmp_path, lines, "--user-id", "7")
    assert first.returncode == 0, first.stderr
    assert "Logged Shoulder press — 3 × 12 @ 8 kg" in first.stdout
    assert "Your chart comes with your next session" in first.stdout  # one session: no chart yet
    assert not list(tmp_path.glob("armswing-progress.png"))
    with sqlite3.connect(tmp_path / "chat.sqlite3") as database:  # the shoulder press was three days ago
        database.execute(
            "UPDATE set_logs SET logged_at = datetime(logged_at, '-3 days') WHERE exercise_id = ?", ("shoulder_press",)
        )
    database.close()

    done = chat(tmp_path, ["/progress", "/export"], "--user-id", "7")
    assert done.returncode == 0, done.stderr
    [chart] = tmp_path.glob("armswing-progress.png")
    [export] = tmp_path.glob("armswing-log-*.csv")
    assert f"[photo saved: {chart}]" in done.stdout and f"[document saved: {export}]" in done.stdout
    assert chart.read_bytes().startswith(b"\x89PNG")

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'chat.sqlite3'}"}
    cli = subprocess.run(
        [str(BIN / "armswing"), "export", "--user-id", "7"], capture_output=True, cwd=tmp_path, env=env, timeout=120
    )
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout == export.read_bytes()
    rows = list(csv.reader(io.StringIO(cli.stdout.decode("utf-8"), newline="")))
    assert rows[0] == ["date", "timezone", "workout_id", "exercise", "set", "reps", "weight", "unit", "weight_kg"]
    assert [row[3:] for row in rows[1:]][2:4] == [
        ["Shoulder press", "3", "12", "8", "kg", "8"],
        ["Bent-over row", "1", "15", "4.54", "kg", "4.54"],
    ]
    local = datetime.strptime(rows[1][0], "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZoneInfo(rows[1][1]))
    assert rows[1][1] == "Europe/Berlin" and abs(local - datetime.now(UTC) + timedelta(days=3)) < timedelta(hours=1)

    other = subprocess.run(
        [str(BIN / "armswing"), "export", "--user-id", "8"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert other.returncode == 1 and other.stdout == ""
    assert "there is no user 8" in other.stderr

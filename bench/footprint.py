"""What the bot costs to install and to keep running idle, for two revisions in one run.

    .venv/bin/python bench/footprint.py --before 2050824 --after HEAD

For each revision: its tree (`git archive`) installed into a fresh virtual environment with
only the runtime dependencies (the hashed `requirements/runtime.txt`, then the tree, not editable, no dev
extras), the size of that environment's site-packages, then `armswing run` from it polling the
local fake Bot API (tests/support/botapi.py) with an empty SQLite database: its VmRSS once it is
polling and has been idle for `--idle` seconds, and the time from launch to its first poll.
Then, in the same environment, `Places.load()` and one lookup of a city by its exact name and
one with a typo (median of `--repeat` calls, the cache bypassed).

Prints a Markdown table with the after/before ratios.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the fake Bot API lives with the test tools

from support.botapi import DEFAULT_TOKEN, FakeBotApi

LOOKUPS = """
import json, statistics, sys, time
from content.places import Places
started = time.perf_counter()
places = Places.load()
loaded = time.perf_counter() - started
def median(text):
    times = []
    for _ in range({repeat}):
        started = time.perf_counter()
        Places.resolve.__wrapped__(places, text)
        times.append(time.perf_counter() - started)
    return statistics.median(times)
print(json.dumps({{"load": loaded, "exact": median("Portland"), "typo": median("berln")}}))
"""


def install(revision: str, workdir: Path) -> Path:
    """A fresh environment with `revision` and its runtime dependencies; its python."""
    tree = workdir / "tree"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tree, filter="data")
    venv = workdir / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    if (tree / "requirements" / "runtime.txt").exists():  # the hashed runtime lock, then the package alone
        subprocess.run([*pip, "--require-hashes", "-r", "requirements/runtime.txt"], cwd=tree, check=True)
        subprocess.run([*pip, "--no-deps", "."], cwd=tree, check=True)
    else:  # revisions before it: one lock file used as constraints
        subprocess.run([*pip, "-c", "requirements.lock", "."], cwd=tree, check=True)
    shutil.rmtree(tree)
    return python


def site_packages_mb(python: Path) -> float:
    site = next((python.parent.parent / "lib").glob("python3*/site-packages"))
    return sum(path.stat().st_size for path in site.rglob("*") if path.is_file()) / 1e6


def idle_bot(python: Path, workdir: Path, idle: float) -> tuple[float, float]:
    """(seconds from launch to the first poll, VmRSS in MB after `idle` seconds of polling)."""
    with FakeBotApi() as api:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_URL", "ARMSWING_"))},
            "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "DATABASE_URL": f"sqlite:///{workdir / 'idle.sqlite3'}",
        }
        started = time.monotonic()
        with (workdir / "bot.log").open("wb") as log:
            bot = subprocess.Popen(
                [str(python.parent / "armswing"), "run"], cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            api.wait_for(lambda: api.calls("deleteWebhook") or bot.poll() is not None, timeout=120)
            if bot.poll() is not None:
                raise SystemExit(f"the bot exited: {(workdir / 'bot.log').read_text()[-2000:]}")
            ready = time.monotonic() - started
            time.sleep(idle)
            status = Path(f"/proc/{bot.pid}/status").read_text()
            rss = int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE).group(1)) / 1024  # type: ignore[union-attr]
        finally:
            bot.terminate()
            bot.wait(30)
    return ready, rss


def measure(revision: str, args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="armswing-footprint-") as scratch:
        workdir = Path(scratch)
        python = install(revision, workdir)
        ready, rss = idle_bot(python, workdir, args.idle)
        lookups = subprocess.run(
            [str(python), "-c", LOOKUPS.format(repeat=args.repeat)], cwd=workdir, check=True, capture_output=True
        )
        return {"site_mb": site_packages_mb(python), "ready_s": ready, "rss_mb": rss} | json.loads(lookups.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="git revision to compare against")
    parser.add_argument("--after", default="HEAD", help="git revision measured (default HEAD)")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds polling before VmRSS is read")
    parser.add_argument("--repeat", type=int, default=200, help="lookups per median")
    args = parser.parse_args()
    before, after = measure(args.before, args), measure(args.after, args)
    rows = [
        ("site-packages (MB)", "site_mb", 1, "{:.0f}"),
        ("idle VmRSS of `armswing run` (MB)", "rss_mb", 1, "{:.0f}"),
        ("launch to first poll (s)", "ready_s", 1, "{:.2f}"),
        ("`Places.load()` (ms)", "load", 1e3, "{:.1f}"),
        ('lookup "Portland" (µs)', "exact", 1e6, "{:.0f}"),
        ('lookup "berln", a typo (µs)', "typo", 1e6, "{:.0f}"),
    ]
    print(f"| | before ({args.before}) | after ({args.after}) | after / before |")
    print("| --- | ---: | ---: | ---: |")
    for label, key, scale, fmt in rows:
        old, new = before[key] * scale, after[key] * scale
        print(f"| {label} | {fmt.format(old)} | {fmt.format(new)} | {new / old:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

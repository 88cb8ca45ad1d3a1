"""The /progress chart: weekly volume on top (weeks on the twice-a-week target in colour), then
one small chart per exercise of the heaviest weight of each day, all over the same weeks.

Drawn with matplotlib's Agg backend through its object API (no pyplot, so no global state and
safe in a worker thread), sized for a phone: about 1200 px wide, large type, in light colours or dark ones (for
Telegram's dark theme; the runner picks in /settings). matplotlib is imported on first use, so
starting the bot stays fast.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from dialogs.plan import WEEKLY_GOAL
from dialogs.progress import Progress
from dialogs.session import ChartTheme
from dialogs.units import plain

if TYPE_CHECKING:  # matplotlib itself is imported on first use
    from matplotlib.axes import Axes
    from matplotlib.dates import DateFormatter


@dataclass(frozen=True)
class Palette:
    paper: str
    ink: str
    muted: str
    accent: str
    grid: str


PALETTES: dict[ChartTheme, Palette] = {
    "light": Palette(paper="white", ink="#1f2933", muted="#9aa5b1", accent="#e8590c", grid="#e4e7eb"),
    # Telegram's dark chat background, so the picture does not glare in a dark chat.
    "dark": Palette(paper="#17212b", ink="#e4ecf2", muted="#708499", accent="#ff8c42", grid="#2b3a4a"),
}
WIDTH, DPI = 10, 120  # inches, dots per inch


def draw(progress: Progress, names: Mapping[str, str], theme: ChartTheme = "light") -> bytes:
    """A PNG of `progress`."""
    colours = PALETTES[theme]
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import DateFormatter
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    lifts = [lift for lift in progress.lifts if lift.days]
    rows = (len(lifts) + 1) // 2
    figure = Figure(figsize=(WIDTH, 3.6 + 2.9 * rows), dpi=DPI, layout="constrained", facecolor=colours.paper)
    canvas = FigureCanvasAgg(figure)
    grid = figure.add_gridspec(1 + rows, 2, height_ratios=[1.25] + [1] * rows)
    start, end = progress.weeks[0].start, progress.weeks[-1].start + timedelta(days=6)

    weekly = figure.add_subplot(grid[0, :])
    by_volume = any(week.volume for week in progress.weeks)
    heights = [float(week.volume) if by_volume else week.reps for week in progress.weeks]
    bars = [colours.accent if week.sessions >= WEEKLY_GOAL else colours.muted for week in progress.weeks]
    weekly.bar([week.start + timedelta(days=3) for week in progress.weeks], heights, width=5, color=bars)
    for week, height in zip(progress.weeks, heights):
        if week.sessions:
            weekly.annotate(
                f"{week.sessions}×",
                (week.start + timedelta(days=3), height),
                ha="center",
                va="bottom",
                xytext=(0, 3),
                textcoords="offset points",
                fontsize=11,
                color=colours.ink,
            )
    title = f"Weekly volume ({progress.unit} lifted)" if by_volume else "Reps per week"
    _style(weekly, title, start, end, DateFormatter("%-d %b"), colours)
    legend = weekly.legend(
        handles=[
            Patch(color=colours.accent, label=f"{WEEKLY_GOAL}+ sessions"),
            Patch(color=colours.muted, label="fewer"),
        ],
        loc="upper left",
        fontsize=11,
        frameon=False,
        labelcolor=colours.ink,
        title="n× = sessions",
        title_fontsize=11,
    )
    legend.get_title().set_color(colours.ink)
    weekly.margins(y=0.25)

    for number, lift in enumerate(lifts):
        axes = figure.add_subplot(grid[1 + number // 2, number % 2])
        days = [day for day, _ in lift.days]
        weights = [float(weight) for _, weight in lift.days]
        axes.plot(days, weights, color=colours.accent, marker="o", markersize=6, linewidth=2.2)
        axes.annotate(
            f"{plain(lift.days[-1][1])} {progress.unit}",
            (days[-1], weights[-1]),
            xytext=(0, 8),
            textcoords="offset points",
            ha="center",
            fontsize=11,
            color=colours.ink,
        )
        _style(axes, names.get(lift.exercise_id, lift.exercise_id), start, end, DateFormatter("%-d %b"), colours)
        low, high = min(weights), max(weights)
        pad = max((high - low) * 0.25, 1.0)
        axes.set_ylim(max(0, low - pad), high + pad * 1.6)
        axes.set_ylabel(f"heaviest, {progress.unit}", fontsize=11, color=colours.muted)
    figure.suptitle("Armswing · your progress", fontsize=17, color=colours.ink, fontweight="bold")

    buffer = io.BytesIO()
    canvas.print_png(buffer)
    return buffer.getvalue()


def _style(axes: Axes, title: str, start: date, end: date, dates: DateFormatter, colours: Palette) -> None:
    axes.set_facecolor(colours.paper)
    axes.set_title(title, fontsize=14, color=colours.ink, loc="left", fontweight="bold")
    axes.set_xlim(start - timedelta(days=1), end + timedelta(days=1))
    axes.xaxis.set_major_formatter(dates)
    axes.tick_params(labelsize=11, colors=colours.ink)
    axes.grid(axis="y", color=colours.grid)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(colours.muted)

"""Units and weights, in one place: kg and lb, exact conversions, the dumbbells a runner can
actually hold, and how a weight is written.

Conversions are exact (a Decimal context of 50 digits); rounding happens only where a number is
shown to a person (`shown`) or stored (`stored_kg` and `stored_weight`, the precision of the
`weight_kg` and `weight` columns).
Comparisons (a new record?) use `stored_kg` on both sides, so a weight never beats itself after
a round trip through the other unit.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Literal

Unit = Literal["kg", "lb"]
UNITS: tuple[Unit, ...] = ("kg", "lb")
KG_PER_LB = Decimal("0.45359237")  # exact, by definition
STORED_KG = Decimal("0.0001")  # the precision `weight_kg` is stored with
STORED_WEIGHT = Decimal("0.01")  # the precision a weight is stored with in its own unit (`weight`)
_EXACT = Context(prec=50)

# The fixed dumbbells sold in each unit (rack steps), lightest first. Above the last, 5 lb or 2.5 kg steps.
DUMBBELLS: dict[Unit, tuple[Decimal, ...]] = {
    "kg": tuple(Decimal(w) for w in ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "12", "14", "16", "18", "20")),
    "lb": tuple(Decimal(w) for w in ("3", "5", "8", "10", "12", "15", "20", "25", "30", "35", "40", "45", "50")),
}
_ABOVE_RACK: dict[Unit, Decimal] = {"kg": Decimal("2.5"), "lb": Decimal(5)}


def to_kg(weight: Decimal, unit: str | None) -> Decimal:
    """Exact: a weight in `unit` (kg when None) in kilograms."""
    return _EXACT.multiply(weight, KG_PER_LB) if unit == "lb" else weight


def convert(weight: Decimal, from_unit: str | None, to_unit: str | None) -> Decimal:
    """Exact: `weight` in `from_unit` expressed in `to_unit` (no unit: as it is)."""
    if from_unit is None or to_unit is None or from_unit == to_unit:
        return weight
    kg = to_kg(weight, from_unit)
    return _EXACT.divide(kg, KG_PER_LB) if to_unit == "lb" else kg


def stored_kg(weight: Decimal, unit: str | None) -> Decimal:
    """The weight in kg as storage keeps it, and as records are compared."""
    return to_kg(weight, unit).quantize(STORED_KG, rounding=ROUND_HALF_UP)


def stored_weight(weight: Decimal) -> Decimal:
    """A typed weight as storage keeps it in its unit: what a log's card must show."""
    return weight.quantize(STORED_WEIGHT, rounding=ROUND_HALF_UP)


def rounded(weight: Decimal) -> Decimal:
    """For display only: to the half unit (dumbbells come in half-unit steps at best)."""
    return (weight * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2


def plain(number: Decimal | str | int) -> str:
    """A number as people write it: 8, 7.5, 100 — never 8.0, 8.00 or 1E+1."""
    return format(Decimal(number).normalize(), "f")


def shown(weight: Decimal | str | None) -> str | None:
    """A weight for a person to read: rounded to the half unit, written plainly."""
    return None if weight is None else plain(rounded(Decimal(weight)))


def nearest_dumbbell(weight: Decimal, unit: Unit) -> Decimal:
    """The dumbbell of the rack closest to `weight` (a converted plan lands on a real one)."""
    rack = DUMBBELLS[unit]
    if weight > rack[-1]:
        step = _ABOVE_RACK[unit]
        return rack[-1] + ((weight - rack[-1]) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
    return min(rack, key=lambda w: (abs(w - weight), w))


def heavier(weight: Decimal, unit: Unit) -> Decimal:
    """The next dumbbell up from `weight`."""
    above = [w for w in DUMBBELLS[unit] if w > weight]
    return above[0] if above else nearest_dumbbell(weight, unit) + _ABOVE_RACK[unit]


def lighter(weight: Decimal, unit: Unit) -> Decimal | None:
    """The next dumbbell down from `weight`; None below the lightest."""
    below = [w for w in DUMBBELLS[unit] if w < weight]
    return below[-1] if below else None

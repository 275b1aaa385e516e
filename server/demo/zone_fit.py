"""The demo's orders fitted to the demo's delivery zones (zones.py): pure, no database.

An order planned by the demo looks its point up among the demo zones (the same outlines and priorities
that load_zones creates), then takes a day the zone delivers on, a window inside one of that day's
slots and a basket of at least the zone's minimum — so that the manager's board on the first run shows
the zone flags only on the few orders made to show them (delivery.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from server.demo import timeline
from server.demo.zones import ZONES, _polygon
from server.routing.zones import ZoneIndex, ZoneShape


@dataclass(frozen=True)
class DemoZone:
    name: str
    minimum: int  # kopecks of goods
    days: tuple[int, ...]  # ISO weekdays
    slots: tuple[tuple[float, float], ...]  # local hours, (10, 14)

    def delivers(self, day: datetime) -> bool:
        """The zone delivers on the local day of `day`."""
        return timeline.local(day).isoweekday() in self.days

    def delivery_day(self, day: datetime) -> datetime:
        """`day`, or the next day the zone delivers on (the same time of day)."""
        for shift in range(7):
            if self.delivers(day + timedelta(days=shift)):
                return day + timedelta(days=shift)
        return day

    def holds(self, start: float, end: float) -> bool:
        """The window (local hours) lies inside one of the slots (no slots: any time)."""
        return not self.slots or any(a <= start and end <= b for a, b in self.slots)

    def fit(self, start: float, end: float) -> tuple[float, float]:
        """The window (local hours) moved into the nearest slot: kept when one holds it already, else
        shifted the least (an evening 18–22 where the last slot is 14–18 becomes 14–18; 19–21 becomes
        16–18), cut to the slot when it is longer."""
        if self.holds(start, end):
            return start, end

        def shifted(slot: tuple[float, float]) -> tuple[float, float]:
            a, b = slot
            length = min(end - start, b - a)
            begin = min(max(start, a), b - length)
            return begin, begin + length

        return min((shifted(s) for s in self.slots), key=lambda w: (abs(w[0] - start), w[0]))

    def has_evening(self) -> bool:
        """A slot reaches past 18:00 (no slots: the zone delivers at any time)."""
        return not self.slots or any(b > 18 for _, b in self.slots)

    def slot_hours(self, evening: bool = True) -> list[tuple[float, float]]:
        """The slots as windows (without the evening ones, from 18:00, unless `evening`)."""
        slots = [s for s in self.slots if evening or s[0] < 18] or list(self.slots)
        return slots or [(10, 14), (14, 18)]


def _hours(text: str) -> float:
    hours, minutes = text.split(":")
    return int(hours) + int(minutes) / 60


DEMO_ZONES = [DemoZone(name, minimum * 100, tuple(days), tuple((_hours(a), _hours(b)) for a, b in slots))
              for name, _, _, _, minimum, days, slots, _, _ in ZONES]
_INDEX = ZoneIndex(ZoneShape(n, _polygon(outline), priority)
                   for n, (_, _, outline, _, _, _, _, priority, _) in enumerate(ZONES))


def zone_of(lat: float | None, lon: float | None) -> DemoZone | None:
    """The demo zone of the point, or None (no point, or outside every zone)."""
    found = _INDEX.lookup(lat, lon)
    return DEMO_ZONES[found] if found is not None else None


def minimum_of(lat: float | None, lon: float | None) -> int:
    zone = zone_of(lat, lon)
    return zone.minimum if zone else 0

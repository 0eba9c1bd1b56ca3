"""The date-sensitive tests, run with the whole machine's clock moved to chosen days (`make test-dates`).

Every process the tests start (the services, Tansu, SecantusDB, Chromium) inherits libfaketime (Debian's
`faketime`), with one offset from the real clock for all of them: a relative offset (`+N` seconds), never an
absolute start (`@date`), which each process would start again from its own launch. The clock then runs on
from the chosen instant, as it does in production.

    python tests/dates/run.py                 # every day below, and the slow run, on the date-sensitive tests
    python tests/dates/run.py --day 2027-01-24 --tests quick

`--tests quick` is the part `make test` runs beside today's date: the services' own tests (quarters, the 24th,
lateness, prescription, reminders, the answer clock, the second examen). `full` adds the flows in process and
the browser journeys that file a quarter and a rescrit. The slow run keeps today's date and makes the clock
run twice as fast as the machine: whatever a test builds from the clock once (a token at import) is twice as
stale by the time it is used, as on a machine twice as slow.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Day:
    label: str
    local: datetime
    why: str
    speed: int = 1

    def offset_seconds(self, now: datetime) -> int:
        return round((self.local - now).total_seconds())


GUADELOUPE, REUNION = ZoneInfo("America/Guadeloupe"), ZoneInfo("Indian/Reunion")
DAYS = (
    Day("2026-12-07", datetime(2026, 12, 7, 12, 0, tzinfo=UTC), "the day the time bombs went off"),
    Day(
        "2026-12-31",
        datetime(2026, 12, 31, 23, 30, tzinfo=GUADELOUPE),
        "23:30 in Guadeloupe: already 1 January 2027 in UTC, a new year and a new quarter",
    ),
    Day("2027-01-24", datetime(2027, 1, 24, 23, 30, tzinfo=GUADELOUPE), "the 24th, late evening: the 25th in UTC"),
    Day("2027-02-28", datetime(2027, 2, 28, 12, 0, tzinfo=REUNION), "the end of a short month"),
    Day("2028-02-29", datetime(2028, 2, 29, 12, 0, tzinfo=REUNION), "a leap day"),
    Day("2027-07-31", datetime(2027, 7, 31, 12, 0, tzinfo=REUNION), "two 31-day months in a row follow"),
    Day("slow", datetime.now(UTC), "today, with a clock running twice as fast as the machine", speed=2),
)
IN_MAKE_TEST = "2026-12-31"
"""The day `make test` runs the quick part on, beside today's date."""

QUICK = ["services/declarations/tests", "services/taxcalc/tests", "services/essoc/tests", "services/notifier/tests"]
FULL = [
    *QUICK,
    "services/portal/tests",
    "tests/flow",
    "tests/browser/test_domino_journey.py",
    "tests/browser/test_ogde_journey.py",
    "tests/browser/test_agent_domino.py",
    "tests/browser/test_agent_ogde_journey.py",
    "tests/browser/test_auditor_journey.py",
]


def faketime_spec(day: Day, now: datetime) -> str:
    offset = 0 if day.speed != 1 else day.offset_seconds(now)
    return f"{offset:+d}" + (f" x{day.speed}" if day.speed != 1 else "")


def run(day: Day, tests: list[str], pytest_args: list[str]) -> int:
    spec = faketime_spec(day, datetime.now(UTC))
    print(f"\n=== {day.label} ({day.why}): faketime -f '{spec}'", flush=True)
    command = ["faketime", "-f", spec, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    started = time.monotonic()
    code = subprocess.call([*command, *pytest_args, *tests])
    print(f"=== {day.label}: {'green' if code == 0 else f'FAILED ({code})'} in {time.monotonic() - started:.0f} s")
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--day", action="append", choices=[d.label for d in DAYS], help="one of the days (repeat)")
    parser.add_argument("--tests", choices=("quick", "full"), default="full")
    parser.add_argument("pytest_args", nargs="*", help="passed on to pytest (after --)")
    args = parser.parse_args()
    if shutil.which("faketime") is None:
        print("faketime is missing: apt-get install faketime (Debian's libfaketime)", file=sys.stderr)
        return 2
    days = [d for d in DAYS if not args.day or d.label in args.day]
    failed = [d.label for d in days if run(d, QUICK if args.tests == "quick" else FULL, args.pytest_args) != 0]
    print(
        f"\nDates: {len(days) - len(failed)} of {len(days)} days green"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

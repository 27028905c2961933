"""Watch time proven on the server (DESIGN §5, issue 11): which seconds of a courseware item a
heartbeat adds, and when an item is complete. Pure functions, no I/O.

The browser only reports; the server decides. A heartbeat says where the video is, at what speed,
whether it plays and whether the page is visible. The server keeps a *run*: the position and its
own clock time at the clean heartbeat where continuous playing began. A later heartbeat extends
the run only if it is clean (playing, visible, 1×), arrives within `MAX_GAP` of the previous one,
did not go backwards and is no further ahead than the server's clock allows since the run began.
What it credits is never more than the server's own elapsed time since the run began, so every
run, and therefore every person (one playback at a time), gains at most one second of video per
second of real time: skipping, 2×, replays, a second tab or a script that lies about its position
add nothing. Only whole seconds the run covers are credited, counted from the whole second it
began in, so no fraction is ever gained.

The seconds watched are a bitmap (bit s = second s), so "not already credited" is a set union.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

# Longest silence between heartbeats that a run survives. The page beats every 5 s and at every
# play / pause / seek / visibility change; 15 s is three missed beats (a throttled or frozen tab).
MAX_GAP = 15.0
# How far a position may run ahead of the server's clock since the run began and still continue
# it: the network's jitter between two beats. Credit never includes it (see `credit`).
SLACK = 2.0
# An item is complete when every second up to this many before its end is watched: the last
# heartbeat (on "ended") is up to a network delay behind the real end.
END_TOLERANCE = 2
# The attention check's answer must arrive within this many seconds of the server asking (issue 11).
CHECK_ANSWER_SECONDS = 60
# A rate is 1× when it is this close to it (the browser reports a float).
_RATE_EPSILON = 1e-6


@dataclass(frozen=True)
class Beat:
    """What one heartbeat reports; only `seq` and the server's own clock are trusted as they are."""

    seq: int
    position: float  # seconds into the item
    rate: float = 1.0
    playing: bool = True
    visible: bool = True

    @property
    def clean(self) -> bool:
        return self.playing and self.visible and abs(self.rate - 1.0) < _RATE_EPSILON


@dataclass(frozen=True)
class Run:
    """Continuous clean playing since `position` at server time `at`, last heard of at `last_at`."""

    position: float
    at: float
    last_position: float
    last_at: float


@dataclass(frozen=True)
class Credit:
    """The state after a heartbeat and the seconds [start, end) it credits (possibly none)."""

    seq: int
    run: Run | None
    start: int = 0
    end: int = 0

    @property
    def seconds(self) -> range:
        return range(self.start, max(self.start, self.end))


def credit(
    *, seq: int, run: Run | None, beat: Beat, now: float, duration: int, stop_at: int | None = None
) -> Credit | None:
    """The effect of `beat`, received at server time `now`, on a playback in state (`seq`, `run`).

    None when the beat is a replay or out of order (its seq is not above the last one): nothing
    changes. `stop_at` is a position credit may not pass (an attention check due there): the run
    ends at it.
    """
    if beat.seq <= seq:
        return None
    position = min(max(beat.position, 0.0), float(duration))
    if not beat.clean:
        return Credit(beat.seq, None)
    # A run's origin is the whole second it starts in: the time it must then account for includes
    # that second's first fraction, so credit still never outruns the clock, and a pause or a seek
    # back to where credit stopped leaves no one-second hole to watch again.
    fresh = Run(float(math.floor(position)), now, position, now)
    if run is None:
        return Credit(beat.seq, fresh)
    elapsed = now - run.at
    continues = (
        now - run.last_at <= MAX_GAP and position >= run.last_position and position - run.position <= elapsed + SLACK
    )
    if not continues:
        return Credit(beat.seq, fresh)
    covered_to = min(position, run.position + elapsed)
    if stop_at is not None and covered_to >= stop_at:
        return Credit(beat.seq, None, math.ceil(run.position), min(stop_at, math.floor(covered_to)))
    return Credit(beat.seq, Run(run.position, run.at, position, now), math.ceil(run.position), math.floor(covered_to))


def bitmap_empty(duration: int) -> bytes:
    return bytes((duration + 7) // 8)


def bitmap_add(bitmap: bytes, seconds: range) -> tuple[bytes, int]:
    """The bitmap with `seconds` set, and how many of them were not set before."""
    bits = bytearray(bitmap)
    added = 0
    for s in seconds:
        byte, bit = divmod(s, 8)
        if byte >= len(bits):
            break
        if not bits[byte] >> bit & 1:
            bits[byte] |= 1 << bit
            added += 1
    return bytes(bits), added


def bitmap_count(bitmap: bytes) -> int:
    return sum(bin(b).count("1") for b in bitmap)


def bitmap_has(bitmap: bytes, second: int) -> bool:
    byte, bit = divmod(second, 8)
    return byte < len(bitmap) and bool(bitmap[byte] >> bit & 1)


def first_gap(bitmap: bytes, duration: int) -> int:
    """The first second not watched (where to resume), or `duration` when every one is."""
    for s in range(duration):
        if not bitmap_has(bitmap, s):
            return s
    return duration


def watched_through(bitmap: bytes, duration: int) -> bool:
    """R12b's courseware watched whole: every second up to END_TOLERANCE before the end."""
    return all(bitmap_has(bitmap, s) for s in range(max(0, duration - END_TOLERANCE)))


def check_positions(duration: int, per_hour: int, minutes_per_hour: int, rng: random.Random) -> list[int]:
    """Where an item's attention checks fall: `per_hour` for every credit hour of its courseware
    (R12b's minutes per hour), at least one, at random seconds inside its middle 80 %."""
    count = max(1, math.ceil(duration * per_hour / (minutes_per_hour * 60)))
    low, high = max(1, duration // 10), max(1, duration * 9 // 10)
    return sorted(rng.randint(low, high) for _ in range(count))

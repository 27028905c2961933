"""Watch time proven on the server (issue 11, R12b's courseware minutes, R16.1's registration by the
system): properties of rules/watching.py over any sequence of heartbeats."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from cehours.rules.watching import (
    MAX_GAP,
    Beat,
    bitmap_add,
    bitmap_count,
    bitmap_empty,
    check_positions,
    credit,
    watched_through,
)

DURATION = 120


def play(beats: list[tuple[float, Beat]], duration: int = DURATION, stop_at: int | None = None) -> tuple[bytes, float]:
    """Feed (server time, beat) pairs through `credit`; the bitmap and the server time spanned."""
    seq, run = 0, None
    bitmap = bitmap_empty(duration)
    for now, beat in beats:
        result = credit(seq=seq, run=run, beat=beat, now=now, duration=duration, stop_at=stop_at)
        if result is None:
            continue
        seq, run = result.seq, result.run
        bitmap, _ = bitmap_add(bitmap, result.seconds)
    span = beats[-1][0] - beats[0][0] if beats else 0.0
    return bitmap, span


def honest(duration: int = DURATION, every: float = 5.0, jitter: list[float] | None = None) -> list[tuple[float, Beat]]:
    """A real player at 1×: position = time since play, heartbeats arriving up to `jitter` late."""
    beats, t, seq = [], 0.0, 0
    while True:
        seq += 1
        position = min(t, float(duration))
        delay = jitter[seq % len(jitter)] if jitter else 0.0
        beats.append((1000.0 + t + delay, Beat(seq, position)))
        if position >= duration:
            return beats
        t += every


def test_r12b_honest_play_at_1x_completes_even_with_network_jitter():
    bitmap, _ = play(honest(jitter=[0.0, 0.4, 0.1, 0.9, 0.0, 0.3]))
    assert watched_through(bitmap, DURATION)
    bitmap, _ = play(honest())
    assert bitmap_count(bitmap) >= DURATION - 1


beat_lists = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=30, allow_nan=False),  # server seconds since the previous beat
        st.integers(min_value=-2, max_value=3),  # seq step: replays and reorderings included
        st.floats(min_value=-10, max_value=DURATION + 10, allow_nan=False),
        st.sampled_from([1.0, 1.0, 1.0, 2.0, 1.5, 0.5, 16.0]),
        st.booleans(),
        st.booleans(),
    ),
    max_size=60,
)


@settings(max_examples=400, deadline=None)
@given(beat_lists)
def test_r12b_no_sequence_of_heartbeats_credits_more_seconds_than_the_server_saw_pass(steps):
    """Whatever a script sends (positions, rates, replays, visibility), the seconds credited never
    exceed the real time between its first and last heartbeat as the server measured it."""
    now, seq, beats = 0.0, 0, []
    for gap, step, position, rate, playing, visible in steps:
        now += gap
        seq += step
        beats.append((now, Beat(seq, position, rate, playing, visible)))
    bitmap, span = play(beats)
    assert bitmap_count(bitmap) <= span


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1.05, max_value=16), st.floats(min_value=1, max_value=5))
def test_r12b_playing_faster_than_1x_never_completes_an_item_sooner(rate, every):
    """A script that reports 1× while the position runs faster (a slider, playbackRate set behind
    the page's back) may get some seconds, never more than the real time spent, so one fast pass
    never completes the item."""
    beats, t, seq = [], 0.0, 0
    while t * rate <= DURATION:
        seq += 1
        beats.append((t, Beat(seq, t * rate)))
        t += every
    bitmap, span = play(beats)
    assert bitmap_count(bitmap) <= span
    assert not watched_through(bitmap, DURATION)


def test_r12b_at_2x_with_the_players_heartbeats_nothing_is_credited():
    beats = [(float(t), Beat(n + 1, 2.0 * t)) for n, t in enumerate(range(0, DURATION // 2 + 1, 5))]
    bitmap, _ = play(beats)
    assert bitmap_count(bitmap) == 0


def test_r12b_seeking_to_the_end_adds_nothing():
    bitmap, _ = play([(0.0, Beat(1, 0.0)), (5.0, Beat(2, 5.0)), (6.0, Beat(3, float(DURATION)))])
    assert bitmap_count(bitmap) == 5
    assert not watched_through(bitmap, DURATION)


def test_r12b_a_hidden_tab_a_paused_video_and_2x_add_nothing():
    for flags in ({"visible": False}, {"playing": False}, {"rate": 2.0}):
        beats = [(float(t), Beat(n + 1, float(t), **flags)) for n, t in enumerate(range(0, DURATION + 1, 5))]
        bitmap, _ = play(beats)
        assert bitmap_count(bitmap) == 0, flags


def test_r12b_a_replayed_heartbeat_adds_nothing():
    first, _ = play([(0.0, Beat(1, 0.0)), (5.0, Beat(2, 5.0))])
    replayed, _ = play([(0.0, Beat(1, 0.0)), (5.0, Beat(2, 5.0)), (10.0, Beat(2, 10.0)), (11.0, Beat(1, 11.0))])
    assert replayed == first


def test_r12b_a_silence_longer_than_the_gap_credits_nothing_across_it():
    bitmap, _ = play([(0.0, Beat(1, 0.0)), (MAX_GAP + 20, Beat(2, MAX_GAP + 20))])
    assert bitmap_count(bitmap) == 0


def test_r12b_rewatching_credits_no_second_twice():
    once, _ = play(honest(duration=30), duration=30)
    bitmap, added = bitmap_add(once, range(0, 30))
    assert added == 0 and bitmap == once


def test_credit_stops_at_an_attention_check_and_the_run_ends_there():
    seq, run = 0, None
    result = credit(seq=seq, run=run, beat=Beat(1, 0.0), now=0.0, duration=60, stop_at=12)
    assert result is not None
    result = credit(seq=1, run=result.run, beat=Beat(2, 15.0), now=15.0, duration=60, stop_at=12)
    assert result is not None and result.run is None and list(result.seconds) == list(range(12))


@given(st.integers(min_value=1, max_value=4 * 3600), st.integers(min_value=1, max_value=10))
def test_attention_checks_three_per_credit_hour_at_least_one_inside_the_item(duration, per_hour):
    positions = check_positions(duration, per_hour, 45, random.Random(duration))
    assert len(positions) >= 1
    assert len(positions) == max(1, -(-duration * per_hour // 2700))
    assert all(0 < p <= duration for p in positions)

"""The live player, run headless for a few seconds against the wall clock."""

from __future__ import annotations

import time

import pygame
import pytest

from avatar.build import build_script_timeline
from avatar.face.look import get_look
from avatar.player import Player
from avatar.scene import Scene
from avatar.script import parse_script
from avatar.show import Show
from avatar.sound import NullOut, open_sound
from avatar.tts import Voice
from avatar.tts.base import VoiceSettings
from avatar.tts.fake import FakeEngine


def _show(text: str) -> Show:
    tl = build_script_timeline(parse_script(text), Voice(FakeEngine(), VoiceSettings(), use_cache=False))
    return Show(tl)


def _player(show: Show, sound) -> Player:
    look = get_look("official")
    return Player(show, lambda size: Scene(size, look), sound, size=(320, 180), fps=30)


class _WallLog(NullOut):
    """A silent sink that notes the wall time of every clip start."""

    def __init__(self) -> None:
        super().__init__()
        self.walls: list[float] = []

    def play(self, audio, offset_s: float = 0.0) -> None:
        super().play(audio, offset_s)
        self.walls.append(time.perf_counter())


def test_plays_every_clip_in_order_and_never_ends_early() -> None:
    show = _show("Bob maps. The city grows. Thank you.")
    sound = _WallLog()
    stats = _player(show, sound).run()
    duration = show.timeline.duration_s
    assert stats.wall_s >= duration, "the show cannot end before its audio"
    assert stats.frames > 0
    assert len(sound.played) == 3
    assert [round(s, 3) for s, _ in stats.clip_starts] == [round(c.start_s, 3) for c in show.timeline.clips]


class _FakeTime:
    """A wall clock that only moves when told to (or when the scheduler sleeps)."""

    def __init__(self) -> None:
        self.now_s = 100.0

    def now(self) -> float:
        return self.now_s

    def sleep(self, seconds: float) -> None:
        self.now_s += seconds


def test_scheduler_starts_clips_exactly_on_the_clock_and_follows_the_audio() -> None:
    from avatar.clock import LiveClock
    from avatar.player import ClipScheduler

    show = _show("Bob maps. The city grows. Thank you.")
    fake = _FakeTime()
    clock = LiveClock(now=fake.now)
    sound = NullOut()
    sched = ClipScheduler(show.timeline, clock, sound, now=fake.now, sleep=fake.sleep)
    clock.start(0.0)
    frame_s = 1 / 30
    while clock.time_s() < show.timeline.duration_s:
        sched.start_due(frame_s)
        fake.now_s += frame_s * (0.55 + 0.4 * ((int(fake.now_s * 1000) % 7) / 7))  # jittery frames
    starts = [c.start_s for c in show.timeline.clips]
    assert [s for s, _ in sched.log] == starts
    assert all(abs(actual - scheduled) < 1e-9 for scheduled, actual in sched.log)
    assert all(offset == 0.0 for _, offset in sound.played)


def test_a_late_clip_starts_from_where_the_clock_is() -> None:
    from avatar.clock import LiveClock
    from avatar.player import ClipScheduler

    show = _show("Bob maps the old city today.")
    fake = _FakeTime()
    clock = LiveClock(now=fake.now)
    sound = NullOut()
    sched = ClipScheduler(show.timeline, clock, sound, now=fake.now, sleep=fake.sleep)
    clock.start(0.0)
    first = show.timeline.clips[0]
    fake.now_s += first.start_s + 0.5  # the machine stalled for half a second
    sched.start_due(1 / 30)
    (duration, offset), = sound.played
    assert offset == pytest.approx(0.5, abs=1e-6), "the voice joins where the picture is, not behind it"


def test_without_a_sound_device_it_runs_silently() -> None:
    show = _show("Short one.")
    stats = _player(show, NullOut()).run()
    assert stats.silent and stats.frames > 10


def test_real_mixer_on_the_dummy_driver() -> None:
    sound = open_sound(22050)
    show = _show("Mixer works.")
    stats = _player(show, sound).run()
    assert not sound.silent and stats.frames > 10


def test_pause_and_sentence_keys() -> None:
    show = _show("First sentence here. Second sentence here. Third sentence here.")
    player = _player(show, NullOut())
    starts = show.timeline.sentence_starts()
    seen: list[float] = []

    def on_frame(t: float, state) -> None:
        seen.append(t)
        if len(seen) == 3:
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RIGHT))
        if len(seen) == 6:
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE))
        if len(seen) == 12:
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q))

    stats = player.run(on_frame=on_frame)
    assert stats.quit_by_user
    assert seen[4] >= starts[1] - 0.06, "right arrow jumps to the next sentence"
    assert seen[-1] == pytest.approx(seen[-3]), "space pauses the clock"


def test_the_picture_shows_the_timeline_state() -> None:
    show = _show("Bob maps the city.")
    states = []
    _player(show, NullOut()).run(on_frame=lambda t, s: states.append(s))
    assert any(s.caption and s.caption.current_word >= 2 for s in states)
    assert states[0].caption is None or states[0].caption.current_word <= 0

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


def test_plays_in_real_time_and_starts_each_clip_on_time() -> None:
    show = _show("Bob maps. The city grows. Thank you.")
    sound = _WallLog()
    player = _player(show, sound)
    t0 = time.perf_counter()
    stats = player.run(t0_wall=t0)
    duration = show.timeline.duration_s
    assert abs(stats.wall_s - (duration + 0.6)) < 0.5, (stats.wall_s, duration)
    assert stats.frames > 0.6 * 30 * duration, "draws close to the frame rate"
    assert len(sound.played) == 3 and all(offset == 0.0 for _, offset in sound.played)
    assert stats.max_sync_error_s < 0.03
    # each clip started at its scheduled time after the first, on the wall clock
    clip_starts = [c.start_s for c in show.timeline.clips]
    for k in range(1, 3):
        assert abs((sound.walls[k] - sound.walls[0]) - (clip_starts[k] - clip_starts[0])) < 0.03


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

"""The live loop: each frame shows the scene at the show clock's time; audio clips start on that clock.

Keys: space pause/resume, left/right previous/next sentence, F fullscreen, Esc/Q quit.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field
from typing import Callable

from avatar.clock import LiveClock
from avatar.scene_state import SceneState
from avatar.show import Show
from avatar.sound import SoundOut
from avatar.timeline import Timeline
from avatar.window import Drawer, Window


@dataclass
class PlayStats:
    frames: int = 0
    wall_s: float = 0.0
    show_end_s: float = 0.0
    clip_starts: list[tuple[float, float]] = field(default_factory=list)  # (scheduled t, actual t)
    silent: bool = False
    quit_by_user: bool = False
    first_audio_wall_s: float | None = None  # seconds after run() began
    first_audio_unix_s: float | None = None  # the same moment as a Unix time (for outside timing)

    @property
    def max_sync_error_s(self) -> float:
        return max((abs(a - s) for s, a in self.clip_starts), default=0.0)

    def summary(self) -> str:
        """One line of key=value figures (`avatar play --stats`, read by tests and the benchmark)."""
        first_s = -1.0 if self.first_audio_wall_s is None else self.first_audio_wall_s
        first_unix = -1.0 if self.first_audio_unix_s is None else self.first_audio_unix_s
        return (f"frames={self.frames} wall_s={self.wall_s:.2f} show_end_s={self.show_end_s:.2f} "
                f"max_sync_error_ms={self.max_sync_error_s * 1000:.1f} first_audio_s={first_s:.3f} "
                f"first_audio_unix={first_unix:.3f} silent={int(self.silent)}")


class ClipScheduler:
    """Starts a timeline's audio clips when the live clock reaches them, and re-anchors the clock
    to each clip's start, so the picture follows the audio without drifting."""

    def __init__(self, timeline: Timeline, clock: LiveClock, sound: SoundOut,
                 tolerance_s: float = 0.03, log: list[tuple[float, float]] | None = None, *,
                 now: Callable[[], float] = time.perf_counter,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._now = now
        self._sleep = sleep
        self.timeline = timeline
        self.clock = clock
        self.sound = sound
        self.tolerance_s = tolerance_s
        self.log = log if log is not None else []
        self._next = 0

    def seek(self, t_s: float) -> None:
        clips = self.timeline.clips
        self._next = next((i for i, c in enumerate(clips) if c.end_s > t_s), len(clips))

    def start_due(self, frame_s: float) -> float | None:
        """Start every clip due before the next frame, exactly on time where possible.

        Returns the wall time of the first clip started, if any."""
        first_wall = None
        clips = self.timeline.clips
        while self._next < len(clips):
            clip = clips[self._next]
            t = self.clock.time_s()
            if clip.start_s > t + frame_s:
                break
            wait = self.clock.wall_of(clip.start_s) - self._now()
            if wait > 0:
                self._sleep(wait)  # under one frame: places the clip's start precisely
            wall = self._now()
            t = self.clock.time_s()
            late = t - clip.start_s
            self._next += 1
            if late >= clip.audio.duration_s:
                continue
            offset = late if late > self.tolerance_s else 0.0
            self.sound.play(clip.audio, offset)
            self.log.append((clip.start_s + offset, t))
            if first_wall is None:
                first_wall = wall
            # From here the clock follows this clip's audio.
            self.clock.anchor(clip.start_s + offset, wall)
        return first_wall


class Player:
    """Plays a Show in a pygame window (or the dummy video driver when headless)."""

    def __init__(self, show: Show, make_scene: Callable[[tuple[int, int]], Drawer], sound: SoundOut, *,
                 size: tuple[int, int] = (1280, 720), fullscreen: bool = False, fps: int = 60,
                 title: str = "avatar", clip_late_tolerance_s: float = 0.03) -> None:
        self.show = show
        self.sound = sound
        self.window = Window(title, size, make_scene, fullscreen=fullscreen)
        self.fps = fps
        self.tolerance_s = clip_late_tolerance_s
        self.clock = LiveClock()
        self.stats = PlayStats(silent=sound.silent)
        self.scheduler = ClipScheduler(show.timeline, self.clock, sound, clip_late_tolerance_s,
                                       self.stats.clip_starts)

    @property
    def fullscreen(self) -> bool:
        return self.window.fullscreen

    # --- transport ----------------------------------------------------------------------------------
    def seek(self, t_s: float) -> None:
        self.sound.stop()
        self.clock.seek(t_s)
        self.scheduler.seek(t_s)

    def step_sentence(self, direction: int) -> None:
        t = self.clock.time_s()
        starts = self.show.timeline.sentence_starts()
        if not starts:
            return
        current = max(0, self.show.timeline.caption_index_at(t))
        if direction < 0 and t - starts[current] > 1.0:
            target = current  # "previous" first restarts the current sentence, as media players do
        else:
            target = min(max(0, current + direction), len(starts) - 1)
        self.seek(max(0.0, starts[target] - 0.05))

    def toggle_pause(self) -> None:
        if self.clock.paused:
            self.sound.resume()
            self.clock.resume()
        else:
            self.clock.pause()
            self.sound.pause()

    def _start_due_clips(self, frame_s: float, t0_wall: float) -> None:
        started = self.scheduler.start_due(frame_s)
        if started and self.stats.first_audio_wall_s is None:
            self.stats.first_audio_wall_s = started - t0_wall
            self.stats.first_audio_unix_s = time.time() - (time.perf_counter() - started)

    # --- loop ---------------------------------------------------------------------------------------
    def run(self, *, exit_at_end: bool = True, max_wall_s: float | None = None,
            on_frame: Callable[[float, SceneState], None] | None = None,
            t0_wall: float | None = None) -> PlayStats:
        import pygame

        t0 = time.perf_counter() if t0_wall is None else t0_wall
        screen = self.window.open()
        tl = self.show.timeline
        ticker = pygame.time.Clock()
        frame_s = 1.0 / self.fps
        running = True
        # Draw frames while the first sentence is synthesised, then start the clock.
        while not tl.ready.is_set():
            for event in pygame.event.get():
                if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and
                                                 event.key in (pygame.K_ESCAPE, pygame.K_q)):
                    self.stats.quit_by_user = True
                    return self._finish(t0)
            self.window.scene(screen).draw(screen, self.show.state_at(0.0))
            pygame.display.flip()
            tl.ready.wait(0.01)
        # Long-lived start-up objects need no more collecting: it keeps the slow full collections
        # (the longest frame pauses) short during the show.
        gc.collect()
        gc.freeze()
        self.clock.start(0.0)
        buffering = False
        end_hold_s = 0.6
        while running:
            for event in pygame.event.get():
                if event.type == pygame.QUIT:
                    running, self.stats.quit_by_user = False, True
                elif event.type == pygame.KEYDOWN:
                    if event.key in (pygame.K_ESCAPE, pygame.K_q):
                        running, self.stats.quit_by_user = False, True
                    elif event.key == pygame.K_SPACE:
                        self.toggle_pause()
                    elif event.key == pygame.K_LEFT:
                        self.step_sentence(-1)
                    elif event.key == pygame.K_RIGHT:
                        self.step_sentence(+1)
                    elif event.key == pygame.K_f:
                        screen = self.window.toggle_fullscreen()
            if not running:
                break
            if not self.clock.paused or buffering:
                t = self.clock.time_s()
                if not tl.complete and t >= tl.end_s - frame_s:
                    if not buffering:  # the builder fell behind: hold the picture, not the audio
                        self.clock.pause()
                        buffering = True
                elif buffering:
                    self.clock.resume()
                    buffering = False
            if not self.clock.paused:
                self._start_due_clips(frame_s, t0)
            t = self.clock.time_s()
            if exit_at_end and tl.complete and t >= tl.duration_s + end_hold_s:
                break
            if max_wall_s is not None and time.perf_counter() - t0 >= max_wall_s:
                break
            # The mixer plays a buffer behind the call that started it: draw what is heard now.
            state = self.show.state_at(max(0.0, min(t - self.sound.latency_s, tl.duration_s)))
            self.window.scene(screen).draw(screen, state)
            if on_frame is not None:
                on_frame(t, state)
            pygame.display.flip()
            self.stats.frames += 1
            ticker.tick(self.fps)
        return self._finish(t0)

    def _finish(self, t0: float) -> PlayStats:
        self.sound.stop()
        self.window.keep_built()
        self.stats.wall_s = time.perf_counter() - t0
        self.stats.show_end_s = self.clock.time_s()
        return self.stats

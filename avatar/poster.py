"""The poster frame of a recording: a moment mid-sentence with the mouth wide open, saved as a PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from avatar.lipsync.track import MouthShape
from avatar.show import Show

SETTLE_S = 1.0      # after the title card has gone, wait this long before picking a moment
STEPS = 120         # moments tried across the middle of the first sentence


def poster_time(show: Show) -> float:
    """Mid-sentence with the mouth wide open, once the title card has gone if the speech allows."""
    caps = [c for c in show.timeline.captions if not c.silent] or show.timeline.captions
    if not caps:
        return min(1.0, show.timeline.duration_s / 2)
    settle = show.options.title_hold_s + show.options.title_fade_s + SETTLE_S
    first = next((c for c in caps if c.start_s >= settle), caps[0])
    a = first.start_s + (first.end_s - first.start_s) * 0.2
    b = first.start_s + (first.end_s - first.start_s) * 0.8
    steps = [a + (b - a) * i / STEPS for i in range(STEPS + 1)]

    def score(t: float) -> float:
        shape, openness = show.timeline.mouth_at(t)
        return openness + (0.5 if shape in (MouthShape.C, MouthShape.D) else 0.0)

    return max(steps, key=score)


def write_poster(path: str | Path, scene: Any, show: Show, size: tuple[int, int]) -> Path:
    """Draw the poster frame of `show` with `scene` and publish it as the PNG `path`."""
    import pygame

    from avatar.output import write_atomic

    surface = pygame.Surface(size)
    scene.draw(surface, show.state_at(poster_time(show)))

    def save(part: Path) -> None:
        try:
            pygame.image.save(surface, str(part), "png")
        except pygame.error as exc:
            raise OSError(str(exc)) from exc

    return write_atomic(path, save)

"""The live window shared by the player and the kiosk: its size, full screen and back, one scene per screen size."""

from __future__ import annotations

from typing import Any, Callable, Protocol

from avatar.errors import UsageError
from avatar.scene_state import SceneState

MIN_SIZE = (160, 120)
MAX_SIZE = (7680, 4320)


def parse_window_size(text: str) -> tuple[int, int]:
    """A window size "WIDTHxHEIGHT" (--size of play, say and the kiosk), or UsageError."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UsageError(f"--size '{text}' is not WIDTHxHEIGHT, e.g. 1280x720") from None
    if w < MIN_SIZE[0] or h < MIN_SIZE[1] or w > MAX_SIZE[0] or h > MAX_SIZE[1]:
        raise UsageError(f"--size {w}x{h} is out of range; use between "
                         f"{MIN_SIZE[0]}x{MIN_SIZE[1]} and {MAX_SIZE[0]}x{MAX_SIZE[1]}")
    return w, h


class Drawer(Protocol):
    """What a window draws with: a scene of one size (`avatar.scene.Scene`)."""

    def prepare(self, surface: Any = None) -> None: ...

    def draw(self, surface: Any, state: SceneState) -> None: ...


class Window:
    """A pygame window of `size`, or the whole screen; scenes are made once per screen size and kept.

    `kiosk=True` hides the mouse pointer in full screen, takes typed text (a visitor's question) and
    builds a scene's cached layers before its first frame (a visitor waits for nothing later)."""

    def __init__(self, title: str, size: tuple[int, int], make_scene: Callable[[tuple[int, int]], Drawer], *,
                 fullscreen: bool = False, kiosk: bool = False) -> None:
        self.title = title
        self.size = size
        self.make_scene = make_scene
        self.fullscreen = fullscreen
        self.kiosk = kiosk
        self._scenes: dict[tuple[int, int], Drawer] = {}

    def open(self) -> Any:
        """Open the window (display and fonts started) and return its surface."""
        import pygame

        pygame.display.init()
        pygame.font.init()
        pygame.display.set_caption(self.title)
        screen = self._set_mode()
        if self.kiosk:
            pygame.key.set_repeat(400, 40)     # held Backspace keeps deleting
            pygame.key.start_text_input()
        return screen

    def toggle_fullscreen(self) -> Any:
        """Full screen to window or back; returns the new surface."""
        self.fullscreen = not self.fullscreen
        return self._set_mode()

    def scene(self, screen: Any) -> Drawer:
        """The scene for the screen's current size (made and prepared on first use)."""
        size = screen.get_size()
        scene = self._scenes.get(size)
        if scene is None:
            scene = self.make_scene(size)
            if self.kiosk:
                scene.prepare(screen)   # the cached layers for this surface's pixel format, now
            self._scenes[size] = scene
        return scene

    def keep_built(self) -> None:
        """Keep what the scenes built in this run for the next (`Scene.keep_built`)."""
        for scene in self._scenes.values():
            keep = getattr(scene, "keep_built", None)
            if keep is not None:
                keep()

    def _set_mode(self) -> Any:
        import pygame

        if self.fullscreen:
            screen = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
        else:
            screen = pygame.display.set_mode(self.size)
        if self.kiosk:
            pygame.mouse.set_visible(not self.fullscreen)
        return screen

"""Operator key combinations such as "ctrl+shift+q": parsed once, matched against pygame key events."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from avatar.errors import UsageError

# Modifier names an operator may write, and the pygame modifier group each one stands for.
_MODIFIERS = {"ctrl": "KMOD_CTRL", "control": "KMOD_CTRL", "shift": "KMOD_SHIFT", "alt": "KMOD_ALT",
              "meta": "KMOD_GUI", "super": "KMOD_GUI", "cmd": "KMOD_GUI", "win": "KMOD_GUI"}
_GROUPS = ("KMOD_CTRL", "KMOD_SHIFT", "KMOD_ALT", "KMOD_GUI")


@dataclass(frozen=True)
class KeyCombo:
    """A key plus the modifier groups that must be held (left or right alike); others must be up."""

    text: str                       # as the operator wrote it, for messages
    key: int                        # pygame key code
    modifiers: frozenset[str]       # names from _GROUPS

    def matches(self, key: int, mod: int) -> bool:
        import pygame

        if key != self.key:
            return False
        for group in _GROUPS:
            held = bool(mod & getattr(pygame, group))
            if held != (group in self.modifiers):
                return False
        return True


def parse_combo(text: str) -> KeyCombo:
    """Read "ctrl+shift+q", "alt+f4", "ctrl+f12"...; a combination needs at least one modifier.

    Plain keys are refused on purpose: a visitor must not be able to quit or leave full screen.
    """
    import pygame

    parts = [p.strip().lower() for p in text.replace("-", "+").split("+")]
    if len(parts) < 2 or not all(parts):
        raise UsageError(f"operator key '{text}' needs a modifier and a key, e.g. ctrl+shift+q")
    *mods, key_name = parts
    groups: set[str] = set()
    for m in mods:
        if m not in _MODIFIERS:
            raise UsageError(f"unknown modifier '{m}' in '{text}'; use ctrl, shift, alt or meta")
        groups.add(_MODIFIERS[m])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "pygame.init() has not been called": names need no display
            key = pygame.key.key_code(key_name)
    except (ValueError, pygame.error):
        raise UsageError(f"unknown key '{key_name}' in '{text}'; use a letter, digit or a name like f12") from None
    if key == pygame.K_ESCAPE:
        raise UsageError(f"'{text}' uses Esc, which visitors press to stop an answer; choose another key")
    return KeyCombo(text, key, frozenset(groups))


# Keys a visitor types or answers with: none of them can be the talk key.
_TYPING_KEYS = ("escape", "return", "enter", "backspace", "delete", "space")


def parse_talk_key(text: str) -> int:
    """The push-to-talk key, a single key name such as "tab", "f2" or "right ctrl": pygame key code.

    Keys that type text or edit the question are refused: holding them must not write in the box."""
    import pygame

    name = text.strip().lower()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            key = pygame.key.key_code(name)
    except (ValueError, pygame.error):
        raise UsageError(f"unknown talk key '{text}'; use a key name such as tab, f2 or 'right ctrl'") from None
    if name in _TYPING_KEYS or (len(name) == 1 and name.isprintable()) or key in (
            pygame.K_ESCAPE, pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_BACKSPACE, pygame.K_SPACE):
        raise UsageError(f"talk key '{text}' is used for typing questions; choose one visitors do not type "
                         "with, e.g. tab, f2 or 'right ctrl'")
    return key

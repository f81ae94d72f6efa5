"""The kiosk's voice-question pill: a microphone dot, what is happening, and a live level meter."""

from __future__ import annotations

import math

import pygame

from avatar.fonts import FontBook
from avatar.scene_state import Listening

BARS = 16                      # segments of the level meter
LISTENING_RED = (226, 64, 64)
PILL = (24, 28, 38)
TEXT = (240, 242, 246)
METER_OFF = (70, 76, 90)
METER_ON = (96, 208, 132)
METER_HOT = (240, 196, 72)


def draw_listening(surface: pygame.Surface, listening: Listening, *, unit: float, fonts: FontBook,
                   accent: tuple[int, int, int], t_s: float, bottom: int) -> int:
    """Draw the pill centred above `bottom`; returns the new bottom for what goes above it."""
    w_screen = surface.get_width()
    font = fonts.font(round(0.032 * unit), text=listening.text)
    label = font.render(listening.text, True, TEXT)
    pad = round(0.018 * unit)
    dot_r = round(0.012 * unit)
    meter = listening.phase == "listening"
    bar_w, bar_gap = max(3, round(0.006 * unit)), max(2, round(0.003 * unit))
    meter_w = BARS * (bar_w + bar_gap) if meter else 0
    h = max(font.get_height(), 2 * dot_r) + 2 * pad
    max_label = round(0.92 * w_screen) - (2 * dot_r + meter_w + 5 * pad)
    if label.get_width() > max_label > 0:
        label = pygame.transform.smoothscale(
            label, (max_label, max(1, round(label.get_height() * max_label / label.get_width()))))
    w = 2 * dot_r + label.get_width() + meter_w + (5 if meter else 4) * pad
    box = pygame.Rect((w_screen - w) // 2, bottom - h, w, h)
    panel = pygame.Surface(box.size, pygame.SRCALPHA)
    panel.fill((0, 0, 0, 0))
    pygame.draw.rect(panel, (*PILL, 225), panel.get_rect(), border_radius=h // 2)
    edge = LISTENING_RED if meter else accent
    pygame.draw.rect(panel, (*edge, 255), panel.get_rect(), max(2, round(0.003 * unit)), border_radius=h // 2)
    surface.blit(panel, box.topleft)
    x = box.x + 2 * pad
    cy = box.centery
    if listening.phase == "listening":   # a recording dot that breathes
        r = round(dot_r * (0.85 + 0.15 * math.sin(t_s * 2 * math.pi * 1.2)))
        pygame.draw.circle(surface, LISTENING_RED, (x + dot_r, cy), max(2, r))
    elif listening.phase == "recognising":  # three dots that take turns
        small = max(2, dot_r // 2)
        for i in range(3):
            on = int(t_s * 3) % 3 == i
            pygame.draw.circle(surface, TEXT if on else METER_OFF, (x + i * (dot_r * 2 // 3) + small, cy), small)
    else:
        pygame.draw.circle(surface, accent, (x + dot_r, cy), max(2, dot_r // 2))
    x += 2 * dot_r + pad
    surface.blit(label, (x, cy - label.get_height() // 2))
    x += label.get_width() + pad
    if meter:
        lit = round(max(0.0, min(1.0, listening.level)) * BARS)
        bar_h = h - 2 * pad
        for i in range(BARS):
            colour = METER_OFF if i >= lit else METER_HOT if i >= BARS - 3 else METER_ON
            hi = round(bar_h * (0.35 + 0.65 * (i + 1) / BARS))
            pygame.draw.rect(surface, colour, (x + i * (bar_w + bar_gap), cy + bar_h // 2 - hi, bar_w, hi),
                             border_radius=max(1, bar_w // 3))
    return box.y - round(0.015 * unit)

"""The picture as a pure function of time: a Timeline plus presentation choices -> SceneState at `t`."""

from __future__ import annotations

from dataclasses import dataclass, replace

from avatar.bilingual import translation_at
from avatar.face.idle import face_state_at
from avatar.scene_state import Caption, LowerThird, SceneState, TitleCard
from avatar.timeline import Timeline

TITLE_HOLD_S = 1.8     # a recording opens on its title card ...
TITLE_FADE_S = 0.7
LIVE_TITLE_HOLD_S = 0.2  # ... a live show only flashes it, so the first word comes within a second
LIVE_TITLE_FADE_S = 0.5
LOWER_THIRD_IN_S = 0.8
LOWER_THIRD_OUT_S = 9.0
FADE_S = 0.5
EXPRESSION_BLEND_S = 0.4


def _ramp(t: float, a: float, b: float) -> float:
    """0 before a, 1 after b, linear between."""
    if t <= a:
        return 0.0
    if t >= b:
        return 1.0
    return (t - a) / (b - a)


@dataclass(frozen=True)
class ShowOptions:
    captions: bool = True
    title_card: bool = True
    lower_third: bool = True
    seed: int = 0
    default_expression: str = "neutral"
    title_hold_s: float = TITLE_HOLD_S    # the title card stays fully visible this long ...
    title_fade_s: float = TITLE_FADE_S    # ... then fades out over this long
    mouth_delay_s: float = 0.0            # sample the mouth this much later (trims the lead at high fps)


class Show:
    """Reads a (possibly still growing) Timeline; holds no clock and no mutable state."""

    def __init__(self, timeline: Timeline, options: ShowOptions = ShowOptions()) -> None:
        self.timeline = timeline
        self.options = options

    def state_at(self, t_s: float, **extra: object) -> SceneState:
        tl = self.timeline
        shape, openness = tl.mouth_at(t_s - self.options.mouth_delay_s)
        mark = tl.mark_at(t_s, "expression")
        if mark is None:
            expression, amount = self.options.default_expression, 1.0
        else:
            expression = mark.value or "neutral"
            amount = _ramp(t_s, mark.t_s, mark.t_s + EXPRESSION_BLEND_S)
        face = replace(face_state_at(t_s, shape, openness, expression=expression,
                                     emphasis=tl.emphasis_at(t_s), seed=self.options.seed),
                       expression_amount=amount)
        caption = None
        if self.options.captions:
            hit = tl.caption_at(t_s)
            if hit is not None:
                item, current = hit
                caption = Caption(item.text, tuple((w.char_start, w.char_end) for w in item.words), current,
                                  translation_at(item, t_s))
        slide = tl.mark_at(t_s, "slide")
        lower = None
        if self.options.lower_third and tl.speaker:
            # the lower third comes in once the title card has gone
            start = LOWER_THIRD_IN_S + (self.options.title_hold_s + self.options.title_fade_s
                                        if self.options.title_card and tl.title else 0.0)
            end = start + LOWER_THIRD_OUT_S - LOWER_THIRD_IN_S
            fade = min(_ramp(t_s, start, start + FADE_S), 1.0 - _ramp(t_s, end, end + FADE_S))
            if fade > 0:
                lower = LowerThird(tl.speaker, tl.role, fade)
        title = None
        if self.options.title_card and tl.title:
            hold, fade_s = self.options.title_hold_s, self.options.title_fade_s
            fade = 1.0 - _ramp(t_s, hold, hold + fade_s)
            if fade > 0:
                title = TitleCard(tl.title, tl.speaker, fade)
        return SceneState(t_s=t_s, face=face, caption=caption, slide_path=slide.value if slide else None,
                          lower_third=lower, title=title, **extra)  # type: ignore[arg-type]

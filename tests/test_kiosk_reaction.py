"""Instant feedback: on the very next frame after Enter the presenter reacts and the question is on screen."""

from __future__ import annotations


import pygame

from avatar.face.state import FaceState
from avatar.kiosk.app import KioskApp
from avatar.kiosk.reaction import ATTEND_BROW, RELEASE_S, THINK_AFTER_S, THINK_BLEND_S, react
from avatar.scene_state import SceneState
from llm_server import FakeLLMServer
from test_kiosk_app import SECRET, Step, answer_over, drive, parse, post_key, post_text, speaking

IDLE = FaceState(gaze_x=-0.4, gaze_y=0.2, brow_raise=0.05, head_tilt_deg=1.0)


def test_the_reaction_is_a_pure_function_of_time() -> None:
    at_once = react(IDLE, 0.0)
    assert (at_once.gaze_x, at_once.gaze_y) == (0.0, 0.0) and at_once.brow_raise == ATTEND_BROW
    assert react(IDLE, 0.2).head_dy > IDLE.head_dy                          # nodding
    thinking = react(IDLE, THINK_AFTER_S + THINK_BLEND_S)
    assert thinking.gaze_x > 0.3 and thinking.gaze_y < -0.4 and thinking.head_tilt_deg > 3
    assert react(IDLE, 5.0, since_speech_s=RELEASE_S) == IDLE              # speaking: normal life again
    assert react(IDLE, 0.3) == react(IDLE, 0.3) and react(IDLE, -1.0) == IDLE


def test_the_brows_lift_to_the_attending_height_from_wherever_they_were() -> None:
    """Whatever the idle brows were doing when Enter came, the next frame's are at least ATTEND_BROW
    (not a rounding step short of it) and the eyes are on the visitor."""
    for brow in [i / 100 for i in range(-50, 60)]:
        face = react(FaceState(gaze_x=-0.3, brow_raise=brow), 0.02)
        assert face.brow_raise >= ATTEND_BROW and face.gaze_x == 0.0, brow


def test_next_frame_after_enter_shows_the_question_and_a_reacting_face() -> None:
    server = FakeLLMServer(first_token_s=0.9, tokens_per_s=200).start()   # slow to start: time to think
    frames: list[tuple[int, SceneState]] = []
    entered: list[int] = []

    def note(app: KioskApp, s: SceneState) -> bool:
        frames.append((app.stats.frames, s))
        return False

    def enter(app: KioskApp) -> None:
        entered.append(app.stats.frames)
        post_key(pygame.K_RETURN)

    steps = [
        Step("type", lambda app, s: True, lambda app: post_text("When is the conference?")),
        Step("typed", lambda app, s: s.input_text == "When is the conference?", enter),
        Step("watch", lambda app, s: note(app, s) or speaking(app, s)),
        Step("done", lambda app, s: note(app, s) or answer_over(app, s)),
    ]
    try:
        drive(parse("--base-url", server.base_url), steps, env={"OPENAI_API_KEY": SECRET})
    finally:
        server.stop()
    after = [s for n, s in frames if n > entered[0]]
    first = after[0]   # the frame whose events held the Enter key
    assert first.hint.startswith("\u201cWhen is the conference?\u201d") and first.input_text == ""
    assert first.face.brow_raise >= ATTEND_BROW and abs(first.face.gaze_x) < 0.05
    assert any(s.face.gaze_y < -0.3 and s.face.head_tilt_deg > 2 for s in after), "a thinking pose while waiting"
    assert any(s.hint.startswith("\u201cWhen is") and "Esc" in s.hint for s in after), "still shown while answering"

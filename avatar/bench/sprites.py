"""Figures: drawing one 1080p frame with the sample sprite-pack presenter (median, p99), next to the drawn one."""

from __future__ import annotations

from avatar.bench.context import BenchContext
from avatar.bench.draw import drawing_figures
from avatar.bench.result import Figure


def measure(ctx: BenchContext) -> list[Figure]:
    from avatar.assets import sample_sprite_pack
    from avatar.face.look import get_look
    from avatar.face.sprites import SpriteFace

    return drawing_figures(
        ctx, key="draw_sprites_1080p", label="frame drawing, 1080p scene, sprite-pack presenter",
        log="sprite presenter drawing", face=lambda: SpriteFace(sample_sprite_pack(), get_look("official")),
        note=lambda w, h, frames, build_ms: (
            f"{w}x{h}, {frames} frames of the sample sprite pack (assets/faces/sample-sprites) talking "
            f"with captions and lower third per run; the one-off scaling of the pack (median "
            f"{build_ms:.0f} ms with the scene's other caches) is not in these"))

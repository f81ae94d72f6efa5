"""The avatar's colours and styling as a value, plus a few named presets."""

from __future__ import annotations

from dataclasses import dataclass

from avatar.errors import ConfigError

Color = tuple[int, int, int]

HAIR_STYLES = ("side_part", "swept_back", "crop")


@dataclass(frozen=True)
class Look:
    """Everything that tells one presenter from another; all colours are sRGB triples."""

    name: str
    skin: Color
    hair: Color
    suit: Color
    shirt: Color
    tie: Color
    lip: Color
    iris: Color
    background_top: Color
    background_bottom: Color
    accent: Color                      # lower-third bar and the highlighted caption word
    background_image: str | None = None
    hair_style: str = "side_part"      # one of HAIR_STYLES
    tie_stripe: Color | None = None    # thin diagonal stripes on the tie
    pocket_square: bool = False
    hair_grey: float = 0.0             # 0..1 grey at the temples (age)
    face: str | None = None            # a portrait photo or a folder of mouth sprites instead of the drawn face

    def __post_init__(self) -> None:
        if self.hair_style not in HAIR_STYLES:
            raise ConfigError(
                f"look {self.name!r}: unknown hair_style {self.hair_style!r}; "
                f"use one of {', '.join(HAIR_STYLES)}")
        if not 0.0 <= self.hair_grey <= 1.0:
            raise ConfigError(f"look {self.name!r}: hair_grey must be in 0..1, got {self.hair_grey}")


LOOKS: dict[str, Look] = {
    "official": Look(
        name="official",
        skin=(226, 186, 152),
        hair=(28, 26, 27),
        suit=(27, 36, 58),
        shirt=(240, 242, 245),
        tie=(128, 28, 38),
        tie_stripe=(160, 128, 70),
        lip=(178, 114, 102),
        iris=(62, 40, 28),
        background_top=(44, 66, 104),
        background_bottom=(14, 22, 40),
        accent=(200, 40, 48),
        hair_style="side_part",
        hair_grey=0.25,
    ),
    "presenter": Look(
        name="presenter",
        skin=(214, 166, 128),
        hair=(72, 48, 32),
        suit=(62, 66, 72),
        shirt=(222, 234, 246),
        tie=(36, 72, 128),
        lip=(168, 104, 92),
        iris=(74, 92, 70),
        background_top=(70, 78, 92),
        background_bottom=(24, 28, 36),
        accent=(46, 140, 220),
        hair_style="swept_back",
        pocket_square=True,
    ),
    "host": Look(
        name="host",
        skin=(150, 102, 74),
        hair=(22, 18, 18),
        suit=(88, 46, 40),
        shirt=(246, 244, 238),
        tie=(30, 30, 34),
        tie_stripe=(90, 90, 98),
        lip=(122, 72, 62),
        iris=(42, 28, 20),
        background_top=(96, 64, 54),
        background_bottom=(30, 20, 20),
        accent=(236, 168, 40),
        hair_style="crop",
    ),
}


def get_look(name: str) -> Look:
    """The preset called `name`; ConfigError lists the known names otherwise."""
    try:
        return LOOKS[name]
    except KeyError:
        raise ConfigError(f"unknown look {name!r}; known looks: {', '.join(sorted(LOOKS))}") from None


def with_background(look: Look, spec: str, base_dir: str, script_path: str | None) -> Look:
    """The look with a script's `background`: a colour "#rrggbb" (a gentle gradient from it) or an
    image path relative to the script."""
    import re
    from dataclasses import replace
    from pathlib import Path

    from avatar.errors import ScriptError
    from avatar.script import IMAGE_SUFFIXES

    spec = spec.strip()
    if not spec:
        return look
    m = re.fullmatch(r"#?([0-9a-fA-F]{6})", spec)
    if m:
        r, g, b = (int(m.group(1)[i:i + 2], 16) for i in (0, 2, 4))
        return replace(look, background_top=(r, g, b), background_image=None,
                       background_bottom=(int(r * 0.45), int(g * 0.45), int(b * 0.45)))
    image = Path(spec)
    if not image.is_absolute():
        image = Path(base_dir) / image
    if not image.is_file() or image.suffix.lower() not in IMAGE_SUFFIXES:
        raise ScriptError(f"background '{spec}' is neither a colour like \"#102040\" nor a PNG/JPEG image "
                          "(paths are relative to the script's folder)", path=script_path)
    return replace(look, background_image=str(image.resolve()))

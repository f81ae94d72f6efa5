"""Turn answer text (which may carry Markdown, links, emoji or control characters) into plain spoken text."""

from __future__ import annotations

import re
import unicodedata

# Bidi embeddings/overrides/isolates and zero-width marks: invisible, but they can reorder or hide text.
BIDI_AND_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_FENCE_BLOCK = re.compile(r"```.*?(?:```|\Z)", re.S)
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\n]*)\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()\"']*[^\s<>()\"'.,;:!?]", re.I)
_INLINE_CODE = re.compile(r"`([^`\n]*)`")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>\n]{0,80}>")
_HEADER = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.M)
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+", re.M)
_QUOTE = re.compile(r"^\s*>+\s?", re.M)
_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$", re.M)
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$", re.M)
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPH_STAR = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_EMPH_UNDER = re.compile(r"(?<!\w)_(?=\S)([^_\n]+?)(?<=\S)_(?!\w)")
_STRIKE = re.compile(r"~~(.+?)~~")
_EMOJI = re.compile(
    "["
    "\U0001f000-\U0001faff"  # pictographs, emoticons, transport, symbols and pictographs ext.
    "\U0001f1e6-\U0001f1ff"  # regional indicators (flags)
    "\u2600-\u27bf"          # misc symbols, dingbats
    "\u2b00-\u2bff"          # arrows and stars used as emoji
    "\u2300-\u23ff"          # watch, hourglass, keyboard ...
    "\ufe0e\ufe0f\u200d\u20e3"  # variation selectors, joiner, keycap
    "\U000e0020-\U000e007f"  # tag characters (subdivision flags)
    "]+"
)
_END_PUNCT = ".!?…:;,。！？"


def strip_invisible(text: str) -> str:
    """Remove control characters (newlines and tabs become spaces) and bidi / zero-width marks."""
    text = text.replace("\r", "\n").replace("\t", " ")
    text = BIDI_AND_INVISIBLE.sub("", text)
    return _CONTROL.sub("", text)


def _url_to_words(url: str) -> str:
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", url, flags=re.I).split("/")[0].split("?")[0]
    host = host.rstrip(".,;:!?")
    return host if "." in host else "the link on screen"


def _line_end(line: str) -> str:
    """A header or list item read alone needs a full stop so the voice pauses after it."""
    line = line.strip()
    if line and line[-1] not in _END_PUNCT:
        line += "."
    return line


def clean_for_speech(text: str) -> str:
    """Plain spoken text: code blocks dropped, links read as their text, URLs as their domain,
    Markdown marks and emoji removed, control and bidi characters stripped, whitespace collapsed."""
    text = unicodedata.normalize("NFC", strip_invisible(text))
    text = _FENCE_BLOCK.sub(" ", text)
    text = _IMAGE.sub(lambda m: m.group(1), text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _AUTOLINK.sub(lambda m: m.group(1), text)
    text = _URL.sub(lambda m: _url_to_words(m.group(0)), text)
    text = _INLINE_CODE.sub(lambda m: m.group(1), text)
    text = _HTML_TAG.sub(" ", text)
    text = _RULE.sub("", text)
    text = _TABLE_SEP.sub("", text)
    text = _HEADER.sub(lambda m: _line_end(m.group(1)), text)
    had_items = bool(_BULLET.search(text))
    text = _BULLET.sub("", text)
    text = _QUOTE.sub("", text)
    for _ in range(2):  # nested emphasis such as ***word***
        text = _STRONG.sub(lambda m: m.group(2), text)
        text = _EMPH_STAR.sub(lambda m: m.group(1), text)
        text = _EMPH_UNDER.sub(lambda m: m.group(1), text)
    text = _STRIKE.sub(lambda m: m.group(1), text)
    text = _EMOJI.sub("", text)
    lines = [ln.strip().strip("|").replace("|", ",").strip() for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    if had_items or len(lines) > 1:
        # Separate lines (list items, table rows) are separate thoughts when spoken.
        lines = [_line_end(ln) if i < len(lines) - 1 else ln for i, ln in enumerate(lines)]
    text = " ".join(lines)
    text = re.sub(r"[*`]+", "", text)  # stray marks the patterns above did not pair up
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    return re.sub(r"\s{2,}", " ", text).strip()

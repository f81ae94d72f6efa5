"""What the kiosk knows: the persona and text of a speech script, knowledge notes and canned FAQ answers."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from avatar.errors import ConfigError
from avatar.kiosk.speechtext import clean_for_speech

if TYPE_CHECKING:
    from avatar.script import Script

FAQ_FILE = "faq.toml"


@dataclass(frozen=True)
class Persona:
    """Who the avatar is, from the speech script's front matter."""

    speaker: str = "the digital presenter"
    role: str = ""
    title: str = ""
    language: str = "en"


@dataclass(frozen=True)
class Passage:
    """A paragraph the local answerer can quote; `source` is "speech" or a knowledge file name."""

    text: str
    source: str
    title: str = ""


@dataclass(frozen=True)
class FaqEntry:
    """A canned answer and the ways visitors tend to ask for it."""

    questions: tuple[str, ...]
    answer: str
    id: str = ""


@dataclass(frozen=True)
class Grounding:
    persona: Persona
    speech_text: str
    knowledge_text: str
    passages: tuple[Passage, ...]
    faq: tuple[FaqEntry, ...] = ()
    unknown_answer: str = ""  # what the local answerer says when nothing fits ("" = built-in line)
    unknown_answers: dict[str, str] = field(default_factory=dict)  # the same per language ("zh": ...)


def load_grounding(script_path: str | Path, knowledge_dir: str | Path | None = None) -> Grounding:
    """Read the speech script (persona + text) and, if given, a folder of `*.md` notes and `faq.toml`."""
    from avatar.script import load_script

    return grounding_from_script(load_script(script_path), knowledge_dir)


def grounding_from_script(script: "Script", knowledge_dir: str | Path | None = None) -> Grounding:
    """The same as `load_grounding` for a script already read."""
    meta = script.meta
    persona = Persona(
        speaker=meta.speaker or Persona.speaker,
        role=meta.role,
        title=meta.title,
        language=meta.language or "en",
    )
    speech_text = script.spoken_text
    passages = [Passage(p.strip(), "speech", meta.title) for p in speech_text.split("\n\n") if p.strip()]
    knowledge_parts: list[str] = []
    faq: tuple[FaqEntry, ...] = ()
    unknown = ""
    unknown_by_language: dict[str, str] = {}
    if knowledge_dir is not None:
        folder = Path(knowledge_dir)
        if folder.is_file():
            raise ConfigError(f"--knowledge {folder} is a file; give the folder that holds the .md notes")
        if not folder.is_dir():
            raise ConfigError(f"knowledge folder not found: {folder} (give a folder of .md notes)")
        for path in sorted(folder.glob("*.md")):
            text = _read_text(path)
            knowledge_parts.append(text.strip())
            passages.extend(markdown_passages(text, path.name))
        faq_path = folder / FAQ_FILE
        if faq_path.is_file():
            faq, unknown = load_faq(faq_path)
            unknown_by_language = load_unknown_by_language(faq_path)
    return Grounding(persona, speech_text, "\n\n".join(knowledge_parts), tuple(passages), faq, unknown,
                     unknown_by_language)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read knowledge file {path}: save it as UTF-8 text ({type(exc).__name__})") from exc


def markdown_passages(text: str, source: str) -> list[Passage]:
    """Paragraphs of a Markdown note, each remembering the heading it sits under."""
    out: list[Passage] = []
    title = ""
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = [ln for ln in block.strip().split("\n") if ln.strip()]
        body: list[str] = []
        for ln in lines:
            m = re.match(r"^\s{0,3}#{1,6}\s+(.*)$", ln)
            if m:
                title = m.group(1).strip().strip("#").strip()
            else:
                body.append(ln)
        plain = clean_for_speech("\n".join(body)) if body else ""
        if plain:
            out.append(Passage(plain, source, title))
    return out


def load_unknown_by_language(path: Path) -> dict[str, str]:
    """`unknown_zh = "..."` and the like in faq.toml: the no-answer line for questions in that language."""
    data = tomllib.loads(_read_text(path))  # already checked by load_faq
    out: dict[str, str] = {}
    for key, value in data.items():
        if key.startswith("unknown_") and len(key) > len("unknown_"):
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{path}: '{key}' must be a quoted string")
            out[key[len("unknown_"):].lower()] = value.strip()
    return out


def load_faq(path: Path) -> tuple[tuple[FaqEntry, ...], str]:
    """Read `[[faq]]` tables (`questions = [...]`, `answer = "..."`) and an optional `unknown` line."""
    try:
        data = tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: bad TOML ({exc})") from exc
    entries: list[FaqEntry] = []
    for i, item in enumerate(data.get("faq", [])):
        questions = item.get("questions") if isinstance(item, dict) else None
        answer = item.get("answer") if isinstance(item, dict) else None
        if (not isinstance(questions, list) or not questions
                or not all(isinstance(q, str) and q.strip() for q in questions)
                or not isinstance(answer, str) or not answer.strip()):
            raise ConfigError(f"{path}: [[faq]] entry {i + 1} needs questions = [\"...\"] and answer = \"...\"")
        entries.append(FaqEntry(tuple(q.strip() for q in questions), answer.strip(), str(item.get("id", ""))))
    unknown = data.get("unknown", "")
    if not isinstance(unknown, str):
        raise ConfigError(f"{path}: 'unknown' must be a quoted string")
    return tuple(entries), unknown.strip()

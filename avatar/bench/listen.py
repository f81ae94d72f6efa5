"""Figures: asking the kiosk by voice. Visitor questions, worded unlike the FAQ and the notes, are spoken
by espeak-ng in two voices and rates, and by the natural (neural) voice when the `neural` extra is there
(the nearest stand-in for a person here), and recognised offline with the kiosk's own language model (and,
for comparison, with PocketSphinx's general English model): time per question, real-time factor,
word accuracy, and how often the recognised text gets the same local answer as the typed text.

How each figure is taken:
- decode time: wall clock around `transcribe()` for one recorded question (resampling included;
  the recogniser and its model are built before), one sample per question and voice.
- real-time factor: that time divided by the question's duration, per question.
- word accuracy: 1 - WER over all questions of one voice (one sample per voice); the reference and
  the recognised text are both turned into spoken words first ("2023" -> "twenty twenty three"), so
  a year heard correctly counts as right whichever way it is written.
- same answer: the share of questions (per voice) for which `LocalAnswerer.match` picks the same
  answer for the recognised text as for the typed question.
- model build: building the kiosk's model from nothing (empty cache), once per run.
"""

from __future__ import annotations

import time

import numpy as np

from avatar.bench.context import ROOT, SAMPLE_SPEECH, BenchContext
from avatar.bench.result import Budget, Figure

KNOWLEDGE = ROOT / "assets" / "knowledge"

# Held-out wording: none of these is an FAQ question or a sentence of the notes.
QUESTIONS = (
    "When was Beijing's digital economy plan published?",
    "What values does the plan rest on?",
    "Which industries is Beijing strongest in?",
    "How many of the top digital companies come from Beijing?",
    "What does the one plus three plus N framework mean?",
    "What is data assetisation?",
    "What does the New Intelligent Manufacturing project do?",
    "Where will the next Global Digital Economy Conference take place?",
    "When is the fourth conference going to be held?",
    "What is the partner cities initiative about?",
    "What are Beijing's next steps?",
    "How does this kiosk answer questions?",
    "Does the kiosk remember what I asked?",
    "Where is UNCTAD eWeek held?",
    "Who gave the speech in Geneva?",
    "What is a digital human exactly?",
    "Is the presenter a real person?",
    "What happened in Geneva in December 2023?",
    "Thank you so much!",
    "What can I ask you about?",
)
VOICES = (("gmw/en-us", 160), ("gmw/en", 190))  # espeak-ng US English, slower; British English, faster
NATURAL = ("joe", 170)                           # the bundled Piper voice, a recorded person's


def _speak(questions: tuple[str, ...], voices, engine_name: str = "pyttsx3") -> list[tuple[str, str, object]]:
    from avatar.tts import get_engine
    from avatar.tts.base import VoiceSettings

    engine = get_engine(engine_name)
    return [(f"{voice}@{rate}", q, engine.synthesize(q, VoiceSettings(voice, rate)).audio)
            for voice, rate in voices for q in questions]


def _natural_voice_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


def _score(recogniser, spoken, answerer) -> dict[str, list[float]]:
    from avatar.listen.accuracy import spoken_word_errors

    out: dict[str, list[float]] = {"decode_s": [], "rtf": [], "errors": [], "words": [], "same": [], "voice": [],
                                 "heard": []}
    for voice, question, audio in spoken:
        t0 = time.perf_counter()
        heard = recogniser.transcribe(audio)
        elapsed = time.perf_counter() - t0
        out["decode_s"].append(elapsed)
        out["rtf"].append(elapsed / audio.duration_s)
        errors, words = spoken_word_errors(question, heard.text)
        out["errors"].append(errors)
        out["words"].append(words)
        out["same"].append(float(answerer.match(heard.text).text == answerer.match(question).text))
        out["voice"].append(voice)
        out["heard"].append(heard.text)
    return out


def _per_voice(scores: dict[str, list], voices: list[str]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(word accuracy, same-answer share) for each voice."""
    acc, same = [], []
    for v in voices:
        idx = [i for i, x in enumerate(scores["voice"]) if x == v]
        errors = sum(scores["errors"][i] for i in idx)
        words = sum(scores["words"][i] for i in idx)
        acc.append(max(0.0, 1.0 - errors / max(words, 1)))
        same.append(float(np.mean([scores["same"][i] for i in idx])))
    return tuple(acc), tuple(same)


def measure(ctx: BenchContext) -> list[Figure]:
    from avatar.kiosk.grounding import load_grounding
    from avatar.kiosk.local import LocalAnswerer
    from avatar.listen.sphinx_files import missing_extra, sphinx_installed
    from avatar.listen.sphinx import SphinxRecogniser
    from avatar.listen.topic_lm import topic_model

    if not sphinx_installed():
        raise missing_extra()
    questions = QUESTIONS[:4] if ctx.quick else QUESTIONS
    voices = VOICES[:1] if ctx.quick else VOICES
    grounding = load_grounding(SAMPLE_SPEECH, KNOWLEDGE)
    answerer = LocalAnswerer(grounding)

    ctx.log("listen: building the kiosk's language model from an empty cache")
    t0 = time.perf_counter()
    model = topic_model(grounding, cache_dir=ctx.scratch("listen-cache"))
    build_s = time.perf_counter() - t0
    recognisers = {"topic": SphinxRecogniser.for_topic(model), "generic": SphinxRecogniser.generic()}

    ctx.log(f"listen: speaking {len(questions)} questions in {len(voices)} espeak-ng voice(s)")
    spoken = _speak(questions, voices)
    names = [f"{v}@{r}" for v, r in voices]
    natural = f"{NATURAL[0]}@{NATURAL[1]}"
    if _natural_voice_installed():
        ctx.log(f"listen: speaking them in the natural voice ({natural})")
        spoken += _speak(questions, (NATURAL,), "piper")
    scores = {}
    for name, recogniser in recognisers.items():
        ctx.log(f"listen: recognising them with the {name} language model")
        scores[name] = _score(recogniser, spoken, answerer)
    for (voice, question, _), heard, same in zip(spoken, scores["topic"]["heard"], scores["topic"]["same"]):
        ctx.log(f"listen: {voice}: {question!r} -> {heard!r}{'' if same else ' (another answer)'}")
    topic_acc, topic_same = _per_voice(scores["topic"], names)
    generic_acc, generic_same = _per_voice(scores["generic"], names)
    in_espeak = [i for i, (v, _, _) in enumerate(spoken) if v in names]
    for name in scores:   # time figures: over the espeak-ng recordings, as before the natural voice came
        scores[name]["decode_s"] = [scores[name]["decode_s"][i] for i in in_espeak]
        scores[name]["rtf"] = [scores[name]["rtf"][i] for i in in_espeak]
    n = len(in_espeak)
    common = {"questions": n, "voices": names, "model_words": model.words, "heard": scores["topic"]["heard"]}
    how_time = (f"wall clock of transcribe() per question ({n}: {len(questions)} questions x {len(voices)} "
                "espeak-ng voices), resampling included, model loaded before")
    how_acc = ("1 - word error rate over all questions of one voice (one sample per voice), both texts in "
               "spoken words")
    how_same = "share of questions per voice whose recognised text gets the local answerer's answer to the typed text"
    figures = [
        Figure("listen_decode_s", "ask by voice: recognition time per question (kiosk model)", "s",
               tuple(scores["topic"]["decode_s"]), Budget(1.0), notes=how_time, comparable=not ctx.quick,
               extra=common),
        Figure("listen_rtf", "ask by voice: real-time factor (kiosk model)", "ratio",
               tuple(scores["topic"]["rtf"]), Budget(0.5), notes="recognition time / question duration, per question",
               comparable=not ctx.quick),
        Figure("listen_word_accuracy", "ask by voice: word accuracy (kiosk model)", "ratio", topic_acc,
               notes=how_acc, comparable=not ctx.quick,
               extra={"errors": sum(scores["topic"]["errors"]), "words": sum(scores["topic"]["words"])}),
        Figure("listen_same_answer", "ask by voice: same local answer as typed (kiosk model)", "ratio", topic_same,
               notes=how_same, comparable=not ctx.quick),
        Figure("listen_generic_decode_s", "ask by voice: recognition time per question (general model)", "s",
               tuple(scores["generic"]["decode_s"]), notes=how_time + "; PocketSphinx's en-us.lm.bin",
               comparable=not ctx.quick),
        Figure("listen_generic_word_accuracy", "ask by voice: word accuracy (general model)", "ratio", generic_acc,
               notes=how_acc + "; PocketSphinx's en-us.lm.bin and full dictionary", comparable=not ctx.quick,
               extra={"errors": sum(scores["generic"]["errors"]), "words": sum(scores["generic"]["words"])}),
        Figure("listen_generic_same_answer", "ask by voice: same local answer as typed (general model)", "ratio",
               generic_same, notes=how_same + "; PocketSphinx's en-us.lm.bin", comparable=not ctx.quick),
        Figure("listen_model_build_s", "ask by voice: building the kiosk's model (empty cache)", "s", (build_s,),
               Budget(5.0), notes="corpus, pronunciations (CMU dictionary, espeak-ng), trigram ARPA, files written; "
               "once per change of the kiosk's text, then read from the cache", comparable=not ctx.quick,
               extra={"words": model.words}),
    ]
    if any(v == natural for v, _, _ in spoken):
        (nat_acc,), (nat_same,) = _per_voice(scores["topic"], [natural])
        (gen_acc,), _ = _per_voice(scores["generic"], [natural])
        figures += [
            Figure("listen_natural_word_accuracy", "ask by voice: word accuracy, natural voice (kiosk model)",
                   "ratio", (nat_acc,), notes=how_acc + f"; spoken by the Piper voice {natural}; the general "
                   f"model gets {gen_acc:.2f} on the same recordings", comparable=not ctx.quick,
                   extra={"generic_word_accuracy": gen_acc}),
            Figure("listen_natural_same_answer", "ask by voice: same local answer as typed, natural voice",
                   "ratio", (nat_same,), notes=how_same + f"; spoken by the Piper voice {natural}",
                   comparable=not ctx.quick),
        ]
    return figures


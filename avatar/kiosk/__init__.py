"""The live Q&A kiosk's brain: answerers (OpenAI-compatible LLM, offline retrieval), session rules, headless mode.

    question ─> KioskSession (guardrails, history, idle reset, interruption)
                   └─> AnswerChain: LLMAnswerer ─(fails before speaking)─> LocalAnswerer
                          ├─ Patience: "Let me see." after 1 s, local answer after 3 s, slowed streams
                          └─ followup: the local answerer reads "And in 2024?" with the last question
                          └─> SpeechChunker ─> clean_for_speech ─> AnswerEvent("chunk")
                                                 └─> SpeechPipeline (GuardedVoice on a worker) ─> audio out
"""

import importlib
from typing import Any

# Names are imported on first use (PEP 562), so `import avatar.kiosk.command` for the CLI's
# argument parser stays cheap; every command pays for the kiosk only when it runs it.
_WHERE = {
    "Answerer": "answerer", "AnswerEvent": "answerer", "Turn": "answerer",
    "KioskConfig": "build", "KioskSetup": "build", "build_kiosk": "build",
    "AnswerChain": "chain", "SpeechChunker": "chunker", "chunk_text_stream": "chunker",
    "Grounding": "grounding", "Persona": "grounding", "load_grounding": "grounding",
    "LLMAnswerer": "llm", "LLMSettings": "llm", "llm_answerer_from_env": "llm",
    "LocalAnswerer": "local", "SpeechPipeline": "pipeline", "SpokenChunk": "pipeline",
    "KioskSession": "session", "SessionRules": "session", "sanitize_question": "session",
    "clean_for_speech": "speechtext", "EventWriter": "events", "GuardedVoice": "voice",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'avatar.kiosk' has no attribute {name!r}")
    return getattr(importlib.import_module(f"avatar.kiosk.{_WHERE[name]}"), name)


__all__ = [
    "AnswerChain", "AnswerEvent", "Answerer", "EventWriter", "Grounding", "GuardedVoice", "KioskConfig", "KioskSession", "KioskSetup",
    "LLMAnswerer", "LLMSettings", "LocalAnswerer", "Persona", "SessionRules", "SpeechChunker",
    "SpeechPipeline", "SpokenChunk", "Turn", "build_kiosk", "chunk_text_stream", "clean_for_speech",
    "llm_answerer_from_env", "load_grounding", "sanitize_question",
]

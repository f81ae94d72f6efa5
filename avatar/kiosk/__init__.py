"""The live Q&A kiosk's brain: answerers (OpenAI-compatible LLM, offline retrieval), session rules, headless mode.

    question ─> KioskSession (guardrails, history, idle reset, interruption)
                   └─> AnswerChain: LLMAnswerer ─(fails before speaking)─> LocalAnswerer
                          └─> SpeechChunker ─> clean_for_speech ─> AnswerEvent("chunk")
                                                 └─> SpeechPipeline (TTS on a worker) ─> audio out
"""

from avatar.kiosk.answerer import Answerer, AnswerEvent, Turn
from avatar.kiosk.build import KioskConfig, KioskSetup, build_kiosk
from avatar.kiosk.chain import AnswerChain
from avatar.kiosk.chunker import SpeechChunker, chunk_text_stream
from avatar.kiosk.grounding import Grounding, Persona, load_grounding
from avatar.kiosk.llm import LLMAnswerer, LLMSettings, llm_answerer_from_env
from avatar.kiosk.local import LocalAnswerer
from avatar.kiosk.pipeline import SpeechPipeline, SpokenChunk
from avatar.kiosk.session import KioskSession, SessionRules, sanitize_question
from avatar.kiosk.speechtext import clean_for_speech

__all__ = [
    "AnswerChain", "AnswerEvent", "Answerer", "Grounding", "KioskConfig", "KioskSession", "KioskSetup",
    "LLMAnswerer", "LLMSettings", "LocalAnswerer", "Persona", "SessionRules", "SpeechChunker",
    "SpeechPipeline", "SpokenChunk", "Turn", "build_kiosk", "chunk_text_stream", "clean_for_speech",
    "llm_answerer_from_env", "load_grounding", "sanitize_question",
]

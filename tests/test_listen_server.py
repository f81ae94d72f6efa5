"""Recognition by a transcription server (a real HTTP server on 127.0.0.1 with failure modes), and
the choice of recogniser a kiosk gets from its settings."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import numpy as np
import pytest

from avatar.audio import Audio
from avatar.errors import ConfigError, UsageError
from avatar.kiosk.grounding import Grounding, Persona
from avatar.listen import ListenSettings, RecognitionError, make_recogniser
from avatar.listen.server import ServerRecogniser, ServerSettings
from llm_server import FakeLLMServer

KEY = "sk-test-very-secret-key"


def _question() -> Audio:
    t = np.arange(22050) / 22050
    return Audio((0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 22050)


def _recogniser(base_url: str, **kw) -> ServerRecogniser:
    return ServerRecogniser(ServerSettings(base_url=base_url, timeout_s=kw.pop("timeout_s", 0.5), **kw), api_key=KEY)


def test_the_server_hears_the_question_as_a_wav_upload() -> None:
    with FakeLLMServer(transcript="  When is the  conference? ") as server:
        heard = _recogniser(server.base_url, model="whisper-large", language="en").transcribe(_question())
        request = server.requests[-1]
    assert heard.text == "When is the conference?" and heard.engine == "server"
    assert request["path"] == "/v1/audio/transcriptions"
    assert request["fields"]["model"] == "whisper-large" and request["fields"]["language"] == "en"
    assert request["fields"]["file"] == 44 + 2 * 16000        # one second of 16 kHz 16-bit WAV
    assert request["headers"]["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("mode, kind", [("hang", "timeout"), ("auth", "auth"), ("error500", "server_error"),
                                        ("rate_limit", "rate_limited")])
def test_a_failing_server_gives_a_short_secret_free_error(mode: str, kind: str) -> None:
    with FakeLLMServer(mode=mode) as server:
        recogniser = _recogniser(server.base_url, timeout_s=0.3)
        with pytest.raises(RecognitionError) as err:
            recogniser.transcribe(_question())
        calls = len(server.requests)
    assert err.value.kind == kind
    message = str(err.value)
    assert "\n" not in message and KEY not in message and "127.0.0.1" not in message
    assert KEY not in repr(recogniser)
    assert calls == 1  # no retries: a visitor is waiting


def test_a_server_that_is_not_running_is_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(RecognitionError) as err:
        _recogniser(f"http://127.0.0.1:{port}/v1").transcribe(_question())
    assert err.value.kind == "refused"


# --- choosing a recogniser --------------------------------------------------------------------------


def _grounding(language: str = "en") -> Grounding:
    return Grounding(Persona(language=language), "Welcome to Geneva. The conference is in Beijing.", "", ())


def test_auto_uses_a_configured_transcription_server() -> None:
    with FakeLLMServer(transcript="hello") as server:
        from_settings = make_recogniser(ListenSettings(base_url=server.base_url), _grounding(), env={})
        from_env = make_recogniser(ListenSettings(), _grounding(), env={"AVATAR_LISTEN_BASE_URL": server.base_url})
        assert isinstance(from_settings, ServerRecogniser) and isinstance(from_env, ServerRecogniser)
        assert from_env.transcribe(_question()).text == "hello"
        # A server of one's own needs no key; the SDK still gets a placeholder.
        assert server.requests[-1]["headers"]["authorization"] == "Bearer not-needed"


def test_auto_without_a_server_listens_offline(tmp_path: Path) -> None:
    pytest.importorskip("pocketsphinx")
    recogniser = make_recogniser(ListenSettings(), _grounding(), env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"},
                                 cache_dir=tmp_path)
    assert recogniser is not None and recogniser.name == "sphinx"  # the answerer's server is not a listener


def test_off_means_no_recogniser() -> None:
    assert make_recogniser(ListenSettings(engine="off"), _grounding(), env={}) is None


def test_a_server_with_nowhere_to_go_says_what_is_missing() -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        make_recogniser(ListenSettings(engine="server"), _grounding(), env={})
    cloud = make_recogniser(ListenSettings(engine="server"), _grounding(), env={"OPENAI_API_KEY": KEY})
    assert isinstance(cloud, ServerRecogniser) and cloud.settings.base_url is None


def test_a_chinese_kiosk_is_told_offline_listening_is_english_only() -> None:
    with pytest.raises(ConfigError, match="English only.*'zh'"):
        make_recogniser(ListenSettings(), _grounding("zh-CN"), env={})
    with FakeLLMServer() as server:
        zh = make_recogniser(ListenSettings(base_url=server.base_url), _grounding("zh-CN"), env={})
        zh.transcribe(_question())
        assert server.requests[-1]["fields"]["language"] == "zh"


def test_missing_pocketsphinx_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pocketsphinx", None)  # as if the phones extra were not installed
    with pytest.raises(UsageError) as err:
        make_recogniser(ListenSettings(engine="sphinx"), _grounding(), env={})
    assert "pip install 'avatar[phones]'" in str(err.value) and "\n" not in str(err.value)


def test_unknown_engine_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="auto, sphinx, server, off"):
        ListenSettings(engine="whisper")

"""A fake OpenAI-compatible chat server on 127.0.0.1 that streams SSE like the real API, with failure modes;
it also answers /v1/audio/transcriptions (multipart upload -> {"text": `transcript`}).

The LLM seam's fake, shipped in the package like a mock transport: the kiosk tests, the benchmark and
the soak run talk to it instead of a real model server (it listens on 127.0.0.1 only).

    python -m avatar.kiosk.fake_server --port 8765 --first-token-s 0.3 --tokens-per-s 40 [--mode normal]
    python -m avatar.kiosk.fake_server --words-per-s 30 --reply-late-punctuation

Modes: normal, error500, hang (accepts, never answers), silent (answers 200 and opens the stream, then
says nothing), bad_json (garbage mid-stream), cut (connection dropped half way), rate_limit (HTTP 429),
slow (stops for `slow_gap_s` half way, then goes on), auth (HTTP 401 to every request), slowdown (half way the pace drops to
`slow_words_per_s`, one word a second by default). `first_token_s` makes any streaming mode slow to
start. `words_per_s` streams whole words with their punctuation (" Beijing,") as many servers do,
instead of tokenizer pieces; `LATE_PUNCTUATION_REPLY` is an answer whose first clause mark comes late. `mode_for(call_number)` picks a mode per
request instead (see `rotating_failures`; `--fail-every 10` fails every tenth call, rotating modes).
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Sequence

MODES = ("normal", "error500", "hang", "silent", "bad_json", "cut", "rate_limit", "slow", "slowdown", "auth")
# The modes a rotating failure picks from (the slow-paced ones are failures of speed, asked for by name).
FAILURE_MODES = ("error500", "hang", "bad_json", "cut", "rate_limit", "slow")
DEFAULT_TRANSCRIPT = "When is the Global Digital Economy Conference?"
DEFAULT_REPLY = ("Thank you for asking, that is a great question. The fourth Global Digital Economy "
                 "Conference will be held in Beijing next summer. We would be delighted to welcome you there.")
# The first clause mark comes only after fourteen words: a model that does not punctuate early.
LATE_PUNCTUATION_REPLY = ("Our city has built a strong base for artificial intelligence and data markets over "
                          "the past ten years, and the fourth Global Digital Economy Conference will show "
                          "it to the world next summer in Beijing.")


def rotating_failures(every: int, modes: Sequence[str] = FAILURE_MODES) -> Callable[[int], str]:
    """A `mode_for`: call n (0-based) fails when (n + 1) is a multiple of `every`, cycling through `modes`."""
    def mode_for(n: int) -> str:
        if every <= 0 or (n + 1) % every:
            return "normal"
        return modes[((n + 1) // every - 1) % len(modes)]
    return mode_for


def split_tokens(text: str) -> list[str]:
    """Roughly how a model's tokenizer splits text: words with their leading space, punctuation apart."""
    return re.findall(r"\s*\w+|\s*[^\w\s]", text)


def split_words(text: str) -> list[str]:
    """Whole words with their leading space and any punctuation stuck to them, as some servers stream."""
    return re.findall(r"\s*\S+", text)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (a cancelled answer, a closed pool) is normal here, not a failure.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class FakeLLMServer:
    """Start with `with FakeLLMServer(mode=...) as server:`; point the SDK at `server.base_url`.

    Attributes may be changed between requests (`mode`, `reply`, `first_token_s`, `tokens_per_s`,
    `words_per_s`, `slow_words_per_s`, `transcript`).
    `requests` records each request's path, headers (lower-case names) and JSON body; `hangups` counts streams the
    client closed early.
    """

    def __init__(self, *, mode: str = "normal", reply: str = DEFAULT_REPLY, first_token_s: float = 0.0,
                 tokens_per_s: float = 0.0, port: int = 0, model: str = "fake-model",
                 mode_for: Callable[[int], str] | None = None, slow_gap_s: float = 2.0,
                 keep_requests: bool = True, reply_for: Callable[[dict[str, Any]], str] | None = None,
                 words_per_s: float = 0.0, slow_words_per_s: float = 1.0,
                 transcript: str = DEFAULT_TRANSCRIPT) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {MODES}")
        self.mode = mode
        self.mode_for = mode_for      # call number -> mode; overrides `mode` when set
        self.slow_gap_s = slow_gap_s  # how long "slow" stops half way
        self.keep_requests = keep_requests  # a long soak does not need every request kept
        self.calls = 0                # chat requests so far
        self.modes_used: dict[str, int] = {}
        self._calls_lock = threading.Lock()
        self.reply = reply
        self.reply_for = reply_for    # request body -> answer text; overrides `reply` when set
        self.first_token_s = first_token_s
        self.tokens_per_s = tokens_per_s
        self.words_per_s = words_per_s            # > 0: whole words at this pace instead of tokens
        self.slow_words_per_s = slow_words_per_s  # the pace after half way in "slowdown" mode
        self.model = model
        self.transcript = transcript  # what /audio/transcriptions answers
        self.requests: list[dict[str, Any]] = []
        self.hangups = 0  # streams the client closed before the end (a cancelled answer)
        self._stop = threading.Event()
        self._httpd = _QuietServer(("127.0.0.1", port), _make_handler(self))
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "FakeLLMServer":
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-llm", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # releases "hang" handlers
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "FakeLLMServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, body: dict[str, Any]) -> str:
        """The text to send back for this request."""
        return self.reply_for(body) if self.reply_for is not None else self.reply

    def wait(self, seconds: float) -> bool:
        """Sleep unless the server is stopping; True if it is."""
        return self._stop.wait(seconds)


def _make_handler(server: FakeLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                self._json(200, {"object": "list", "data": [{"id": server.model, "object": "model"}]})
            else:
                self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.path.rstrip("/").endswith("/audio/transcriptions"):
                self._transcribe(raw)
                return
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = {}
            if server.keep_requests:
                server.requests.append({"path": self.path, "body": body,
                                        "headers": {k.lower(): v for k, v in self.headers.items()}})
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
                return
            with server._calls_lock:
                call = server.calls
                server.calls += 1
                mode = server.mode_for(call) if server.mode_for is not None else server.mode
                server.modes_used[mode] = server.modes_used.get(mode, 0) + 1
            if mode == "hang":
                server.wait(60.0)
                self.close_connection = True
                return
            if mode == "error500":
                # A careless upstream that echoes the caller's credentials: the kiosk must never repeat it.
                auth = self.headers.get("authorization", "")
                self._json(500, {"error": {"message": f"upstream exploded for {auth}", "type": "server_error"}})
                return
            if mode == "auth":
                self._json(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                                           "code": "invalid_api_key"}})
                return
            if mode == "rate_limit":
                self._json(429, {"error": {"message": "Rate limit reached, slow down", "type": "rate_limit_error",
                                           "code": "rate_limit_exceeded"}}, extra={"Retry-After": "20"})
                return
            if not body.get("stream"):
                self._json(200, _completion(server.model, server.answer(body)))
                return
            self._stream(mode, body)

        def _transcribe(self, raw: bytes) -> None:
            """A speech-to-text request: multipart fields (`model`, `language`, the `file`) are recorded;
            the answer is the server's `transcript` (or a failure by mode)."""
            fields = _multipart(self.headers.get("Content-Type", ""), raw)
            if server.keep_requests:
                server.requests.append({"path": self.path, "fields": fields,
                                        "headers": {k.lower(): v for k, v in self.headers.items()}})
            mode = server.mode
            if mode in ("hang", "silent"):
                server.wait(60.0)
                self.close_connection = True
            elif mode == "auth":
                self._json(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                                           "code": "invalid_api_key"}})
            elif mode == "rate_limit":
                self._json(429, {"error": {"message": "Rate limit reached", "type": "rate_limit_error"}})
            elif mode == "error500":
                auth = self.headers.get("authorization", "")
                self._json(500, {"error": {"message": f"upstream exploded for {auth}", "type": "server_error"}})
            elif "file" not in fields:
                self._json(400, {"error": {"message": "no file", "type": "invalid_request_error"}})
            else:
                self._json(200, {"text": server.transcript})

        # --- responses ---------------------------------------------------------------------------

        def _json(self, status: int, payload: dict[str, Any], extra: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _event(self, payload: dict[str, Any] | str) -> None:
            text = payload if isinstance(payload, str) else json.dumps(payload)
            self._chunk(f"data: {text}\n\n".encode())

        def _stream(self, mode: str, body: dict[str, Any]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            model = str(body.get("model") or server.model)
            by_word = server.words_per_s > 0
            tokens = (split_words if by_word else split_tokens)(server.answer(body))
            try:
                self._event(_delta(model, {"role": "assistant", "content": ""}))
                if mode == "silent":
                    server.wait(60.0)  # the stream is open and nothing ever comes
                    return
                if server.first_token_s and server.wait(server.first_token_s):
                    return
                rate = server.words_per_s if by_word else server.tokens_per_s
                gap_s = 1.0 / rate if rate > 0 else 0.0
                for i, tok in enumerate(tokens):
                    if mode == "slowdown" and i >= len(tokens) // 2 and server.slow_words_per_s > 0:
                        gap_s = 1.0 / server.slow_words_per_s
                    if i and gap_s and server.wait(gap_s):
                        return
                    if mode == "cut" and i == len(tokens) // 2:
                        # Drop the connection without ending the chunked body, like a crashed proxy.
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    if mode == "slow" and i == len(tokens) // 2 and server.wait(server.slow_gap_s):
                        return
                    if mode == "bad_json" and i == len(tokens) // 2:
                        self._event('{"id": "chatcmpl-fake", "choices": [{"delta": {"content": "oops"')
                    self._event(_delta(model, {"content": tok}))
                self._event(_delta(model, {}, finish="stop"))
                self._event("[DONE]")
                self._chunk(b"")
            except (BrokenPipeError, ConnectionResetError, OSError):
                self.close_connection = True  # the client hung up (cancelled answer): fine
                server.hangups += 1

    return Handler


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """The fields of a multipart/form-data body: text values as str, files as their size in bytes."""
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body)
    fields: dict[str, Any] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if name:
            fields[str(name)] = len(payload) if part.get_filename() else payload.decode("utf-8", "replace")
    return fields


def _delta(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def _completion(model: str, text: str) -> dict[str, Any]:
    return {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": len(split_tokens(text)), "total_tokens": 1}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible streaming chat server (127.0.0.1 only).")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0 = any free port)")
    parser.add_argument("--mode", choices=MODES, default="normal")
    parser.add_argument("--first-token-s", type=float, default=0.0, help="delay before the first token")
    parser.add_argument("--tokens-per-s", type=float, default=0.0, help="token rate (0 = as fast as possible)")
    parser.add_argument("--words-per-s", type=float, default=0.0,
                        help="stream whole words at this rate instead of tokens (0 = tokens)")
    parser.add_argument("--slow-words-per-s", type=float, default=1.0,
                        help="the pace after half way in slowdown mode (default 1)")
    parser.add_argument("--reply", default=DEFAULT_REPLY, help="the answer text to stream")
    parser.add_argument("--reply-late-punctuation", action="store_true",
                        help="answer with a text whose first clause mark comes after fourteen words")
    parser.add_argument("--exit-after-s", type=float, default=0.0, help="stop by itself after this long (0 = never)")
    parser.add_argument("--fail-every", type=int, default=0, metavar="N",
                        help="fail every Nth call, rotating through the failure modes (0 = never)")
    parser.add_argument("--fail-modes", default=",".join(FAILURE_MODES),
                        help=f"comma-separated modes for --fail-every (default {','.join(FAILURE_MODES)})")
    parser.add_argument("--slow-gap-s", type=float, default=2.0, help="how long the slow mode stops half way")
    args = parser.parse_args(argv)
    fail_modes = [m for m in args.fail_modes.split(",") if m]
    unknown = [m for m in fail_modes if m not in MODES]
    if unknown:
        parser.error(f"unknown mode(s) {', '.join(unknown)}; one of {', '.join(MODES)}")
    reply = LATE_PUNCTUATION_REPLY if args.reply_late_punctuation else args.reply
    server = FakeLLMServer(mode=args.mode, reply=reply, first_token_s=args.first_token_s,
                           tokens_per_s=args.tokens_per_s, words_per_s=args.words_per_s,
                           slow_words_per_s=args.slow_words_per_s, port=args.port, slow_gap_s=args.slow_gap_s,
                           mode_for=rotating_failures(args.fail_every, fail_modes) if args.fail_every else None,
                           keep_requests=False).start()
    print(f"listening on {server.base_url}", flush=True)
    try:
        if args.exit_after_s > 0:
            time.sleep(args.exit_after_s)
        else:
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

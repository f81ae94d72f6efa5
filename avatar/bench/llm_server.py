"""A local OpenAI-compatible chat server that streams a known answer at a set pace, for the kiosk figures.

`first_token_s` after the request the first word arrives, then `tokens_per_s` words (tokens) a second,
like a hosted model. Each question gets its own answer from `replies` (matched on the question text),
so the kiosk speaks something different every time.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Mapping

# Questions a visitor asks, with answers whose first clause is short (the kiosk speaks it at once).
QA: tuple[tuple[str, str], ...] = (
    ("When is the next conference?",
     "It is next summer, in Beijing. "
     "The fourth Global Digital Economy Conference welcomes guests from all over the world."),
    ("What is the one plus three plus N framework?",
     "It is our policy plan, in three layers. "
     "Open policies, standards and a way to measure the digital economy work together."),
    ("Why is Beijing a benchmark city?",
     "We lead in scale, across many industries. "
     "Artificial intelligence, blockchain and the industrial internet are strong here."),
    ("Who are you?",
     "I am a digital human, speaking for Beijing. "
     "I was made to share our plans for the digital economy."),
    ("How can my city join the partner cities?",
     "Please get in touch, through the bureau. "
     "The Partner Cities Cooperation Initiative is open to cities everywhere."),
    ("What happens with data as an asset?",
     "We run real pilots, across the city. "
     "Data is traded as a factor of production in a growing market."),
    ("What will you do next?",
     "There are three steps, in order. "
     "First the regulations, then the data rules field, then opening our services."),
    ("Which companies come from Beijing?",
     "Many leading ones, on the Forbes list. "
     "More than half of the Chinese firms among the top hundred are from Beijing."),
    ("What is UNCTAD eWeek?",
     "It is a global meeting, held in Geneva. "
     "Governments and companies discuss the digital economy there."),
    ("Can factories use these tools?",
     "Yes, they already do. "
     "Our manufacturing projects bring digital tools into factories across the city."),
)
FALLBACK = "Thank you for asking, that is a good question. Beijing will be glad to tell you more."


def split_tokens(text: str) -> list[str]:
    """Words with their leading space and punctuation apart, roughly as a model's tokenizer splits."""
    return re.findall(r"\s*\w+|\s*[^\w\s]", text)


class StreamingChatServer:
    """`with StreamingChatServer(first_token_s=0.3, tokens_per_s=40) as s:` then use `s.base_url`."""

    def __init__(self, *, first_token_s: float = 0.3, tokens_per_s: float = 40.0,
                 replies: Mapping[str, str] | None = None) -> None:
        self.first_token_s = first_token_s
        self.tokens_per_s = tokens_per_s
        self.replies = dict(QA if replies is None else replies)
        self.requests = 0
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="bench-llm", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def reply_for(self, body: Mapping[str, Any]) -> str:
        messages = [m for m in body.get("messages", []) if m.get("role") == "user"]
        question = str(messages[-1].get("content", "")) if messages else ""
        for q, a in self.replies.items():
            if q.lower() in question.lower():
                return a
        return FALLBACK

    def __enter__(self) -> "StreamingChatServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()


def _handler(server: StreamingChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the benchmark's output stays a table

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError:
                body = {}
            server.requests += 1
            if not self.path.rstrip("/").endswith("/chat/completions") or not body.get("stream"):
                data = json.dumps({"error": {"message": "only streaming chat completions here"}}).encode()
                self.send_response(404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            model = str(body.get("model") or "bench")
            try:
                self._event(_delta(model, {"role": "assistant", "content": ""}))
                if server._stop.wait(server.first_token_s):
                    return
                gap_s = 1.0 / server.tokens_per_s if server.tokens_per_s > 0 else 0.0
                for i, token in enumerate(split_tokens(server.reply_for(body))):
                    if i and gap_s and server._stop.wait(gap_s):
                        return
                    self._event(_delta(model, {"content": token}))
                self._event(_delta(model, {}, finish="stop"))
                self._event("[DONE]")
                self._chunk(b"")
            except OSError:
                self.close_connection = True  # the kiosk hung up (an interrupted answer)

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _event(self, payload: dict[str, Any] | str) -> None:
            text = payload if isinstance(payload, str) else json.dumps(payload)
            self._chunk(f"data: {text}\n\n".encode())

    return Handler


def _delta(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

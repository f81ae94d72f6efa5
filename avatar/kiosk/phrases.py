"""The kiosk's own lines in Chinese (no answer, apologies, greetings, on-screen hints); English ones
live beside the code that says them."""

from __future__ import annotations

from avatar.kiosk.grounding import Persona

UNKNOWN = {
    "zh": "抱歉，这个问题我还回答不了。您可以问我北京数字经济的发展规划、全球数字经济大会，"
          "或者这台问答机怎么用。",
}
CLOSING_LINE = {"zh": "抱歉，我先说到这里。如果您还想了解更多，请再问我一次。"}
APOLOGY = {"zh": "抱歉，我现在回答不了这个问题，请稍后再试。"}

# On-screen hints: (while thinking, while answering, while typing, idle) in Chinese.
HINT_THINKING = "请稍候\u2026"
HINT_ANSWERING = "随时可以输入新问题 \u00b7 按 Esc 停止回答"
HINT_TYPING = "按回车键提问 \u00b7 Esc 清除"
HINT_HEARD = "这样对吗？按回车键提问 \u00b7 可直接修改 \u00b7 Esc 清除"
HINT_IDLE = "欢迎用中文或英文提问"


def greetings_zh(persona: Persona) -> tuple[str, ...]:
    """Invitations in Chinese; the persona's name and title only when they are written in Chinese."""
    from avatar.language import han_count

    who = persona.speaker.strip() if han_count(persona.speaker) else "数字主持人"
    topic = persona.title.strip().rstrip("。！？") if han_count(persona.title) else "这场演讲的内容"
    return (
        f"您好，欢迎！我是{who}。请在下方输入问题，我会马上回答。",
        f"想了解{topic}吗？请输入您的问题，然后按回车键。",
    )


def bilingual(english: str, chinese: str, language: str, sep: str = " \u00b7 ") -> str:
    """Both lines in one, the kiosk's own language first."""
    from avatar.language import base_language

    return f"{chinese}{sep}{english}" if base_language(language) == "zh" else f"{english}{sep}{chinese}"

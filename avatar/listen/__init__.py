"""Questions by voice: turning a visitor's recorded question into text (see base.py for the seam).

    from avatar.listen import ListenSettings, make_recogniser
    recogniser = make_recogniser(ListenSettings(), grounding)   # None when engine="off"
    heard = recogniser.transcribe(audio)                        # Heard(text, engine, decode_s)
"""

from avatar.listen.base import FakeRecogniser, Heard, RecognitionError, Recogniser
from avatar.listen.select import ListenSettings, make_recogniser

__all__ = ["FakeRecogniser", "Heard", "ListenSettings", "RecognitionError", "Recogniser", "make_recogniser"]

"""avatar: a talking digital-human presenter (speech, kiosk Q&A, video recording)."""

__version__ = "0.1.0"

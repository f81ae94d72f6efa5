"""The project's exception tree; every failure a user can cause or meet is one of these.

    AvatarError                      base; `str(e)` is a one-line message naming problem and fix
    ├── UsageError                   bad input from the user: exit code 2
    │   ├── ScriptError              speech script cannot be parsed (carries line, column)
    │   ├── ConfigError              config file or front matter is wrong
    │   ├── AudioInputError          an input audio file cannot be used
    │   └── OutputPathError          an output path cannot be written
    └── RuntimeFailure               something failed while working: exit code 1
        ├── TTSError                 the speech engine failed or hung
        ├── EncodeError              ffmpeg failed while recording
        └── AnswerError              an answerer could not answer (kiosk falls back)
"""

from __future__ import annotations


class AvatarError(Exception):
    """Base of every error the project raises on purpose."""

    exit_code = 1


class UsageError(AvatarError):
    """The user asked for something that cannot be done as asked."""

    exit_code = 2


class ScriptError(UsageError):
    """A speech script that cannot be parsed; names the file, line and column."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        self.path = path
        self.line = line
        self.column = column
        where = ""
        if path:
            where = path
        if line is not None:
            where += f"{':' if where else 'line '}{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}" if where else message)


class ConfigError(UsageError):
    """A config file or script front matter with a wrong or unknown value."""


class AudioInputError(UsageError):
    """An input audio file that is missing, empty or not audio."""


class OutputPathError(UsageError):
    """An output path whose folder is missing or read-only, or which exists already."""


class RuntimeFailure(AvatarError):
    """Something went wrong while working, not because of the user's input."""

    exit_code = 1


class TTSError(RuntimeFailure):
    """The speech engine is missing, failed or did not answer in time."""


class EncodeError(RuntimeFailure):
    """ffmpeg failed while encoding or decoding."""


class AnswerError(RuntimeFailure):
    """An answerer could not produce an answer; `kind` is a short, secret-free label."""

    def __init__(self, message: str, *, kind: str = "error") -> None:
        self.kind = kind
        super().__init__(message)

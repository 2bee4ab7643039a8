"""The error tree: infrastructure failures are errors, never findings.

Every error tandem raises on purpose derives from TandemError; the CLI maps them to
exit code 2 with their message.
"""


class TandemError(Exception):
    """Base of every error tandem raises deliberately."""


class ConfigError(TandemError):
    """A malformed tandem.toml / [tool.tandem], or an unknown setting."""


class InterpreterError(TandemError):
    """An interpreter is unknown, missing, not Python, or crashes at start-up."""


class ProvisionError(TandemError):
    """CPython sources could not be obtained or built."""


class HarnessError(TandemError):
    """The harness could not run a case (not a verdict about the program)."""


class CorpusError(TandemError):
    """A corpus or findings file is malformed, missing or of a newer schema."""

"""Errors a user can meet. Each message is one sentence naming the cause and the fix."""


class PolicywatchError(Exception):
    """Base class: the CLI prints the message (no traceback) and exits with status 2."""


class ConfigError(PolicywatchError):
    pass


class DatabaseError(PolicywatchError):
    pass


class SourceError(PolicywatchError):
    pass

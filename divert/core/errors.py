"""Domain errors raised by actions, with messages a worker can act on."""


class DomainError(Exception):
    """A step that the pathway rules do not allow; the message says what to do instead."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

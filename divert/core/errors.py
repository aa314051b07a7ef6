"""Domain errors raised by actions, with messages a worker can act on."""


class DomainError(Exception):
    """A step that the pathway rules do not allow; the message says what to do instead."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def check_choice(value, choices, message: str, *, field: str, blank: bool = False) -> None:
    """Refuse a code that is not one of `choices` (a TextChoices' values), naming the field.

    Forms and the API offer the list; the action is where a value outside it is refused, so
    the web, the API and imports give the same answer.
    """
    if blank and value in ("", None):
        return
    if not isinstance(value, str) or value not in choices:
        raise DomainError(message, field=field)

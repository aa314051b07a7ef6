"""Path converters shared by every app's URLs."""

from __future__ import annotations

# The largest value a database id (a 64-bit BigAutoField) can hold.
MAX_ID = 2**63 - 1


class IdConverter:
    """`<id:name>`: a database id. Anything longer or larger than an id can be is not a match
    (a 404), so no view ever passes a number the database cannot hold to a query."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        """The id as a number; too large is no match."""
        number = int(value)
        if number > MAX_ID:
            raise ValueError("not an id")
        return number

    def to_url(self, value) -> str:
        """An id in an address."""
        return str(int(value))

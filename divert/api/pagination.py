"""API pagination with an upper bound, so no request can pull a whole caseload at once."""

from rest_framework.pagination import LimitOffsetPagination


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """Limit/offset pages of at most 100 rows."""

    max_limit = 100

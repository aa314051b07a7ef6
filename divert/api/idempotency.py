"""`Idempotency-Key` on every API write: the same key from the same user gives the first
answer again (status and body) and writes nothing more; the same key with a different
request is refused with 422. Without the header a request is handled as it is.

The key is claimed in the same transaction as the write (`divert.core.submissions.claim`),
so two concurrent requests with one key cannot both write. Keys are kept for a day.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from divert.core.models import Submission
from divert.core.submissions import once, valid_key

HEADER = "Idempotency-Key"
BAD_KEY = "The Idempotency-Key must be 8 to 100 letters, digits, '-', '_', '.' or ':'."
KEY_REUSED = ("This Idempotency-Key was already used for a different request. "
              "Send a new key with each new request.")
REPLAYED_HEADER = "Idempotent-Replayed"


class _NotWritten(Exception):
    """The handler answered without writing (not a 2xx): roll the key back."""


def _fingerprint(request: Request) -> str:
    """A hash of what the request asks for: method, path and body."""
    data = request.data
    if hasattr(data, "lists"):  # a form-encoded body (QueryDict): every value of every key
        data = dict(data.lists())
    body = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent(handler: Callable) -> Callable:
    """Decorate a viewset method that writes, so it honours the `Idempotency-Key` header."""

    @functools.wraps(handler)
    def wrapper(view, request: Request, *args, **kwargs) -> Response:
        key = request.headers.get(HEADER, "")
        if not key:
            return handler(view, request, *args, **kwargs)
        if not valid_key(key):
            return Response({"detail": BAD_KEY}, status=status.HTTP_400_BAD_REQUEST)
        fingerprint = _fingerprint(request)
        answered: list[Response] = []

        def write(submission: Submission) -> None:
            response = handler(view, request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                answered.append(response)
                raise _NotWritten
            submission.status = response.status_code
            submission.body = json.dumps(response.data, cls=DjangoJSONEncoder)
            answered.append(response)

        try:
            submission, first = once(user=request.user, kind=Submission.Kind.API, key=key,
                                     fingerprint=fingerprint, write=write)
        except _NotWritten:
            return answered[0]  # an answer that wrote nothing keeps no key
        if first:
            return answered[0]
        if submission.fingerprint != fingerprint:
            return Response({"detail": KEY_REUSED}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        replay = Response(json.loads(submission.body), status=submission.status)
        replay[REPLAYED_HEADER] = "true"
        return replay

    wrapper.idempotent = True  # type: ignore[attr-defined]  # read by the test that walks every write
    return wrapper


PARAMETER = OpenApiParameter(
    HEADER, str, OpenApiParameter.HEADER, required=False,
    description=("A key you choose for this request (8 to 100 letters, digits, '-', '_', '.' or ':'). "
                 "Sending the same request again with the same key writes nothing more and answers with "
                 "the first answer; the same key with a different request is refused (422)."),
)


class IdempotentWritesSchema(AutoSchema):
    """The OpenAPI schema class (settings): every write decorated with `idempotent` lists the
    `Idempotency-Key` header."""

    def get_override_parameters(self):
        """The view's own parameters, plus the header on an idempotent write."""
        parameters = super().get_override_parameters()
        handler = getattr(self.view, getattr(self.view, "action", None) or "", None)
        if self.method == "POST" and getattr(handler, "idempotent", False):
            parameters = [*parameters, PARAMETER]
        return parameters

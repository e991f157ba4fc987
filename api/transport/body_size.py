"""BodySizeLimit: ASGI middleware answering 413 for a request body over the limit."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ErrorCode
from api.transport.negotiation import JSON, preferred_media_type
from api.transport.refusals import HTTPError


class BodyTooLarge(Exception):
    """Raised from `receive` once a request body has outgrown the limit."""


class BodySizeLimit:
    """ASGI middleware: 413 for a request body over `max_bytes`.

    Refuses early when Content-Length already says so, and otherwise counts the bytes as they
    are received (chunked bodies, lying Content-Length), without buffering the body.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "").strip()
        if declared.isascii() and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(headers, scope, receive, send)
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(headers, scope, receive, send)

    async def _refuse(self, headers: Headers, scope: Scope, receive: Receive, send: Send) -> None:
        error = HTTPError(
            413,
            f"The request body exceeds the limit of {self.max_bytes} bytes.",
            code=ErrorCode.PAYLOAD_TOO_LARGE,
        )
        media_type = preferred_media_type(headers.get("accept")) or JSON
        await error.response(media_type)(scope, receive, send)

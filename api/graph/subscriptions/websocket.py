"""The WebSocket adapter: graphql-transport-ws messages as text frames."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected


class TextWebSocketAdapter(ASGIWebSocketAdapter):
    """graphql-transport-ws messages go in text frames, whatever bytes the view's JSON
    encoder makes (browsers' graphql-ws clients cannot parse binary frames)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        encoded = self.view.encode_json(message)
        text = encoded.decode() if isinstance(encoded, bytes) else encoded
        try:
            await self.ws.send_text(text)
        except WebSocketDisconnect as error:
            raise WebSocketDisconnected from error

"""Live referral events over WebSocket (graphql-transport-ws): the root, contexts, hub.

A connection authenticates once, in its `connection_init` payload. Each of its subscriptions
runs with a context of its own (`SubscriptionContext`), whose viewer and loaders are renewed at
each delivery: no subscription reads another's cache. Every event is read
at delivery time as the subscriber's organization sees it then, through the same `db.reads`
rules as queries: an organization removed from a referral stops receiving its events, and
contact details stay masked unless it is an ACCEPTED participant. The subscribers of one
organization on a worker share that read of a change (the rules depend on the organization
only). The token is checked again at each delivery; once it has expired the connection is
closed (4403).
"""

from api.graph.subscriptions.context import SocketContext
from api.graph.subscriptions.extension import SocketOperations
from api.graph.subscriptions.root import Subscription
from api.graph.subscriptions.websocket import TextWebSocketAdapter

__all__ = ["SocketContext", "SocketOperations", "Subscription", "TextWebSocketAdapter"]

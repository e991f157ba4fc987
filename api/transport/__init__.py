"""HTTP and WebSocket: the view, GraphQL over HTTP, persisted queries, GraphiQL, health."""

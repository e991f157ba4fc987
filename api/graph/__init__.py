"""The referral graph: loaders, prefetch, Relay IDs, the roots, types and subscriptions."""

"""Relay's plumbing, once: global IDs, cursors, the paging arguments and one Connection[T]."""

"""Cross-tenant probes (issue 4, "Proof"): foreign IDs answer like IDs that do not exist."""

# For every argument of type ID in schema.graphql (found by walking the file, so a new one fails
# `test_every_id_argument_is_probed` until it gets a probe in probes.py), the caller sends IDs
# of rows of other organizations, of every node type, and forged global IDs: a random key under
# a type name, a real foreign row's key under another type name, and other spellings of a real
# foreign key (padded, hyphenated, upper case). Each must answer exactly like an ID of the same
# spelling whose key does not exist: same HTTP status, same body once the ID string itself is
# taken out (and the cost budget left, which falls with every request). Alone, and mixed with
# the caller's own IDs in one request through aliases and in `nodes(ids:)`. A probe with an
# own ID answers otherwise, so every comparison can fail. And the foreign rows stay as they were.

"""Property-based fuzzing of the live ASGI app from its own schema (issue 4, "Proof")."""

# hypothesis-graphql writes queries and mutations of the schema the app serves, with arbitrary
# arguments: custom scalars get strategies of their own (global IDs of the seeded rows of every
# organization, forged and retyped global IDs, raw UUIDs, garbage; instants and dates valid,
# naive, at the calendar's ends and malformed; decimals of every size, NaN and infinities).
# Some operations carry their root arguments as variables instead of literals, some of those
# variables are replaced by arbitrary JSON, some queries go over GET, and the token is sometimes
# absent, malformed, expired, signed with another key or of an organization that does not exist.
# A last property sends valid inputs with up to two values gone wild, so that writes happen.
#
# Whatever is sent, the answer must hold these properties (`assert_sound`): no status >= 500, a
# JSON object body, no error masked as "Internal error ..." (an exception our code did not
# expect: the GraphQL face of a 500), every error with a `message` and an `extensions.code`, and
# no traceback, file path, SQL or database driver name anywhere in the response.
#
# Four bugs were found this way (A-D); each has a regression test in test_regressions.py.

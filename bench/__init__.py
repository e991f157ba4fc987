"""The benchmark of issue 6: our GraphQL API against a hand-written floor (`make bench`).

Modules, one job each:
  config     sizes, durations, paths and URLs of one run
  workload   the operations sent (ReferralPage, ReferralSearch, addReferralNote) and tokens
  seed       the seeded SQLite file and the PostgreSQL database
  floor      the floor: a plain Starlette endpoint running the same batched SQL by hand
  servers    uvicorn subprocesses on 127.0.0.1: start, find workers, read memory, stop by PID
  load       the HTTP load client (run as its own process): sequential and concurrent requests
  cpu        where the cores went during a measured phase; waiting for a quiet machine
  inprocess  in-process checks through ASGI: equal JSON, statement counts, page sizes, profile
  measure    one database's measurements, side by side
  report     bench/RESULTS.md and var/bench/results.json
"""

// graphql-ws, configured as README's "reconnect" snippet, against a live server: a subscriber
// that stops reading is closed as too slow (1013), and the client reconnects by itself,
// resubscribes and re-reads the referral over HTTP. Driven by tests/test_subscription_client.py.
//
// stdout: one JSON line per happening ({"kind": "connected" | "event" | "stalled" | "closed" |
// "reread" | "error" | "done", ...}); stdin: the test's commands, one a line ("resume", "done").
// Environment: GRAPHQL_URL (http://host:port/graphql), TOKEN, REFERRAL_ID (a global ID).
import { createInterface } from "node:readline";
import { createClient } from "graphql-ws";
import WebSocket from "ws"; // not the global WebSocket: `pause()` stops reading the TCP socket

const SECONDS = 60; // the whole run's bound: this process never outlives a hung test
const URL_HTTP = required("GRAPHQL_URL");
const TOKEN = required("TOKEN");
const REFERRAL_ID = required("REFERRAL_ID");

// Fifteen aliases of the note (some 2 kB each): each event is ~30 kB, so a stalled client's
// buffers fill after a few events.
const EVENTS = `subscription SlowReader($id: ID) { referralEvents(referralId: $id) {
  referral { version }
  ${Array.from({ length: 15 }, (_, i) => `a${i}: activity { note }`).join(" ")}
} }`;
const REREAD = "query Reread($id: ID!) { referral(id: $id) { version } }";

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set (tests/test_subscription_client.py passes it)`);
    process.exit(2);
  }
  return value;
}

function report(kind, fields = {}) {
  console.log(JSON.stringify({ kind, ...fields }));
}

async function reread() {
  const response = await fetch(URL_HTTP, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ query: REREAD, variables: { id: REFERRAL_ID } }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.json();
  report("reread", { version: body.data?.referral?.version ?? null, errors: body.errors });
}

// Uncompressed, so that each event takes its full size in the buffers (repeated notes deflate
// to almost nothing).
class Uncompressed extends WebSocket {
  constructor(address, protocols) {
    super(address, protocols, { perMessageDeflate: false });
  }
}

let socket = null; // the connection graphql-ws uses now
let stalled = false;
const client = createClient({
  url: URL_HTTP.replace(/^http/, "ws"),
  webSocketImpl: Uncompressed,
  connectionParams: { Authorization: `Bearer ${TOKEN}` },
  // As in README: retry what the server says is temporary (1013 Try Again Later) and network
  // drops; the back-off is shortened here only so that the test does not wait seconds.
  retryAttempts: 3,
  shouldRetry: (event) => event?.code === 1013 || event?.code === 1006,
  retryWait: () => new Promise((resolve) => setTimeout(resolve, 100)),
  on: {
    connected: (connected, _payload, wasRetry) => {
      socket = connected;
      report("connected", { wasRetry });
      if (wasRetry) reread().catch((error) => report("error", { message: String(error) }));
    },
    closed: (event) => report("closed", { code: event.code, reason: event.reason }),
  },
});

client.subscribe(
  { query: EVENTS, variables: { id: REFERRAL_ID } },
  {
    next: (result) => {
      const event = result.data?.referralEvents;
      report("event", {
        note: event?.a0?.note?.split(" ")[0] ?? null, // the note's leading index
        version: event?.referral?.version ?? null,
        errors: result.errors,
      });
      if (!stalled) {
        stalled = true;
        socket.pause(); // stop reading: the kernel's buffers, then the server's queue, fill
        report("stalled");
      }
    },
    error: (error) => report("error", { message: String(error?.reason ?? error?.message ?? error) }),
    complete: () => report("complete"),
  },
);

const timer = setTimeout(() => {
  console.error(`no "done" within ${SECONDS} s`);
  process.exit(3);
}, SECONDS * 1000);

for await (const line of createInterface({ input: process.stdin })) {
  if (line === "resume") socket.resume();
  if (line === "done") break;
}
await client.dispose();
clearTimeout(timer);
report("done");
process.exit(0);

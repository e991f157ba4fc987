// graphql-ws, the client frontends use for subscriptions: subscribe to referralEvents of one
// referral, add a note to it over HTTP, and print the mutation's answer and the event received.
// Needs a global WebSocket (Node 22+, or Node 20 with --experimental-websocket).
import { createClient } from "graphql-ws";
import { api, findReferral, request, run } from "./common.mjs";

const EVENTS = `subscription ReferralEvents($referralId: ID) {
  referralEvents(referralId: $referralId) {
    activity { id type note }
    referral { id name }
  }
}`;

const NOTE = `mutation AddNote($input: AddReferralNoteInput!) {
  addReferralNote(input: $input) { activity { id type } userErrors { code message } }
}`;

// The server counts a subscription once it is registered for events; graphql-ws itself does
// not acknowledge a subscribe, so wait for that count before writing, or the event may be missed.
async function untilSubscribed() {
  const metrics = new URL("/metrics", api.url);
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const text = await (await fetch(metrics, { signal: AbortSignal.timeout(5000) })).text();
    const line = text.split("\n").find((l) => l.startsWith("referrals_subscriptions_active "));
    if (line && Number(line.split(" ")[1]) >= 1) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the server never counted the subscription as active (/metrics)");
}

run(async () => {
  if (typeof WebSocket === "undefined") {
    throw new Error("no global WebSocket: run with Node 22+ or node --experimental-websocket");
  }
  const target = await findReferral("to add a note to");
  const client = createClient({
    url: api.url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${api.token}` },
    retryAttempts: 0,
  });
  try {
    const events = client.iterate({ query: EVENTS, variables: { referralId: target.id } });
    const next = events.next(); // subscribes now; resolves with the first event
    await untilSubscribed();
    const note = `Seen through graphql-ws ${Date.now()}`;
    const answer = await request(NOTE, { input: { referralId: target.id, note } });
    const { value, done } = await next;
    await events.return?.();
    return { referralId: target.id, note, mutation: answer.addReferralNote, event: done ? null : value };
  } finally {
    await client.dispose();
  }
});

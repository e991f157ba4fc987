// What every client script shares: where the API is (environment variables set by
// tests/test_clients.py), a bounded run that prints one JSON report on stdout, an Apollo Client
// as a frontend builds it, and a way to find demo referrals in a given state.
import { ApolloClient, HttpLink, InMemoryCache } from "@apollo/client";

export function setting(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set (tests/test_clients.py passes it)`);
    process.exit(2);
  }
  return value;
}

// Read when used, so scripts that need no server (relay-compiler, codegen) need none of them.
export const api = {
  get url() {
    return setting("GRAPHQL_URL");
  },
  get token() {
    return setting("TOKEN");
  },
  get organizationId() {
    return setting("ORGANIZATION_ID");
  },
};
const SECONDS = Number(process.env.CLIENT_TIMEOUT_SECONDS ?? "30");

// Runs `main`, prints what it returns as one JSON line, and exits: 0 when it returned, 1 when it
// threw (the stack on stderr), 3 when it did not finish within CLIENT_TIMEOUT_SECONDS. Exiting
// explicitly also ends sockets a client may keep open. (Writes to a pipe are synchronous on
// Linux, so the report is out before the exit.)
export async function run(main) {
  const timer = setTimeout(() => {
    console.error(`${process.argv[1]}: no result within ${SECONDS} s`);
    process.exit(3);
  }, SECONDS * 1000);
  try {
    const report = await main();
    console.log(JSON.stringify(report));
    clearTimeout(timer);
    process.exit(0);
  } catch (error) {
    console.error(error?.stack ?? String(error));
    if (error?.errors) console.error(JSON.stringify(error.errors, null, 2));
    clearTimeout(timer);
    process.exit(1);
  }
}

// A fetch that records each request (method, URL, body, status) before handing it on.
export function recordingFetch(requests) {
  return async (input, init = {}) => {
    const url = typeof input === "string" ? input : input.url;
    const method = init.method ?? "GET";
    const response = await fetch(input, init);
    const text = await response.clone().text();
    requests.push({ method, url, body: init.body ?? null, status: response.status, response: text });
    return response;
  };
}

export function httpLink(options = {}) {
  return new HttpLink({
    uri: api.url,
    headers: { authorization: `Bearer ${api.token}` },
    ...options,
  });
}

export function apolloClient({ cache = new InMemoryCache(), link = httpLink() } = {}) {
  return new ApolloClient({ cache, link });
}

// One GraphQL request over plain fetch, for setting up and for mutations; throws on errors.
export async function request(query, variables = {}) {
  const response = await fetch(api.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${api.token}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.json();
  if (response.status !== 200 || body.errors) {
    throw new Error(`${response.status} ${JSON.stringify(body)}`);
  }
  return body.data;
}

const OPEN_REFERRALS = `query OpenReferrals($after: String) {
  referrals(first: 100, after: $after, filter: {status: [PENDING, ACTIVE]}) {
    pageInfo { hasNextPage endCursor }
    nodes { id name version participants { organizationId status } }
  }
}`;

// The first open referral (PENDING or ACTIVE) on which the viewer's organization is ACCEPTED
// and that meets `condition`; fails naming what it looked for.
export async function findReferral(description, condition = () => true) {
  let after = null;
  for (let page = 0; page < 20; page += 1) {
    const { referrals } = await request(OPEN_REFERRALS, { after });
    const found = referrals.nodes.find(
      (referral) =>
        referral.participants.some(
          (p) => p.organizationId === api.organizationId && p.status === "ACCEPTED",
        ) && condition(referral),
    );
    if (found) return found;
    if (!referrals.pageInfo.hasNextPage) break;
    after = referrals.pageInfo.endCursor;
  }
  throw new Error(`the demo data has no open referral the viewer accepted ${description}`);
}

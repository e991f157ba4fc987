// Apollo Client's automatic persisted queries over GET, as a frontend behind a CDN sends them:
// a hash-only GET, PersistedQueryNotFound, the query registered, then (from a second client, as
// another browser would) a hash-only GET that the server answers. Prints every request seen by
// the fetch underneath and what each query returned.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { gql, InMemoryCache } from "@apollo/client";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { apolloClient, httpLink, recordingFetch, run } from "./common.mjs";

const sha256 = (text) => createHash("sha256").update(text).digest("hex");
// A frontend's own operation from the contract.
const SEARCH = new URL("../contract/queries/ReferralSearch.graphql", import.meta.url);

function persistedClient(requests) {
  const link = createPersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
    httpLink({ fetch: recordingFetch(requests) }),
  );
  return apolloClient({ cache: new InMemoryCache(), link });
}

function described(request) {
  const url = new URL(request.url);
  const body = request.body ? JSON.parse(request.body) : null;
  const parameters = Object.fromEntries(url.searchParams);
  const extensions = body?.extensions ?? JSON.parse(parameters.extensions ?? "null");
  let answer;
  try {
    answer = JSON.parse(request.response);
  } catch {
    answer = request.response;
  }
  return {
    method: request.method,
    queryParameters: Object.keys(parameters).sort(),
    sentQueryText: Boolean(body?.query ?? parameters.query),
    sha256Hash: extensions?.persistedQuery?.sha256Hash ?? null,
    status: request.status,
    errorMessages: (answer?.errors ?? []).map((error) => error.message),
    hasData: Boolean(answer?.data),
  };
}

run(async () => {
  const query = gql(await readFile(SEARCH, "utf8"));
  const variables = { status: ["PENDING", "ACTIVE"], first: 5 };
  const requests = [];

  const first = await persistedClient(requests).query({ query, variables });
  const second = await persistedClient(requests).query({ query, variables });

  return {
    requests: requests.map(described),
    firstTotalCount: first.data.referrals.totalCount,
    secondTotalCount: second.data.referrals.totalCount,
  };
});

// Apollo Client's relayStylePagination through the viewer's whole list of referrals: forward
// with first/after, then, in a fresh cache, backward with last/before. Prints each page's ids
// as the server sent them and the merged list the cache holds at the end of each direction.
import { gql, InMemoryCache } from "@apollo/client";
import { relayStylePagination } from "@apollo/client/utilities";
import { filter, firstValueFrom } from "rxjs";
import { apolloClient, run } from "./common.mjs";

const PAGE = 7;
const ORDER = { field: "CREATED_DATE", direction: "DESC" };
const MAX_PAGES = 100; // far above any demo list: a cursor that never ends fails, not hangs

const REFERRALS = gql`
  query ReferralPages(
    $first: Int
    $after: String
    $last: Int
    $before: String
    $orderBy: ReferralOrderInput
  ) {
    referrals(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id name } }
    }
  }
`;

function paginatingClient() {
  const cache = new InMemoryCache({
    typePolicies: {
      Query: { fields: { referrals: relayStylePagination(["filter", "orderBy"]) } },
    },
  });
  return apolloClient({ cache });
}

// Follows one direction to its end; `next` names the variables of the following page.
async function walk(variables, next, more) {
  const client = paginatingClient();
  const query = client.watchQuery({ query: REFERRALS, variables });
  // Watching keeps the query active, as a mounted component does, so fetchMore merges into it.
  const watching = query.subscribe({ error: () => {} });
  const first = await firstValueFrom(
    query.pipe(filter((result) => result.dataState === "complete" || result.error)),
  );
  if (first.error) throw first.error;
  const pages = [first.data.referrals];
  while (more(pages.at(-1).pageInfo)) {
    if (pages.length >= MAX_PAGES) throw new Error(`still more after ${MAX_PAGES} pages`);
    const { data } = await query.fetchMore({ variables: next(pages.at(-1).pageInfo) });
    pages.push(data.referrals);
  }
  const merged = client.cache.readQuery({ query: REFERRALS, variables }).referrals;
  watching.unsubscribe();
  return {
    totalCount: first.data.referrals.totalCount,
    pages: pages.map((page) => page.edges.map((edge) => edge.node.id)),
    cached: merged.edges.map((edge) => edge.node.id),
    cachedPageInfo: merged.pageInfo,
  };
}

run(async () => {
  const forward = await walk(
    { first: PAGE, orderBy: ORDER },
    (pageInfo) => ({ after: pageInfo.endCursor }),
    (pageInfo) => pageInfo.hasNextPage,
  );
  const backward = await walk(
    { last: PAGE, orderBy: ORDER },
    (pageInfo) => ({ before: pageInfo.startCursor }),
    (pageInfo) => pageInfo.hasPreviousPage,
  );
  return { pageSize: PAGE, forward, backward };
});

// Apollo Client's InMemoryCache normalizes objects by __typename and id. A referral the viewer
// has ACCEPTED shows the customer's email; the same referral seen through an INVITED
// participant's referralView must not. Prints what the server sent and what the cache gives
// back for both, so a cache that merged the two (one id for both objects) shows as a mismatch.
import { gql } from "@apollo/client";
import { api, apolloClient, findReferral, run } from "./common.mjs";

const REFERRAL_WITH_VIEWS = gql`
  query ReferralWithViews($id: ID!) {
    referral(id: $id) {
      id
      customerProfile { id contact { email } }
      participants {
        id
        organizationId
        status
        referralView { id customerProfile { id contact { email } } }
      }
    }
  }
`;

function seen(referral) {
  return {
    id: referral.id,
    customerProfileId: referral.customerProfile.id,
    email: referral.customerProfile.contact?.email ?? null,
    participants: referral.participants.map((participant) => ({
      organizationId: participant.organizationId,
      status: participant.status,
      view: participant.referralView && {
        id: participant.referralView.id,
        customerProfileId: participant.referralView.customerProfile.id,
        email: participant.referralView.customerProfile.contact?.email ?? null,
      },
    })),
  };
}

run(async () => {
  const target = await findReferral("with another organization still INVITED", (referral) =>
    referral.participants.some(
      (p) => p.organizationId !== api.organizationId && p.status === "INVITED",
    ),
  );
  const variables = { id: target.id };

  // What the server answers, without a cache in the way.
  const plain = apolloClient();
  const sent = await plain.query({ query: REFERRAL_WITH_VIEWS, variables, fetchPolicy: "no-cache" });

  // What a frontend reads: the result written to the normalized cache and read back from it.
  const client = apolloClient();
  await client.query({ query: REFERRAL_WITH_VIEWS, variables });
  const cached = client.cache.readQuery({ query: REFERRAL_WITH_VIEWS, variables });

  return {
    viewer: api.organizationId,
    sent: seen(sent.data.referral),
    cached: seen(cached.referral),
    cacheKeys: Object.keys(client.cache.extract()).sort(),
  };
});

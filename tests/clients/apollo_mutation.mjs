// A mutation's result updates the normalized referral in Apollo Client's cache: after
// updateReferral renames a referral, the cached list shows the new name and version without
// fetching the list again. Prints the list before and after, the mutation's answer, and every
// request the client sent.
import { gql } from "@apollo/client";
import { apolloClient, findReferral, httpLink, recordingFetch, run } from "./common.mjs";

const LIST = gql`
  query ReferralNames {
    referrals(first: 100, filter: { status: [PENDING, ACTIVE] }) {
      nodes { id name version }
    }
  }
`;

const RENAME = gql`
  mutation RenameReferral($input: UpdateReferralInput!) {
    updateReferral(input: $input) {
      referral { id name version }
      userErrors { code message field }
    }
  }
`;

run(async () => {
  const target = await findReferral("to rename");
  const requests = [];
  const client = apolloClient({ link: httpLink({ fetch: recordingFetch(requests) }) });

  const before = (await client.query({ query: LIST })).data.referrals.nodes;
  const name = `Renamed through Apollo Client ${Date.now()}`;
  const answer = await client.mutate({
    mutation: RENAME,
    variables: { input: { id: target.id, name, expectedVersion: target.version } },
  });
  const after = client.cache.readQuery({ query: LIST }).referrals.nodes;

  return {
    referralId: target.id,
    name,
    before: before.find((node) => node.id === target.id) ?? null,
    mutation: answer.data.updateReferral,
    after: after.find((node) => node.id === target.id) ?? null,
    operations: requests.map((request) => JSON.parse(request.body).operationName),
  };
});

// SPDX-License-Identifier: Apache-2.0
// Apollo Client's BatchHttpLink against an airsql endpoint: five operations issued together
// (three mutations, two queries, two of them failing) travel as one JSON array. Prints
// {"requests": [parsed request bodies], "results": [{data, errors}] in issue order} as JSON.
// Usage: node apollo_batch_link.mjs URL TOKEN NODE_MODULES
import path from 'node:path';
import { createRequire } from 'node:module';

const [url, token, modules] = process.argv.slice(2);
// Resolve the packages from the given node_modules (the script lives outside it).
const require = createRequire(path.join(path.resolve(modules), 'airsql-tests.cjs'));
const { ApolloClient, InMemoryCache, gql } = require('@apollo/client');
const { BatchHttpLink } = require('@apollo/client/link/batch-http');

// What went over the wire: the link must send one array, not five requests.
const requests = [];
const recordingFetch = async (input, init) => {
  requests.push(JSON.parse(init.body));
  return fetch(input, init);
};

const client = new ApolloClient({
  cache: new InMemoryCache(),
  link: new BatchHttpLink({
    uri: url,
    headers: { Authorization: `Bearer ${token}` },
    fetch: recordingFetch,
    batchMax: 10,
    batchInterval: 50,
  }),
});

const options = { errorPolicy: 'all', fetchPolicy: 'no-cache' };
const pending = [
  client.mutate({
    ...options,
    mutation: gql`mutation Add($body: String!) {
      insert_notes(objects: [{body: $body}]) { affected_rows returning { id body } }
    }`,
    variables: { body: 'first' },
  }),
  // Sees the insert before it (elements run in order).
  client.mutate({
    ...options,
    mutation: gql`mutation Edit {
      update_notes(where: {body: {_eq: "first"}}, _set: {body: "second"}) { affected_rows }
    }`,
  }),
  // Fails on its own (NOT NULL): its neighbours are unaffected.
  client.mutate({
    ...options,
    mutation: gql`mutation Broken { insert_notes(objects: [{body: null}]) { affected_rows } }`,
  }),
  client.query({
    ...options,
    query: gql`query All { notes(order_by: [{id: ASC}]) { id body } }`,
  }),
  // A field the schema does not have: a validation error for this element only.
  client.query({ ...options, query: gql`query Missing { notes { nope } }` }),
];

const settled = await Promise.allSettled(pending);
const results = settled.map((s) => {
  if (s.status === 'rejected') return { rejected: String(s.reason) };
  const { data, error } = s.value;
  return {
    data: data ?? null,
    errors: error ? (error.errors ?? [error]).map((e) => e.message) : [],
  };
});
console.log(JSON.stringify({ requests, results }));

// SPDX-License-Identifier: Apache-2.0
// Apollo Client's persisted-query link (automatic persisted queries) against an airsql
// endpoint. Prints {"wire": [{method, query?, hash, operationName}], "results": [...]} as
// JSON: what each operation sent over the wire, in order, and what came back.
// Usage: node apollo_persisted_queries.mjs URL TOKEN NODE_MODULES
import path from 'node:path';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

const [url, token, modules] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modules), 'airsql-tests.cjs'));
const { ApolloClient, InMemoryCache, HttpLink, gql } = require('@apollo/client');
const { PersistedQueryLink } = require('@apollo/client/link/persisted-queries');

const wire = [];
const recordingFetch = async (input, init) => {
  const u = new URL(String(input));
  let body;
  if ((init.method ?? 'GET') === 'GET') {
    const ext = u.searchParams.get('extensions');
    body = {
      query: u.searchParams.get('query') ?? undefined,
      operationName: u.searchParams.get('operationName'),
      extensions: ext ? JSON.parse(ext) : undefined,
    };
  } else {
    body = JSON.parse(init.body);
  }
  wire.push({
    method: init.method ?? 'GET',
    query: body.query !== undefined,
    hash: body.extensions?.persistedQuery?.sha256Hash ?? null,
    operationName: body.operationName,
  });
  return fetch(input, init);
};

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

function newClient(useGETForHashedQueries) {
  return new ApolloClient({
    cache: new InMemoryCache(),
    link: new PersistedQueryLink({ sha256, useGETForHashedQueries }).concat(
      new HttpLink({ uri: url, headers: { Authorization: `Bearer ${token}` }, fetch: recordingFetch })),
  });
}

const options = { errorPolicy: 'all', fetchPolicy: 'no-cache' };
const list = gql`query Notes { notes(order_by: [{id: ASC}]) { id body } }`;
const add = gql`mutation Add($body: String!) { insert_notes(objects: [{body: $body}]) { affected_rows } }`;
const outcome = (r) => ({ data: r.data ?? null, errors: r.error ? (r.error.errors ?? [r.error]).map((e) => e.message) : [] });

const results = [];
const mark = (label) => wire.push({ mark: label });
const first = newClient(false);
mark('first query');
results.push(outcome(await first.query({ ...options, query: list })));
mark('same query again');
results.push(outcome(await first.query({ ...options, query: list })));
mark('mutation');
results.push(outcome(await first.mutate({ ...options, mutation: add, variables: { body: 'two' } })));
mark('mutation again');
results.push(outcome(await first.mutate({ ...options, mutation: add, variables: { body: 'three' } })));
// A second client, hashed queries over GET: the server knows the hash already.
const second = newClient(true);
mark('other client, GET');
results.push(outcome(await second.query({ ...options, query: list })));
console.log(JSON.stringify({ wire, results }));

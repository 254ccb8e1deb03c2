// SPDX-License-Identifier: Apache-2.0
// graphql-request's batchRequests against an airsql endpoint: prints the results as JSON.
// Usage: node graphql_request_batch.mjs URL TOKEN NODE_MODULES
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [url, token, modules] = process.argv.slice(2);
const entry = path.join(path.resolve(modules), 'graphql-request', 'build', 'entrypoints', 'main.js');
const { GraphQLClient } = await import(pathToFileURL(entry).href);

const client = new GraphQLClient(url, { headers: { Authorization: `Bearer ${token}` } });
const results = await client.batchRequests([
  { document: 'mutation { insert_notes(objects: [{body: "from graphql-request"}]) { affected_rows } }' },
  { document: 'query Q($b: String!) { notes(where: {body: {_eq: $b}}) { body } }',
    variables: { b: 'from graphql-request' } },
]);
console.log(JSON.stringify(results.map((r) => r.data)));

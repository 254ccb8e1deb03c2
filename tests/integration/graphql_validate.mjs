// SPDX-License-Identifier: Apache-2.0
// graphql-js validate() as a client does it: introspect the endpoint (the standard query), build
// the client schema, validate each document read from stdin (a JSON array of strings). Prints a
// JSON array with the validation messages of each document ([] = valid).
// Usage: node graphql_validate.mjs URL TOKEN NODE_MODULES < documents.json
import path from 'node:path';
import { createRequire } from 'node:module';

const [url, token, modules] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modules), 'airsql-tests.cjs'));
const { buildClientSchema, getIntrospectionQuery, parse, validate } = require('graphql');

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const documents = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const response = await fetch(url, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
  body: JSON.stringify({ query: getIntrospectionQuery() }),
});
const { data, errors } = await response.json();
if (errors) throw new Error(`introspection failed: ${JSON.stringify(errors)}`);
const schema = buildClientSchema(data);
console.log(JSON.stringify(documents.map((d) => validate(schema, parse(d)).map((e) => e.message))));

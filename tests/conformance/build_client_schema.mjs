// SPDX-License-Identifier: Apache-2.0
// graphql-js must accept airsql's introspection: runs graphql-js's own introspection query
// (with deprecated input values, descriptions, specifiedByURL) against an endpoint, in the
// AirGQL-compatible view, the full view and the current view (full, without deprecated
// aliases), and checks that buildClientSchema builds a
// schema that validateSchema finds valid. Usage: node build_client_schema.mjs URL TOKEN NODE_MODULES
import { createRequire } from 'node:module';
import path from 'node:path';

const [url, token, modules] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modules), 'noop.js'));
const { getIntrospectionQuery, buildClientSchema, validateSchema, printSchema } = require('graphql');

let failed = false;
for (const view of ['airgql', 'full', 'current']) {
  const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` };
  if (view !== 'full') headers['X-Airsql-Schema'] = view;  // full is the default (D13)
  const query = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, inputValueDeprecation: true });
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query }) });
  const body = await res.json();
  try {
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    const schema = buildClientSchema(body.data);
    const problems = validateSchema(schema);
    if (problems.length) throw new Error(problems.map((p) => p.message).join('; '));
    const sdl = printSchema(schema);
    const types = Object.keys(schema.getTypeMap()).length;
    const hasExtensions = sdl.includes('_aggregate') && sdl.includes('_is_null');
    if ((view !== 'airgql') !== hasExtensions) throw new Error(`extensions ${hasExtensions ? 'shown' : 'missing'} in the ${view} view`);
    if (view === 'current' && sdl.includes('@deprecated')) throw new Error('deprecated items in the current view');
    console.log(`buildClientSchema ${view} view: valid, ${types} types`);
  } catch (err) {
    failed = true;
    console.log(`buildClientSchema ${view} view FAILED: ${err.message}`);
  }
}
process.exit(failed ? 1 : 0);

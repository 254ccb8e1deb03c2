// SPDX-License-Identifier: Apache-2.0
// Checks the server's OpenAPI document: @apidevtools/swagger-parser validates it against the
// OpenAPI 3.1 schema, then every response sample read from stdin (a JSON array of
// {method, path, status, contentType, body}, `path` as in the document's `paths`) is checked
// against its operation: a 2xx status, the documented media type, and for JSON the schema
// (Ajv). Prints {"operations": N, "failures": [...]}; exits 1 when the document is invalid.
// Usage: node openapi_check.mjs OPENAPI_URL NODE_MODULES < samples.json
import path from 'node:path';
import { createRequire } from 'node:module';

const [url, modules] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modules), 'airsql-tests.cjs'));
const SwaggerParser = require('@apidevtools/swagger-parser');
const Ajv = require('ajv');

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const samples = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const doc = await (await fetch(url)).json();
try {
  await SwaggerParser.validate(structuredClone(doc));
} catch (e) {
  console.log(JSON.stringify({ invalid: e.message }));
  process.exit(1);
}

const ajv = new Ajv({ strict: false, allErrors: true });
const failures = [];
let operations = 0;
for (const item of Object.values(doc.paths)) operations += Object.keys(item).length;
for (const s of samples) {
  const label = `${s.method} ${s.path}`;
  const op = doc.paths[s.path]?.[s.method.toLowerCase()];
  if (!op) {
    failures.push(`${label}: not in the document`);
    continue;
  }
  if (s.status < 200 || s.status > 299) {
    failures.push(`${label}: the documented example answered ${s.status}: ${JSON.stringify(s.body).slice(0, 300)}`);
    continue;
  }
  const content = op.responses['2XX'].content;
  if (!content) continue;
  const [documented] = Object.keys(content);
  const actual = (s.contentType || '').split(';')[0].trim();
  if (documented === 'application/json') {
    if (actual !== 'application/json') {
      failures.push(`${label}: documented JSON, answered ${actual}`);
      continue;
    }
    const validate = ajv.compile(content[documented].schema);
    if (!validate(s.body)) {
      failures.push(`${label}: ${ajv.errorsText(validate.errors)}; body ${JSON.stringify(s.body).slice(0, 300)}`);
    }
  } else if (documented !== 'text/plain' && actual !== documented) {
    failures.push(`${label}: documented ${documented}, answered ${actual}`);
  }
}
console.log(JSON.stringify({ operations, failures }));

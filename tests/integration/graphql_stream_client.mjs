// SPDX-License-Identifier: Apache-2.0
// The real subscription clients against an airsql GraphQL endpoint: graphql-ws (WebSocket,
// graphql-transport-ws) and graphql-sse (distinct connections mode), plus raw WebSockets (the
// `ws` package) for the protocol's close codes. Prints a JSON transcript.
// Usage: node graphql_stream_client.mjs MODE BASE_URL DB TOKEN NODE_MODULES [EXTRA_JSON]
//   live-ws / live-sse: subscribe to the notes, insert over HTTP after each result; the results
//   once-ws: a query, a mutation and a bad query as graphql-ws operations
//   raw: the close codes of protocol violations (EXTRA_JSON: {"readonly": id})
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [mode, base, db, token, modules, extraJson] = process.argv.slice(2);
const extra = extraJson ? JSON.parse(extraJson) : {};
const load = (p) => import(pathToFileURL(path.join(path.resolve(modules), p)).href);
const { default: WebSocket } = await load('ws/wrapper.mjs');
const httpUrl = `${base}/dbs/${db}/graphql`;
const wsUrl = httpUrl.replace(/^http/, 'ws');
const auth = token ? { Authorization: `Bearer ${token}` } : {};

async function gql(query) {
  const res = await fetch(httpUrl, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...auth },
    body: JSON.stringify({ query }),
  });
  return res.json();
}

const timeout = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), ms));

// Subscribes with `subscribe(sink)`; after each result runs the next write of `writes`.
async function live(subscribe) {
  const writes = [
    'mutation { insert_notes(objects: [{body: "two"}]) { affected_rows } }',
    'mutation { insert_other(objects: [{x: 1}]) { affected_rows } }',  // another table: nothing
    'mutation { update_notes(where: {body: {_eq: "two"}}, _set: {body: "two"}) { affected_rows } }',  // same result: nothing
    'mutation { insert_notes(objects: [{body: "three"}]) { affected_rows } }',
  ];
  const results = [];
  await Promise.race([timeout(20000, 'live results'), new Promise((resolve, reject) => {
    let step = 0;
    const dispose = subscribe({
      next: async (r) => {
        results.push(r);
        if (results.length === 3) { dispose(); resolve(); return; }
        // The next write that changes the result, after those that must not notify.
        while (step < writes.length) {
          const w = writes[step++];
          await gql(w);
          if (w.includes('insert_notes')) break;
        }
      },
      error: (e) => reject(new Error(JSON.stringify(e?.message ?? e))),
      complete: () => {},
    });
  })]);
  return { results };
}

async function wsClient(extraOptions = {}) {
  const { createClient } = await load('graphql-ws/dist/index.js');
  return createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: auth, retryAttempts: 0,
                        lazy: true, ...extraOptions });
}

// A raw graphql-transport-ws socket: sends `messages`, collects what comes back and the close.
function raw({ url = wsUrl, protocol = 'graphql-transport-ws', messages = [], waitMs = 4000, headers = {},
               sendAfterAck = [] }) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocol ? [protocol] : [], { headers });
    const got = [];
    const t = setTimeout(() => { ws.terminate(); resolve({ got, close: null }); }, waitMs);
    ws.on('open', () => { for (const m of messages) ws.send(typeof m === 'string' ? m : JSON.stringify(m)); });
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      got.push(m);
      if (m.type === 'connection_ack') for (const x of sendAfterAck) ws.send(typeof x === 'string' ? x : JSON.stringify(x));
    });
    ws.on('close', (code, reason) => { clearTimeout(t); resolve({ got, close: code, reason: String(reason) }); });
    ws.on('error', () => {});
    ws.on('unexpected-response', (req, res) => { clearTimeout(t); resolve({ got, close: null, status: res.statusCode }); });
  });
}

let out;
if (mode === 'live-ws') {
  const client = await wsClient();
  out = await live((sink) => client.subscribe({ query: 'subscription { notes(order_by: [{id: ASC}]) { body } }' }, sink));
  await client.dispose();
} else if (mode === 'live-sse') {
  const { createClient } = await load('graphql-sse/lib/index.mjs');
  const client = createClient({ url: httpUrl, headers: auth, singleConnection: false, retryAttempts: 0 });
  out = await live((sink) => client.subscribe({ query: 'subscription { notes(order_by: [{id: ASC}]) { body } }' }, sink));
  client.dispose();
} else if (mode === 'once-sse') {
  const { createClient } = await load('graphql-sse/lib/index.mjs');
  const client = createClient({ url: httpUrl, headers: auth, singleConnection: false, retryAttempts: 0 });
  const run = (query) => new Promise((resolve) => {
    const got = [];
    client.subscribe({ query }, { next: (r) => got.push(r), error: (e) => resolve({ got, error: String(e?.message ?? JSON.stringify(e)) }), complete: () => resolve({ got }) });
  });
  out = { query: await run('{ notes { body } }'), bad: await run('{ nope }') };
  client.dispose();
} else if (mode === 'once-ws') {
  const client = await wsClient();
  const run = (query) => new Promise((resolve) => {
    const got = [];
    client.subscribe({ query }, { next: (r) => got.push(r), error: (e) => resolve({ got, error: e }), complete: () => resolve({ got }) });
  });
  out = {
    query: await run('{ notes(order_by: [{id: ASC}]) { body } }'),
    mutation: await run('mutation { insert_notes(objects: [{body: "ws"}]) { affected_rows } }'),
    bad: await run('{ nope }'),
  };
  await client.dispose();
} else if (mode === 'raw') {
  const init = { type: 'connection_init', payload: auth };
  const sub = (id) => ({ id, type: 'subscribe', payload: { query: 'subscription { notes { body } }' } });
  out = {
    no_init: await raw({ waitMs: 6000 }),
    two_inits: await raw({ messages: [init, init] }),
    subscribe_first: await raw({ messages: [sub('1')] }),
    bad_json: await raw({ messages: ['{nope'] }),
    unknown_type: await raw({ messages: [init, { type: 'hello' }] }),
    duplicate_id: await raw({ messages: [init], sendAfterAck: [sub('1'), sub('1')] }),
    ping: await raw({ messages: [init, { type: 'ping', payload: { x: 1 } }], waitMs: 1000 }),
    bad_token: await raw({ messages: [{ type: 'connection_init', payload: { Authorization: 'Bearer nope' } }] }),
    no_protocol: await raw({ protocol: null }),
    header_auth: await raw({ messages: [{ type: 'connection_init' }], headers: auth, sendAfterAck: [sub('h')], waitMs: 1500 }),
    too_many: await raw({ messages: [init], sendAfterAck: [sub('a'), sub('b'), sub('c')], waitMs: 1500 }),
    too_big: await raw({ messages: [init, { type: 'ping', payload: { x: 'y'.repeat(2 * 1024 * 1024) } }] }),
    not_graphql: await raw({ url: `${base.replace(/^http/, 'ws')}/api/status` }),
  };
  if (extra.cookie) {
    // The session cookie alone: from the server's own origin it is accepted, from another
    // site's page refused (a WebSocket is not bound by the same-origin policy).
    const host = new URL(base).host;
    out.cookie_same_origin = await raw({ messages: [{ type: 'connection_init' }], waitMs: 1000,
                                         headers: { Cookie: extra.cookie, Origin: `http://${host}` } });
    out.cookie_other_origin = await raw({ messages: [{ type: 'connection_init' }],
                                          headers: { Cookie: extra.cookie, Origin: 'http://evil.example' } });
  }
  if (extra.readonly) {
    out.readonly = await raw({ url: `${base.replace(/^http/, 'ws')}/readonly/${extra.readonly}/graphql`,
                               messages: [{ type: 'connection_init' }],
                               sendAfterAck: [sub('r'), { id: 'm', type: 'subscribe', payload: { query: 'mutation { delete_notes(where: {}) { affected_rows } }' } }],
                               waitMs: 1500 });
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
console.log(JSON.stringify(out));
process.exit(0);

// SPDX-License-Identifier: Apache-2.0
// Live-query fan-out benchmark: N WebSocket subscribers (graphql-transport-ws, the `ws` npm
// package) on one live query, one write every 100 ms. Per write: the time from sending the
// write (its commit happens inside that request) to the last subscriber's `next` holding the
// new value; and the server's CPU time (utime + stime from /proc) per notification. Runs
// N = 1 first (the in-run baseline), then N = 1000, on one server.
//
// Usage: node tests/bench/subscriptions_bench.mjs [--server build/server/airsql-server]
//        [--subscribers 1000] [--writes 100] [--interval-ms 100]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const serverPath = path.resolve(arg('--server', path.join(repoRoot, 'build', 'server', 'airsql-server')));
const many = Number(arg('--subscribers', 1000));
const writes = Number(arg('--writes', 100));
const interval = Number(arg('--interval-ms', 100));
const require = createRequire(path.join(repoRoot, 'tools', 'node', 'package.json'));
const WebSocket = require('ws');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'airsql-subs-bench-'));
const server = spawn(serverPath, ['--port', '0', '--data-dir', path.join(tmp, 'data'), '--no-access-log',
  '--max-connections', '5000', '--max-connections-per-address', '5000'], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (c) => {
    out += c;
    const m = out.match(/listening on (http:\/\/\S+)/);
    if (m) resolve(m[1]);
  });
  server.on('exit', (code) => reject(new Error(`server exited ${code}`)));
});

async function api(method, p, body, token) {
  const res = await fetch(base + p, { method, body: body && JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) } });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return res.json();
}

const ticks = Number(process.env.CLK_TCK || 100);
function serverCpuMs() {
  const f = fs.readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 1000 / ticks;  // utime + stime
}
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))];
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await api('POST', '/api/users', { username: 'bench', email_address: 'b@example.org', password: 'correct horse battery' });
const { sessionToken: token } = await api('POST', '/api/login', { username: 'bench', password: 'correct horse battery' });

async function scenario(n) {
  const { id: db } = await api('POST', '/api/dbs', { name: `bench${n}`, team: 'bench',
    query: 'CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER); INSERT INTO counter VALUES (1, 0)' }, token);
  const url = `${base.replace(/^http/, 'ws')}/dbs/${db}/graphql`;
  let expected = 0;
  let arrived = 0;
  let lastArrival = 0;
  let notified = null;
  const sockets = [];
  const open = () => new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', { headers: { Authorization: `Bearer ${token}` } });
    ws.on('open', () => ws.send('{"type":"connection_init"}'));
    ws.on('error', reject);
    ws.on('message', (data) => {
      const m = JSON.parse(data);
      if (m.type === 'connection_ack') {
        ws.send(JSON.stringify({ id: '1', type: 'subscribe',
          payload: { query: 'subscription { counter_by_pk(id: 1) { n } }' } }));
      } else if (m.type === 'next') {
        const v = m.payload.data.counter_by_pk.n;
        if (v === 0 && !ws.ready) { ws.ready = true; resolve(ws); return; }
        if (v === expected) {
          lastArrival = performance.now();
          if (++arrived === n && notified) notified();
        }
      } else {
        reject(new Error(JSON.stringify(m)));
      }
    });
  });
  for (let i = 0; i < n; i += 100) {
    sockets.push(...await Promise.all(Array.from({ length: Math.min(100, n - i) }, open)));
  }
  await sleep(500);
  const latencies = [];
  const cpuBefore = serverCpuMs();
  for (let k = 1; k <= writes; ++k) {
    const tick = performance.now();
    expected = k;
    arrived = 0;
    const all = new Promise((resolve) => { notified = resolve; });
    const t0 = performance.now();
    await api('POST', `/dbs/${db}/graphql`, { query: `mutation { update_counter(where: {id: {_eq: 1}}, _set: {n: ${k}}) { affected_rows } }` }, token);
    const timedOut = await Promise.race([all.then(() => false), sleep(5000).then(() => true)]);
    if (timedOut) throw new Error(`write ${k}: only ${arrived} of ${n} subscribers notified in 5 s`);
    latencies.push(lastArrival - t0);
    const wait = interval - (performance.now() - tick);
    if (wait > 0) await sleep(wait);
  }
  const cpu = serverCpuMs() - cpuBefore;
  for (const ws of sockets) ws.close();
  await sleep(300);
  return { subscribers: n, writes, p50_ms: pct(latencies, 50), p99_ms: pct(latencies, 99),
           server_cpu_ms: cpu, cpu_us_per_notification: cpu * 1000 / (n * writes) };
}

try {
  const one = await scenario(1);
  const lots = await scenario(many);
  const fmt = (r) => `${String(r.subscribers).padStart(5)} subscribers: commit→last notified p50 ${r.p50_ms.toFixed(2)} ms, ` +
    `p99 ${r.p99_ms.toFixed(2)} ms; server CPU ${r.server_cpu_ms.toFixed(0)} ms for ${r.writes} writes = ` +
    `${r.cpu_us_per_notification.toFixed(1)} µs per notification`;
  console.log(fmt(one));
  console.log(fmt(lots));
  const marginal = (lots.server_cpu_ms - one.server_cpu_ms) * 1000 / ((lots.subscribers - 1) * writes);
  console.log(`ratios (${many} vs 1): p50 ×${(lots.p50_ms / one.p50_ms).toFixed(2)}, p99 ×${(lots.p99_ms / one.p99_ms).toFixed(2)}, ` +
    `CPU per write ×${(lots.server_cpu_ms / one.server_cpu_ms).toFixed(2)}, ` +
    `CPU per notification ×${(lots.cpu_us_per_notification / one.cpu_us_per_notification).toFixed(3)}; ` +
    `marginal CPU per extra subscriber notification ${marginal.toFixed(1)} µs`);
  console.log(JSON.stringify({ one, lots }));
} finally {
  server.kill('SIGTERM');
}
process.exit(0);

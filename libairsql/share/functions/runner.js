// SPDX-License-Identifier: Apache-2.0
// airsql's Deno runner: the main module of one function runtime (one Deno process per active
// version of a function). Trusted code. It never runs user code itself: every call gets its
// own Worker (a fresh V8 isolate with only the permissions below), terminated after the call,
// so nothing leaks from one caller to the next. One Worker is kept loaded ahead of time, so a
// warm call costs a message round trip instead of a process start.
//
// Channels: requests from airsql arrive on fd 3 (only this isolate may read /dev/fd/3); answers
// go to stdout as lines "\x1e<secret> <json>\n". The secret is the first line on fd 3, so a
// Worker that writes to stdout cannot forge an answer; airsql ignores every other byte.
//
// Arguments: <module path> <allowed hosts, comma-separated or ""> <limits as JSON>.

const [modulePath, allowedHosts, limitsJson] = Deno.args;
const limits = JSON.parse(limitsJson);
const moduleUrl = new URL("file://" + modulePath).href;
const workerUrl = new URL("./worker.js", import.meta.url).href;
const runnerDir = new URL(".", import.meta.url).pathname;
const net = allowedHosts ? allowedHosts.split(",") : false;

const input = await Deno.open("/dev/fd/3", { read: true });
const encoder = new TextEncoder();
let secret = "";

function send(message) {
    const bytes = encoder.encode("\x1e" + secret + " " + JSON.stringify(message) + "\n");
    let written = 0;
    while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
}

function startWorker() {
    const worker = new Worker(workerUrl, {
        type: "module",
        name: "airsql-function",
        deno: {
            permissions: {
                read: [modulePath, runnerDir],
                net,
                env: false,
                run: false,
                ffi: false,
                write: false,
                sys: false,
                import: false,
            },
        },
    });
    const entry = { worker, loaded: null, call: null };
    entry.loaded = new Promise((resolve) => {
        entry.resolveLoaded = resolve;
    });
    worker.onmessage = (e) => onWorkerMessage(entry, e.data);
    // Errors outside a call's promise (a rejected promise nobody awaited, a throwing timer):
    // they end the call; never the runtime.
    worker.onerror = (e) => {
        e.preventDefault();
        finish(entry, { ok: false, kind: "exception", error: String(e.message ?? e) });
    };
    worker.onmessageerror = (e) => e.preventDefault?.();
    worker.postMessage({ t: "load", url: moduleUrl, limits });
    return entry;
}

let spare = null;
const calls = new Map();

function onWorkerMessage(entry, m) {
    if (m.t === "loaded") {
        entry.resolveLoaded(null);
    } else if (m.t === "loadError") {
        entry.resolveLoaded(m.error);
    } else if (m.t === "sql" || m.t === "graphql") {
        if (entry.call === null) return;
        send({ ...m, id: entry.call });
    } else if (m.t === "done") {
        finish(entry, m);
    }
}

function finish(entry, outcome) {
    const id = entry.call;
    if (id === null || !calls.has(id)) {
        // A failure while loading, before any call, or noise after the end: drop this Worker;
        // a call that takes it gets the error.
        entry.resolveLoaded(outcome.error ?? "the module failed while loading");
        entry.worker.terminate();
        return;
    }
    const call = calls.get(id);
    calls.delete(id);
    clearTimeout(call.timer);
    entry.call = null;
    send({ ...outcome, t: "done", id });
    // After the answer is out: tear down this call's Worker, preload the next one.
    entry.worker.terminate();
    running--;
    if (spare === null) setTimeout(() => {
        if (spare === null) spare = startWorker();
    }, 0);
    while (queue.length > 0 && running < (limits.maxConcurrent ?? 8)) {
        const next = queue.shift();
        if (calls.has(next.id)) runCall(next.id, next.context);
    }
}

// Calls beyond limits.maxConcurrent wait here (each Worker is an isolate with its own heap);
// their time limit runs from their arrival.
const queue = [];
let running = 0;

function startCall(id, context, timeoutMs) {
    const call = { entry: null, timer: 0 };
    calls.set(id, call);
    call.timer = setTimeout(() => {
        const error = `the function ran longer than ${timeoutMs} ms and was stopped`;
        if (call.entry) {
            finish(call.entry, { ok: false, kind: "timeout", error });
        } else {
            calls.delete(id);
            const at = queue.findIndex((q) => q.id === id);
            if (at >= 0) queue.splice(at, 1);
            send({ t: "done", id, ok: false, kind: "timeout", error });
        }
    }, timeoutMs);
    if (running >= (limits.maxConcurrent ?? 8)) {
        queue.push({ id, context });
        return;
    }
    runCall(id, context);
}

async function runCall(id, context) {
    const call = calls.get(id);
    running++;
    const entry = spare ?? startWorker();
    spare = null;
    entry.call = id;
    call.entry = entry;
    const loadError = await entry.loaded;
    if (!calls.has(id)) return;
    if (loadError !== null) {
        finish(entry, { ok: false, kind: "exception", error: loadError });
        return;
    }
    entry.worker.postMessage({ t: "call", context });
}

function onLine(line) {
    if (secret === "") {
        secret = line;
        spare = startWorker();
        spare.loaded.then(() => send({ t: "ready" }));
        return;
    }
    const m = JSON.parse(line);
    if (m.t === "call") {
        startCall(m.id, m.context, m.timeoutMs);
    } else if (m.t === "reply") {
        const call = calls.get(m.id);
        if (call) call.entry.worker.postMessage({ t: "reply", q: m.q, ok: m.ok, value: m.value, error: m.error });
    } else if (m.t === "cancel") {
        const call = calls.get(m.id);
        if (call) finish(call.entry, { ok: false, kind: "timeout", error: "cancelled" });
    }
}

// Lines from fd 3 until airsql closes it.
const decoder = new TextDecoder();
let pending = "";
const buffer = new Uint8Array(65536);
for (;;) {
    const n = await input.read(buffer);
    if (n === null) break;
    pending += decoder.decode(buffer.subarray(0, n), { stream: true });
    let nl;
    while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.length > 0) onLine(line);
    }
}
Deno.exit(0);

// SPDX-License-Identifier: Apache-2.0
// One call of a function, in its own Worker (see runner.js). Loads the user's module, captures
// console.* into the call's log, runs `export default async function (context)` once, and
// posts the outcome. The helpers context.sql and context.graphql are requests to airsql,
// answered with the caller's rights.

let userModule = null;
let limits = {};
const logs = [];
let droppedLogs = 0;
const pendingQueries = new Map();
let nextQuery = 0;

function text(args) {
    return args.map((a) => (typeof a === "string" ? a : Deno.inspect(a, { depth: 4 }))).join(" ");
}

function capture(stream) {
    return (...args) => {
        if (logs.length >= (limits.maxLogEntries ?? 100)) {
            droppedLogs++;
            return;
        }
        let message = text(args);
        const max = limits.maxLogEntryBytes ?? 4096;
        if (message.length > max) message = message.slice(0, max) + "…";
        logs.push({ message, stream, utc: new Date().toISOString() });
    };
}

for (const name of ["log", "info", "debug", "trace", "dir", "table"]) console[name] = capture("stdout");
for (const name of ["warn", "error", "assert"]) console[name] = capture("stderr");
console.assert = (condition, ...args) => {
    if (!condition) capture("stderr")("Assertion failed:", ...args);
};
// The process's stdio belongs to the runner.
for (const name of ["stdin", "stdout", "stderr"]) {
    try {
        Object.defineProperty(Deno, name, { value: undefined, configurable: false });
    } catch {
        // not configurable in this Deno: the runner's secret still guards its channel
    }
}

function ask(message) {
    return new Promise((resolve, reject) => {
        const q = ++nextQuery;
        pendingQueries.set(q, { resolve, reject });
        self.postMessage({ ...message, q });
    });
}

function base64(bytes) {
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
        s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(s);
}

function errorText(e) {
    if (e instanceof Error) return `${e.name}: ${e.message}`;
    try {
        return "uncaught " + Deno.inspect(e);
    } catch {
        return "uncaught exception";
    }
}

async function run(context) {
    context.sql = (query) => {
        if (typeof query !== "string") return Promise.reject(new TypeError("context.sql(query): query must be a string"));
        return ask({ t: "sql", query });
    };
    context.graphql = (query, variables) => {
        if (typeof query !== "string") return Promise.reject(new TypeError("context.graphql(query, variables): query must be a string"));
        return ask({ t: "graphql", query, variables: variables ?? {} });
    };
    const result = await userModule.default(Object.freeze(context));
    const max = limits.maxResponseBytes ?? 10 * 1024 * 1024;
    if (result instanceof Response) {
        const bytes = new Uint8Array(await result.arrayBuffer());
        if (bytes.length > max) throw new RangeError(`the response body has ${bytes.length} bytes, more than ${max}`);
        return { kind: "response", status: result.status, headers: [...result.headers], body: base64(bytes) };
    }
    const body = JSON.stringify(result === undefined ? null : result);
    if (body.length > max) throw new RangeError(`the returned value has ${body.length} characters as JSON, more than ${max}`);
    return { kind: "json", body };
}

self.onmessage = async (e) => {
    const m = e.data;
    if (m.t === "load") {
        limits = m.limits ?? {};
        try {
            userModule = await import(m.url);
            if (typeof userModule.default !== "function") {
                throw new TypeError("the module has no default export function: export default async function (context) { … }");
            }
            self.postMessage({ t: "loaded" });
        } catch (err) {
            self.postMessage({ t: "loadError", error: errorText(err) });
        }
    } else if (m.t === "call") {
        let outcome;
        try {
            outcome = { ok: true, result: await run(m.context) };
        } catch (err) {
            outcome = { ok: false, kind: "exception", error: errorText(err) };
        }
        if (droppedLogs > 0) logs.push({ message: `(${droppedLogs} more log entries dropped)`, stream: "stderr", utc: new Date().toISOString() });
        self.postMessage({ t: "done", logs, ...outcome });
    } else if (m.t === "reply") {
        const p = pendingQueries.get(m.q);
        if (!p) return;
        pendingQueries.delete(m.q);
        if (m.ok) p.resolve(m.value);
        else p.reject(new Error(m.error));
    }
};

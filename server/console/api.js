// SPDX-License-Identifier: Apache-2.0
// The console's only way to the server: same-origin fetch with the session cookie.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// Calls the API; JSON in and out. Throws ApiError with the server's message on HTTP errors.
export async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const message = data?.errors?.[0]?.message || `HTTP ${res.status}`;
    throw new ApiError(res.status, message);
  }
  return data;
}

// Runs an SQL script through POST /dbs/:id/sql; SQL errors (HTTP 200 with `errors`) are thrown.
export async function sql(dbId, query) {
  const answer = await api('POST', `/dbs/${encodeURIComponent(dbId)}/sql`, { query });
  if (answer.errors?.length) throw new ApiError(200, answer.errors[0].message);
  return answer;
}

// SQL quoting: identifiers in double quotes, text in single quotes (quotes doubled).
export const ident = (name) => `"${String(name).replaceAll('"', '""')}"`;
export const text = (value) => `'${String(value).replaceAll("'", "''")}'`;

// A value as an SQL literal for a column of `type` (its declared SQLite type).
export function literal(value, type = '') {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  const s = String(value);
  if (/INT|REAL|FLOA|DOUB|NUM|DEC/i.test(type)) {
    if (s.trim() === '') return 'NULL';
    if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s.trim())) return s.trim();
  }
  return text(s);
}

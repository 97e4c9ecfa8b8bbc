// Calls to this org's gateway app: the REST routes and the web-only ones, with the session
// cookie (sent by the browser) and the session's CSRF token on every state-changing call.

let session = null;

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const currentSession = () => session;
export const hasRole = (role) => Boolean(session?.roles.includes(role));

async function send(method, path, { json, raw, query } = {}) {
  const headers = {};
  if (method !== 'GET' && session) headers['x-csrf-token'] = session.csrfToken;
  let body;
  if (json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (raw !== undefined) {
    headers['content-type'] = 'application/octet-stream';
    body = raw;
  }
  const url = query ? `${path}?${new URLSearchParams(query).toString()}` : path;
  const response = await fetch(url, { method, headers, body, credentials: 'same-origin' });
  if (response.status === 204) return null;
  const type = response.headers.get('content-type') ?? '';
  const answer = type.includes('json') ? await response.json() : await response.arrayBuffer();
  if (!response.ok) {
    // The API's own message, as it sent it.
    const message = answer?.error ?? `HTTP ${response.status}`;
    if (response.status === 401) session = null;
    throw new ApiError(response.status, message, answer?.code);
  }
  return answer;
}

export const api = {
  get: (path, query) => send('GET', path, { query }),
  post: (path, json) => send('POST', path, { json }),
  patch: (path, json) => send('PATCH', path, { json }),
  delete: (path) => send('DELETE', path),
};

/** Every record of a paged List route. */
export async function allPages(path, query = {}) {
  const records = [];
  let bookmark = '';
  for (let page = 0; page < 50; page += 1) {
    const reply = await api.get(path, {
      ...query,
      pageSize: '100',
      ...(bookmark ? { bookmark } : {}),
    });
    records.push(...reply.records);
    if (reply.records.length < 100 || !reply.bookmark) break;
    bookmark = reply.bookmark;
  }
  return records;
}

export async function loadSession() {
  try {
    session = await send('GET', '/web/session');
  } catch {
    session = null;
  }
  return session;
}

export async function signIn(token, seconds) {
  session = null;
  session = await send('POST', '/web/session', { json: seconds ? { token, seconds } : { token } });
  return session;
}

export async function signOut() {
  try {
    await send('DELETE', '/web/session');
  } finally {
    session = null;
  }
}

export const ch = (channel) => `/api/channels/${encodeURIComponent(channel)}`;
export const webCh = (channel) => `/web/channels/${encodeURIComponent(channel)}`;

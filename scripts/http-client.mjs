// What the load scripts share (scripts/pushpin-load.mjs, scripts/poll-flood.mjs): one HTTP
// request on a connection of its own, timed, and percentiles of the times.
import http from 'node:http';

// No keep-alive: every request a connection of its own, as many browsers would open them.
export const pool = new http.Agent({ keepAlive: false, maxSockets: Infinity });

/**
 * `method` `path` on `base` (a URL) with an optional JSON `body`, `auth` header, extra `headers`
 * and source address (`localAddress`, e.g. 127.0.1.7, so a server sees many clients). Resolves
 * with `{status, json, text, ms}`; a refused or cut connection resolves with status 0 and the
 * error's code as `text`, so a caller counts it as a failed answer.
 */
export function request(base, method, path, { body, auth, headers = {}, localAddress } = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const data = body ? JSON.stringify(body) : null;
    const req = http.request({
      host: base.hostname, port: base.port, method, path, agent: pool, localAddress,
      headers: {
        ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
        ...(auth ? { authorization: auth } : {}),
        ...headers,
      },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON: Spin's bare 500 has no body */ }
        resolve({ status: res.statusCode, json, text, ms: performance.now() - t0 });
      });
    });
    req.on('error', (e) => resolve({ status: 0, json: null, text: String(e.code || e), ms: performance.now() - t0 }));
    if (data) req.write(data);
    req.end();
  });
}

/** The `p`-th percentile of `list` (NaN when empty). */
export function pct(list, p) {
  if (!list.length) return NaN;
  const s = [...list].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

interface Cookie {
  name: string;
  value: string;
  /** domain without a leading dot; hostOnly cookies match that host exactly. */
  domain: string;
  hostOnly: boolean;
  path: string;
  secure: boolean;
  /** expires is epoch milliseconds, Infinity for a session cookie. */
  expires: number;
}

/**
 * CookieJar keeps one virtual user's cookies (RFC 6265, the parts load tests use): Set-Cookie with
 * Domain, Path, Expires, Max-Age and Secure is stored; `header(url)` builds the Cookie header a
 * browser would send. Each user has its own jar, so sessions never mix across users.
 */
export class CookieJar {
  private readonly cookies: Cookie[] = [];

  /** size is the number of cookies held (expired ones included until next read). */
  get size(): number {
    return this.cookies.length;
  }

  /** setCookie stores one Set-Cookie header value received from `host` for a request to `path`. */
  setCookie(text: string, host: string, requestPath: string, now = Date.now()): void {
    const parts = text.split(';');
    const first = parts[0]!;
    const eq = first.indexOf('=');
    if (eq <= 0) return;
    const c: Cookie = { name: first.slice(0, eq).trim(), value: first.slice(eq + 1).trim(), domain: host.toLowerCase(), hostOnly: true, path: defaultPath(requestPath), secure: false, expires: Infinity };
    let maxAgeSeen = false;
    for (let i = 1; i < parts.length; i++) {
      const p = parts[i]!;
      const j = p.indexOf('=');
      const key = (j < 0 ? p : p.slice(0, j)).trim().toLowerCase();
      const val = j < 0 ? '' : p.slice(j + 1).trim();
      if (key === 'domain' && val !== '') {
        const d = val.replace(/^\./, '').toLowerCase();
        if (!domainMatch(c.domain, d)) return; // a server may not set cookies for another domain
        c.domain = d;
        c.hostOnly = false;
      } else if (key === 'path' && val.startsWith('/')) c.path = val;
      else if (key === 'secure') c.secure = true;
      else if (key === 'max-age' && /^-?\d+$/.test(val)) {
        c.expires = now + Number(val) * 1000;
        maxAgeSeen = true;
      } else if (key === 'expires' && !maxAgeSeen) {
        const t = Date.parse(val);
        if (!Number.isNaN(t)) c.expires = t;
      }
    }
    const k = this.cookies.findIndex((o) => o.name === c.name && o.domain === c.domain && o.path === c.path);
    if (k >= 0) this.cookies.splice(k, 1);
    if (c.expires > now) this.cookies.push(c);
  }

  /** header returns the Cookie header value for a request, or undefined when no cookie applies. */
  header(host: string, path: string, secure: boolean, now = Date.now()): string | undefined {
    let out: string | undefined;
    const h = host.toLowerCase();
    for (let i = 0; i < this.cookies.length; i++) {
      const c = this.cookies[i]!;
      if (c.expires <= now) {
        this.cookies.splice(i--, 1);
        continue;
      }
      if (c.secure && !secure) continue;
      if (c.hostOnly ? c.domain !== h : !domainMatch(h, c.domain)) continue;
      if (!pathMatch(path, c.path)) continue;
      out = out === undefined ? `${c.name}=${c.value}` : `${out}; ${c.name}=${c.value}`;
    }
    return out;
  }

  /** get returns a cookie's value by name (any domain), for scripts that read a token from a cookie. */
  get(name: string): string | undefined {
    return this.cookies.find((c) => c.name === name && c.expires > Date.now())?.value;
  }

  /** clear forgets every cookie (log out). */
  clear(): void {
    this.cookies.length = 0;
  }
}

function domainMatch(host: string, domain: string): boolean {
  return host === domain || (host.endsWith(`.${domain}`) && !/^\d+\.\d+\.\d+\.\d+$/.test(host));
}

function pathMatch(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function defaultPath(requestPath: string): string {
  const p = requestPath.split('?')[0]!;
  if (!p.startsWith('/')) return '/';
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/**
 * splitSetCookie splits Set-Cookie headers that a client joined with ", " back into cookies. A comma
 * starts a new cookie only when a `name=` follows it, so the comma inside an Expires date
 * (`Wed, 21 Oct 2015 07:28:00 GMT`) stays where it is.
 */
export function splitSetCookie(joined: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = joined.indexOf(','); i >= 0; i = joined.indexOf(',', i + 1)) {
    let j = i + 1;
    while (joined[j] === ' ' || joined[j] === '\t') j++;
    let k = j;
    while (k < joined.length && !'=;, \t'.includes(joined[k]!)) k++;
    if (k > j && joined[k] === '=') {
      out.push(joined.slice(start, i).trim());
      start = j;
    }
  }
  const last = joined.slice(start).trim();
  if (last !== '') out.push(last);
  return out;
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CookieJar, splitSetCookie } from './cookie-jar.js';

test('cookies are sent back to the host and path that set them, with Max-Age, Expires, Domain and Secure', () => {
  const jar = new CookieJar();
  const now = 1_000_000;
  jar.setCookie('sid=abc; Path=/; HttpOnly', 'api.example.com', '/login', now);
  jar.setCookie('pref=dark', 'api.example.com', '/settings/theme', now); // default path /settings
  jar.setCookie('wide=1; Domain=.example.com', 'api.example.com', '/', now);
  jar.setCookie('short=1; Max-Age=10', 'api.example.com', '/', now);
  jar.setCookie('old=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT', 'api.example.com', '/', now);
  jar.setCookie('sec=1; Secure', 'api.example.com', '/', now);
  jar.setCookie('evil=1; Domain=other.com', 'api.example.com', '/', now);
  assert.equal(jar.header('api.example.com', '/me', false, now), 'sid=abc; wide=1; short=1');
  assert.equal(jar.header('api.example.com', '/settings/x', true, now), 'sid=abc; pref=dark; wide=1; short=1; sec=1');
  assert.equal(jar.header('www.example.com', '/', false, now), 'wide=1', 'host-only cookies stay on their host');
  assert.equal(jar.header('api.example.com', '/settingsx', false, now + 20_000), 'sid=abc; wide=1', 'Max-Age expired; /settingsx is not under /settings');
  assert.equal(jar.get('sid'), 'abc');
  jar.setCookie('sid=; Max-Age=0', 'api.example.com', '/', now);
  assert.equal(jar.get('sid'), undefined, 'Max-Age=0 deletes');
  jar.clear();
  assert.equal(jar.header('api.example.com', '/', true, now), undefined);
});

test('splitSetCookie separates joined Set-Cookie headers but not the comma inside Expires', () => {
  assert.deepEqual(splitSetCookie('a=1; Path=/; Expires=Wed, 21 Oct 2015 07:28:00 GMT, b=2, c=x,y; HttpOnly'), ['a=1; Path=/; Expires=Wed, 21 Oct 2015 07:28:00 GMT', 'b=2', 'c=x,y; HttpOnly']);
  assert.deepEqual(splitSetCookie('sid=abc'), ['sid=abc']);
});

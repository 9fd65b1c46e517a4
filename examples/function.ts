// The function form (as in k6): a default export runs once per iteration; `options` sets run options.
//   gauntlet run examples/function.ts --target http://127.0.0.1:8080
import type { TestCase } from 'gauntlet';

export const options = { users: 5, duration: '10s', thresholds: { http_req_duration: ['p(95)<200ms'], checks: ['rate>0.99'] } };

export default async function (t: TestCase) {
  const res = await t.http.get('/');
  t.check('status is 200', res.status === 200);
}

// A multi-step session with cookies: each user logs in once (userStart), uses its session cookie on
// every iteration, and logs out when it retires (userStop). startup checks the target once per run.
//   gauntlet run examples/session.ts --target http://127.0.0.1:8080 -u 5 -i 20
import { TestCase, type StartupContext } from 'gauntlet';

export class Session extends TestCase<Record<string, unknown>, { version: string }> {
  static override async startup(ctx: StartupContext) {
    const res = await ctx.http.get('/');
    if (res.status !== 200) throw new Error(`target ${ctx.target} is not up: ${res.status} ${res.error}`);
    return { version: res.text() };
  }

  override async userStart() {
    const user = `user${this.user.id}`;
    const res = await this.http.post('/login', { json: { user, password: `secret-${user}` }, name: 'login' });
    if (!this.check('logged in', res.status === 200)) throw new Error(`login of ${user} failed: ${res.status}`);
  }

  async run() {
    const me = await this.http.get('/me', { name: 'me' });
    this.check('session cookie accepted', me.status === 200 && me.json<{ user: string }>().user === `user${this.user.id}`);
    await this.sleep(10); // think time
  }

  override async userStop() {
    await this.http.post('/logout', { name: 'logout', expect: { status: 204 } });
  }
}

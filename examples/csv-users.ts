// A CSV-fed test: every virtual user logs in with its own row of users.csv (data mode unique).
//   gauntlet run examples/csv-users.ts --target http://127.0.0.1:8080 --data examples/users.csv -u 5 -i 10
import { TestCase } from 'gauntlet';

export class CsvLogin extends TestCase {
  override async userStart() {
    const row = this.data;
    if (row === undefined) throw new Error('run with --data examples/users.csv');
    const res = await this.http.post('/login', { json: { user: row.user, password: row.password }, name: 'login' });
    this.check('csv user logged in', res.status === 200);
  }

  async run() {
    const me = await this.http.get('/me', { name: 'me' });
    this.check('me is the csv user', me.status === 200 && me.json<{ user: string }>().user === this.data?.user);
  }
}

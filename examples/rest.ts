// A REST test with checks: browse the list, create an item, read it back, delete it.
//   node examples/target.mjs &
//   gauntlet run examples/rest.ts --target http://127.0.0.1:8080 -u 10 -d 30s
import { TestCase } from 'gauntlet';

interface Item {
  id: number;
  name: string;
}

/** Browse reads the item list: the cheap, frequent request. */
export class Browse extends TestCase {
  static override weight = 3;

  async run() {
    const res = await this.http.get('/api/items', { name: 'list' });
    this.check('list is 200', res.status === 200);
    this.check('list is an array', Array.isArray(res.json()));
  }
}

/** Create writes an item, reads it back and deletes it: a three-request flow. */
export class Create extends TestCase<{ prefix?: string }> {
  async run() {
    const name = `${this.options.prefix ?? 'item'}-${this.user.id}-${this.user.iteration}`;
    const created = await this.http.post('/api/items', { json: { name }, name: 'create', expect: { status: 201 } });
    this.check('created', created.status === 201);
    const item = created.json<Item>();
    this.metrics.add('create_ms', created.timings.duration);

    const read = await this.http.get(`/api/items/${item.id}`, { name: 'read' });
    this.check('read back the same name', read.json<Item>().name === name);

    const gone = await this.http.delete(`/api/items/${item.id}`, { name: 'delete', expect: { status: 204 } });
    this.check('deleted', gone.ok);
    const missing = await this.http.get(`/api/items/${item.id}`, { name: 'read deleted', expect: { status: 404 } });
    this.check('404 after delete', missing.ok);
  }
}

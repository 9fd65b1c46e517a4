// A WebSocket echo test: open a socket, send three messages, expect each back.
//   gauntlet run examples/websocket.ts --target http://127.0.0.1:8080 -u 10 -i 50
import { TestCase } from 'gauntlet';

export class Echo extends TestCase {
  async run() {
    const ws = await this.ws('/ws');
    for (let i = 0; i < 3; i++) {
      const text = `hello ${this.user.id}/${this.user.iteration}/${i}`;
      const sent = performance.now();
      ws.send(text);
      const back = await ws.receive(5000);
      this.metrics.add('ws_echo_ms', performance.now() - sent);
      this.check('echoed', back === text);
    }
    ws.close();
  }
}

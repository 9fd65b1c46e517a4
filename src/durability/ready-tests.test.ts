import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GauntletError } from '../core/errors.js';
import { getReadyTest, READY_TESTS } from './ready-tests.js';

describe('ready-made tests', () => {
  it("has Labour's four and the new ones, each with a description and a mix that parses", () => {
    assert.deepEqual(
      READY_TESTS.map((t) => t.name),
      ['plain', 'light-sleep', 'heavy-sleep', 'segfault', 'crash', 'wedge', 'hang', 'throw', 'leak', 'huge', 'trickle', 'mixed'],
    );
    for (const t of READY_TESTS) {
      assert.ok(t.description.length > 10, t.name);
      assert.ok(t.mix().length >= 2, t.name);
    }
  });

  it("keeps Labour's mixes and policies", () => {
    const plain = getReadyTest('plain');
    assert.equal(plain.policy, 'sequential');
    assert.deepEqual(plain.mix().map((e) => [e.behaviour.label, e.weight]), [['plain', 99], ['plain(status=404)', 1]]);
    assert.deepEqual(getReadyTest('light-sleep').mix().map((e) => [e.behaviour.label, e.weight]), [['plain', 99], ['sleep(seconds=0.5)', 1]]);
    assert.deepEqual(getReadyTest('heavy-sleep').mix().map((e) => [e.behaviour.label, e.weight]), [['plain', 95], ['sleep(seconds=2)', 5]]);
    assert.deepEqual(getReadyTest('segfault').mix().map((e) => [e.behaviour.label, e.weight]), [['plain', 50], ['segfault', 50]]);
    assert.equal(getReadyTest('LightSleep').name, 'light-sleep', "Labour's names work too");
    assert.equal(getReadyTest('SIGSEGV').name, 'segfault');
  });

  it('gives wedge and hang short client timeouts, so a stuck server costs seconds', () => {
    for (const name of ['wedge', 'hang']) {
      for (const e of getReadyTest(name).mix()) assert.ok(e.behaviour.timeoutMs <= 5000, `${name}: ${e.behaviour.label}`);
    }
    const wedge = getReadyTest('wedge').mix().find((e) => e.behaviour.name === 'wedge')!;
    assert.ok(wedge.behaviour.params['seconds'] !== undefined, 'the wedge ends by itself');
  });

  it('rejects an unknown test with the list (exit 2)', () => {
    assert.throws(() => getReadyTest('nope'), (e: unknown) => e instanceof GauntletError && e.exitCode === 2 && /plain, light-sleep/.test(e.hint ?? ''));
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from './seeded-random.js';
import { formatCount } from './units.js';

test("formatCount gives toLocaleString('en-US')'s text for every magnitude, sign and odd value", () => {
  const rnd = mulberry32(20261202);
  const values = [0, -0, 0.4, -0.4, 0.5, -0.5, 999, 1000, -1000, 999_999.5, 1e15, 2 ** 53, 1e20, 1e21, 1.5e25, NaN, Infinity, -Infinity];
  for (let i = 0; i < 5000; i++) values.push((rnd() < 0.2 ? -1 : 1) * rnd() * 10 ** Math.floor(rnd() * 22));
  for (const v of values) assert.equal(formatCount(v), Math.round(v).toLocaleString('en-US'), String(v));
});

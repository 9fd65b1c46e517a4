// eslint.config.js — lint rules for the TypeScript sources (type-aware where it pays off), and the
// layer table of docs/architecture.md as a rule: an import that crosses the layers fails `npm test`.
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

/**
 * LAYERS says which layers each layer may import (besides itself). Imports point one way, down the
 * table of docs/architecture.md; a scenario plugin may import only its own kind.
 */
const LAYERS = {
  core: [],
  metrics: ['core'],
  transport: ['core'],
  load: ['core', 'metrics'],
  report: ['core', 'metrics', 'load'],
  durability: ['core', 'metrics', 'transport', 'report'],
  scenario: ['core', 'metrics', 'transport', 'load', 'report', 'durability'],
  runner: ['core', 'metrics', 'load', 'report', 'scenario'],
  distributed: ['core', 'metrics', 'load', 'report', 'runner'],
  api: ['core', 'metrics', 'transport', 'load', 'report', 'durability', 'scenario', 'runner', 'distributed'],
  entry: ['core', 'metrics', 'transport', 'load', 'report', 'durability', 'scenario', 'runner', 'distributed', 'api'],
  cli: ['core', 'metrics', 'transport', 'load', 'report', 'durability', 'scenario', 'runner', 'distributed', 'api'],
};
const SRC = Object.keys(LAYERS);

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', '.cache/**', 'examples/**/*.js', 'coverage/**', 'bench/results/**'] },
  { files: ['scripts/**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': ['error'],
    },
  },
  { files: ['src/cli/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts'], rules: { 'no-console': 'off' } },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { typescript: { project: './tsconfig.json' } },
      'boundaries/include': ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
      'boundaries/elements': [
        { type: 'scenario', pattern: 'src/scenarios/*', capture: ['kind'], partialMatch: false },
        ...SRC.filter((t) => t !== 'scenario' && t !== 'entry').map((t) => ({ type: t, pattern: `src/${t}`, partialMatch: false })),
        // The entry points (index.ts, durability.ts, distributed.ts) are the files at the top of src/.
        { type: 'entry', pattern: 'src', partialMatch: false },
        { type: 'test', pattern: 'test', partialMatch: false },
        { type: 'bench', pattern: 'bench', partialMatch: false },
      ],
    },
    rules: {
      'boundaries/no-unknown-files': 'error',
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          message: 'layer {{from.type}} may not import {{to.type}} (see the layer table in docs/architecture.md)',
          policies: [
            ...Object.entries(LAYERS).map(([from, to]) => ({
              from: { element: { type: from } },
              allow: { to: { element: { types: { anyOf: [...to, ...(from === 'scenario' ? [] : [from])] } } } },
            })),
            // A scenario plugin imports its own kind only: plugins do not know each other.
            { from: { element: { type: 'scenario' } }, allow: { to: { element: { type: 'scenario', captured: { kind: '{{from.captured.kind}}' } } } } },
            // Tests and benchmarks drive any layer; no source file may import them.
            { from: { element: { types: { anyOf: ['test', 'bench'] } } }, allow: { to: { element: { types: { anyOf: [...SRC, 'test', 'bench'] } } } } },
          ],
        },
      ],
    },
  },
);

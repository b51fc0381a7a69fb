// ESLint (flat config) with typescript-eslint, type-aware for the rules that need types
// (no-floating-promises). `npm run lint`. Conventions: /work/shared/CONVENTIONS.md "Tooling".
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/build/**',
      '**/*.d.ts',
      // Generated from proto/ and committed; checked by a staleness test, not linted.
      'packages/push/src/generated/**',
      'bench/tmp/**',
      'test/otel3/.run/**',
      'test/otel3/.bench/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts', '**/*.cts'],
    languageOptions: {
      parserOptions: {
        projectService: {
          // TypeScript files outside every tsconfig (bench/, the packaging test's consumers) get
          // a default project: 17 files today, with room for a few more.
          allowDefaultProject: ['bench/*.ts', 'test/fixtures/packaging/*.?ts'],
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 24,
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports' },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // Library code never writes to the console (diagnostics go through `diag`).
  { rules: { 'no-console': 'error' } },
  // Programs that talk to a person: scripts, examples, benchmarks, the CLI, tests and fixtures.
  {
    files: [
      'scripts/**',
      'examples/**',
      'bench/**',
      'packages/testing/src/cli.ts',
      'test/**',
      'packages/*/test/**',
      'packages/*/scripts/**',
    ],
    rules: { 'no-console': 'off' },
  },
  // chai's property assertions (`expect(x).to.be.true`) are expressions by design; tests read
  // untyped JSON answers and third-party clients' loosely typed objects.
  {
    files: ['test/**', 'packages/*/test/**'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  }
);

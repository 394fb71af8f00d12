import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Folder boundaries (docs: ARCHITECTURE). lib/ is the product and never reaches into the entry
 * points or the tooling around it; api/ (what Vercel deploys) never needs dev/ (the local runner,
 * replay server, demo, cron emulation); inside lib/, app composes edge, so edge never imports app.
 * Rule options do not merge across config blocks, so each block lists everything it forbids.
 */
const importsFrom = (folders, why) => ({
  group: folders.flatMap((folder) => [`**/${folder}/**`, `${folder}/**`]),
  message: why,
});
const LIB_OUTWARD = importsFrom(
  ['api', 'dev', 'scripts', 'tests', 'bench'],
  'lib/ is imported by the entry points and tooling, never the other way round.',
);
const boundaries = (...patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
});

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'coverage/', '.vercel/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  { files: ['lib/**/*.ts'], rules: boundaries(LIB_OUTWARD) },
  {
    files: ['lib/edge/**/*.ts'],
    rules: boundaries(
      LIB_OUTWARD,
      importsFrom(['app'], 'app composes edge: edge takes the context as a parameter.'),
    ),
  },
  {
    files: ['api/**/*.ts'],
    rules: boundaries(
      importsFrom(
        ['dev', 'scripts', 'tests', 'bench'],
        'A deployed function needs only lib/; dev/ is not deployed.',
      ),
    ),
  },
  {
    files: ['dev/**/*.ts'],
    rules: boundaries(
      importsFrom(['scripts', 'tests', 'bench'], 'dev/ is imported by scripts, tests and bench.'),
    ),
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);

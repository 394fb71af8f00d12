import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Folder boundaries (docs: ARCHITECTURE). lib/ is the product and never reaches into the entry
 * points or the tooling around it; api/ (what Vercel deploys) never needs dev/ (the local runner,
 * replay server, demo, cron emulation); inside lib/, folders are layered (LIB_LAYERS): app
 * composes edge, so edge never imports app; sync uses the db port, so db never imports sync.
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

/**
 * lib/'s folders (and its two top-level files) from the bottom up: each may import only those
 * before it, so no two import each other and no folder cycle can form. A new folder gets its
 * place here (tests/build/folder-boundaries.test.ts fails until it has one).
 */
const LIB_LAYERS = [
  'text',
  'money',
  'cost',
  'version',
  'provider-http',
  'logging',
  'tracing',
  'scheduler',
  'providers',
  'domain',
  'db',
  'webhooks',
  'config',
  'sync',
  'metrics',
  'edge',
  'operator',
  'app',
  'functions',
  'cli',
];
const LIB_FILES = new Set(['config', 'version']);
const layerFiles = (name) => (LIB_FILES.has(name) ? [`lib/${name}.ts`] : [`lib/${name}/**/*.ts`]);
const layerImports = (name) =>
  LIB_FILES.has(name) ? [`**/${name}.js`, `./${name}.js`] : [`**/${name}/**`, `./${name}/**`];
const libLayers = LIB_LAYERS.map((name, index) => {
  const above = LIB_LAYERS.slice(index + 1).flatMap(layerImports);
  const upwards = {
    group: above,
    message: `lib/${name} sits below these in lib's layers (eslint.config.js LIB_LAYERS): the import would run upwards.`,
  };
  return { files: layerFiles(name), rules: boundaries(LIB_OUTWARD, ...(above.length > 0 ? [upwards] : [])) };
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
  ...libLayers,
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
  {
    // The operator console: plain ES modules run by the browser, not by node.
    files: ['public/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'document',
          'window',
          'location',
          'sessionStorage',
          'fetch',
          'URLSearchParams',
          'Node',
          'CustomEvent',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
);

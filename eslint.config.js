import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

// Names that exist only in a browser page or worker: pure layers must not touch them.
const hostGlobals = [
  'window',
  'document',
  'navigator',
  'self',
  'location',
  'localStorage',
  'sessionStorage',
  'indexedDB',
  'fetch',
  'Worker',
  'postMessage',
  'HTMLElement',
  'HTMLCanvasElement',
  'OffscreenCanvas',
  'requestAnimationFrame',
  'alert',
  'console',
].map((name) => ({ name, message: 'src/ga, src/data and src/settings are pure: no DOM or host globals.' }));

const purePatterns = [
  { group: ['@tensorflow/*'], message: 'Pure layers never import tfjs.' },
  {
    group: ['react', 'react-dom', 'react/*', 'zustand', 'zustand/*', 'recharts', 'comlink'],
    message: 'Pure layers never import UI or worker libraries.',
  },
  {
    group: [
      '**/store/**',
      '**/components/**',
      '**/app/**',
      '**/ml/**',
      '**/worker/**',
      '**/persist/**',
      '**/experiment/**',
    ],
    message: 'Pure layers import only src/ga, src/data and (above them) src/settings.',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'dist-*/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'bench-out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Type-aware rules for bugs that types can see: a promise nobody awaits or catches (`void` says it is meant), a promise
    // where a plain value or a void callback is expected, an await of a non-promise, a promise returned from a try block
    // (its rejection would skip the catch and finally), a throw or reject of a non-Error, "[object Object]" in a string.
    // Each file is checked with the tsconfig of its layer. no-unnecessary-condition stays off: it takes variables set in
    // callbacks for constants and flags the checks of parsed files, whose types promise more than the bytes do.
    files: ['**/*.{ts,tsx,mts}'],
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.app.json', './tsconfig.worker.json', './tsconfig.pure.json', './tsconfig.node.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
      '@typescript-eslint/no-base-to-string': 'error',
      '@typescript-eslint/restrict-plus-operands': 'error',
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use the seeded RNG (src/ga/rng.ts).' },
      ],
    },
  },
  {
    files: ['src/ga/**/*.ts', 'src/data/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...purePatterns,
            {
              group: ['**/settings/**', '**/settings'],
              message: 'The settings schema is built on src/ga and src/data, not the other way round.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', ...hostGlobals],
    },
  },
  {
    // The run settings schema: read by the page, the worker, the trainer and the CLI, so it loads none of them.
    files: ['src/settings/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': ['error', { patterns: purePatterns }],
      'no-restricted-globals': ['error', ...hostGlobals],
    },
  },
  {
    files: ['src/experiment/**/*.ts', 'src/ml/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['react', 'react-dom', 'react/*', 'zustand', 'zustand/*', 'recharts'],
              message: 'The experiment runs in a worker or in Node: no UI.',
            },
            {
              group: ['**/store/**', '**/components/**', '**/app/**', '**/worker/**'],
              message: 'The experiment does not know who drives it.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/components/**/*.{ts,tsx}', 'src/store/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@tensorflow/*'], message: 'tfjs runs in the worker only.' },
            { group: ['**/worker/index', '**/ml/**'], message: 'The page reaches the worker through src/app only.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/app/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['@tensorflow/*', '**/ml/**'], message: 'tfjs runs in the worker only.' }],
        },
      ],
    },
  },
  {
    files: ['src/components/**/*.tsx', 'src/app/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
);

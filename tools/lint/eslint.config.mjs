// ESLint for src, test, bench, scripts and console (run from the repository root: npm run lint). No
// type-aware rules: they need a full program per run and take minutes on a small machine; tsc --noEmit
// covers types. Import cycles and unused code are the point; style is left to review.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// Another engineer owns these paths; they are linted for cycles but not edited for lint alone.
const OWNED_ELSEWHERE = [
  'src/detection/signals/**',
  'src/detection/text/**',
  'src/detection/linkage/**',
  'src/detection/scores/**',
  'src/detection/tally.ts',
  'src/detection/org-window.ts',
  'src/detection/aggregate-features.ts',
  'src/detection/feature-catalog.ts',
  'src/lab/**',
  'scripts/eval-*.ts',
  'scripts/build-models.ts',
  'bench/replay-throughput.mjs',
  'bench/detection-scale.mjs',
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'bench/results/**', 'tools/lint/**', 'console/dist/**'] },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mjs', '**/*.js'],
    extends: [tseslint.configs.recommended],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['tsconfig.json', 'console/tsconfig.json'], noWarnOnMultipleProjects: true })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // Tests and wire-format code read untyped JSON; `any` there is a choice, not an accident.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: OWNED_ELSEWHERE,
    rules: { '@typescript-eslint/no-unused-vars': 'off', '@typescript-eslint/no-unused-expressions': 'off' },
  },
);

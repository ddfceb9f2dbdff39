// ESLint (flat config) with typescript-eslint's type-aware rules, over src, test, bench and scripts.
// `npm run lint`; formatting is prettier's (`npm run format`), so no stylistic rules here.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const TEST_FILES = ['test/**/*.ts', 'src/**/*.spec.ts', 'src/**/testing/**/*.ts', 'src/testing/**/*.ts'];

export default defineConfig(
  { ignores: ['dist/**', 'dist-tools/**', 'node_modules/**', 'coverage/**', 'helm/**'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `_name` marks a parameter or binding kept on purpose (an interface's argument, a rest sibling).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // ws hands messages over as RawData (Buffer | ArrayBuffer | Buffer[]); ours are always Buffers.
      '@typescript-eslint/no-base-to-string': ['error', { ignoredTypeNames: ['Error', 'RegExp', 'URL', 'URLSearchParams', 'ArrayBuffer'] }],
      // An async function without await still keeps its promise contract (a throw becomes a rejection),
      // which is what an async interface method or a fake of one wants.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests read JSON off the wire and hand it to expect(): values are untyped by nature there.
    files: TEST_FILES,
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // expect(obj.method).toHaveBeenCalled() and friends pass methods around without calling them.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Plain JavaScript (this file; the example tool modules, CommonJS as TOOLS_DIR loads them): no types.
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['tools.example/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        module: 'writable',
        require: 'readonly',
        console: 'readonly',
        process: 'readonly',
        fetch: 'readonly',
        AbortSignal: 'readonly',
        URL: 'readonly',
      },
    },
  },
);

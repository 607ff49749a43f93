// typescript-eslint's recommended rules; type checking itself is tsc's (`npm run lint` runs both).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-output/**', 'conformance/**', 'hack/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_name` marks a value left unused on purpose (a destructured field dropped, an ignored argument).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // `catch {}` is how "not up yet, try again" reads in polling loops.
      'no-empty': ['error', { allowEmptyCatch: true }],
      // Flags defensive initial values (`let x = 0` assigned later in a loop or a callback), not bugs.
      'no-useless-assignment': 'off',
      // Misreports a `let` that a closure reads and a later statement assigns (test/translator/translation-memo.test.ts).
      'prefer-const': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // Stages talk through PipelineBus / @OnPipelineEvent, which check payloads against PipelineEvents.
      'no-restricted-imports': ['error', { paths: [{ name: '@nestjs/event-emitter', importNames: ['EventEmitter2', 'OnEvent'], message: 'Use PipelineBus and @OnPipelineEvent (src/pipeline/pipeline-bus.ts).' }] }],
    },
  },
  // The typed bus itself wraps them.
  { files: ['src/pipeline/pipeline-bus.ts'], rules: { 'no-restricted-imports': 'off' } },
  {
    // Untyped wire JSON: Gateway API objects (KubeObject.spec) until the typed inputs land, API server answers,
    // YAML documents; tests read untyped JSON answers.
    files: ['src/translator/**/*.ts', 'src/providers/kubernetes/kube-api.ts', 'src/providers/files/resource-files.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', Buffer: 'readonly', performance: 'readonly' },
    },
  },
);

// Lint rules for the whole repository: typescript-eslint's recommended set plus the house rules from STYLE.md.
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/**', '**/.pulumi-work/**', '**/.pulumi-home/**', '**/cdktf.out/**', '**/.terraform/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only config/ (and test harnesses) read process.env.' }],
    },
  },
  {
    files: ['engine/config/**', 'cli/**', 'scripts/**', 'test/**', 'bench/**', 'provider/**', 'examples/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
)

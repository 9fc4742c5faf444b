import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One DynamoDB Local for the integration and end-to-end suites; each test file makes its own tables.
    globalSetup: ['test/support/global-dynamo.ts', 'test/support/global-console.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    pool: 'forks',
  },
});

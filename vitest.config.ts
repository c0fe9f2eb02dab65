import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['harness/**/*.test.ts'],
          exclude: ['harness/**/*.vm.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'vm',
          include: ['harness/**/*.vm.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          // One VM boot costs seconds under TCG; the vm files share a booted guest per file and run one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});

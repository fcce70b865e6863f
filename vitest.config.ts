import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './tests/support/sequencer.js';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/bench/**', 'node_modules/**'],
    pool: 'forks',
    // More files at a time than the 2-core machine has cores: most of a storage or browser test
    // waits on fsync, PostgreSQL or Chromium (two workers kept the cores 70% busy). CI runs three.
    maxWorkers: process.env.CI ? 3 : 2,
    // the files that take minutes start first, so that both workers finish together
    sequence: { sequencer: LongestFirstSequencer },
    // In CI every test is listed with its suite, so the log shows each storage suite passing on
    // each database by name ("engine on sqlite3", "engine on postgres" …).
    reporters: process.env.CI ? ['verbose'] : ['default'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Logs would drown the reporter; tests that care about logs capture them.
    env: { LOG_LEVEL: 'silent' },
  },
});

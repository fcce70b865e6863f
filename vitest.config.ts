import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './tests/support/sequencer.js';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The whole demo year 2021 (900 projects through the engine, minutes) runs in `npm run test:long`;
    // npm test plans the same year at full size and drives a scaled year on every database
    // (tests/integration/demo-year.test.ts).
    exclude: ['tests/bench/**', 'node_modules/**', ...(process.env.TEST_LONG ? [] : ['tests/integration/demo-year-2021.test.ts'])],
    pool: 'forks',
    // Two files at a time even on a 2-core machine: most of a storage or browser test waits on
    // fsync, PostgreSQL or Chromium, so two workers nearly halve the wall time (three were no faster:
    // the cores were then busy).
    maxWorkers: 2,
    // A worker imports the app once for all its files rather than once per file (importing was a
    // fifth of the suite's time). Tests share no module state: each builds its own app, database,
    // clock and limiters, and none mocks a module.
    isolate: false,
    // the files that take minutes start first, so that both workers finish together
    sequence: { sequencer: LongestFirstSequencer },
    // In CI every test is listed with its suite, so the log shows each storage suite passing on
    // each database by name ("engine on sqlite3", "engine on postgres" …).
    reporters: process.env.CI ? ['verbose'] : ['default'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Logs would drown the reporter; tests that care about logs capture them. Passwords are hashed
    // with scrypt at N=2^10 rather than 2^15 (src/auth/passwords.ts): the suite's sign-ins and new
    // users cost minutes of CPU at full strength; the code that hashes and verifies is the same.
    env: { LOG_LEVEL: 'silent', SCRYPT_N: '1024' },
  },
});

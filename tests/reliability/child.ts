// Runs a TypeScript script in a separate Node process (node --import tsx), line by line: the
// reliability tests' "another process". Waiting is on the child's output or exit, never on wall time.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Child {
  proc: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  /** stderr, for failure messages. */
  stderr(): string;
  /** Resolves with the first line (from now or already received) that matches. Rejects if the child exits first. */
  waitFor(match: (line: string) => boolean): Promise<string>;
  /** Called for each stdout line as it arrives. */
  onLine(fn: (line: string) => void): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  send(line: string): void;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnTs(script: string, env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let err = '';
  const listeners: ((line: string) => void)[] = [];
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (d: string) => {
    err += d;
  });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // 'close', not 'exit': by then every line the child wrote has been read.
    proc.on('close', (code, signal) => {
      done = true;
      resolve({ code, signal });
      for (const l of [...listeners]) l('');
    });
  });
  const rl = readline.createInterface({ input: proc.stdout! });
  rl.on('line', (line) => {
    lines.push(line);
    for (const l of [...listeners]) l(line);
  });
  return {
    proc,
    lines,
    stderr: () => err,
    exited,
    onLine(fn) {
      listeners.push(fn);
    },
    waitFor(match) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const l = (line: string) => {
          if (line !== '' && match(line)) {
            listeners.splice(listeners.indexOf(l), 1);
            resolve(line);
          } else if (done) {
            listeners.splice(listeners.indexOf(l), 1);
            // Let readline flush what is left before giving up.
            setImmediate(() => {
              const late = lines.find(match);
              if (late !== undefined) resolve(late);
              else reject(new Error(`child exited before the expected line; stderr:\n${err.slice(-2000)}`));
            });
          }
        };
        listeners.push(l);
      });
    },
    send(line) {
      proc.stdin!.write(`${line}\n`);
    },
    async kill(signal = 'SIGKILL') {
      if (!done) proc.kill(signal);
      return exited;
    },
  };
}

/** mulberry32: a small deterministic PRNG, so a failing run can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

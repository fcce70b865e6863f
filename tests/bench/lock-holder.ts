// The "second process" of the two-process bench: holds SQLite's write lock on a database file most
// of the time, as a long batch job or a second server would. Uses the raw better-sqlite3 driver
// (whatever driver the server under test uses) and sleeps with Atomics.wait while it holds the lock.
//   LOCK_DB       the SQLite file
//   LOCK_HOLD_MS  how long each hold lasts (default 200)
//   LOCK_GAP_MS   how long it lets go between holds (default 50)
// Prints HOLDING at its first hold; stops when its standard input closes.
import Database from 'better-sqlite3';

const db = new Database(process.env.LOCK_DB!);
db.pragma('busy_timeout = 10000');
const hold = Number(process.env.LOCK_HOLD_MS ?? 200);
const gap = Number(process.env.LOCK_GAP_MS ?? 50);
const sleeper = new Int32Array(new SharedArrayBuffer(4));
let running = true;
process.stdin.on('end', () => {
  running = false;
});
process.stdin.resume();

let first = true;
while (running) {
  db.exec('BEGIN IMMEDIATE');
  if (first) {
    process.stdout.write('HOLDING\n');
    first = false;
  }
  Atomics.wait(sleeper, 0, 0, hold);
  db.exec('COMMIT');
  await new Promise((r) => setTimeout(r, gap));
}
db.close();

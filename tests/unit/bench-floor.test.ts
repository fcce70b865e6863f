// The bench's floor (tests/bench/scale-targets.ts startFloorServer): a bare node:http server in its
// own process that every HTTP load is measured against. What it answers is what the bench reports
// as "the same bytes", so it is checked here: the size asked for, to GET and to a POST with a body,
// on a kept-alive connection, and a clean exit on SIGTERM. The same for the stack floor (Express, the
// app's outer middleware and its database layer).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFloorServer, startStackFloorServer } from '../bench/scale-targets.js';

function request(base: string, agent: http.Agent, method: string, body?: string): Promise<{ status: number; bytes: number; type: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/anything?at=all`, { method, agent, headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {} }, (res) => {
      let bytes = 0;
      res.on('data', (b: Buffer) => (bytes += b.length));
      res.on('end', () => resolve({ status: res.statusCode!, bytes, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the bench floor server', () => {
  it('when asked for answers of a size, then every request on a kept-alive connection gets that many bytes, and SIGTERM ends it with 0', async () => {
    const floor = await startFloorServer(31_516.6);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const [method, body] of [['GET'], ['POST', JSON.stringify({ type: 'COMMENT', text: '压测意见' })], ['GET']] as const) {
        expect(await request(floor.base, agent, method, body)).toEqual({ status: 200, bytes: 31_517, type: 'text/html; charset=utf-8' });
      }
    } finally {
      agent.destroy();
      expect(await floor.stop()).toBe(0);
    }
  });
});

describe('the bench floor servers given a real answer', () => {
  it('when given an answer\'s bytes (UTF-8 text), then both floors answer exactly those bytes, and remove the file they were handed', async () => {
    const answer = Buffer.from('<!DOCTYPE html><p>拱北街道 · 莲花社区：爬楼机两台，¥12,000.00</p>'.repeat(200), 'utf8');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floor-answer-'));
    const handed = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(`floor-${process.pid}-`) && f.endsWith('.body')).length;
    const floors = [await startFloorServer(answer), await startStackFloorServer(answer, 2, 'better-sqlite3', path.join(dir, 'floor.db'), path.resolve('src/lib/db.ts'))];
    try {
      for (const floor of floors) {
        const got = await new Promise<Buffer>((resolve, reject) => {
          http.get(`${floor.base}/public/stats`, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (b: Buffer) => chunks.push(b));
            res.on('end', () => resolve(Buffer.concat(chunks)));
          }).on('error', reject);
        });
        expect(got.equals(answer)).toBe(true);
      }
      expect(handed()).toBe(0);
    } finally {
      for (const floor of floors) expect(await floor.stop()).toBe(0);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the bench stack floor server', () => {
  it('when asked for answers of a size after statements on a database file, then GET and POST get that many bytes, and SIGTERM ends it with 0', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-floor-'));
    const floor = await startStackFloorServer(7_650.4, 3, 'better-sqlite3', path.join(dir, 'floor.db'), path.resolve('src/lib/db.ts'));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const [method, body] of [['GET'], ['POST', JSON.stringify({ type: 'COMMENT', text: '压测意见' })], ['GET']] as const) {
        expect(await request(floor.base, agent, method, body)).toEqual({ status: 200, bytes: 7_650, type: 'text/html; charset=utf-8' });
      }
    } finally {
      agent.destroy();
      expect(await floor.stop()).toBe(0);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

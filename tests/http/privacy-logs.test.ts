import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { REDACT_PATHS } from '../../src/lib/logger.js';
import { createTestApp, type TestApp } from '../support/app.js';

describe('personal data and the logs', () => {
  let a: TestApp | undefined;
  afterEach(async () => {
    await a?.close();
  });

  it('when beneficiaries are registered, read and refused, then no name, ID number, phone or address reaches the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const logger = pino({ level: 'trace', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
    a = await createTestApp({ logger });
    const token = await a.token('community1@example.org');
    const person = { name: '欧阳秘密', idNumber: '440402198001010036', phone: '13912345678', address: '珠海市香洲区秘密路1号', disabilityType: '听力', disabilityLevel: '三级' };
    const created = await a.http.post('/api/v1/beneficiaries?debug=' + person.idNumber).set('authorization', `Bearer ${token}`).send(person);
    expect(created.status).toBe(201);
    await a.http.get('/api/v1/beneficiaries').set('authorization', `Bearer ${token}`).expect(200);
    // A refused registration (bad ID) is logged as a 422 without its body.
    await a.http.post('/api/v1/beneficiaries').set('authorization', `Bearer ${token}`).send({ ...person, idNumber: '440402198001010000' }).expect(422);
    const log = lines.join('');
    expect(log).toContain('request completed');
    for (const secret of [person.name, person.idNumber, person.phone, person.address, '秘密路']) expect(log).not.toContain(secret);
  });
});

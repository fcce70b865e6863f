// `enrichedEvents` (workflows/project/project.enrich.ts ENRICHED_EVENTS): the engine reads the
// calendar and the vendors' records, and calls `enrich`, only for these. Every other event type must
// come back from `enrich` as it went in, without touching its environment: here at every stop of
// the lifecycle, with a calendar that throws when any of it is read.
import { describe, expect, it } from 'vitest';
import { ENRICHED_EVENTS, EVENT_TYPES, enrich, type ProjectEvent, type WorkingCalendar } from '../../workflows/project/index.js';
import { A, T0, projectAt, type Stop } from './project.support.js';

const STOPS: Stop[] = ['screening', 'deliberation', 'public_notice', 'street_review', 'budget_approval', 'confirmation_notice', 'procurement.quoting', 'procurement.contracting', 'delivery', 'acceptance', 'settlement', 'evaluation'];

const untouchable = new Proxy({} as WorkingCalendar, {
  get(_t, name) {
    throw new Error(`the calendar was read (${String(name)})`);
  },
});

describe('the events the project workflow enriches', () => {
  it('names only event types the workflow has', () => {
    expect(ENRICHED_EVENTS.every((t) => (EVENT_TYPES as readonly string[]).includes(t))).toBe(true);
  });

  it('when any other event is enriched, at any stop, then it comes back as it went in and the calendar is never read', () => {
    const others = EVENT_TYPES.filter((t) => !(ENRICHED_EVENTS as readonly string[]).includes(t));
    expect(others.length).toBeGreaterThan(20);
    for (const stop of STOPS) {
      const p = projectAt(stop);
      for (const type of others) {
        const event = { type, at: T0, actor: A.community, text: '意见', reason: '理由', fields: { title: '新标题' } } as unknown as ProjectEvent;
        expect(enrich(event, p.snapshot, untouchable), `${type} at ${stop}`).toBe(event);
      }
    }
  });

  it('when an enriched event needs the calendar, then it reads it (the list is not too short)', () => {
    const p = projectAt('deliberation');
    const event = { type: 'RECORD_DELIBERATION', at: T0, actor: A.community } as unknown as ProjectEvent;
    expect(() => enrich(event, p.snapshot, untouchable)).toThrow(/calendar was read/);
  });
});

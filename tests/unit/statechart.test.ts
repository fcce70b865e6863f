// The statechart is drawn from the machine: every arrow is one of its transitions, every state is a
// box, and the SVG renders for projects in many states. The machine is read here through XState's
// public API on its own (getStateNodeById, `on`, `always`), not through the chart's reader.
import fs from 'node:fs';
import Handlebars from 'handlebars';
import type { AnyStateNode } from 'xstate';
import { describe, expect, it } from 'vitest';
import { statechartModel, type ChartModel } from '../../src/web/statechart.js';
import { stateLabel } from '../../src/web/labels.js';
import type { Lang } from '../../src/lib/i18n.js';
import { projectMachine } from '../../workflows/project/index.js';

type Step = { from: string | null; to: string };

/** A history as the engine records it: the start, then one from → to per accepted transition. */
const history = (...states: string[]): Step[] =>
  [{ from: null, to: 'draft' }, ...states.slice(1).map((to, i) => ({ from: states[i]!, to }))];

const MAIN_LINE = ['draft', 'screening', 'deliberation', 'public_notice', 'street_review', 'budget_approval', 'procurement.preparing',
  'procurement.quoting', 'procurement.evaluating', 'procurement.contracting', 'delivery', 'acceptance'];

/** Projects in several states, with the way they came there. */
const PROJECTS: Array<{ name: string; current: string; steps: Step[] }> = [
  { name: 'a new draft', current: 'draft', steps: history('draft') },
  { name: 'returned once, now in deliberation', current: 'deliberation', steps: history('draft', 'screening', 'draft', 'screening', 'deliberation') },
  { name: 'objections upheld, back in draft', current: 'draft', steps: history('draft', 'screening', 'deliberation', 'public_notice', 'objection_review', 'draft') },
  { name: 'quoting', current: 'procurement.quoting', steps: history(...MAIN_LINE.slice(0, 8)) },
  { name: 'direct award, in delivery', current: 'delivery', steps: history(...MAIN_LINE.slice(0, 7), 'procurement.contracting', 'delivery') },
  { name: 'procurement failed once', current: 'procurement.evaluating', steps: history(...MAIN_LINE.slice(0, 9), 'procurement.preparing', 'procurement.quoting', 'procurement.evaluating') },
  // acceptance → evaluation in one step: RECORD_ACCEPTANCE, then settlement's eventless move when nothing is left to pay
  { name: 'rectified, paid, in warranty', current: 'warranty', steps: history(...MAIN_LINE, 'rectification', 'acceptance', 'evaluation', 'warranty') },
  { name: 'closed', current: 'closed', steps: history(...MAIN_LINE, 'settlement', 'evaluation', 'closed') },
  { name: 'rejected by the council', current: 'rejected', steps: history('draft', 'screening', 'deliberation', 'rejected') },
  { name: 'withdrawn', current: 'withdrawn', steps: history('draft', 'withdrawn') },
  { name: 'cancelled in procurement', current: 'cancelled', steps: history(...MAIN_LINE.slice(0, 8), 'cancelled') },
];

const nodeOf = (stage: string): AnyStateNode => projectMachine.getStateNodeById(`project.${stage}`);

/** Where a transition's target lands: a compound state enters its initial child. */
function landing(node: AnyStateNode): string {
  let n = node;
  while (n.type === 'compound') n = n.initial.target[0]!;
  return n.path.join('.');
}

/** Whether the machine, in `from` (or a state around it), has a transition on `event` that lands in `to`. */
function machineHas(from: string, event: string, to: string): boolean {
  for (let n: AnyStateNode | undefined = nodeOf(from); n; n = n.parent) {
    const defs = event === '' ? (n.always ?? []) : (n.on[event] ?? []);
    if (defs.some((d) => (d.target ?? []).some((target) => landing(target) === to))) return true;
  }
  return false;
}

/** Every state node of the machine below the root. */
function allStates(n: AnyStateNode = projectMachine.root): AnyStateNode[] {
  return Object.values(n.states).flatMap((c) => [c, ...allStates(c)]);
}

/** The first and the last point of an SVG path. */
function ends(d: string): [{ x: number; y: number }, { x: number; y: number }] {
  const nums = [...d.matchAll(/-?\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));
  return [{ x: nums[0]!, y: nums[1]! }, { x: nums[nums.length - 2]!, y: nums[nums.length - 1]! }];
}

/** Distance from a point to a chart node's box (0 inside). */
function distance(p: { x: number; y: number }, n: ChartModel['nodes'][number]): number {
  const dx = Math.max(n.x - p.x, 0, p.x - (n.x + n.w));
  const dy = Math.max(n.y - p.y, 0, p.y - (n.y + n.h));
  return Math.hypot(dx, dy);
}

const partial = Handlebars.compile(fs.readFileSync('templates/partials/project-statechart.hbs', 'utf8'));

describe('the statechart', () => {
  it('checks arrows against the machine: a transition it does not have is refused', () => {
    expect(machineHas('draft', 'SUBMIT', 'screening')).toBe(true);
    expect(machineHas('procurement.quoting', 'CANCEL', 'cancelled')).toBe(true); // on the compound around it
    expect(machineHas('settlement', '', 'evaluation')).toBe(true); // eventless
    expect(machineHas('draft', 'SUBMIT', 'deliberation')).toBe(false);
    expect(machineHas('closed', 'CANCEL', 'cancelled')).toBe(false);
    expect(machineHas('delivery', '', 'acceptance')).toBe(false);
  });

  for (const p of PROJECTS) {
    it(`when a project is ${p.name}, then every arrow drawn is a transition of the machine, from its box to its box`, () => {
      const chart = statechartModel('zh-CN', p.current, p.steps);
      expect(chart.edges.length).toBeGreaterThan(0);
      for (const e of chart.edges) {
        expect(e.events.length, `${e.from} → ${e.to} names no event`).toBeGreaterThan(0);
        for (const event of e.events) expect(machineHas(e.from, event, e.to), `${e.from} -${event || '(eventless)'}-> ${e.to}`).toBe(true);
        const [start, end] = ends(e.d);
        const box = (id: string) => chart.nodes.find((n) => n.id === id)!;
        expect(distance(start, box(e.from)), `${e.from} → ${e.to} starts at its source`).toBeLessThanOrEqual(3);
        expect(distance(end, box(e.to)), `${e.from} → ${e.to} ends at its target`).toBeLessThanOrEqual(7);
      }
    });
  }

  it('when a project went through states, then each step it took is drawn bold, with the states between an eventless move', () => {
    const p = PROJECTS.find((x) => x.name === 'rectified, paid, in warranty')!;
    const taken = statechartModel('zh-CN', p.current, p.steps).edges.filter((e) => e.cls.includes('taken')).map((e) => `${e.from}>${e.to}`);
    expect(taken).toEqual(expect.arrayContaining([
      'draft>screening', 'acceptance>rectification', 'rectification>acceptance', 'acceptance>settlement', 'settlement>evaluation', 'evaluation>warranty',
    ]));
    const nodes = statechartModel('zh-CN', p.current, p.steps).nodes;
    expect(nodes.find((n) => n.id === 'settlement')!.cls).toBe('state visited');
    expect(nodes.find((n) => n.id === 'warranty')!.cls).toBe('state current');
  });

  it('when nothing has happened yet, then the light arrows still lead from draft to closed', () => {
    const chart = statechartModel('zh-CN', 'draft', history('draft'));
    const reached = new Set(['draft']);
    for (let grew = true; grew;) {
      grew = false;
      for (const e of chart.edges) if (reached.has(e.from) && !reached.has(e.to)) { reached.add(e.to); grew = true; }
    }
    expect(reached.has('closed')).toBe(true);
    // CANCEL leaves every open state: drawn only when a project was cancelled
    expect(chart.edges.some((e) => e.to === 'cancelled')).toBe(false);
  });

  it('shows every state of the machine: a box for each leaf state, a labelled frame for each compound one, no two boxes in one place', () => {
    const chart = statechartModel('en', 'draft', history('draft'));
    const states = allStates();
    expect(states.filter((s) => s.type !== 'final' && s.type !== 'compound').length).toBeGreaterThan(0);
    for (const s of states) {
      const id = s.path.join('.');
      if (s.type === 'compound') expect(chart.clusters.map((c) => c.id), id).toContain(id);
      else expect(chart.nodes.map((n) => n.id), id).toContain(id);
    }
    expect(chart.nodes).toHaveLength(states.filter((s) => s.type !== 'compound').length);
    expect(new Set(chart.nodes.map((n) => `${n.x},${n.y}`)).size).toBe(chart.nodes.length);
    for (const n of chart.nodes) {
      expect(n.x + n.w).toBeLessThanOrEqual(chart.width);
      expect(n.y + n.h).toBeLessThanOrEqual(chart.height);
    }
  });

  for (const lang of ['zh-CN', 'en'] as Lang[]) {
    it(`renders the SVG with its text alternative for projects in several states (${lang})`, () => {
      for (const p of PROJECTS) {
        const chart = statechartModel(lang, p.current, p.steps);
        const svg = partial({ chart });
        expect(svg).toMatch(/^<svg class="statechart" viewBox="0 0 \d+ \d+"/);
        expect(svg).toContain('role="img" aria-labelledby="sc-title sc-desc"');
        const label = Handlebars.escapeExpression(stateLabel(lang, p.current));
        expect(svg).toMatch(new RegExp(`<title id="sc-title">[^<]*${label}[^<]*</title>`));
        expect(svg).toMatch(new RegExp(`<desc id="sc-desc">[^<]*${label}[^<]*</desc>`));
        expect(svg.match(/<g class="state[ "]/g)).toHaveLength(chart.nodes.length);
        expect(svg.match(/<g class="state current">/g)).toHaveLength(1);
        expect(svg).toContain(`>${label}</text></g>`);
        expect(svg.match(/<path d="[^"]+" class="edge( taken)?"/g)).toHaveLength(chart.edges.length);
        expect(svg.match(/class="edge taken"/g)?.length ?? 0).toBe(chart.edges.filter((e) => e.cls === 'edge taken').length);
        expect(svg).toContain(`>${Handlebars.escapeExpression(stateLabel(lang, 'procurement'))}</text>`);
      }
    });
  }
});

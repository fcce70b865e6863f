// The project lifecycle drawn as an inline SVG model, read from the machine itself (projectMachine,
// public XState API only): its leaf states are the boxes, its compound states the dashed clusters,
// its transitions the arrows. Only where each state sits on the grid is hand-set (GRID, typed by
// Stage, so a new state without a place fails the typecheck). The main way forward is drawn as light
// arrows; the transitions this project took (from the history's from → to) as bold arrows; visited
// states are tinted and the current one highlighted. Every arrow drawn is a transition of the machine.
// Pure layout: the template (partials/project-statechart.hbs) only prints the numbers.
import type { AnyStateNode } from 'xstate';
import { projectMachine, STAGES, type Stage } from '../../workflows/project/index.js';
import { t, type Lang } from '../lib/i18n.js';
import { stateLabel } from './labels.js';

const COL = 160;
const ROW = 96;
const BOX_W = 136;
const BOX_H = 44;
const PAD_X = 12;
const PAD_Y = 34;
/** Where the horizontal run of a detour lies below a row: skips nearer the boxes, line wraps lower. */
const SKIP_DROP = 16;
const WRAP_DROP = 24;
/** Detours leave a box right of its centre and enter left of it, so two never share a line. */
const SKIP_SHIFT = 20;
/** How far a taken edge that the chart does not draw bows aside (it may cross boxes). */
const BEND = 28;

/** Column and row of each leaf state (ARCHITECTURE §4 reading order: left to right, top to bottom). */
const GRID: Record<Stage, { col: number; row: number }> = {
  draft: { col: 0, row: 0 }, screening: { col: 1, row: 0 }, deliberation: { col: 2, row: 0 },
  public_notice: { col: 3, row: 0 }, objection_review: { col: 4, row: 0 }, street_review: { col: 5, row: 0 },
  budget_approval: { col: 0, row: 1 }, confirmation_notice: { col: 1, row: 1 }, confirmation_objection_review: { col: 2, row: 1 },
  'procurement.preparing': { col: 3, row: 1 }, 'procurement.quoting': { col: 4, row: 1 },
  'procurement.evaluating': { col: 5, row: 1 }, 'procurement.contracting': { col: 6, row: 1 },
  delivery: { col: 0, row: 2 }, acceptance: { col: 1, row: 2 }, acceptance_notice: { col: 2, row: 2 },
  acceptance_objection_review: { col: 3, row: 2 }, settlement: { col: 4, row: 2 }, evaluation: { col: 5, row: 2 }, warranty: { col: 6, row: 2 },
  withdrawn: { col: 0, row: 3 }, rectification: { col: 1, row: 3 }, rejected: { col: 3, row: 3 }, cancelled: { col: 5, row: 3 }, closed: { col: 6, row: 3 },
};

/** One transition of the machine between two leaf states; `event` '' is an eventless (`always`) one. */
export interface MachineEdge { from: Stage; event: string; to: Stage }

export interface ChartNode { id: Stage; x: number; y: number; w: number; h: number; tx: number; ty: number; label: string; cls: string }
export interface ChartEdge { from: Stage; to: Stage; events: string[]; d: string; cls: string; stroke: string; width: number; marker: string }
export interface ChartCluster { id: string; x: number; y: number; w: number; h: number; label: string; lx: number; ly: number }
/** One stage the project went through, oldest first: the narrow-screen stand-in for the chart. */
export interface ChartStep { label: string; current: boolean }
export interface ChartModel {
  width: number; height: number; title: string; desc: string; nodes: ChartNode[]; edges: ChartEdge[]; clusters: ChartCluster[];
  /** the path taken, as a list (shown instead of the drawing on narrow screens, where its labels would shrink to ~5 px) */
  steps: ChartStep[];
}

// ---- the machine, read once ----

const isStage = (s: string): s is Stage => (STAGES as readonly string[]).includes(s);

function stageOf(node: AnyStateNode): Stage {
  const id = node.path.join('.');
  if (!isStage(id)) throw new Error(`statechart: state "${id}" of the project machine is not a Stage and has no place on the chart`);
  return id;
}

/** Entering a compound state enters its initial child, down to a leaf. */
function entered(node: AnyStateNode): AnyStateNode {
  let n = node;
  while (n.type === 'compound') n = n.initial.target[0]!;
  return n;
}

const leavesOf = (node: AnyStateNode): AnyStateNode[] => {
  const children = Object.values(node.states);
  return children.length === 0 ? [node] : children.flatMap(leavesOf);
};

/** The node and the compound states around it (their transitions apply to it too). */
function withAncestors(node: AnyStateNode): AnyStateNode[] {
  const out: AnyStateNode[] = [];
  for (let n: AnyStateNode | undefined = node; n && n !== projectMachine.root; n = n.parent) out.push(n);
  return out;
}

const LEAVES: AnyStateNode[] = leavesOf(projectMachine.root);
const FINAL = new Set<Stage>(LEAVES.filter((n) => n.type === 'final').map(stageOf));

function readEdges(): MachineEdge[] {
  const seen = new Map<string, MachineEdge>();
  for (const leaf of LEAVES) {
    const from = stageOf(leaf);
    for (const n of withAncestors(leaf)) {
      const defs = [...[...n.transitions.values()].flat(), ...(n.always ?? [])];
      for (const d of defs) {
        for (const target of d.target ?? []) {
          const to = stageOf(entered(target));
          if (to !== from) seen.set(`${from}>${d.eventType}>${to}`, { from, event: d.eventType, to });
        }
      }
    }
  }
  return [...seen.values()];
}

/** Every transition of the project machine between two different leaf states. */
export const MACHINE_EDGES: readonly MachineEdge[] = readEdges();
/** The machine's leaf states, in its document order. */
export const CHART_STATES: readonly Stage[] = LEAVES.map(stageOf);

// ---- geometry ----

const box = (s: Stage) => ({ x: PAD_X + GRID[s].col * COL, y: PAD_Y + GRID[s].row * ROW });
const center = (s: Stage) => ({ x: box(s).x + BOX_W / 2, y: box(s).y + BOX_H / 2 });
const order = (s: Stage) => GRID[s].row * 100 + GRID[s].col;
const WIDTH = PAD_X * 2 + Math.max(...CHART_STATES.map((s) => GRID[s].col)) * COL + BOX_W;
const HEIGHT = PAD_Y + Math.max(...CHART_STATES.map((s) => GRID[s].row)) * ROW + BOX_H + 16;

const r1 = (n: number) => Math.round(n * 10) / 10;

/** The point where the line from a box's centre towards (dx, dy) leaves the box. */
function border(cx: number, cy: number, dx: number, dy: number, gap = 2) {
  const tx = dx === 0 ? Infinity : (BOX_W / 2 + gap) / Math.abs(dx);
  const ty = dy === 0 ? Infinity : (BOX_H / 2 + gap) / Math.abs(dy);
  const k = Math.min(tx, ty);
  return { x: cx + dx * k, y: cy + dy * k };
}

type Pt = { x: number; y: number };

/** Whether the segment a–b passes through a box other than `except` (Liang–Barsky clipping). */
function crossesBox(a: Pt, b: Pt, except: Stage[]): boolean {
  return CHART_STATES.some((s) => {
    if (except.includes(s)) return false;
    const { x, y } = box(s);
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    let lo = 0;
    let hi = 1;
    for (const [p, q] of [[-dx, a.x - x], [dx, x + BOX_W - a.x], [-dy, a.y - y], [dy, y + BOX_H - a.y]] as const) {
      if (p === 0) { if (q < 0) return false; continue; }
      const r = q / p;
      if (p < 0) lo = Math.max(lo, r);
      else hi = Math.min(hi, r);
      if (lo > hi) return false;
    }
    return true;
  });
}

function straight(from: Stage, to: Stage, bend = 0): string {
  const a = center(from);
  const b = center(to);
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  const p = border(a.x, a.y, dx / len, dy / len);
  const q = border(b.x, b.y, -dx / len, -dy / len, 6);
  if (bend === 0) return `M${r1(p.x)},${r1(p.y)} L${r1(q.x)},${r1(q.y)}`;
  // a curve bowed to the side, so a return edge does not hide the forward one
  const mx = (p.x + q.x) / 2 - (dy / len) * bend;
  const my = (p.y + q.y) / 2 + (dx / len) * bend;
  return `M${r1(p.x)},${r1(p.y)} Q${r1(mx)},${r1(my)} ${r1(q.x)},${r1(q.y)}`;
}

const polyline = (pts: Pt[]) => pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${r1(p.x)},${r1(p.y)}`).join(' ');

/**
 * A clean route for a forward edge, or null when every route would run through another box:
 * straight; along the same row, a skip under the boxes in between; to a later row, a line wrap
 * through the gap under the source's row.
 */
function route(from: Stage, to: Stage): string | null {
  const a = center(from);
  const b = center(to);
  if (!crossesBox(a, b, [from, to])) return straight(from, to);
  const bottom = box(from).y + BOX_H;
  const pts: Pt[] = GRID[from].row === GRID[to].row
    ? [{ x: a.x + SKIP_SHIFT, y: bottom + 2 }, { x: a.x + SKIP_SHIFT, y: bottom + SKIP_DROP }, { x: b.x - SKIP_SHIFT, y: bottom + SKIP_DROP }, { x: b.x - SKIP_SHIFT, y: bottom + 6 }]
    : [{ x: a.x, y: bottom + 2 }, { x: a.x, y: bottom + WRAP_DROP }, { x: b.x, y: bottom + WRAP_DROP }, { x: b.x, y: box(to).y - 6 }];
  for (let i = 1; i < pts.length; i++) if (crossesBox(pts[i - 1]!, pts[i]!, [from, to])) return null;
  return polyline(pts);
}

// ---- which edges the chart draws (a display choice; every one is a machine transition) ----

/** Events every non-final state answers with one and the same target (CANCEL): drawn only when taken. */
const EVERYWHERE: ReadonlySet<string> = (() => {
  const open = CHART_STATES.filter((s) => !FINAL.has(s));
  return new Set([...new Set(MACHINE_EDGES.map((e) => e.event))].filter((event) => {
    const mine = MACHINE_EDGES.filter((e) => e.event === event);
    return new Set(mine.map((e) => e.to)).size === 1 && open.every((s) => mine.some((e) => e.from === s));
  }));
})();

const pairKey = (from: string, to: string) => `${from}>${to}`;

/** The machine's events for each pair of states. */
const EVENTS_BY_PAIR = new Map<string, string[]>();
for (const e of MACHINE_EDGES) EVENTS_BY_PAIR.set(pairKey(e.from, e.to), [...(EVENTS_BY_PAIR.get(pairKey(e.from, e.to)) ?? []), e.event]);

/**
 * The light arrows: forward in reading order (returns are drawn when taken), not an everywhere-exit,
 * and with a route that crosses no other box (so rejections and withdrawal show when taken).
 */
const LIGHT: ReadonlyMap<string, { from: Stage; to: Stage; d: string }> = (() => {
  const out = new Map<string, { from: Stage; to: Stage; d: string }>();
  for (const e of MACHINE_EDGES) {
    const key = pairKey(e.from, e.to);
    if (out.has(key) || EVERYWHERE.has(e.event) || order(e.to) <= order(e.from)) continue;
    const d = route(e.from, e.to);
    if (d) out.set(key, { from: e.from, to: e.to, d });
  }
  return out;
})();

/**
 * The machine transitions behind one recorded step: a transition, then any eventless ones the
 * machine took at once (RECORD_PAYMENT in settlement lands in evaluation). Null when none fits.
 */
function stepPath(from: Stage, to: Stage): Array<[Stage, Stage]> | null {
  const queue: Array<Array<[Stage, Stage]>> = MACHINE_EDGES.filter((e) => e.from === from).map((e) => [[e.from, e.to]]);
  const seen = new Set<string>();
  while (queue.length > 0) {
    const path = queue.shift()!;
    const last = path[path.length - 1]![1];
    if (last === to) return path;
    if (seen.has(last)) continue;
    seen.add(last);
    for (const e of MACHINE_EDGES) if (e.from === last && e.event === '') queue.push([...path, [e.from, e.to]]);
  }
  return null;
}

export { stateLabel };

/**
 * @param current the project's state now
 * @param steps the history's state changes, oldest first (from null = the start)
 */
export function statechartModel(lang: Lang, current: string, steps: Array<{ from: string | null; to: string }>): ChartModel {
  const visited = new Set<string>(['draft']);
  const taken = new Map<string, [Stage, Stage]>();
  const path: string[] = ['draft'];
  for (const s of steps) {
    visited.add(s.to);
    if (!s.from || s.from === s.to) continue;
    visited.add(s.from);
    path.push(s.to);
    const hops = isStage(s.from) && isStage(s.to) ? stepPath(s.from, s.to) : null;
    for (const [a, b] of hops ?? []) {
      visited.add(b);
      taken.set(pairKey(a, b), [a, b]);
    }
  }
  const nodes: ChartNode[] = CHART_STATES.map((id) => {
    const { x, y } = box(id);
    return {
      id, x, y, w: BOX_W, h: BOX_H, tx: x + BOX_W / 2, ty: y + BOX_H / 2 + 5, label: stateLabel(lang, id),
      cls: id === current ? 'state current' : visited.has(id) ? 'state visited' : 'state',
    };
  });
  const events = (from: Stage, to: Stage) => EVENTS_BY_PAIR.get(pairKey(from, to)) ?? [];
  const edges: ChartEdge[] = [];
  for (const [key, { from, to, d }] of LIGHT) {
    if (!taken.has(key)) edges.push({ from, to, events: events(from, to), d, cls: 'edge', stroke: '#8a8d8f', width: 1.5, marker: 'sc-arrow' });
  }
  for (const [key, [from, to]] of taken) {
    const d = LIGHT.get(key)?.d ?? straight(from, to, BEND);
    edges.push({ from, to, events: events(from, to), d, cls: 'edge taken', stroke: '#9f1d20', width: 3, marker: 'sc-arrow-taken' });
  }
  const title = t(lang, 'projects.chart.title', { state: stateLabel(lang, current) });
  const desc = t(lang, 'projects.chart.desc', { state: stateLabel(lang, current), path: path.map((s) => stateLabel(lang, s)).join(' → ') });
  const list: ChartStep[] = path.map((s, i) => ({ label: stateLabel(lang, s), current: i === path.length - 1 && s === current }));
  if (path[path.length - 1] !== current) list.push({ label: stateLabel(lang, current), current: true });
  return { width: WIDTH, height: HEIGHT, title, desc, nodes, edges, clusters: clusters(lang), steps: list };
}

/** A dashed frame around the children of each compound state (procurement), labelled with its name. */
function clusters(lang: Lang): ChartCluster[] {
  const compound: AnyStateNode[] = [];
  const walk = (n: AnyStateNode) => {
    for (const c of Object.values(n.states)) {
      if (c.type === 'compound') compound.push(c);
      walk(c);
    }
  };
  walk(projectMachine.root);
  return compound.map((c) => {
    const boxes = leavesOf(c).map((l) => box(stageOf(l)));
    const x0 = Math.min(...boxes.map((b) => b.x));
    const y0 = Math.min(...boxes.map((b) => b.y));
    const x1 = Math.max(...boxes.map((b) => b.x)) + BOX_W;
    const y1 = Math.max(...boxes.map((b) => b.y)) + BOX_H;
    const id = c.path.join('.');
    return { id, x: x0 - 8, y: y0 - 22, w: x1 - x0 + 16, h: y1 - y0 + 30, label: stateLabel(lang, id), lx: x0 - 2, ly: y0 - 8 };
  });
}

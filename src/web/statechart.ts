// The project lifecycle drawn as an inline SVG model: every state of workflows/project on a fixed
// grid, the chart's transitions as light arrows, the transitions this project took (from the
// history's from → to) as bold arrows, visited states tinted and the current one highlighted.
// Pure layout: the template (partials/project-statechart.hbs) only prints the numbers.
import { stateLabel } from '../lib/reason-text.js';
import { t, type Lang } from '../lib/i18n.js';

const COL = 160;
const ROW = 96;
const BOX_W = 136;
const BOX_H = 44;
const PAD_X = 12;
const PAD_Y = 34;

/** [column, row] of each leaf state (ARCHITECTURE §4, workflows/project/README.md chart). */
const GRID: Record<string, [number, number]> = {
  draft: [0, 0], screening: [1, 0], deliberation: [2, 0], public_notice: [3, 0], objection_review: [4, 0], street_review: [5, 0],
  budget_approval: [0, 1], 'procurement.preparing': [1, 1], 'procurement.quoting': [2, 1], 'procurement.evaluating': [3, 1], 'procurement.contracting': [4, 1],
  delivery: [0, 2], acceptance: [1, 2], rectification: [2, 2], settlement: [3, 2], evaluation: [4, 2], warranty: [5, 2],
  closed: [5, 3], rejected: [2, 3], withdrawn: [0, 3], cancelled: [4, 3],
};

/** The chart's forward transitions (README "Chart"); returns to draft are drawn only when taken. */
const CHART: Array<[string, string]> = [
  ['draft', 'screening'], ['screening', 'deliberation'], ['deliberation', 'public_notice'], ['public_notice', 'objection_review'],
  ['objection_review', 'street_review'], ['street_review', 'budget_approval'], ['budget_approval', 'procurement.preparing'],
  ['procurement.preparing', 'procurement.quoting'], ['procurement.quoting', 'procurement.evaluating'], ['procurement.evaluating', 'procurement.contracting'],
  ['procurement.contracting', 'delivery'], ['delivery', 'acceptance'], ['acceptance', 'rectification'], ['acceptance', 'settlement'],
  ['settlement', 'evaluation'], ['evaluation', 'warranty'], ['warranty', 'closed'], ['draft', 'withdrawn'],
];

export interface ChartNode { id: string; x: number; y: number; w: number; h: number; tx: number; ty: number; label: string; cls: string }
export interface ChartEdge { d: string; cls: string; stroke: string; width: number; marker: string }
export interface ChartModel {
  width: number; height: number; title: string; desc: string; nodes: ChartNode[]; edges: ChartEdge[];
  cluster: { x: number; y: number; w: number; h: number; label: string; lx: number; ly: number };
}

const center = (s: string) => {
  const [c, r] = GRID[s] ?? [0, 0];
  return { x: PAD_X + c * COL + BOX_W / 2, y: PAD_Y + r * ROW + BOX_H / 2 };
};

/** The point where the line from a box's centre towards (dx, dy) leaves the box. */
function border(cx: number, cy: number, dx: number, dy: number, gap = 2) {
  const tx = dx === 0 ? Infinity : (BOX_W / 2 + gap) / Math.abs(dx);
  const ty = dy === 0 ? Infinity : (BOX_H / 2 + gap) / Math.abs(dy);
  const k = Math.min(tx, ty);
  return { x: cx + dx * k, y: cy + dy * k };
}

const r1 = (n: number) => Math.round(n * 10) / 10;

function edgePath(from: string, to: string, bend: number): string {
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

export { stateLabel };

/**
 * @param current the project's state now
 * @param steps the history's state changes, oldest first (from null = the start)
 */
export function statechartModel(lang: Lang, current: string, steps: Array<{ from: string | null; to: string }>): ChartModel {
  const visited = new Set<string>(['draft']);
  const taken = new Map<string, [string, string]>();
  const path: string[] = ['draft'];
  for (const s of steps) {
    visited.add(s.to);
    if (s.from && s.from !== s.to) {
      if (s.from) visited.add(s.from);
      taken.set(`${s.from}>${s.to}`, [s.from, s.to]);
      path.push(s.to);
    }
  }
  const nodes: ChartNode[] = Object.entries(GRID).map(([id, [c, r]]) => {
    const x = PAD_X + c * COL;
    const y = PAD_Y + r * ROW;
    return {
      id, x, y, w: BOX_W, h: BOX_H, tx: x + BOX_W / 2, ty: y + BOX_H / 2 + 5, label: stateLabel(lang, id),
      cls: id === current ? 'state current' : visited.has(id) ? 'state visited' : 'state',
    };
  });
  const edges: ChartEdge[] = [];
  for (const [a, b] of CHART) if (!taken.has(`${a}>${b}`)) edges.push({ d: edgePath(a, b, 0), cls: 'edge', stroke: '#8a8d8f', width: 1.5, marker: 'sc-arrow' });
  for (const [a, b] of taken.values()) {
    const forward = CHART.some(([x, y]) => x === a && y === b);
    if (GRID[a] && GRID[b]) edges.push({ d: edgePath(a, b, forward ? 0 : 28), cls: 'edge taken', stroke: '#9f1d20', width: 3, marker: 'sc-arrow-taken' });
  }
  const [c1, r1c] = GRID['procurement.preparing']!;
  const cluster = {
    x: PAD_X + c1 * COL - 8, y: PAD_Y + r1c * ROW - 22, w: 4 * COL - COL + BOX_W + 16, h: BOX_H + 30,
    label: stateLabel(lang, 'procurement'), lx: PAD_X + c1 * COL - 2, ly: PAD_Y + r1c * ROW - 8,
  };
  const width = PAD_X * 2 + 5 * COL + BOX_W;
  const height = PAD_Y + 3 * ROW + BOX_H + 16;
  const title = t(lang, 'projects.chart.title', { state: stateLabel(lang, current) });
  const desc = t(lang, 'projects.chart.desc', { state: stateLabel(lang, current), path: path.map((s) => stateLabel(lang, s)).join(' → ') });
  return { width, height, title, desc, nodes, edges, cluster };
}

// Horizontal grouped bar charts as an SVG view model, like src/web/statechart.ts: pure layout (no
// I/O, no language), the template (partials/report-chart.hbs) only prints the numbers. Every chart
// carries its text alternative (<title> and <desc>, aria-labelledby) and the data table it draws, so
// nothing is only in the picture (WCAG 1.1.1, 1.3.1).

/** One series: a bar in every group, filled from PALETTE by its position. */
export interface BarSeries {
  name: string;
}

/** One group of bars: a label, a value per series, and each value as text (formatted by the caller). */
export interface BarGroup {
  label: string;
  values: number[];
  texts: string[];
}

export interface BarChartInput {
  /** unique on the page: the ids of <title>, <desc> and the table derive from it */
  id: string;
  title: string;
  /** a sentence before the figures in the text alternative (what is compared) */
  summary: string;
  series: BarSeries[];
  groups: BarGroup[];
  /** the header of the first column of the data table */
  keyHeader: string;
  /** groups drawn at most (all are in the table); 'more' says how many were left out of the picture */
  maxGroups?: number;
  more?: (left: number) => string;
  /** punctuation of the text alternative: between groups, and between a group's figures (zh-CN '；' '，') */
  separators?: { group: string; figure: string };
}

export interface ChartBar { x: number; y: number; w: number; h: number; fill: string; tip: string; tx: number; ty: number; text: string }
export interface ChartLabel { x: number; y: number; text: string }
export interface BarChartModel {
  id: string;
  titleId: string;
  descId: string;
  width: number;
  height: number;
  title: string;
  desc: string;
  bars: ChartBar[];
  labels: ChartLabel[];
  legend: Array<{ x: number; y: number; w: number; h: number; fill: string; tx: number; ty: number; text: string }>;
  axis: { x1: number; y1: number; x2: number; y2: number };
  table: { caption: string; headers: string[]; rows: Array<{ label: string; cells: string[] }> };
  empty: boolean;
}

const WIDTH = 720;
const LABEL_W = 150;
const VALUE_W = 110;
const BAR_H = 14;
const BAR_GAP = 2;
const GROUP_GAP = 12;
const TOP = 34;
const LEGEND_Y = 8;
const MAX_LABEL = 14;
/** Fills with at least 3:1 contrast on white (WCAG 1.4.11; GOV.UK palette: blue, green, purple, grey). */
const PALETTE = ['#1d70b8', '#00703c', '#912b88', '#505a5f'];

/** Rough text width: CJK characters are about a font size wide, Latin about half. */
const textWidth = (s: string, size: number) => [...s].reduce((w, ch) => w + (/[\u2e80-\uffff]/.test(ch) ? size : size * 0.6), 0);
const clip = (s: string) => ([...s].length > MAX_LABEL ? `${[...s].slice(0, MAX_LABEL - 1).join('')}…` : s);

export function barChart(input: BarChartInput): BarChartModel {
  const shown = input.groups.slice(0, input.maxGroups ?? 30);
  const left = input.groups.length - shown.length;
  const max = Math.max(0, ...shown.flatMap((g) => g.values.filter((v) => Number.isFinite(v))));
  const plot = WIDTH - LABEL_W - VALUE_W;
  const scale = (v: number) => (max > 0 && Number.isFinite(v) && v > 0 ? Math.max(1, Math.round((v / max) * plot)) : 0);
  const groupH = input.series.length * (BAR_H + BAR_GAP) - BAR_GAP;
  const bars: ChartBar[] = [];
  const labels: ChartLabel[] = [];
  shown.forEach((g, gi) => {
    const top = TOP + gi * (groupH + GROUP_GAP);
    labels.push({ x: LABEL_W - 8, y: top + groupH / 2 + 4, text: clip(g.label) });
    input.series.forEach((s, si) => {
      const y = top + si * (BAR_H + BAR_GAP);
      const w = scale(g.values[si] ?? 0);
      bars.push({ x: LABEL_W, y, w, h: BAR_H, fill: PALETTE[si % PALETTE.length]!, tip: `${g.label} · ${s.name}: ${g.texts[si] ?? ''}`, tx: LABEL_W + w + 4, ty: y + BAR_H - 3, text: g.texts[si] ?? '' });
    });
  });
  const height = TOP + Math.max(1, shown.length) * (groupH + GROUP_GAP) + 4;
  let lx = LABEL_W;
  const legend = input.series.map((s, si) => {
    const item = { x: lx, y: LEGEND_Y, w: 12, h: 12, fill: PALETTE[si % PALETTE.length]!, tx: lx + 16, ty: LEGEND_Y + 10, text: s.name };
    lx += 16 + Math.ceil(textWidth(s.name, 12)) + 18;
    return item;
  });
  // The text alternative names every figure drawn, group by group.
  const sep = input.separators ?? { group: '; ', figure: ', ' };
  const figures = shown.map((g) => `${g.label}: ${input.series.map((s, i) => `${s.name} ${g.texts[i] ?? ''}`).join(sep.figure)}`);
  const tail = left > 0 && input.more ? [input.more(left)] : [];
  return {
    id: input.id,
    titleId: `${input.id}-title`,
    descId: `${input.id}-desc`,
    width: WIDTH,
    height,
    title: input.title,
    desc: [input.summary, ...figures, ...tail].join(sep.group),
    bars,
    labels,
    legend,
    axis: { x1: LABEL_W, y1: TOP - 4, x2: LABEL_W, y2: height - 4 },
    table: { caption: input.title, headers: [input.keyHeader, ...input.series.map((s) => s.name)], rows: input.groups.map((g) => ({ label: g.label, cells: g.texts })) },
    empty: input.groups.length === 0,
  };
}

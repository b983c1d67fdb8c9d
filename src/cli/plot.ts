// Loss and metric curves of a run as an SVG chart, drawn by Vega-Lite (rendered
// headless by Vega, no canvas needed), and as a terminal chart (asciichart).
// vega and vega-lite are optional peers (≈ 23 MB): loaded only when a chart is drawn.
import type * as Vega from 'vega';
import type * as VegaLite from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import asciichart from 'asciichart';
import { importPeer } from './peers.js';

const PLOT_PEERS = ['vega', 'vega-lite'];

/** Loads vega and vega-lite, or throws the one-line MissingPackageError naming them. */
export async function loadVega(why = '--plot needs vega and vega-lite'): Promise<{ vega: typeof Vega; compile: typeof VegaLite.compile }> {
  const vega = await importPeer<typeof Vega>('vega', why, PLOT_PEERS);
  const { compile } = await importPeer<typeof VegaLite>('vega-lite', why, PLOT_PEERS);
  return { vega, compile };
}

/** Long-form rows {epoch, series, value} for every numeric column but epoch/seconds/lr. */
function rows(history: Record<string, number>[]) {
  const out: { epoch: number; series: string; value: number }[] = [];
  for (const h of history) {
    for (const [k, v] of Object.entries(h)) {
      if (['epoch', 'seconds', 'lr', 'val_count', 'val_perplexity'].includes(k) || !Number.isFinite(v)) continue;
      out.push({ epoch: h.epoch, series: k, value: v });
    }
  }
  return out;
}

export async function plotHistory(title: string, history: Record<string, number>[]): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${title}: training curves`,
    width: 520, height: 300,
    data: { values: rows(history) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: 'value' },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
  const { vega, compile } = await loadVega();
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** A forecast against the truth (dated series) as an SVG line chart. */
export async function plotForecast(f: { title: string; xTitle: string; yTitle: string; points: { x: string; series: string; y: number }[] }): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: f.title,
    width: 560, height: 300,
    data: { values: f.points },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'temporal', title: f.xTitle, axis: { format: '%b %d' } },
      y: { field: 'y', type: 'quantitative', title: f.yTitle, scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
  const { vega, compile } = await loadVega('--plot-forecast needs vega and vega-lite');
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** A terminal line chart of one series (e.g. the per-step loss). */
export function terminalChart(values: number[], height = 10): string {
  if (values.length < 2) return '';
  const width = 60, step = Math.max(1, Math.ceil(values.length / width));
  const pts = [];
  for (let i = 0; i < values.length; i += step) {
    const chunk = values.slice(i, i + step);
    pts.push(chunk.reduce((a, b) => a + b, 0) / chunk.length);
  }
  return asciichart.plot(pts, { height, format: (x: number) => x.toFixed(3).padStart(8) });
}

/** The study's figures: gradient norm against distance (log scale), and accuracy against T. */
export async function plotStudy(r: { gradients: { cell: string; phase: string; distance: number; norm: number }[]; accuracy: { cell: string; T: number; accuracy: number }[] }): Promise<{ gradients: string; accuracy: string }> {
  const { vega, compile } = await loadVega();
  const render = async (spec: TopLevelSpec) => {
    const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
    const svg = await view.toSVG();
    view.finalize();
    return svg;
  };
  const gradients = await render({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: '‖∂L/∂h_t‖ against the distance T − 1 − t to the output',
    data: { values: r.gradients.map((g) => ({ ...g, norm: Math.max(g.norm, 1e-30) })) },
    facet: { column: { field: 'phase', type: 'nominal', title: null, sort: ['initialisation', 'trained'] } },
    spec: {
      width: 320, height: 260, mark: { type: 'line' },
      encoding: {
        x: { field: 'distance', type: 'quantitative', title: 'distance T − 1 − t (steps)' },
        y: { field: 'norm', type: 'quantitative', scale: { type: 'log' }, title: 'mean ‖∂L/∂h_t‖ (log scale)' },
        color: { field: 'cell', type: 'nominal', title: 'cell' },
      },
    },
  } as TopLevelSpec);
  const accuracy = await render({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'accuracy on "repeat the first input" against the sequence length T',
    width: 420, height: 260, data: { values: r.accuracy },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'T', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'T (steps between the input and the output)' },
      y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0.4, 1] }, title: 'held-out accuracy' },
      color: { field: 'cell', type: 'nominal', title: 'cell' },
    },
  });
  return { gradients, accuracy };
}

/** The alignment of one word: each output phoneme's attention weights over the letters, as a heat map. */
export async function plotAlignment(word: string[], phones: string[], weights: number[][]): Promise<string> {
  // Positions keep repeated letters and phonemes apart; the axes show only the symbol.
  const values = weights.flatMap((row, j) => row.map((w, i) => ({ letter: `${i}:${word[i]}`, phone: `${j}:${phones[j]}`, weight: w })));
  const label = "split(datum.label, ':')[1]";
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `attention of "${word.join('')}" → ${phones.join(' ')}`,
    data: { values },
    width: { step: 28 }, height: { step: 28 },
    mark: 'rect',
    encoding: {
      x: { field: 'letter', type: 'ordinal', sort: null, title: 'letter', axis: { labelExpr: label, labelAngle: 0, orient: 'top' } },
      y: { field: 'phone', type: 'ordinal', sort: null, title: 'phoneme', axis: { labelExpr: label } },
      color: { field: 'weight', type: 'quantitative', scale: { domain: [0, 1], scheme: 'greys' }, title: 'weight' },
    },
  };
  const { vega, compile } = await loadVega('--plot needs vega and vega-lite');
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

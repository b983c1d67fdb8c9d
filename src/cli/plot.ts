// Loss and metric curves of a run as an SVG chart, drawn by Vega-Lite (rendered
// headless by Vega, no canvas needed), and as a terminal chart (asciichart).
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import asciichart from 'asciichart';

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

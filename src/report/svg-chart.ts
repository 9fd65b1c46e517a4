import { escapeHtml } from './escape-html.js';

/** ChartSeries is one line of a chart: a name, a colour and a value per x (undefined leaves a gap). */
export interface ChartSeries {
  readonly name: string;
  readonly color: string;
  readonly values: readonly (number | undefined)[];
}

/** LineChartOptions describe a line chart over time: x in seconds from the start, y in `unit`. */
export interface LineChartOptions {
  readonly title: string;
  readonly unit: string;
  readonly xs: readonly number[];
  readonly series: readonly ChartSeries[];
  readonly width?: number;
  readonly height?: number;
}

/** BarChartBar is one horizontal bar. */
export interface BarChartBar {
  readonly label: string;
  readonly value: number;
  readonly color: string;
}

const PAD = { left: 62, right: 14, top: 28, bottom: 48 };
const r1 = (v: number) => Math.round(v * 10) / 10;

/** niceStep picks a round axis step (1, 2 or 5 × 10^k) giving about `ticks` divisions of `span`. */
function niceStep(span: number, ticks: number): number {
  const raw = span / ticks;
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

const tickLabel = (v: number) => (Math.abs(v) >= 1000 ? `${r1(v / 1000)}k` : Number.isInteger(v) ? String(v) : String(r1(v)));

/**
 * svgLineChart draws series over time as inline SVG (no script, no external reference): a y axis
 * from zero with round ticks, an x axis in seconds, one path per series and a legend. Coordinates are
 * rounded to a tenth of a pixel to keep the page small.
 */
export function svgLineChart(o: LineChartOptions): string {
  const w = o.width ?? 900;
  const h = o.height ?? 274;
  const pw = w - PAD.left - PAD.right;
  const ph = h - PAD.top - PAD.bottom;
  const x0 = 0;
  const x1 = Math.max(...o.xs, 1e-9);
  let yMax = 0;
  for (const s of o.series) for (const v of s.values) if (v !== undefined && Number.isFinite(v) && v > yMax) yMax = v;
  const yStep = niceStep(yMax || 1, 5);
  const yTop = Math.max(yStep, Math.ceil((yMax || 1) / yStep) * yStep);
  // Whole pixels are plenty for a long series and keep the page small; tenths for short ones.
  const round = o.xs.length > 300 ? Math.round : r1;
  const X = (x: number) => round(PAD.left + ((x - x0) / (x1 - x0)) * pw);
  const Y = (y: number) => round(PAD.top + ph - (y / yTop) * ph);
  const parts: string[] = [];
  parts.push(`<svg class="chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${escapeHtml(o.title)}">`);
  parts.push(`<text x="${PAD.left}" y="16" class="ct">${escapeHtml(o.title)} (${escapeHtml(o.unit)})</text>`);
  for (let y = 0; y <= yTop + yStep / 2; y += yStep) {
    parts.push(`<line x1="${PAD.left}" x2="${w - PAD.right}" y1="${Y(y)}" y2="${Y(y)}" class="grid"/><text x="${PAD.left - 6}" y="${Y(y) + 4}" class="yl">${tickLabel(y)}</text>`);
  }
  const xStep = niceStep(x1 - x0, 8);
  for (let x = 0; x <= x1 + 1e-9; x += xStep) parts.push(`<text x="${X(x)}" y="${h - PAD.bottom + 16}" class="xl">${tickLabel(x)}s</text>`);
  parts.push(`<line x1="${PAD.left}" x2="${w - PAD.right}" y1="${Y(0)}" y2="${Y(0)}" class="axis"/>`);
  const dots = o.xs.length <= 60;
  for (const s of o.series) {
    let d = '';
    let pen = false;
    const circles: string[] = [];
    s.values.forEach((v, i) => {
      if (v === undefined || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${X(o.xs[i]!)} ${Y(v)}`;
      pen = true;
      if (dots) circles.push(`<circle cx="${X(o.xs[i]!)}" cy="${Y(v)}" r="2.5" fill="${s.color}"/>`);
    });
    if (d !== '') parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"/>`, ...circles);
  }
  let lx = PAD.left + 8;
  const legendY = h - 6;
  for (const s of o.series) {
    parts.push(`<rect x="${lx}" y="${legendY - 9}" width="12" height="4" fill="${s.color}"/><text x="${lx + 16}" y="${legendY - 4}" class="lg">${escapeHtml(s.name)}</text>`);
    lx += 30 + s.name.length * 7;
  }
  parts.push('</svg>');
  return parts.join('');
}

/** svgBarChart draws labelled horizontal bars scaled to the largest value, each with its count. */
export function svgBarChart(title: string, bars: readonly BarChartBar[], width = 900): string {
  const row = 22;
  const labelW = 150;
  const h = 30 + bars.length * row + 6;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const pw = width - labelW - 120;
  const parts = [`<svg class="chart" viewBox="0 0 ${width} ${h}" width="${width}" height="${h}" role="img" aria-label="${escapeHtml(title)}">`, `<text x="8" y="16" class="ct">${escapeHtml(title)}</text>`];
  bars.forEach((b, i) => {
    const y = 28 + i * row;
    const bw = r1(Math.max(b.value > 0 ? 1 : 0, (b.value / max) * pw));
    parts.push(`<text x="${labelW - 8}" y="${y + 14}" class="yl">${escapeHtml(b.label)}</text><rect x="${labelW}" y="${y + 3}" width="${bw}" height="15" fill="${b.color}"/><text x="${labelW + bw + 6}" y="${y + 14}" class="lg">${escapeHtml(b.value.toLocaleString('en-US'))}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

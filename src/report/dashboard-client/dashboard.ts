// The dashboard page's script (compiled by tsconfig.client.json, inlined into every page by
// dashboard-page.ts). It lays out the page document that the server computed (page-model.ts) and draws
// the charts with uPlot; live, it follows the dashboard's server-sent events and offers the stop button.
// It builds the DOM with textContent only: nothing from the data is ever parsed as HTML.
import type { ChartMarker, ChartSpec, ChartUnit, GridView, PageCell, PageDoc, PageTable, PointEvent, RunView, SectionView, Tile } from '../page-model.js';

type Columns = Record<string, (number | null)[]>;

interface RunState {
  view: RunView;
  series: Columns;
  charts: Map<string, { u: uPlot; spec: ChartSpec; sig: string }>;
  zoomed: boolean;
  el: HTMLElement;
}

const app = document.getElementById('app')!;
const runs = new Map<string, RunState>();
let doc: PageDoc = JSON.parse(document.getElementById('gauntlet-data')!.textContent ?? '{}') as PageDoc;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function fmt(unit: ChartUnit, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  switch (unit) {
    case 'ms':
      return v < 1 ? `${+(v * 1000).toPrecision(3)}µs` : v < 1000 ? `${+v.toPrecision(3)}ms` : `${+(v / 1000).toPrecision(3)}s`;
    case 'bytes': {
      const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
      let i = 0;
      let x = v;
      while (Math.abs(x) >= 1024 && i < u.length - 1) {
        x /= 1024;
        i++;
      }
      return `${+x.toPrecision(3)} ${u[i]}`;
    }
    case 'cpu_s':
      return `${+v.toPrecision(3)} s`;
    case 'per_s':
      return v >= 1e6 ? `${+(v / 1e6).toPrecision(3)}M/s` : v >= 1e4 ? `${+(v / 1e3).toPrecision(3)}k/s` : `${+v.toPrecision(4)}/s`;
    default:
      return v >= 1e6 ? `${+(v / 1e6).toPrecision(3)}M` : v >= 1e4 ? `${+(v / 1e3).toPrecision(3)}k` : `${+v.toPrecision(4)}`;
  }
}

const pctLabel = (x: number) => {
  const q = 100 * (1 - 1 / x);
  return `${q >= 99.99 ? +q.toPrecision(7) : +q.toPrecision(4)}%`;
};
const timeLabel = (s: number) => (s >= 120 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}` : `${+s.toPrecision(4)}s`);

/** NUMERIC: a cell that reads as a figure (a count, a duration, a share, a size) is right-aligned. */
const NUMERIC = /^[-+]?[\d.,]+\s?(%|µs|ms|s|\/s|B|KiB|MiB|GiB|TiB)?$/;

function cellNode(c: PageCell): HTMLTableCellElement {
  const text = typeof c === 'string' ? c : c.text;
  const td = h('td', NUMERIC.test(text) || (typeof c !== 'string' && c.bar !== undefined) ? { class: 'num' } : {});
  if (typeof c === 'string') {
    td.textContent = c;
    return td;
  }
  const span = h('span', c.tone ? { class: `t-${c.tone}` } : {}, c.text);
  td.append(span);
  if (c.bar !== undefined) td.append(h('span', { class: 'bar', style: `width:${Math.round(Math.max(0, Math.min(1, c.bar)) * 80)}px` }));
  return td;
}

function tableNode(t: PageTable): HTMLElement {
  const table = h('table', { 'data-table': t.id, ...(t.head.length === 0 ? { class: 'kv' } : {}) });
  if (t.head.length > 0) table.append(h('tr', {}, ...t.head.map((x) => h('th', {}, x))));
  for (const r of t.rows) table.append(h('tr', {}, ...r.map(cellNode)));
  const body: Node[] = [table];
  if (t.note) body.unshift(h('p', { class: 'note' }, t.note));
  if (t.collapsed) return h('details', {}, h('summary', {}, t.title), ...body);
  return h('div', {}, ...(t.title ? [h('h3', {}, t.title)] : []), ...body);
}

function tileNode(t: Tile): HTMLElement {
  return h(
    'div',
    { class: 'tile', 'data-tile': t.id, ...(t.raw !== undefined ? { 'data-raw': String(t.raw) } : {}), ...(t.tone ? { 'data-tone': t.tone } : {}) },
    h('div', { class: 'l' }, t.label),
    h('div', { class: 'v' }, t.value),
    ...(t.sub ? [h('div', { class: 's' }, t.sub)] : []),
  );
}

function chartData(spec: ChartSpec, run: RunState): uPlot.AlignedData {
  const cols: Readonly<Record<string, readonly (number | null)[]>> = spec.columns ?? (spec.x === 'time' ? run.series : run.view.dist);
  const x = (spec.x === 'time' ? cols['t'] : cols['x']) ?? [];
  const ys = spec.lines.map((l) => {
    const c = cols[l.key] ?? [];
    return x.map((_, i) => {
      const v = c[i];
      return v === undefined || v === null || (spec.log && v <= 0) ? null : v;
    });
  });
  return [x as number[], ...ys] as uPlot.AlignedData;
}

/** markersOf are the run's markers (crashes, failures, restarts…), from every section. */
const markersOf = (run: RunState): ChartMarker[] => run.view.sections.flatMap((s) => s.markers ?? []);

/** timeEnd is the last second any time chart of the run reaches: its charts share the axis [0, timeEnd]. */
function timeEnd(run: RunState): number {
  let end = 0;
  const last = (c: readonly (number | null)[] | undefined) => (c !== undefined && c.length > 0 ? (c[c.length - 1] ?? 0) : 0);
  end = Math.max(end, last(run.series['t']));
  for (const s of run.view.sections) for (const c of s.charts) if (c.x === 'time' && c.columns) end = Math.max(end, last(c.columns['t']));
  return end > 0 ? end : 1;
}

/** drawMarkers draws the run's markers on a time chart: a shaded band for a span, a line for a moment; it counts those in view on the figure. */
function drawMarkers(u: uPlot, run: RunState): void {
  const markers = markersOf(run);
  const fig = u.root.closest('figure');
  if (markers.length === 0) return;
  const { left, top, width, height } = u.bbox;
  const ctx = u.ctx;
  const min = u.scales['x']?.min ?? 0;
  const max = u.scales['x']?.max ?? 0;
  let shown = 0;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  for (const m of markers) {
    const to = m.until ?? m.t;
    if (to < min || m.t > max) continue;
    shown++;
    const x0 = u.valToPos(m.t, 'x', true);
    ctx.fillStyle = m.color;
    ctx.strokeStyle = m.color;
    if (m.until !== undefined) {
      ctx.globalAlpha = 0.18;
      ctx.fillRect(x0, top, Math.max(2, u.valToPos(m.until, 'x', true) - x0), height);
    } else {
      ctx.globalAlpha = 0.8;
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(x0, top);
      ctx.lineTo(x0, top + height);
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }
  ctx.restore();
  fig?.setAttribute('data-markers', String(shown));
}

/** markerLegend says what the markers on the run's time charts mean: one swatch and count per kind. */
function markerLegend(run: RunState): HTMLElement | undefined {
  const markers = markersOf(run);
  if (markers.length === 0) return undefined;
  const kinds = new Map<string, { color: string; n: number; span: boolean }>();
  for (const m of markers) {
    const k = kinds.get(m.kind) ?? { color: m.color, n: 0, span: m.until !== undefined };
    k.n++;
    kinds.set(m.kind, k);
  }
  const items = [...kinds].map(([kind, k]) => h('span', { class: 'marker-key', 'data-marker-kind': kind, 'data-count': String(k.n), title: markers.filter((m) => m.kind === kind).slice(0, 20).map((m) => m.label).join('\n') }, h('span', { class: 'swatch', style: `background:${k.color}` }), ` ${kind} ×${k.n}${k.span ? ' (bands)' : ' (lines)'}  `));
  return h('p', { class: 'note', 'data-marker-legend': '' }, 'Marked on every time chart: ', ...items);
}

/** wholeRun shows a time chart's whole run, [0, timeEnd] (its x scale is not automatic: it is the run's). */
function wholeRun(c: { u: uPlot; spec: ChartSpec }, run: RunState): void {
  if (c.spec.x === 'time') c.u.setScale('x', { min: 0, max: timeEnd(run) });
}

function chartWidth(el: HTMLElement): number {
  return Math.max(280, Math.floor(el.clientWidth - 18));
}

function makeChart(spec: ChartSpec, run: RunState, holder: HTMLElement): uPlot {
  const pct = spec.x === 'percentile';
  // Every time chart of a run, its own and its sections' (the server's RSS…), spans [0, the run's end]: one axis.
  const opts: uPlot.Options = {
    width: chartWidth(holder),
    height: 240,
    scales: { x: { time: false, ...(pct ? { distr: 3 } : { auto: false, min: 0, max: timeEnd(run) }) }, y: spec.log ? { distr: 3 } : { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] } },
    axes: [
      { values: (_u, splits) => splits.map((v) => (pct ? pctLabel(v) : timeLabel(v))), ...(pct ? { splits: () => [1, 10, 100, 1000, 10000, 100000, 1000000].filter((v) => v <= ((run.view.dist['x'] ?? []).slice(-1)[0] ?? 10)) } : {}) },
      { values: (_u, splits) => splits.map((v) => fmt(spec.unit, v)), size: 72 },
    ],
    series: [
      { label: pct ? 'percentile' : 'time', value: (_u, v) => (v === null ? '-' : pct ? pctLabel(v) : timeLabel(v)) },
      ...spec.lines.map((l) => ({ label: l.label, stroke: l.color, width: 1.5, spanGaps: false, ...(l.dash ? { dash: [6, 4] } : {}), value: (_u: uPlot, v: number | null) => fmt(spec.unit, v) })),
    ],
    cursor: { drag: { x: true, y: false }, ...(pct ? {} : { sync: { key: `g-${run.view.id}` } }) },
    hooks: {
      draw: [(u) => (pct ? undefined : drawMarkers(u, run))],
      // The x range drawn, on the figure: what a zoom did is visible to people who inspect and to the tests.
      setScale: [
        (u, key) => {
          if (key !== 'x') return;
          const fig = u.root.closest('figure');
          fig?.setAttribute('data-x-min', String(u.scales['x']?.min ?? ''));
          fig?.setAttribute('data-x-max', String(u.scales['x']?.max ?? ''));
        },
      ],
      setSelect: [
        (u) => {
          if (pct || u.select.width <= 0) return;
          const min = u.posToVal(u.select.left, 'x');
          const max = u.posToVal(u.select.left + u.select.width, 'x');
          run.zoomed = true;
          for (const c of run.charts.values()) if (c.u !== u && c.spec.x === 'time') c.u.setScale('x', { min, max });
        },
      ],
    },
  };
  return new uPlot(opts, chartData(spec, run), holder);
}

function renderCharts(run: RunState, container: HTMLElement, specs: readonly ChartSpec[]): void {
  for (const spec of specs) {
    const sig = JSON.stringify([spec.lines, spec.unit, spec.log, spec.x]);
    const fig = h('figure', { class: 'chart', 'data-chart': spec.id });
    const holder = h('div');
    fig.append(h('h3', {}, spec.title), holder);
    container.append(fig);
    const u = makeChart(spec, run, holder);
    fig.setAttribute('data-points', String(u.data[0].length));
    run.charts.set(spec.id, { u, spec, sig });
  }
}

function gridNode(g: GridView): HTMLElement {
  const table = h('table', { class: 'grid', 'data-table': 'matrix' });
  table.append(h('tr', {}, h('th', {}, 'server \\ test'), ...g.cols.map((c) => h('th', {}, c))));
  for (const row of g.rows) {
    const tr = h('tr', {}, h('td', {}, row));
    for (const col of g.cols) {
      const c = g.cells.find((x) => x.row === row && x.col === col);
      const td = h('td', { class: `c-${c?.tone ?? 'none'}` });
      if (c?.run) td.append(h('a', { href: `#run-${c.run}` }, c.text));
      else td.textContent = c?.text ?? '-';
      tr.append(td);
    }
    table.append(tr);
  }
  return h('section', { class: 'grid-section' }, h('h2', {}, g.title), table, ...g.tables.map(tableNode));
}

function sectionNode(s: SectionView, run: RunState): HTMLElement {
  const el = h('div', { 'data-section': s.id }, h('h2', {}, s.title));
  if (s.note) el.append(h('p', { class: 'note' }, s.note));
  if (s.charts.length > 0) {
    const charts = h('div', { class: 'charts' });
    el.append(charts);
    renderCharts(run, charts, s.charts);
  }
  for (const t of s.tables) el.append(tableNode(t));
  return el;
}

/** fillRun lays out a run's view (everything but the time charts' data, which update in place). */
function fillRun(run: RunState): void {
  const v = run.view;
  for (const c of run.charts.values()) c.u.destroy();
  run.charts.clear();
  const el = run.el;
  el.replaceChildren();
  el.setAttribute('data-state', v.state);
  if (doc.runs.length > 1 || doc.grid) el.append(h('h2', {}, v.title));
  el.append(h('div', { class: 'banner', 'data-state': v.state, 'data-verdict': '' }, v.verdict));
  el.append(h('div', { class: 'tiles' }, ...v.tiles.map(tileNode)));
  const charts = h('div', { class: 'charts' });
  const reset = h('button', { class: 'plain noprint', type: 'button' }, 'reset zoom');
  reset.addEventListener('click', () => {
    run.zoomed = false;
    for (const c of run.charts.values()) {
      c.u.setData(chartData(c.spec, run));
      wholeRun(c, run);
    }
  });
  el.append(h('p', { class: 'note noprint' }, 'Drag across a time chart to zoom every time chart of this run; ', reset, ' to see the whole run again.'));
  const legend = markerLegend(run);
  if (legend) el.append(legend);
  el.append(charts);
  // Lay out first: the charts take their width from their place on the page.
  renderCharts(run, charts, v.charts);
  for (const n of v.notes) el.append(h('p', { class: 'note' }, n));
  el.append(tableNode({ id: 'meta', title: '', head: [], rows: v.meta.map(([k, x]) => [k, x]) }));
  for (const t of v.tables) el.append(tableNode(t));
  for (const s of v.sections) el.append(sectionNode(s, run));
  if (v.text) el.append(h('details', { class: 'noprint' }, h('summary', {}, 'Text summary'), h('pre', {}, v.text)));
}

/** updateRun applies a live point: the new column values, and the run's view anew (charts keep their zoom). */
function updateRun(run: RunState, e: PointEvent): void {
  const n = run.series['t']?.length ?? 0;
  for (const [k, v] of Object.entries(e.point)) {
    const col = run.series[k] ?? (run.series[k] = new Array<number | null>(n).fill(k.startsWith('fk:') ? 0 : null));
    col.push(v);
  }
  for (const [k, col] of Object.entries(run.series)) if (col.length === n) col.push(k.startsWith('fk:') ? 0 : null);
  const before = JSON.stringify(run.view.charts.map((c) => [c.id, c.lines, c.unit]));
  run.view = { ...e.view, series: run.series };
  const same = before === JSON.stringify(run.view.charts.map((c) => [c.id, c.lines, c.unit])) && run.view.sections.every((s) => s.charts.length === 0);
  if (!same) return fillRun(run);
  // Refresh everything but the time charts; redraw those with the new data.
  const el = run.el;
  el.setAttribute('data-state', run.view.state);
  const banner = el.querySelector<HTMLElement>('.banner')!;
  banner.textContent = run.view.verdict;
  banner.setAttribute('data-state', run.view.state);
  el.querySelector('.tiles')!.replaceWith(h('div', { class: 'tiles' }, ...run.view.tiles.map(tileNode)));
  for (const node of [...el.children]) if (node.tagName === 'DIV' && !node.classList.contains('tiles') && !node.classList.contains('charts') && !node.classList.contains('banner')) node.remove();
  for (const node of [...el.querySelectorAll(':scope > p.note:not(.noprint), :scope > details')]) node.remove();
  for (const n2 of run.view.notes) el.append(h('p', { class: 'note' }, n2));
  el.append(tableNode({ id: 'meta', title: '', head: [], rows: run.view.meta.map(([k, x]) => [k, x]) }));
  for (const t of run.view.tables) el.append(tableNode(t));
  for (const s of run.view.sections) el.append(sectionNode(s, run));
  for (const c of run.charts.values()) {
    c.u.setData(chartData(c.spec, run), !(run.zoomed && c.spec.x === 'time'));
    if (!run.zoomed) wholeRun(c, run);
    c.u.root.closest('figure')?.setAttribute('data-points', String(c.u.data[0].length));
  }
}

function renderDoc(): void {
  for (const r of runs.values()) for (const c of r.charts.values()) c.u.destroy();
  runs.clear();
  document.title = `Gauntlet: ${doc.title}`;
  app.replaceChildren();
  const top = h('div', { class: 'top' }, h('div', { class: 'grow' }, h('h1', {}, doc.title), h('div', { class: 'note' }, `Gauntlet ${doc.live ? 'live dashboard' : 'report'}${doc.runs[0] ? ` · started ${doc.runs[0].meta.find((m) => m[0] === 'started')?.[1] ?? ''}` : ''}`)));
  if (doc.live) top.append(liveControls());
  app.append(top);
  if (doc.grid) app.append(gridNode(doc.grid));
  for (const v of doc.runs) {
    const el = h('section', { class: 'run', id: `run-${v.id}`, 'data-run': v.id });
    app.append(el);
    const run: RunState = { view: v, series: Object.fromEntries(Object.entries(v.series).map(([k, c]) => [k, [...c]])), charts: new Map(), zoomed: false, el };
    runs.set(v.id, run);
    fillRun(run);
  }
  if (doc.runs.length === 0) app.append(h('p', { class: 'note', 'data-waiting': '' }, 'Waiting for the first run to start…'));
  document.body.setAttribute('data-state', doc.state);
}

let status: HTMLElement | undefined;
let stopButton: HTMLButtonElement | undefined;
let ended = false;

function liveControls(): HTMLElement {
  status = h('span', { class: 'live', 'data-live-status': '' }, ended ? 'the run has ended' : 'live');
  stopButton = h('button', { type: 'button', 'data-stop': '' }, 'Stop the run');
  stopButton.disabled = ended;
  stopButton.addEventListener('click', () => void stop());
  return h('div', { class: 'noprint' }, status, ' ', stopButton);
}

async function stop(): Promise<void> {
  if (!doc.live || !stopButton) return;
  if (!confirm('Stop the run? In-flight requests get the grace period, as with Ctrl-C.')) return;
  stopButton.disabled = true;
  try {
    const r = await fetch('stop', { method: 'POST', headers: { 'x-gauntlet-token': doc.live.token } });
    if (status) status.textContent = r.ok ? 'stopping: in-flight requests finish…' : `stop refused (${r.status})`;
  } catch {
    if (status) status.textContent = 'stop failed: the dashboard is gone';
  }
}

function follow(): void {
  const events = new EventSource('events');
  events.addEventListener('doc', (m) => {
    doc = JSON.parse((m as MessageEvent<string>).data) as PageDoc;
    renderDoc();
  });
  events.addEventListener('point', (m) => {
    const e = JSON.parse((m as MessageEvent<string>).data) as PointEvent;
    const run = runs.get(e.run);
    if (run) updateRun(run, e);
  });
  events.addEventListener('end', (m) => {
    ended = true;
    doc = JSON.parse((m as MessageEvent<string>).data) as PageDoc;
    renderDoc();
    if (status) status.textContent = doc.live?.keep ? 'the run has ended (still served: Ctrl-C in the terminal ends it)' : 'the run has ended';
    if (stopButton) stopButton.disabled = true;
    events.close();
  });
  events.addEventListener('error', () => {
    if (!ended && status) status.textContent = 'disconnected: retrying…';
  });
  events.addEventListener('open', () => {
    if (!ended && status) status.textContent = 'live';
  });
}

let resizeTimer: number | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    for (const r of runs.values()) for (const c of r.charts.values()) c.u.setSize({ width: chartWidth(c.u.root.parentElement!), height: 240 });
  }, 150);
});

renderDoc();
if (doc.live) follow();
document.body.setAttribute('data-ready', '1');

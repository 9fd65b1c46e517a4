/**
 * The page model: what the dashboard page (live and frozen) draws, as plain JSON. The server side
 * (dashboard-view.ts) computes every figure and formats every string; the page's script
 * (dashboard-client/dashboard.ts) only lays them out and draws the charts, so there is one place
 * that decides what a number says. This file holds types only: the page's script imports them too.
 */

/** Tone colours a cell, a tile or a banner: ok green, warn amber, fail red. */
export type Tone = 'ok' | 'warn' | 'fail';

/** PageCell is one table cell: text, or text with a tone and a share (0..1) drawn as a bar. */
export type PageCell = string | { readonly text: string; readonly tone?: Tone; readonly bar?: number };

/** PageTable is one table; `collapsed` tables sit in a closed <details>. */
export interface PageTable {
  readonly id: string;
  readonly title: string;
  readonly head: readonly string[];
  readonly rows: readonly (readonly PageCell[])[];
  readonly note?: string;
  readonly collapsed?: boolean;
}

/** ChartUnit says how a chart's y values read: milliseconds, a rate per second, a count, bytes or seconds of CPU. */
export type ChartUnit = 'ms' | 'per_s' | 'count' | 'bytes' | 'cpu_s';

/** ChartLine is one line of a chart: the column it reads and how it looks. */
export interface ChartLine {
  readonly key: string;
  readonly label: string;
  readonly color: string;
  readonly dash?: boolean;
}

/**
 * ChartSpec is one chart. `x: 'time'` charts read the run's `series` (x is `t`, seconds from the
 * start) and zoom together; `x: 'percentile'` reads the run's `dist` (x is 1/(1-q), on a log axis).
 * A chart with `columns` (a section's own series, such as the server's RSS) reads those instead; its
 * `t` is seconds from the run's start too, so every time chart of a run shares one axis and one zoom.
 * `log` draws y on a log axis (latency: max does not crush p50).
 */
export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly unit: ChartUnit;
  readonly x: 'time' | 'percentile';
  readonly log?: boolean;
  readonly lines: readonly ChartLine[];
  readonly columns?: Readonly<Record<string, readonly (number | null)[]>>;
}

/** Tile is one headline figure: its text, and `raw`, the number it shows (for the tests, and for people who copy). */
export interface Tile {
  readonly id: string;
  readonly label: string;
  readonly value: string;
  readonly raw?: number;
  readonly sub?: string;
  readonly tone?: Tone;
}

/**
 * ChartMarker marks a moment (or, with `until`, a span) of a run on every one of its time charts:
 * a vertical line (a shaded band for a span) at `t` seconds from the start, in `color`; `kind` groups
 * them (`crash`, `failure`, `restart`) and `label` says what happened.
 */
export interface ChartMarker {
  readonly t: number;
  readonly until?: number;
  readonly kind: string;
  readonly label: string;
  readonly color: string;
}

/**
 * SectionView is how one front door's section shows: titled tables and charts, and markers the page
 * draws on every time chart of the run (the run's throughput and latency too).
 */
export interface SectionView {
  readonly id: string;
  readonly title: string;
  readonly tables: readonly PageTable[];
  readonly charts: readonly ChartSpec[];
  readonly markers?: readonly ChartMarker[];
  readonly note?: string;
}

/** RunState: `running` while live; else the verdict (`fail` for a failed threshold or a NOT OK run). */
export type RunState = 'running' | Tone;

/** RunView is one run on the page: banner, tiles, charts and tables. */
export interface RunView {
  readonly id: string;
  readonly title: string;
  readonly state: RunState;
  /** verdict is the closing line (or, live, what is running). */
  readonly verdict: string;
  readonly meta: readonly (readonly [string, string])[];
  readonly tiles: readonly Tile[];
  readonly charts: readonly ChartSpec[];
  /** series are the time charts' columns, one value per interval; `t` is the interval's end in seconds. */
  readonly series: Readonly<Record<string, readonly (number | null)[]>>;
  /** dist holds the percentile distribution: `x` is 1/(1-q), each trend's values in milliseconds. */
  readonly dist: Readonly<Record<string, readonly number[]>>;
  readonly tables: readonly PageTable[];
  readonly sections: readonly SectionView[];
  readonly notes: readonly string[];
  /** text is the plain-text summary (shown without script, and in print). */
  readonly text?: string;
}

/** GridCell is one cell of a matrix (multitest): its text and tone, and the run it links to. */
export interface GridCell {
  readonly row: string;
  readonly col: string;
  readonly text: string;
  readonly tone: Tone | 'none';
  readonly run?: string;
}

/** GridView is a matrix of runs (multitest): rows are servers, columns tests. */
export interface GridView {
  readonly title: string;
  readonly rows: readonly string[];
  readonly cols: readonly string[];
  readonly cells: readonly GridCell[];
  readonly tables: readonly PageTable[];
}

/**
 * PageDoc is the whole page: a title, the overall state, an optional matrix and the runs. `live`
 * carries the stop token of a served dashboard (absent in a frozen report).
 */
export interface PageDoc {
  readonly format: 'gauntlet.page';
  readonly title: string;
  readonly state: RunState;
  readonly grid?: GridView;
  readonly runs: readonly RunView[];
  readonly live?: { readonly token: string; readonly keep: boolean };
}

/** PointEvent is one live interval of one run: the new column values, and everything else of the run anew. */
export interface PointEvent {
  readonly run: string;
  readonly point: Readonly<Record<string, number | null>>;
  readonly view: Omit<RunView, 'series'>;
}

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { GauntletError } from '../core/errors.js';
import { escapeHtml } from './escape-html.js';
import type { PageDoc } from './page-model.js';

const require = createRequire(import.meta.url);

/** CLIENT_SCRIPT is the page's script, compiled from dashboard-client/dashboard.ts (tsconfig.client.json) beside this module. */
const CLIENT_SCRIPT = fileURLToPath(new URL('./dashboard-client/dashboard.js', import.meta.url));

interface Assets {
  readonly uplotJs: string;
  readonly uplotCss: string;
  readonly client: string;
}

let assets: Assets | undefined;

/**
 * pageAssets reads the page's script and uPlot (its IIFE build and stylesheet, from node_modules)
 * once. They are inlined into every page: a report opens with no network, a dashboard loads nothing
 * but its events.
 */
export function pageAssets(): Assets {
  if (assets !== undefined) return assets;
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      throw new GauntletError('GAUNTLET_RUNTIME', `the dashboard page cannot be built: ${what} is missing (${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'})`, {
        hint: 'reinstall Gauntlet (npm ci builds it); the package ships dist/report/dashboard-client and depends on uplot',
      });
    }
  };
  assets = {
    uplotJs: read(require.resolve('uplot/dist/uPlot.iife.min.js'), 'uPlot'),
    uplotCss: read(require.resolve('uplot/dist/uPlot.min.css'), "uPlot's stylesheet"),
    // tsc emits `export {};` for the type-only import: the script runs as a module, where that is valid.
    client: read(CLIENT_SCRIPT, "the page's script"),
  };
  return assets;
}

/** jsonForScript embeds JSON in a <script type="application/json">: nothing in it can close the element. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

const CSS = `:root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--ok:#15803d;--warn:#b45309;--fail:#b91c1c;--bg:#fff;--panel:#f9fafb}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:16px 20px 40px}
h1{font-size:21px;margin:0;word-break:break-all}h2{font-size:17px;margin:26px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:14px;margin:4px 0 6px}
.top{display:flex;gap:16px;align-items:center;flex-wrap:wrap}.top .grow{flex:1;min-width:240px}.live{font-size:13px;color:var(--muted)}
button{font:inherit;padding:6px 14px;border-radius:6px;border:1px solid #b91c1c;background:#fff;color:#b91c1c;cursor:pointer}button:disabled{opacity:.45;cursor:default}
button.plain{border-color:#9ca3af;color:#374151;padding:2px 10px;font-size:12px}
.banner{margin:12px 0;padding:10px 14px;border-radius:6px;font-weight:600;border:1px solid}
.banner[data-state=ok]{background:#f0fdf4;color:var(--ok);border-color:#bbf7d0}.banner[data-state=warn]{background:#fffbeb;color:var(--warn);border-color:#fde68a}
.banner[data-state=fail]{background:#fef2f2;color:var(--fail);border-color:#fecaca}.banner[data-state=running]{background:#eff6ff;color:#1d4ed8;border-color:#bfdbfe}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(130px,1fr));gap:8px;margin:10px 0}
.tile{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px 10px}.tile .v{font-size:20px;font-weight:600;font-variant-numeric:tabular-nums}
.tile .l{font-size:12px;color:var(--muted)}.tile .s{font-size:12px;color:var(--muted)}.tile[data-tone=fail] .v{color:var(--fail)}.tile[data-tone=warn] .v{color:var(--warn)}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:12px}
.chart{border:1px solid var(--line);border-radius:6px;padding:8px;margin:0;min-width:0;break-inside:avoid}.chart h3{display:flex;justify-content:space-between}
table{border-collapse:collapse;margin:6px 0;max-width:100%}td,th{padding:3px 10px;border-bottom:1px solid #f0f0f0;text-align:left;vertical-align:top}td.num{text-align:right;white-space:nowrap}
th{background:var(--panel);font-weight:600}td{overflow-wrap:anywhere}
table.kv td{text-align:left}table.kv td:first-child{color:var(--muted);white-space:nowrap}
.t-ok{color:var(--ok);font-weight:600}.t-warn{color:var(--warn);font-weight:600}.t-fail{color:var(--fail);font-weight:600}
.bar{display:inline-block;height:8px;background:#93c5fd;border-radius:2px;margin-left:6px;vertical-align:middle}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:middle;opacity:.6}
.note{color:var(--muted);font-size:13px}pre{background:var(--panel);padding:8px;overflow-x:auto;font-size:12px;white-space:pre-wrap}
.grid td{text-align:center}.grid td.c-ok{background:#f0fdf4}.grid td.c-warn{background:#fffbeb}.grid td.c-fail{background:#fef2f2}.grid a{color:inherit}
.run{margin-top:8px}.run+.run{border-top:3px solid var(--line);margin-top:32px;padding-top:8px}
@media print{body{padding:0;font-size:11px}.noprint,button{display:none!important}.charts{grid-template-columns:1fr 1fr}.chart,table,.tiles{break-inside:avoid}
h2{break-after:avoid}details{display:block}details>summary{list-style:none}.banner{-webkit-print-color-adjust:exact;print-color-adjust:exact}}`;

/**
 * renderPage renders a page document as one HTML file: the data in a <script type="application/json">,
 * uPlot and the page's script inlined, a Content-Security-Policy that allows exactly those two scripts
 * (by hash) and, for a served dashboard, connections to its own origin. Without script the page shows
 * each run's text summary.
 */
export function renderPage(doc: PageDoc): string {
  const a = pageAssets();
  const connect = doc.live !== undefined ? " connect-src 'self';" : '';
  const csp = `default-src 'none'; script-src ${sha256(a.uplotJs)} ${sha256(a.client)}; style-src 'unsafe-inline'; img-src data:;${connect} base-uri 'none'; form-action 'none'`;
  const noscript = doc.runs
    .filter((r) => r.text !== undefined)
    .map((r) => `<h2>${escapeHtml(r.title)}</h2><pre>${escapeHtml(r.text)}</pre>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gauntlet: ${escapeHtml(doc.title)}</title>
<style>${a.uplotCss}</style>
<style>${CSS}</style></head><body>
<div id="app"><h1>${escapeHtml(doc.title)}</h1><noscript><p>This page draws its charts with script; here is the text summary.</p>${noscript}</noscript></div>
<script type="application/json" id="gauntlet-data">${jsonForScript(doc)}</script>
<script>${a.uplotJs}</script>
<script type="module">${a.client}</script>
</body></html>
`;
}

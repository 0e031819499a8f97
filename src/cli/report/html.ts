// HTML helpers of the report: escaping and number formatting. Escaping is the XSS defence, and the page's
// Content-Security-Policy (no scripts, nothing fetched) is the second line behind it.

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML and SVG, in element content and in quoted attribute values alike.
 *
 * @example
 * esc('<b onclick="x">'); // '&lt;b onclick=&quot;x&quot;&gt;'
 */
export function esc(v: unknown): string {
  return String(v).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** A coordinate with two decimals: short paths, no exponent notation. */
export function num(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 100) / 100) : '0';
}

/** A metric for display: four significant decimals, `-` for a missing or NaN value. */
export function metric(v: unknown): string {
  if (typeof v !== 'number' || Number.isNaN(v)) return '-';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : v.toFixed(4);
}

/** A table from a header and rows of already-escaped cells. */
export function table(header: string[], rows: string[][], cls = ''): string {
  const head = header.map((h) => `<th>${h}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/**
 * The head of a report page: its Content-Security-Policy forbids scripts and every fetch, styles are inline.
 *
 * @example
 * const html = `${pageHead('mlinfer drift')}<body>...</body></html>`;
 */
export function pageHead(title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style></head>
`;
}

export const STYLE = `
:root{color-scheme:light}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#111827;background:#f8fafc}
header{background:#0f172a;color:#f8fafc;padding:18px 28px}
header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#cbd5e1}
header code{background:#1e293b;color:#e2e8f0}
main{padding:8px 28px 40px;max-width:1180px}
section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:14px 18px;margin:16px 0}
h2{font-size:16px;margin:0 0 10px}
.kpis{display:flex;flex-wrap:wrap;gap:10px}
.kpi{border:1px solid #e2e8f0;border-radius:6px;padding:8px 12px;min-width:110px}
.kpi b{display:block;font-size:20px}
.kpi span{color:#64748b;font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:14px}
table{border-collapse:collapse;font-size:13px}
th,td{border-bottom:1px solid #e2e8f0;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f1f5f9}
td.n{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:12px;background:#f1f5f9;padding:1px 4px;border-radius:3px}
.muted{color:#64748b}
.warn{color:#b45309}
svg.chart{background:#fff}
svg .title{font-size:13px;font-weight:600;fill:#111827}
svg .axis{font-size:12px;fill:#334155}
svg .tick{font-size:10px;fill:#475569}
svg .plot{fill:none;stroke:#cbd5e1}
svg .grid{stroke:#eef2f7}
svg .diagonal{stroke:#94a3b8;stroke-dasharray:4 4;fill:none}
svg .series{fill:none;stroke-width:2}
svg .dot{fill:#2563eb;fill-opacity:.45}
svg .bar{fill:#2563eb}
svg .count{font-size:12px;fill:#111827}
svg .count.light{fill:#fff}
`;

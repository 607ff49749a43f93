/**
 * The router dashboard: one self-contained page (no build step, no external assets) served at the admin
 * API's `/`. It polls GET /dashboard/state every two seconds and derives per-route request and error rates
 * from the cumulative counters it gets, so the server keeps no per-viewer state.
 */
import { createHash } from 'node:crypto';

export const DASHBOARD_HTML = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>serval router</title>
<style>
  :root { --fg:#1d232b; --muted:#6b7480; --line:#e3e6ea; --ok:#1a7f37; --bad:#cf222e; --warn:#9a6700; --accent:#0b5cad; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:#f6f7f9; }
  header { display:flex; gap:1.5rem; align-items:baseline; padding:.9rem 1.4rem; background:#fff; border-bottom:1px solid var(--line); flex-wrap:wrap; }
  header h1 { font-size:1.1rem; margin:0; }
  header .meta { color:var(--muted); }
  header code { color:var(--fg); }
  #token { margin-left:auto; display:flex; gap:.4rem; }
  #token input { width:16rem; padding:.25rem .4rem; border:1px solid var(--line); border-radius:4px; }
  main { padding:1rem 1.4rem; display:grid; gap:1rem; }
  section { background:#fff; border:1px solid var(--line); border-radius:6px; padding:.8rem 1rem; }
  h2 { font-size:.95rem; margin:.1rem 0 .6rem; }
  table { border-collapse:collapse; width:100%; }
  th, td { text-align:left; padding:.3rem .5rem; border-bottom:1px solid var(--line); vertical-align:top; }
  th { color:var(--muted); font-weight:600; font-size:.8rem; text-transform:uppercase; letter-spacing:.03em; }
  td.num { text-align:right; font-variant-numeric: tabular-nums; }
  .pill { display:inline-block; padding:0 .45rem; border-radius:9px; font-size:.78rem; background:#eef1f4; margin:0 .2rem .1rem 0; }
  .ok { color:var(--ok); } .bad { color:var(--bad); } .warn { color:var(--warn); }
  #status.bad { font-weight:600; }
  .empty { color:var(--muted); font-style:italic; }
</style>
</head>
<body>
<header>
  <h1>serval router</h1>
  <span class="meta">config <code id="version">-</code></span>
  <span class="meta">changed <span id="changed">-</span></span>
  <span class="meta">swaps <span id="swaps">-</span></span>
  <span class="meta" id="status">connecting...</span>
  <form id="token">
    <input id="token-input" type="password" placeholder="admin token (if set)" autocomplete="off">
    <button type="submit">Use</button>
  </form>
</header>
<main>
  <section><h2>Listeners</h2><table id="listeners"><thead><tr><th>name</th><th>address</th><th>protocol</th><th>virtual hosts</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Routes</h2><table id="routes"><thead><tr><th>listener / host</th><th>route</th><th>match</th><th>filters</th><th>backends</th><th class="num">req/s</th><th class="num">5xx/s</th><th class="num">requests</th><th class="num">5xx</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Backend pools</h2><table id="pools"><thead><tr><th>pool</th><th>endpoint</th><th>health</th><th class="num">in flight</th></tr></thead><tbody></tbody></table></section>
</main>
<script>
'use strict';
let token = sessionStorage.getItem('serval-admin-token') || '';
let previous = null; // last state, to turn cumulative counters into rates

document.getElementById('token').addEventListener('submit', (event) => {
  event.preventDefault();
  token = document.getElementById('token-input').value.trim();
  sessionStorage.setItem('serval-admin-token', token);
  refresh();
});

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
function pills(items) {
  const td = el('td');
  if (!items.length) td.append(el('span', '-', 'empty'));
  for (const item of items) td.append(el('span', item, 'pill'));
  return td;
}
function row(cells) {
  const tr = el('tr');
  for (const c of cells) tr.append(c instanceof Node ? c : el('td', String(c)));
  return tr;
}
function fill(id, rows, emptyText) {
  const body = document.querySelector('#' + id + ' tbody');
  body.replaceChildren(...(rows.length ? rows : [row([el('td', emptyText, 'empty')])]));
}

function describeMatch(m) {
  const out = [];
  if (m.path) out.push(m.path.type + ' ' + m.path.value);
  if (m.method) out.push(m.method);
  for (const h of m.headers || []) out.push('header ' + h.name + (h.type === 'RegularExpression' ? ' ~ ' : ' = ') + h.value);
  for (const q of m.queryParams || []) out.push('query ' + q.name + (q.type === 'RegularExpression' ? ' ~ ' : ' = ') + q.value);
  return out.length ? out : ['any'];
}
function describeHeaders(prefix, mod) {
  const parts = [];
  for (const h of mod.set || []) parts.push('set ' + h.name);
  for (const h of mod.add || []) parts.push('add ' + h.name);
  for (const n of mod.remove || []) parts.push('remove ' + n);
  return prefix + ': ' + (parts.join(', ') || 'none');
}
function describePath(p) {
  return p ? (p.type === 'ReplacePrefixMatch' ? 'prefix -> ' : 'path -> ') + p.value : '';
}
function describeFilter(f) {
  switch (f.type) {
    case 'RequestHeaderModifier': return describeHeaders('request headers', f.requestHeaderModifier);
    case 'ResponseHeaderModifier': return describeHeaders('response headers', f.responseHeaderModifier);
    case 'URLRewrite': return ['rewrite', f.urlRewrite.hostname ? 'host -> ' + f.urlRewrite.hostname : '', describePath(f.urlRewrite.path)].filter(Boolean).join(' ');
    case 'RequestRedirect': {
      const r = f.requestRedirect;
      return ['redirect ' + (r.statusCode || 302), r.scheme, r.hostname, r.port ? ':' + r.port : '', describePath(r.path)].filter(Boolean).join(' ');
    }
    case 'RequestMirror': return 'mirror -> ' + f.requestMirror.pool + (f.requestMirror.percent !== undefined ? ' (' + f.requestMirror.percent + '%)' : '');
    default: return f.type;
  }
}
function describeBackends(backends) {
  const total = backends.reduce((sum, b) => sum + b.weight, 0);
  if (!backends.length) return ['none (500)'];
  return backends.map((b) => (b.pool || 'unresolved (500)') + (backends.length > 1 ? ' ' + (total ? Math.round((b.weight / total) * 100) : 0) + '%' : ''));
}
function rate(now, before, seconds) {
  return before === undefined || seconds <= 0 ? 0 : Math.max(0, (now - before) / seconds);
}
function statCells(now, old, seconds) {
  const errs = rate(now.errors, old.errors, seconds);
  return [
    el('td', rate(now.requests, old.requests, seconds).toFixed(1), 'num'),
    el('td', errs.toFixed(1), 'num' + (errs > 0 ? ' bad' : '')),
    el('td', String(now.requests), 'num'),
    el('td', String(now.errors), 'num' + (now.errors > 0 ? ' bad' : '')),
  ];
}

function render(state) {
  document.getElementById('version').textContent = state.version || 'none';
  document.getElementById('changed').textContent = state.changedAt ? new Date(state.changedAt).toLocaleString() : '-';
  document.getElementById('swaps').textContent = String(state.swaps);
  const seconds = previous ? (state.at - previous.at) / 1000 : 0;
  const before = previous ? previous.routeStats : {};

  fill('listeners', state.listeners.map((l) => row([l.name, (l.address || '0.0.0.0') + ':' + l.port,
    l.protocol + (l.tls ? ' (' + l.tls.certificates.length + ' cert' + (l.tls.certificates.length === 1 ? '' : 's') + ')' : ''),
    pills(l.virtualHosts.map((v) => v.hostnames.join(', ') || '*'))])), 'no listeners');

  const routeRows = [];
  for (const l of state.listeners) for (const v of l.virtualHosts) for (const r of v.routes) {
    const now = state.routeStats[r.name] || { requests: 0, errors: 0 };
    routeRows.push(row([l.name + ' / ' + (v.hostnames.join(', ') || '*'), el('td', r.name, 'route-name'), pills(describeMatch(r.match)),
      pills((r.filters || []).map(describeFilter)), pills(describeBackends(r.backends)), ...statCells(now, before[r.name] || {}, seconds)]));
  }
  const unmatched = state.routeStats[''];
  if (unmatched && unmatched.requests > 0) {
    routeRows.push(row([el('td', 'any', 'empty'), el('td', 'no route matched (404)', 'empty'), '', '', '', ...statCells(unmatched, before[''] || {}, seconds)]));
  }
  fill('routes', routeRows, 'no routes');

  const poolRows = [];
  for (const p of state.pools) {
    if (!p.endpoints.length) poolRows.push(row([p.name, el('td', 'no endpoints (503)', 'warn'), '', '']));
    for (const e of p.endpoints) {
      const health = e.healthy ? el('td', 'healthy', 'ok') : el('td', 'ejected' + (e.ejectedUntil ? ' until ' + new Date(e.ejectedUntil).toLocaleTimeString() : ''), 'bad');
      poolRows.push(row([p.name, e.host + ':' + e.port, health, el('td', String(e.inFlight), 'num')]));
    }
  }
  fill('pools', poolRows, 'no pools');
  previous = state;
}

async function refresh() {
  const status = document.getElementById('status');
  try {
    const res = await fetch('dashboard/state', { headers: token ? { authorization: 'Bearer ' + token } : {} });
    if (res.status === 401) {
      status.textContent = token ? 'admin token rejected' : 'admin token required';
      status.className = 'bad';
      return;
    }
    if (!res.ok) throw new Error('HTTP ' + res.status);
    render(await res.json());
    status.textContent = 'live'; status.className = 'ok';
  } catch (err) {
    status.textContent = 'unreachable (' + err.message + ')'; status.className = 'bad';
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
`;

/** Only the page's own inline script and styles may run, and it may only talk back to this admin API. */
export const DASHBOARD_CSP = (() => {
  const script = /<script>([\s\S]*)<\/script>/.exec(DASHBOARD_HTML)?.[1] ?? '';
  const hash = createHash('sha256').update(script).digest('base64');
  return `default-src 'none'; script-src 'sha256-${hash}'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`;
})();

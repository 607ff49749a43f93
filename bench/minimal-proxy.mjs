// The http-proxy ceiling: one process, no routing, a shared keep-alive agent to one upstream.
// Usage: node bench/minimal-proxy.mjs <listenPort> <upstreamPort>
import http from 'node:http';
import httpProxy from 'http-proxy';

const [listenPort, upstreamPort] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${upstreamPort}`, agent, xfwd: false });
proxy.on('error', (_err, _req, res) => {
  res.writeHead?.(502);
  res.end();
});
http.createServer((req, res) => proxy.web(req, res)).listen(listenPort, '127.0.0.1', () => process.send?.('ready'));

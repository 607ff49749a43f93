/**
 * The container HEALTHCHECK: alive when this container's admin API answers /healthz.
 * One image runs every mode, so it tries the router/standalone admin port, then the controller's.
 */
const ports = [process.env.ADMIN_PORT ?? '9901', process.env.PORT ?? '8081'];

async function healthy(port: string): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

const results = await Promise.all(ports.map(healthy));
process.exit(results.some(Boolean) ? 0 : 1);

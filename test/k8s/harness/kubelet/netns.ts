// Pod networking for the test kubelet: one network namespace per Pod, joined
// to a host bridge by a veth pair.
//
// Why network namespaces: every Pod of a Deployment runs the same backend
// (echo-basic), which binds ":3000" on ALL interfaces. Extra loopback
// addresses (127.0.0.x) in one namespace would therefore collide on the port;
// a namespace per Pod gives each its own IP and port space, like a real node.
// Only the project's own namespaces/links are created or touched (names
// serval<k>*/sv<k>-*), and traffic only flows between the host and them.
//
// Several test runs may share the machine (other engineers, CI), so each
// kubelet claims an instance number k (a pid file under /run/serval-kubelet)
// and uses bridge serval<k> with 10.244.<k>.1/24; resources of instances whose
// owner process is dead (a crashed run) are removed before reuse.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const STATE_DIR = '/run/serval-kubelet';
const MAX_INSTANCES = 200;

/** Absolute path of iproute2's `ip` (it lives in sbin, which a non-login PATH may lack). */
export const IP_BIN = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p)) ?? 'ip';

async function ip(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(IP_BIN, args);
    return stdout;
  } catch (err) {
    throw new Error(`ip ${args.join(' ')} failed: ${(err as { stderr?: string }).stderr?.trim() ?? err}`, { cause: err });
  }
}

async function ipQuiet(...args: string[]): Promise<void> {
  await ip(...args).catch(() => {});
}

export interface PodNet {
  netns: string;
  ip: string;
}

export class PodNetwork {
  private readonly free: number[] = [];
  private readonly used = new Map<string, number>();

  private constructor(readonly instance: number) {
    for (let n = 2; n <= 254; n++) this.free.push(n);
  }

  get bridge(): string {
    return `serval${this.instance}`;
  }
  /** The host's address on the bridge; reported as Node InternalIP and Pod hostIP. */
  get hostIP(): string {
    return `10.244.${this.instance}.1`;
  }

  /** Claims a free instance number (cleaning up after crashed runs) and creates the bridge. */
  static async create(): Promise<PodNetwork> {
    mkdirSync(STATE_DIR, { recursive: true });
    for (let k = 0; k < MAX_INSTANCES; k++) {
      if (!claim(k)) continue;
      const net = new PodNetwork(k);
      await cleanupInstance(k); // leftovers of a crashed owner of the same k
      await ip('link', 'add', net.bridge, 'type', 'bridge');
      await ip('addr', 'add', `${net.hostIP}/24`, 'dev', net.bridge);
      await ip('link', 'set', net.bridge, 'up');
      process.on('exit', net.exitHook);
      return net;
    }
    throw new Error(`no free serval-kubelet instance in ${STATE_DIR}`);
  }

  /** Creates the Pod's namespace and veth, returns its IP. `key` identifies the Pod (its UID). */
  async add(key: string): Promise<PodNet> {
    const n = this.free.shift();
    if (n === undefined) throw new Error(`pod network ${this.bridge} is full`);
    this.used.set(key, n);
    const netns = this.netnsName(n);
    const hostVeth = `sv${this.instance}-${n}`;
    const podIP = `10.244.${this.instance}.${n}`;
    try {
      await ip('netns', 'add', netns);
      await ip('link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
      await ip('link', 'set', hostVeth, 'master', this.bridge);
      await ip('link', 'set', hostVeth, 'up');
      await ip('-n', netns, 'link', 'set', 'lo', 'up');
      await ip('-n', netns, 'addr', 'add', `${podIP}/24`, 'dev', 'eth0');
      await ip('-n', netns, 'link', 'set', 'eth0', 'up');
      await ip('-n', netns, 'route', 'add', 'default', 'via', this.hostIP);
    } catch (err) {
      await this.remove(key);
      throw err;
    }
    return { netns, ip: podIP };
  }

  async remove(key: string): Promise<void> {
    const n = this.used.get(key);
    if (n === undefined) return;
    this.used.delete(key);
    await ipQuiet('netns', 'del', this.netnsName(n));
    // Deleting the namespace destroys the veth pair, but asynchronously; make
    // sure the host end is gone before the number is reused.
    await ipQuiet('link', 'del', `sv${this.instance}-${n}`);
    this.free.push(n);
  }

  // A test run that exits without stop() (failure, process.exit) still
  // removes its namespaces; only SIGKILL leaves them to the next run's claim().
  private readonly exitHook = () => {
    try {
      execFileSync('sh', ['-c', `for ns in $(${IP_BIN} netns list | cut -d' ' -f1 | grep '^serval${this.instance}-'); do ${IP_BIN} netns del $ns; done; ${IP_BIN} link del serval${this.instance}`], { stdio: 'ignore' });
      unlinkSync(ownerFile(this.instance));
    } catch {
      /* best effort */
    }
  };

  /** Removes every namespace, veth and the bridge of this instance and releases it. */
  async destroy(): Promise<void> {
    process.removeListener('exit', this.exitHook);
    await cleanupInstance(this.instance);
    this.used.clear();
    try {
      unlinkSync(ownerFile(this.instance));
    } catch {
      /* already gone */
    }
  }

  private netnsName(n: number): string {
    return `serval${this.instance}-${n}`;
  }
}

function ownerFile(k: number): string {
  return `${STATE_DIR}/${k}.owner`;
}

/** Takes instance k if free or if its owner process is dead. */
function claim(k: number): boolean {
  const file = ownerFile(k);
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    let owner = 0;
    try {
      owner = Number(readFileSync(file, 'utf8'));
    } catch {
      return false;
    }
    if (owner && isAlive(owner)) return false;
    writeFileSync(file, String(process.pid)); // stale: take it over
    return true;
  }
}

async function cleanupInstance(k: number): Promise<void> {
  const namespaces = (await ip('netns', 'list').catch(() => ''))
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter((name) => name.startsWith(`serval${k}-`));
  for (const ns of namespaces) await ipQuiet('netns', 'del', ns);
  const links = (await ip('-o', 'link', 'show').catch(() => ''))
    .split('\n')
    .map((line) => line.split(':')[1]?.trim().split('@')[0] ?? '')
    .filter((name) => name.startsWith(`sv${k}-`) || name === `serval${k}`);
  for (const link of links) await ipQuiet('link', 'del', link);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

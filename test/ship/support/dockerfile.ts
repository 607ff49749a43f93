/** Just enough of a Dockerfile parser to test what the image runs: stages, instructions, exec-form arrays. */

export interface Instruction {
  keyword: string;
  /** The rest of the (joined) line. */
  args: string;
  line: number;
}

export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** `ARG NAME=default` lines before the first FROM: what FROM lines may use, as Docker allows. */
export function globalArgs(text: string): Record<string, string> {
  const args: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (/^\s*FROM\s/i.test(line)) break;
    const m = /^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?\s*$/i.exec(line);
    if (m) args[m[1]] = m[2] ?? '';
  }
  return args;
}

/** `${NAME}` and `$NAME` replaced by the global ARGs' defaults (what a build without --build-arg gets). */
function substitute(value: string, args: Record<string, string>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    if (!(name in args)) throw new Error(`Dockerfile: FROM uses $${name}, which no ARG before the first FROM declares`);
    return args[name];
  });
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const buildArgs = globalArgs(text);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i];
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + ' ' + lines[++i].trim();
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile line ${start + 1}: cannot parse "${line}"`);
    const keyword = m[1].toUpperCase();
    const args = m[2].trim();
    if (keyword === 'FROM') {
      const [from, as, name] = args.split(/\s+/);
      stages.push({ from: substitute(from, buildArgs), ...(as?.toUpperCase() === 'AS' ? { name } : {}), instructions: [] });
      continue;
    }
    if (!stages.length && keyword === 'ARG') continue; // global ARGs: read by globalArgs()
    if (!stages.length) throw new Error(`Dockerfile line ${start + 1}: ${keyword} before FROM`);
    stages.at(-1)!.instructions.push({ keyword, args, line: start + 1 });
  }
  return stages;
}

/** The exec form `["a", "b"]`; the shell form is refused (signals would go to /bin/sh, not serval). */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`not an exec-form array: ${args}`);
  return parsed;
}

export function only(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** The last instruction of a kind (Docker's rule for ENTRYPOINT, CMD, USER, WORKDIR, HEALTHCHECK). */
export function last(stage: Stage, keyword: string): Instruction | undefined {
  return only(stage, keyword).at(-1);
}

/** `ENV K=V [K2=V2]` and the legacy `ENV K V`. */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of only(stage, 'ENV')) {
    if (!args.includes('=')) {
      const [k, ...v] = args.split(/\s+/);
      env[k] = v.join(' ');
      continue;
    }
    for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)) env[m[1]] = m[3] ?? m[2];
  }
  return env;
}

/** `HEALTHCHECK [--opt=v ...] CMD [...]`: options and the command. */
export function healthcheck(stage: Stage): { options: Record<string, string>; command: string[] } | undefined {
  const h = last(stage, 'HEALTHCHECK');
  if (!h) return undefined;
  const m = /^((?:--[a-z-]+=\S+\s+)*)CMD\s+(.*)$/.exec(h.args);
  if (!m) throw new Error(`HEALTHCHECK line ${h.line}: expected [options] CMD [...]`);
  const options = Object.fromEntries([...m[1].matchAll(/--([a-z-]+)=(\S+)/g)].map((o) => [o[1], o[2]]));
  return { options, command: execForm(m[2]) };
}

/** `COPY [--from=stage] src... dest`. */
export function copies(stage: Stage): { from?: string; sources: string[]; dest: string }[] {
  return only(stage, 'COPY').map(({ args }) => {
    const parts = args.split(/\s+/);
    const from = parts[0].startsWith('--from=') ? parts.shift()!.slice('--from='.length) : undefined;
    const dest = parts.pop()!;
    return { ...(from ? { from } : {}), sources: parts, dest };
  });
}

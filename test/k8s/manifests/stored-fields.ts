/** What an applied manifest lost on its way into the API server. */

/** Paths present in `want` but absent (or different, for scalars) in `got`. Status and server-set fields are not compared. */
export function missingPaths(want: unknown, got: unknown, path = ''): string[] {
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) return [path];
    return want.flatMap((w, i) => missingPaths(w, got[i], `${path}/${i}`));
  }
  if (want !== null && typeof want === 'object') {
    if (got === null || typeof got !== 'object') return [path];
    return Object.entries(want).flatMap(([k, v]) => missingPaths(v, (got as Record<string, unknown>)[k], `${path}/${k}`));
  }
  // The API omits empty strings (omitempty), and quantities or ints-or-strings may come back in another spelling.
  if (want === '' && got === undefined) return [];
  return String(want) === String(got) ? [] : [`${path} (sent ${JSON.stringify(want)}, stored ${JSON.stringify(got)})`];
}

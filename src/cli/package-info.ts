import { readFileSync } from 'node:fs';

/** name and version from package.json (two levels up from both src/cli and dist/cli). */
export function packageInfo(): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
}

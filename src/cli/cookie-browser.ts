/**
 * A tiny browser for walking the OAuth flow in `lsslack demo` (and in tests): real HTTP requests,
 * manual redirects, and a cookie jar keyed by cookie name (enough for one loopback host).
 */
export class CookieBrowser {
  readonly jar = new Map<string, string>();
  readonly rawSetCookies: string[] = [];

  async get(url: string): Promise<{ status: number; location?: string; body: string; headers: Headers }> {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: cookie === '' ? {} : { cookie } });
    for (const line of res.headers.getSetCookie()) {
      this.rawSetCookies.push(line);
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return { status: res.status, location: res.headers.get('location') ?? undefined, body: await res.text(), headers: res.headers };
  }
}

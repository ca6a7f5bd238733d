/**
 * A tiny browser for walking the OAuth flow in `lsslack demo` (and in tests): real HTTP requests,
 * manual redirects, and a cookie jar keyed by cookie name (enough for one loopback host).
 */
export class CookieBrowser {
  readonly jar = new Map<string, string>();
  readonly rawSetCookies: string[] = [];

  get(url: string): Promise<{ status: number; location?: string; body: string; headers: Headers }> {
    return this.request(url, {});
  }

  /** Posts a form (application/x-www-form-urlencoded), as a browser submits one. */
  post(url: string, fields: Readonly<Record<string, string>>): Promise<{ status: number; location?: string; body: string; headers: Headers }> {
    return this.request(url, { method: 'POST', body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  /** Submits the first form of a page (its action resolved against the page's URL), as pressing its button does. */
  async submitFirstForm(pageUrl: string, html: string): Promise<{ status: number; location?: string; body: string; headers: Headers }> {
    const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
    if (form === null) throw new Error('the page has no form to submit');
    const fields: Record<string, string> = {};
    for (const input of form[2]!.matchAll(/<input[^>]*name="([^"]*)"[^>]*value="([^"]*)"[^>]*>/gi)) fields[decodeEntities(input[1]!)] = decodeEntities(input[2]!);
    return this.post(new URL(decodeEntities(form[1]!), pageUrl).toString(), fields);
  }

  private async request(url: string, init: { method?: string; body?: string; headers?: Record<string, string> }): Promise<{ status: number; location?: string; body: string; headers: Headers }> {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', method: init.method, body: init.body, headers: { ...init.headers, ...(cookie === '' ? {} : { cookie }) } });
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

function decodeEntities(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * The few pages a person sees while linking: small, self-contained HTML (inline styles, no
 * scripts, no external assets), readable on a phone, speaking to the person rather than in codes.
 */

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export interface PageAction {
  readonly label: string;
  readonly href: string;
  /**
   * Sent as a form POST with these hidden fields (an action that changes something: it must not
   * happen on a mere GET, which link scanners and reloads repeat).
   */
  readonly post?: Readonly<Record<string, string>>;
}

export interface PageContent {
  readonly title: string;
  /** Paragraphs, already-safe HTML (callers escape dynamic parts with escapeHtml). */
  readonly paragraphs: readonly string[];
  readonly action?: PageAction;
  /** A command to copy, shown in a code block. */
  readonly command?: string;
  readonly tone?: 'info' | 'success' | 'problem';
}

const ACCENT = { info: '#4a154b', success: '#2eb67d', problem: '#e01e5a' } as const;

export function renderPage(page: PageContent): string {
  const accent = ACCENT[page.tone ?? 'info'];
  const action = page.action === undefined ? '' : actionHtml(page.action);
  const command = page.command === undefined ? '' : `<pre><code>${escapeHtml(page.command)}</code></pre>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · lsslack</title>
<style>
body{margin:0;padding:0 1rem;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1c1d;background:#f8f8f8}
main{max-width:34rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px;border-top:6px solid ${accent};box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.4rem;line-height:1.25;margin:0 0 1rem}
.button{display:inline-block;padding:.7rem 1.2rem;border:0;border-radius:6px;background:#4a154b;color:#fff;text-decoration:none;font:inherit;font-weight:600;cursor:pointer}
.button:focus{outline:3px solid #1264a3;outline-offset:2px}
pre{background:#f4f4f4;padding:.75rem;border-radius:6px;font-size:.9rem;white-space:pre-wrap;overflow-wrap:anywhere;user-select:all}
footer{margin-top:1.5rem;font-size:.85rem;color:#616061}
</style>
</head>
<body>
<main>
<h1>${escapeHtml(page.title)}</h1>
${page.paragraphs.map((p) => `<p>${p}</p>`).join('\n')}
${command}
${action}
<footer>lsslack — trace previews in Slack</footer>
</main>
</body>
</html>
`;
}

function actionHtml(action: PageAction): string {
  if (action.post === undefined) return `<p><a class="button" href="${escapeHtml(action.href)}">${escapeHtml(action.label)}</a></p>`;
  const fields = Object.entries(action.post).map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('');
  return `<form method="post" action="${escapeHtml(action.href)}">${fields}<p><button class="button" type="submit">${escapeHtml(action.label)}</button></p></form>`;
}

/** One line of `lsslack doctor`'s checklist. */
export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  /** What was checked, e.g. "bot token (auth.test)". */
  readonly name: string;
  readonly status: CheckStatus;
  /** What was found; never a secret value. */
  readonly detail: string;
  /** How to fix it (failures only). */
  readonly hint?: string;
}

export const pass = (name: string, detail: string): CheckResult => ({ name, status: 'pass', detail });
export const fail = (name: string, detail: string, hint: string): CheckResult => ({ name, status: 'fail', detail, hint });
export const skip = (name: string, detail: string): CheckResult => ({ name, status: 'skip', detail });

const MARK = { pass: '✓', fail: '✗', skip: '–' } as const;

/** The checklist as text: one line per check, the fix hint indented under each failure. */
export function renderChecklist(results: readonly CheckResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const [first = '', ...rest] = r.detail.split('\n');
    lines.push(`${MARK[r.status]} ${r.name}: ${first}`);
    for (const more of rest) lines.push(`    ${more}`);
    if (r.status === 'fail' && r.hint !== undefined) lines.push(`    fix: ${r.hint}`);
  }
  const failed = results.filter((r) => r.status === 'fail').length;
  const ran = results.filter((r) => r.status !== 'skip').length;
  lines.push('');
  lines.push(failed === 0 ? `All ${ran} check${ran === 1 ? '' : 's'} passed.` : `${failed} of ${ran} check${ran === 1 ? '' : 's'} failed.`);
  return `${lines.join('\n')}\n`;
}

/** A short, secret-free description of an error thrown by fetch/undici or the Slack SDK. */
export function describeNetworkError(error: unknown): string {
  const e = error as { code?: string; cause?: { code?: string; message?: string }; message?: string; original?: { code?: string; message?: string; cause?: { code?: string } } };
  const code = e.original?.cause?.code ?? e.original?.code ?? e.cause?.code ?? e.code;
  const message = e.original?.message ?? e.cause?.message ?? e.message ?? String(error);
  return code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
}

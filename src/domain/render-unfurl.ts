/**
 * Renders a trace summary as the Block Kit body of a `chat.unfurl` (slack-platform.md §7).
 *
 * Only section and context blocks are used: chat.unfurl rejects rich_text, and URL buttons would
 * send interaction payloads we would have to acknowledge. Every dynamic string is escaped and clipped
 * to a fixed budget far below Slack's limits, so the body stays valid whatever the span names are.
 */
import type { PreviewedTrace } from './ports.js';
import type { Block, SpanSummary, TraceRef, TraceSummary, UnfurlContent } from './types.js';

/** Width, in characters, of a waterfall bar. */
const BAR_WIDTH = 20;
/** How many ancestors the selected span's path shows before abbreviating. */
const ANCESTRY_NAMES = 4;
/** Slack's limit for a section or text object is 3000; a link longer than this is not worth risking. */
const MAX_LINK_LENGTH = 2900;

/** Escaped-length budgets per kind of name; each is small enough that any block stays < 3000. */
const BUDGET = {
  service: 80,
  operation: 150,
  pathName: 60,
  row: 80,
  where: 100,
  prefix: 40,
  reason: 300,
} as const;

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Escapes text for Slack mrkdwn. Only `&`, `<` and `>` are entities Slack decodes; escaping anything
 * else would show up literally.
 *
 * @param text - any text not meant as markup (span names, services, projects)
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (char) => ESCAPES[char] ?? char);
}

/**
 * Formats a duration the way trace UIs do: `950µs`, `12.3ms`, `1.42s`, `2m 03s`, `1h 05m`.
 *
 * @param us - microseconds, ≥ 0
 */
export function formatDuration(us: number): string {
  const micros = Math.max(0, Math.round(us));
  if (micros < 1_000) return `${micros}µs`;
  // Decide the unit on the rounded value so 999.96ms becomes `1.00s`, never `1000.0ms`.
  const ms = Math.round(micros / 100) / 10;
  if (ms < 1_000) return `${ms.toFixed(1)}ms`;
  const s = Math.round(micros / 10_000) / 100;
  if (s < 60) return `${s.toFixed(2)}s`;
  const totalSeconds = Math.round(micros / 1_000_000);
  if (totalSeconds < 3_600) return `${Math.floor(totalSeconds / 60)}m ${pad2(totalSeconds % 60)}s`;
  const totalMinutes = Math.round(micros / 60_000_000);
  return `${Math.floor(totalMinutes / 60)}h ${pad2(totalMinutes % 60)}m`;
}

/**
 * Renders the unfurl of a trace that was found.
 *
 * @param summary - the analysis of the trace
 * @param ref - the link that was shared (for where it lives and the "open" link)
 */
export function renderUnfurl(summary: TraceSummary, ref: TraceRef, options: RenderOptions = {}): UnfurlContent {
  if (options.detail === 'summary') return renderSummary(summary, ref, options);
  const blocks: Block[] = [
    section(`*${clippedLabel(summary.root.service, summary.root.name)}*`),
    context(statsElements(summary, ref)),
  ];
  const selection = selectionBlock(summary, ref);
  if (selection !== undefined) blocks.push(selection);
  const path = criticalPathBlock(summary);
  if (path !== undefined) blocks.push(path);
  if (options.stillArriving === true) blocks.push(context([STILL_ARRIVING]));
  blocks.push(context([openLink(ref, whereText(ref))]));
  return { blocks };
}

export interface RenderOptions {
  /** `summary`: for audiences outside (a Slack Connect channel): numbers only, no names. */
  readonly detail?: 'full' | 'summary';
  /** The trace looks incomplete and the preview will refresh itself. */
  readonly stillArriving?: boolean;
}

const STILL_ARRIVING = ':hourglass_flowing_sand: Spans are still arriving: this preview refreshes itself as they come in.';

/**
 * The preview an audience outside the organisation sees: how long, how big, whether it failed —
 * and no name of a service, an operation, a tag, an error or a project, which belong to the
 * people entitled to the trace. The link itself was posted by the sharer, so it stays.
 */
function renderSummary(summary: TraceSummary, ref: TraceRef, options: RenderOptions): UnfurlContent {
  const errors = summary.errorCount === 0 ? 'no errors' : `:red_circle: ${plural(summary.errorCount, 'error')}`;
  const facts = [`*${formatDuration(summary.durationUs)}* · ${plural(summary.spanCount, 'span')} · ${plural(summary.serviceCount, 'service')} · ${errors}`];
  if (summary.partial !== undefined || summary.orphanCount > 0) facts.push(':warning: incomplete trace');
  const blocks: Block[] = [section(`*${clipEscaped(ref.display.product, BUDGET.where)} trace*`), context(facts)];
  if (options.stillArriving === true) blocks.push(context([STILL_ARRIVING]));
  blocks.push(context([openLink(ref)]));
  return { blocks };
}

/**
 * Renders the unfurl of a link whose trace cannot be shown — the backend no longer has it (stored
 * traces expire), or it is too large or too slow to fetch — so the person learns why there is no
 * preview instead of seeing nothing, and can still open it.
 *
 * @param trace - what was learnt of the trace
 * @param ref - the link that was shared
 */
export function renderNotice(trace: Exclude<PreviewedTrace, { kind: 'found' }>, ref: TraceRef, options: Pick<RenderOptions, 'detail'> = {}): UnfurlContent {
  // Where the trace lives (a project, a datasource) is a name: not for an audience outside.
  const where = options.detail === 'summary' ? undefined : whereText(ref);
  const heading = `*${clipEscaped(ref.display.product, BUDGET.where)} trace*${where === undefined ? '' : ` in ${where}`}`;
  return { blocks: [section(`${heading}\n${noticeText(trace, ref)}`), context([openLink(ref)])] };
}

/**
 * Renders the unfurl of a link whose trace the backend no longer has.
 *
 * @param ref - the link that was shared
 */
export function renderTraceGone(ref: TraceRef): UnfurlContent {
  return renderNotice({ kind: 'not_found' }, ref);
}

function noticeText(trace: Exclude<PreviewedTrace, { kind: 'found' }>, ref: TraceRef): string {
  switch (trace.kind) {
    case 'not_found':
      return clipEscaped(ref.display.notFound, BUDGET.reason);
    case 'too_large':
      return `This trace is too large to preview here (${clipEscaped(trace.message, BUDGET.reason)}). Open it in ${clipEscaped(ref.display.product, BUDGET.where)} instead.`;
    case 'timeout':
      return `${clipEscaped(ref.display.product, BUDGET.where)} did not finish sending this trace in time, so there is no preview. Open it there instead.`;
  }
}

/** `project checkout`, escaped; undefined when the backend has no such notion. */
function whereText(ref: TraceRef): string | undefined {
  return ref.display.where === undefined ? undefined : clipEscaped(ref.display.where, BUDGET.where);
}

/** Duration and counts, plus the incomplete-trace warnings and the first error when there are any. */
function statsElements(summary: TraceSummary, ref: TraceRef): string[] {
  const errors = summary.errorCount === 0 ? 'no errors' : plural(summary.errorCount, 'error');
  const elements = [
    `*${formatDuration(summary.durationUs)}* · ${plural(summary.spanCount, 'span')} · ` +
      `${plural(summary.serviceCount, 'service')} · ${errors}`,
  ];
  if (summary.partial !== undefined) {
    elements.push(`:warning: ${clipEscaped(ref.display.product, BUDGET.where)} returned part of this trace only: ${clipEscaped(summary.partial, BUDGET.reason)}`);
  }
  if (summary.orphanCount > 0) {
    elements.push(`:warning: ${plural(summary.orphanCount, 'orphan span')} (incomplete trace)`);
  }
  if (summary.firstError !== undefined) {
    elements.push(`:red_circle: Error starts in *${clippedLabel(summary.firstError.service, summary.firstError.name)}*`);
  }
  return elements;
}

/** The selected span's details, a one-line notice when the fragment did not resolve, else nothing. */
function selectionBlock(summary: TraceSummary, ref: TraceRef): Block | undefined {
  if (summary.selectedStatus === 'found' && summary.selected !== undefined) {
    return section(selectedText(summary.selected, summary.root.spanId));
  }
  const prefix = `#span-${clipEscaped(ref.selectedSpanPrefix ?? '', BUDGET.prefix, true)}`;
  if (summary.selectedStatus === 'not_found') return context([`Selected span \`${prefix}\` is not in this trace.`]);
  if (summary.selectedStatus === 'ambiguous') {
    return context([`Selected span \`${prefix}\` matches several spans; showing the whole trace.`]);
  }
  return undefined;
}

function selectedText(span: SpanSummary, rootSpanId: string): string {
  const facts = [
    formatDuration(span.durationUs),
    `${formatPercent(span.share)} of trace`,
    `starts +${formatDuration(span.offsetUs)}`,
  ];
  if (span.isError) facts.push(':red_circle: error');
  return [
    `*Selected span:* ${clippedLabel(span.service, span.name)}`,
    facts.join(' · '),
    span.ancestry.length > 0
      ? `Path: ${ancestryText(span.ancestry)}`
      : span.spanId === rootSpanId
        ? 'Root span'
        : 'Its parent is not in this trace',
  ].join('\n');
}

/** `root → … → grandparent → parent`: the ends of the chain are what orient a reader. */
function ancestryText(ancestry: SpanSummary['ancestry']): string {
  const label = (a: SpanSummary['ancestry'][number]): string => clipEscaped(labelOf(a.service, a.name), BUDGET.pathName);
  if (ancestry.length <= ANCESTRY_NAMES) return ancestry.map(label).join(' → ');
  const first = ancestry[0];
  const tail = ancestry.slice(ancestry.length - (ANCESTRY_NAMES - 1));
  return [first === undefined ? '' : label(first), '…', ...tail.map(label)].join(' → ');
}

/**
 * The top critical-path contributors as a fixed-width text waterfall. A code block keeps the bars
 * aligned in every Slack client, which no other non-rich_text block can.
 */
function criticalPathBlock(summary: TraceSummary): Block | undefined {
  if (summary.topContributors.length === 0) return undefined;
  const rows = summary.topContributors.map(
    (c) => `${bar(c.share)} ${formatPercent(c.share).padStart(6)}  ${clipEscaped(labelOf(c.service, c.name), BUDGET.row, true)}`,
  );
  return section(`*Critical path* · top contributors\n\`\`\`\n${rows.join('\n')}\n\`\`\``);
}

function bar(share: number): string {
  const filled = Math.round(clamp01(share) * BAR_WIDTH);
  return '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
}

/**
 * `<url|Open trace in Lightstep>`. Slack sent the URL with `&` as `&amp;`; it is decoded, then the
 * three mrkdwn specials are escaped again, and `|` (which would end the URL part) is percent-encoded.
 */
function openLink(ref: TraceRef, suffix?: string): string {
  const url = escapeMrkdwn(ref.url.replace(/&amp;/g, '&')).replace(/\|/g, '%7C');
  // The product name is configuration, not trace data, but it is escaped and kept free of `>` and `|` all the same.
  const product = clipEscaped(ref.display.product, BUDGET.where).replace(/[|]/g, ' ').replace(/&gt;/g, ' ');
  const link = url.length <= MAX_LINK_LENGTH ? `<${url}|Open trace in ${product}>` : `Open the link above in ${product}`;
  return suffix === undefined ? link : `${link} · ${suffix}`;
}

/** `service: operation`, escaped and clipped with each part's own budget. */
function clippedLabel(service: string, name: string): string {
  if (service === '' || name === '') return clipEscaped(labelOf(service, name), BUDGET.service + BUDGET.operation);
  return `${clipEscaped(service, BUDGET.service)}: ${clipEscaped(name, BUDGET.operation)}`;
}

/** `service: operation`, tolerating either part being empty. */
function labelOf(service: string, name: string): string {
  if (service === '') return name === '' ? '(unnamed span)' : name;
  return name === '' ? service : `${service}: ${name}`;
}

/**
 * Escapes `text` and, when the result would exceed `max` characters, cuts it at a whole character
 * (never inside an `&amp;` entity or a surrogate pair) and appends `…`, so the result is ≤ `max`.
 * Control characters become spaces because every name is shown on one line; in code blocks a
 * backtick becomes `ˋ` so a name cannot close the block.
 */
function clipEscaped(text: string, max: number, inCode = false): string {
  let out = '';
  for (const char of text) {
    const piece = displayChar(char, inCode);
    if (out.length + piece.length > max) return cutToFit(out, max);
    out += piece;
  }
  return out;
}

/** Drops trailing whole pieces of an escaped prefix until `…` fits within `max`. */
function cutToFit(escaped: string, max: number): string {
  let end = Math.min(escaped.length, max - 1);
  // Back off out of a partial entity (`&am`) or a lone high surrogate left by the cut.
  const amp = escaped.lastIndexOf('&', end - 1);
  if (amp >= 0 && escaped.indexOf(';', amp) >= end) end = amp;
  const code = escaped.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${escaped.slice(0, end)}…`;
}

function displayChar(char: string, inCode: boolean): string {
  const escaped = ESCAPES[char];
  if (escaped !== undefined) return escaped;
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return ' ';
  return inCode && char === '`' ? 'ˋ' : char;
}

function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function context(texts: readonly string[]): Block {
  return { type: 'context', elements: texts.map((text) => ({ type: 'mrkdwn', text })) };
}

function formatPercent(share: number): string {
  return `${(clamp01(share) * 100).toFixed(1)}%`;
}

function plural(count: number, noun: string): string {
  return `${groupThousands(count)} ${noun}${count === 1 ? '' : 's'}`;
}

/** `1234567` → `1,234,567`, without toLocaleString (slow, and dependent on the ICU build). */
function groupThousands(count: number): string {
  return String(Math.round(count)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function clamp01(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

function pad2(value: number): string {
  return String(value).padStart(2, '0');
}

/**
 * Work Object cards and flexpanes for trace links (docs.slack.dev, "Work Objects" and "Implementing
 * Work Objects"). The card rides on the unfurl and everyone in the conversation sees it, so it
 * carries only what the audience may see; the flexpane is answered per viewer, after checking
 * that viewer's own grants, and carries the whole analysis.
 */
import { formatDuration } from './render-unfurl.js';
import type { DetailLevel, EntityCard, TraceRef, TraceSummary } from './types.js';

/** The entity type that fits a trace best among Slack's: a generic item. */
export const TRACE_ENTITY_TYPE = 'slack#/entities/item';

/** Limits kept far below Slack's (a large combined metadata is refused): short fields, few rows. */
const MAX_FIELD = 500;
const MAX_TITLE = 150;

type Field = NonNullable<EntityCard['entity_payload']['custom_fields']>[number];

/**
 * The card's stable id for a trace: backend and trace id (Lightstep links name a span until the
 * trace is fetched, so that span stands in for it then). A flexpane answer must carry the same.
 */
export function externalRefId(ref: TraceRef, traceId?: string): string {
  const id = traceId ?? (ref.lookup.kind === 'trace' ? ref.lookup.traceId : `span-${ref.lookup.spanId}`);
  return `${ref.backendId}:${id}`;
}

/**
 * The card: at `full`, the root operation as its title and the numbers; at `summary`, the numbers
 * under a neutral title; at `none`, the link's title only (the flexpane still answers per viewer).
 */
export function renderEntityCard(summary: TraceSummary | undefined, ref: TraceRef, detail: DetailLevel, url: string): EntityCard {
  const product = ref.display.product;
  const title = detail === 'full' && summary !== undefined ? label(summary.root.service, summary.root.name) : detail === 'summary' && summary !== undefined ? `${product} trace · ${formatDuration(summary.durationUs)}` : `${product} trace`;
  const fields: Field[] = detail === 'none' || summary === undefined ? [] : numbers(summary);
  return card(ref, url, title, fields, summary?.traceId);
}

/** The flexpane for a viewer entitled to the trace: everything the analysis found. */
export function renderFlexpane(summary: TraceSummary, ref: TraceRef, url: string, externalRef: string): EntityCard {
  const fields: Field[] = [
    { key: 'root', label: 'Root', type: 'string', value: clip(label(summary.root.service, summary.root.name)) },
    ...numbers(summary),
  ];
  if (summary.firstError !== undefined) fields.push({ key: 'first_error', label: 'Error starts in', type: 'string', value: clip(label(summary.firstError.service, summary.firstError.name)) });
  if (summary.selected !== undefined) {
    const s = summary.selected;
    fields.push({ key: 'selected', label: 'Selected span', type: 'string', long: true, value: clip(`${label(s.service, s.name)} · ${formatDuration(s.durationUs)} · ${(s.share * 100).toFixed(1)}% of trace${s.isError ? ' · error' : ''}`) });
  }
  if (summary.topContributors.length > 0) {
    const rows = summary.topContributors.map((c) => `${(c.share * 100).toFixed(1).padStart(5)}%  ${label(c.service, c.name)}`);
    fields.push({ key: 'critical_path', label: 'Critical path', type: 'string', long: true, value: clip(rows.join('\n')) });
  }
  if (summary.services.length > 0) {
    const rows = summary.services.map((s) => `${s.service}: ${s.spanCount} span${s.spanCount === 1 ? '' : 's'}${s.errorCount > 0 ? `, ${s.errorCount} error${s.errorCount === 1 ? '' : 's'}` : ''}, ${formatDuration(s.criticalUs)} on the critical path`);
    fields.push({ key: 'services', label: 'By service', type: 'string', long: true, value: clip(rows.join('\n')) });
  }
  if (ref.display.where !== undefined) fields.push({ key: 'where', label: 'Where', type: 'string', value: clip(ref.display.where) });
  const base = card(ref, url, label(summary.root.service, summary.root.name), fields, undefined);
  return { ...base, external_ref: { id: externalRef, type: 'trace' } };
}

function numbers(summary: TraceSummary): Field[] {
  const fields: Field[] = [
    { key: 'duration', label: 'Duration', type: 'string', value: formatDuration(summary.durationUs) },
    { key: 'spans', label: 'Spans', type: 'integer', value: summary.spanCount },
    { key: 'services_count', label: 'Services', type: 'integer', value: summary.serviceCount },
    { key: 'errors', label: 'Errors', type: 'integer', value: summary.errorCount },
  ];
  if (summary.partial !== undefined || summary.orphanCount > 0) fields.push({ key: 'status', label: 'Status', type: 'string', value: 'incomplete' });
  return fields;
}

function card(ref: TraceRef, url: string, title: string, fields: Field[], traceId: string | undefined): EntityCard {
  return {
    entity_type: TRACE_ENTITY_TYPE,
    // The resource itself: the link with Slack's `&amp;` undone.
    url: url.replace(/&amp;/g, '&'),
    // Exactly the URL posted (the unfurls key): Slack matches the card to the link by it.
    app_unfurl_url: url,
    external_ref: { id: externalRefId(ref, traceId), type: 'trace' },
    entity_payload: {
      attributes: { title: { text: title.slice(0, MAX_TITLE) }, display_type: 'Trace', product_name: ref.display.product },
      ...(fields.length === 0 ? {} : { custom_fields: fields, display_order: fields.map((f) => f.key) }),
    },
  };
}

function label(service: string, name: string): string {
  if (service === '') return name === '' ? '(unnamed span)' : name;
  return name === '' ? service : `${service}: ${name}`;
}

function clip(text: string): string {
  return text.length <= MAX_FIELD ? text : `${text.slice(0, MAX_FIELD - 1)}…`;
}

import type { Block } from '../domain/types.js';

/** Slack mrkdwn → plain terminal text: links become "label (url)", entities are decoded. */
export function mrkdwnToText(text: string): string {
  return text
    .replace(/<([^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<([^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

const textOf = (obj: unknown): string | undefined => {
  if (typeof obj !== 'object' || obj === null) return undefined;
  const t = (obj as { text?: unknown }).text;
  return typeof t === 'string' ? mrkdwnToText(t) : undefined;
};

/** Renders a Block Kit unfurl the way a person would read it in Slack, for the demo. */
export function renderBlocksAsText(blocks: readonly Block[]): string {
  const lines: string[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'header':
        lines.push(`▌ ${textOf(block.text) ?? ''}`);
        break;
      case 'section': {
        const text = textOf(block.text);
        if (text !== undefined) lines.push(...text.split('\n').map((l) => `│ ${l}`));
        const fields = Array.isArray(block.fields) ? block.fields.map(textOf).filter((f): f is string => f !== undefined) : [];
        for (const f of fields) lines.push(`│   ${f.replace(/\n/g, ' ')}`);
        break;
      }
      case 'context': {
        const parts = Array.isArray(block.elements) ? block.elements.map(textOf).filter((p): p is string => p !== undefined) : [];
        lines.push(`│ ${parts.join('  ·  ')}`);
        break;
      }
      case 'divider':
        lines.push(`├${'─'.repeat(60)}`);
        break;
      default:
        lines.push(`│ [${String(block.type)} block]`);
    }
  }
  return lines.join('\n');
}

/** A Work Object entity (a card, or a flexpane's details) the way Slack lays it out, for the demo. */
export function renderCardAsText(card: unknown): string {
  const c = card as { entity_payload?: { attributes?: { title?: { text?: string }; product_name?: string }; custom_fields?: Array<{ label?: string; value?: unknown }> } } | undefined;
  const title = c?.entity_payload?.attributes?.title?.text ?? '(untitled)';
  const lines = [`┌ ${title}${c?.entity_payload?.attributes?.product_name === undefined ? '' : `  · ${c.entity_payload.attributes.product_name}`}`];
  for (const field of c?.entity_payload?.custom_fields ?? []) {
    const [first = '', ...rest] = String(field.value ?? '').split('\n');
    lines.push(`│ ${field.label ?? '?'}: ${first}`);
    for (const more of rest) lines.push(`│   ${more}`);
  }
  return `${lines.join('\n')}\n└`;
}

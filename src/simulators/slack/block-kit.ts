/**
 * Block Kit validation for `chat.unfurl` bodies, limited to what an unfurl may contain (slack-platform.md §7).
 * Slack answers `invalid_blocks` with an `errors` list of messages that end in a JSON pointer, e.g.
 * `must be more than 0 characters [json-pointer:/blocks/0/text/text]`; the simulator copies that shape so the
 * product's error logging is exercised with realistic data.
 */

/** Block types an unfurl may carry. `rich_text` is deliberately absent: chat.unfurl rejects it (§3, §7). */
const KNOWN_BLOCK_TYPES = new Set(['section', 'header', 'context', 'divider', 'image', 'actions']);

const MAX_BLOCKS = 50;
const MAX_BLOCK_ID = 255;
const MAX_TEXT = 3000;
const MAX_HEADER_TEXT = 150;
const MAX_FIELDS = 10;
const MAX_FIELD_TEXT = 2000;
const MAX_CONTEXT_ELEMENTS = 10;
const MAX_ACTIONS_ELEMENTS = 25;
const MAX_IMAGE_URL = 3000;
const MAX_ALT_TEXT = 2000;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a text composition object (`{type:'plain_text'|'mrkdwn', text}`) and returns problems found.
 * @param allowed which text types the surrounding field accepts (header: plain_text only)
 */
function checkText(
  value: unknown,
  pointer: string,
  maxLength: number,
  allowed: ReadonlyArray<string> = ['plain_text', 'mrkdwn'],
): string[] {
  if (!isObject(value)) return [`must be a text object [json-pointer:${pointer}]`];
  if (typeof value.type !== 'string' || !allowed.includes(value.type)) {
    return [`must be one of ${allowed.join(', ')} [json-pointer:${pointer}/type]`];
  }
  if (typeof value.text !== 'string') return [`must provide a string [json-pointer:${pointer}/text]`];
  if (value.text.length < 1) return [`must be more than 0 characters [json-pointer:${pointer}/text]`];
  if (value.text.length > maxLength) {
    return [`must be less than ${maxLength + 1} characters [json-pointer:${pointer}/text]`];
  }
  return [];
}

function checkImageElement(value: Record<string, unknown>, pointer: string): string[] {
  const errors: string[] = [];
  const hasUrl = typeof value.image_url === 'string' && value.image_url.length > 0;
  if (!hasUrl && !isObject(value.slack_file)) {
    errors.push(`must provide image_url or slack_file [json-pointer:${pointer}]`);
  }
  if (typeof value.image_url === 'string' && value.image_url.length > MAX_IMAGE_URL) {
    errors.push(`must be less than ${MAX_IMAGE_URL + 1} characters [json-pointer:${pointer}/image_url]`);
  }
  if (typeof value.alt_text !== 'string' || value.alt_text.length === 0) {
    errors.push(`must provide alt_text [json-pointer:${pointer}/alt_text]`);
  } else if (value.alt_text.length > MAX_ALT_TEXT) {
    errors.push(`must be less than ${MAX_ALT_TEXT + 1} characters [json-pointer:${pointer}/alt_text]`);
  }
  return errors;
}

function checkBlock(block: unknown, pointer: string): string[] {
  if (!isObject(block)) return [`must be an object [json-pointer:${pointer}]`];
  const type = block.type;
  if (typeof type !== 'string') return [`must provide a block type [json-pointer:${pointer}/type]`];
  if (type === 'rich_text') {
    return [`rich_text blocks are not supported in unfurls [json-pointer:${pointer}/type]`];
  }
  if (!KNOWN_BLOCK_TYPES.has(type)) return [`unsupported block type ${type} [json-pointer:${pointer}/type]`];
  const errors: string[] = [];
  if (block.block_id !== undefined) {
    if (typeof block.block_id !== 'string' || block.block_id.length > MAX_BLOCK_ID) {
      errors.push(`must be a string of at most ${MAX_BLOCK_ID} characters [json-pointer:${pointer}/block_id]`);
    }
  }
  switch (type) {
    case 'header':
      errors.push(...checkText(block.text, `${pointer}/text`, MAX_HEADER_TEXT, ['plain_text']));
      break;
    case 'section': {
      if (block.text === undefined && block.fields === undefined) {
        errors.push(`must provide text or fields [json-pointer:${pointer}]`);
      }
      if (block.text !== undefined) errors.push(...checkText(block.text, `${pointer}/text`, MAX_TEXT));
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields)) {
          errors.push(`must be an array [json-pointer:${pointer}/fields]`);
        } else {
          if (block.fields.length > MAX_FIELDS) {
            errors.push(`must provide no more than ${MAX_FIELDS} items [json-pointer:${pointer}/fields]`);
          }
          block.fields.forEach((field, i) => {
            errors.push(...checkText(field, `${pointer}/fields/${i}`, MAX_FIELD_TEXT));
          });
        }
      }
      break;
    }
    case 'context': {
      const elements = block.elements;
      if (!Array.isArray(elements) || elements.length === 0) {
        errors.push(`must provide a non-empty elements array [json-pointer:${pointer}/elements]`);
        break;
      }
      if (elements.length > MAX_CONTEXT_ELEMENTS) {
        errors.push(`must provide no more than ${MAX_CONTEXT_ELEMENTS} items [json-pointer:${pointer}/elements]`);
      }
      elements.forEach((element, i) => {
        const at = `${pointer}/elements/${i}`;
        if (isObject(element) && element.type === 'image') errors.push(...checkImageElement(element, at));
        else errors.push(...checkText(element, at, MAX_TEXT));
      });
      break;
    }
    case 'image':
      errors.push(...checkImageElement(block, pointer));
      if (block.title !== undefined) {
        errors.push(...checkText(block.title, `${pointer}/title`, MAX_ALT_TEXT, ['plain_text']));
      }
      break;
    case 'actions': {
      const elements = block.elements;
      if (!Array.isArray(elements) || elements.length === 0) {
        errors.push(`must provide a non-empty elements array [json-pointer:${pointer}/elements]`);
      } else if (elements.length > MAX_ACTIONS_ELEMENTS) {
        errors.push(`must provide no more than ${MAX_ACTIONS_ELEMENTS} items [json-pointer:${pointer}/elements]`);
      } else {
        elements.forEach((element, i) => {
          if (!isObject(element) || typeof element.type !== 'string') {
            errors.push(`must provide an element type [json-pointer:${pointer}/elements/${i}]`);
          }
        });
      }
      break;
    }
    default:
      // divider: no content to check.
      break;
  }
  return errors;
}

/**
 * Validates one `blocks` array against the Block Kit limits that apply to a message/unfurl.
 * @param blocks the value found under `blocks`
 * @param pointer JSON pointer prefix used in error messages, e.g. `/unfurls/https:~1~1x/blocks`
 * @returns human-readable problems; empty when valid
 */
export function validateBlocks(blocks: unknown, pointer = '/blocks'): string[] {
  if (!Array.isArray(blocks)) return [`must be an array [json-pointer:${pointer}]`];
  const errors: string[] = [];
  if (blocks.length > MAX_BLOCKS) {
    errors.push(`must provide no more than ${MAX_BLOCKS} items [json-pointer:${pointer}]`);
  }
  blocks.forEach((block, i) => {
    errors.push(...checkBlock(block, `${pointer}/${i}`));
  });
  return errors;
}

/** Escapes a JSON pointer reference token (RFC 6901), so URLs used as `unfurls` keys read correctly. */
export function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

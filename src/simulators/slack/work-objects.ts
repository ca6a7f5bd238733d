/**
 * Work Objects (slack-platform.md §9; docs.slack.dev/messaging/work-objects): validation of entity metadata for
 * `chat.unfurl` and `entity.presentDetails`, the trigger ids issued with `entity_details_requested` events, and the
 * per-viewer flexpane answers.
 */

import { randomDigits, randomHex } from './config.js';
import type { FlexpaneAnswer } from './types.js';

/**
 * Slack refuses large combined metadata (`invalid_metadata` / `error_processing_metadata`, §9) without documenting
 * the limit; 12 KB is the simulator's line, well above a small trace card and below anything a card should carry.
 */
export const MAX_METADATA_BYTES = 12 * 1024;

/** `error.status` values entity.presentDetails accepts (docs.slack.dev/reference/methods/entity.presentDetails). */
export const FLEXPANE_ERROR_STATUSES: ReadonlySet<string> = new Set([
  'restricted',
  'internal_error',
  'not_found',
  'custom',
  'custom_partial_view',
  'timeout',
  'edit_error',
]);

interface IssuedTrigger {
  readonly user: string;
  readonly externalRef: { id: string; type?: string };
  answered: boolean;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/**
 * Checks one entity against the required fields of `EntityMetadata` (@slack/types `message-metadata.ts`):
 * `entity_type`, `external_ref.id`, `url` and `entity_payload.attributes.title.text`; `app_unfurl_url` ("the exact
 * URL posted in the source message") is required in chat.unfurl only. Returns a problem description or undefined.
 */
export function entityProblem(entity: unknown, requireAppUnfurlUrl: boolean): string | undefined {
  if (!isPlainObject(entity)) return 'entity is not an object';
  if (!nonEmptyString(entity.entity_type)) return 'entity_type must be a non-empty string';
  const ref = entity.external_ref;
  if (!isPlainObject(ref) || !nonEmptyString(ref.id)) return 'external_ref.id must be a non-empty string';
  if (ref.type !== undefined && typeof ref.type !== 'string') return 'external_ref.type must be a string';
  if (!nonEmptyString(entity.url)) return 'url must be a non-empty string';
  if (requireAppUnfurlUrl || entity.app_unfurl_url !== undefined) {
    if (!nonEmptyString(entity.app_unfurl_url)) return 'app_unfurl_url must be a non-empty string';
  }
  const payload = entity.entity_payload;
  if (!isPlainObject(payload)) return 'entity_payload must be an object';
  const attributes = payload.attributes;
  if (!isPlainObject(attributes)) return 'entity_payload.attributes must be an object';
  const title = attributes.title;
  if (!isPlainObject(title) || !nonEmptyString(title.text)) {
    return 'entity_payload.attributes.title.text must be a non-empty string';
  }
  return undefined;
}

/** Size of a metadata argument as it travelled: the JSON string of a form body, or the re-serialised JSON value. */
export function metadataBytes(raw: unknown): number {
  return Buffer.byteLength(typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? ''), 'utf8');
}

/** Issued trigger ids and the flexpane answers given for them. */
export class WorkObjects {
  readonly #triggers = new Map<string, IssuedTrigger>();
  readonly #answers: FlexpaneAnswer[] = [];

  /**
   * Issues a trigger id shaped like Slack's (`1234567890123.1234567890123.<32 hex>`, as in the
   * entity_details_requested example on docs.slack.dev) for one viewer and entity.
   */
  issueTrigger(user: string, externalRef: { id: string; type?: string }): string {
    const triggerId = `${randomDigits(13)}.${randomDigits(13)}.${randomHex(16)}`;
    const ref = externalRef.type === undefined ? { id: externalRef.id } : { id: externalRef.id, type: externalRef.type };
    this.#triggers.set(triggerId, { user, externalRef: ref, answered: false });
    return triggerId;
  }

  /** The open (issued, not yet answered) trigger, if any. */
  openTrigger(triggerId: string): Readonly<IssuedTrigger> | undefined {
    const trigger = this.#triggers.get(triggerId);
    return trigger === undefined || trigger.answered ? undefined : trigger;
  }

  /** Marks the trigger answered and records what the viewer was shown. */
  answer(triggerId: string, at: number, shown: Pick<FlexpaneAnswer, 'kind' | 'metadata' | 'userAuthUrl' | 'errorStatus'>): void {
    const trigger = this.#triggers.get(triggerId);
    if (trigger === undefined) return;
    trigger.answered = true;
    const answer: FlexpaneAnswer = {
      triggerId,
      user: trigger.user,
      externalRef: { ...trigger.externalRef },
      at,
      kind: shown.kind,
    };
    if (shown.metadata !== undefined) answer.metadata = shown.metadata;
    if (shown.userAuthUrl !== undefined) answer.userAuthUrl = shown.userAuthUrl;
    if (shown.errorStatus !== undefined) answer.errorStatus = shown.errorStatus;
    this.#answers.push(answer);
  }

  /** See `SlackSimulator.flexpaneAnswers`. */
  answers(): FlexpaneAnswer[] {
    return this.#answers.map((a) => ({ ...a, externalRef: { ...a.externalRef } }));
  }
}

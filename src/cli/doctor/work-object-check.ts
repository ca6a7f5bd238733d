import type { Config } from '../../config/config.js';
import { fetchStatus } from '../../tui/fetch-status.js';
import { listenerUrl } from '../commands/status.js';
import { fail, pass, skip, type CheckResult } from './check.js';

const NAME = 'Work Object previews';

/** What the app settings need for LSSLACK_PREVIEW=work-object (docs.slack.dev/messaging/work-objects-implementation). */
export const WORK_OBJECT_SETUP =
  'api.slack.com/apps → your app → Work Object Previews: turn the toggle on, add the entity type "Item" (slack#/entities/item) and save; with `lsslack manifest` the app also subscribes to entity_details_requested.';

/**
 * Slack has no call that says whether an app may post Work Objects: it says so by refusing a
 * card (`feature_not_enabled`). So this asks the running daemon whether Slack refused one; with
 * no daemon running it can only say what to switch on.
 */
export async function checkWorkObjects(config: Config): Promise<CheckResult> {
  if (!config.workObjects) return skip(NAME, 'off (LSSLACK_PREVIEW=blocks): previews are classic blocks, seen alike by everyone in the conversation');
  const result = await fetchStatus({ url: listenerUrl(config.http.host, config.http.port), ...(config.adminToken === undefined ? {} : { token: config.adminToken }) });
  if (result.kind !== 'ok') return pass(NAME, `on (LSSLACK_PREVIEW=work-object); the daemon is not running, so whether Slack takes the cards shows once it posts one. Needed: ${WORK_OBJECT_SETUP}`);
  const previews = (result.snapshot as { previews?: string }).previews;
  if (previews === 'blocks') {
    return fail(NAME, `LSSLACK_PREVIEW=work-object here, but the daemon running at ${config.http.host}:${config.http.port} posts classic blocks`, 'restart lsslack with this configuration (`systemctl restart lsslack`, or stop and `lsslack start` again).');
  }
  if (previews === 'refused') {
    return fail(NAME, 'Slack refused the Work Object card (feature_not_enabled or invalid_metadata): the daemon posts classic blocks instead', `${WORK_OBJECT_SETUP} Then restart lsslack.`);
  }
  return pass(NAME, `on: the running daemon attaches a Work Object card to each preview${previews === 'work-object' ? ' and Slack has not refused one' : ''}`);
}

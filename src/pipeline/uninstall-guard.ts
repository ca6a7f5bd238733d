import type { UnfurlJob } from '../domain/types.js';

/**
 * `app_uninstalled`: jobs of that workspace received before it are skipped, not posted (the
 * workspace's tokens are gone, and so is its wish to see previews).
 */
export function createUninstallGuard(): { markUninstalled(teamId: string, at: number): void; skips(job: UnfurlJob): boolean } {
  const uninstalledAt = new Map<string, number>();
  return {
    markUninstalled: (teamId, at) => uninstalledAt.set(teamId, at),
    skips: (job) => (uninstalledAt.get(job.teamId) ?? -1) >= job.receivedAt,
  };
}

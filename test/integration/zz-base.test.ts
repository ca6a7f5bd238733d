import { it } from 'node:test';
import { startStack } from '../helpers/stack.js';
it('x', async () => { const s = await startStack(); await s.stop(); const t0 = Date.now(); setInterval(() => { (process as any)._rawDebug(Date.now() - t0, JSON.stringify(process.getActiveResourcesInfo())); }, 2000).unref(); });

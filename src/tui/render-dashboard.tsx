import { render } from 'ink';
import { DashboardApp } from './components/dashboard-app.js';
import { createStatusStreamClient, type StatusSource } from './status-stream-client.js';

export interface RenderDashboardOptions {
  /** The daemon listener, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  /** LSSLACK_ADMIN_TOKEN of the daemon, if it has one. */
  readonly token?: string;
  /** false under NO_COLOR. */
  readonly color: boolean;
  /** @default process.stdout */
  readonly stdout?: NodeJS.WriteStream;
  /** @default process.stdin */
  readonly stdin?: NodeJS.ReadStream;
  /** Where snapshots come from (the caller closes it). @default a stream client on `${url}/status/stream`, closed on exit */
  readonly source?: StatusSource;
  /** Draw on the terminal's alternate screen and give the old one back on exit. @default stdout.isTTY */
  readonly alternateScreen?: boolean;
}

export interface DashboardHandle {
  /** Resolves once the dashboard is gone (q, Ctrl+C or unmount()) and the terminal restored; rejects if it crashed. */
  waitUntilExit(): Promise<void>;
  unmount(): void;
}

const ENTER_ALT_SCREEN = '\u001B[?1049h\u001B[H';
const LEAVE_ALT_SCREEN = '\u001B[?1049l';

/**
 * Mount the dashboard. The outside world (streams, the status source) comes in through options;
 * on exit the stream client is closed and the terminal is left as it was found.
 */
export function renderDashboard(options: RenderDashboardOptions): DashboardHandle {
  const stdout = options.stdout ?? process.stdout;
  const source = options.source ?? createStatusStreamClient({ url: options.url, token: options.token });
  const alternate = options.alternateScreen ?? stdout.isTTY === true;
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    // A source passed in belongs to the caller; the one made here is closed here.
    if (options.source === undefined) source.close();
    if (alternate) stdout.write(LEAVE_ALT_SCREEN);
  };
  // A process that ends without unmounting (a second Ctrl+C) still gets its screen back.
  process.once('exit', restore);
  if (alternate) stdout.write(ENTER_ALT_SCREEN);
  const instance = render(<DashboardApp source={source} url={options.url} color={options.color} />, {
    stdout,
    stdin: options.stdin ?? process.stdin,
    exitOnCtrlC: true,
    // Snapshots arrive once a second and on every job; a few frames a second show all of it
    // without taking the event loop of a busy daemon (`start --dashboard` draws in-process).
    maxFps: 5,
  });
  // Restore first, then report how it ended (a component error rejects, after the screen is back).
  const exited = (async () => {
    try {
      await instance.waitUntilExit();
    } finally {
      restore();
      process.off('exit', restore);
    }
  })();
  return {
    waitUntilExit: () => exited,
    unmount: () => instance.unmount(),
  };
}

import { useApp, useInput, useStdin } from 'ink';
import { useRef, useState } from 'react';
import type { StatusSource } from '../status-stream-client.js';
import { useStatusStream } from '../use-status-stream.js';
import { useTerminalSize } from '../use-terminal-size.js';
import { Dashboard } from './dashboard.js';

export interface DashboardAppProps {
  readonly source: StatusSource;
  readonly url: string;
  readonly color: boolean;
}

/** The live dashboard: follows `source`, sizes itself to the terminal; `q` quits, `p` pauses. */
export function DashboardApp({ source, url, color }: DashboardAppProps) {
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const live = useStatusStream(source);
  const { columns, rows } = useTerminalSize();
  const [paused, setPaused] = useState(false);
  // What is on screen: follows `live` except while paused. The hook keeps sampling underneath,
  // so throughput is right again on resume. (A ref, not the key handler's closure: that one
  // can be a render behind.)
  const onScreen = useRef(live);
  if (!paused) onScreen.current = live;
  useInput(
    (input) => {
      if (input === 'q' || input === 'Q') exit();
      else if (input === 'p' || input === 'P') setPaused((p) => !p);
    },
    { isActive: isRawModeSupported === true },
  );
  return <Dashboard view={onScreen.current} url={url} columns={columns} rows={rows} color={color} paused={paused} now={Date.now()} />;
}

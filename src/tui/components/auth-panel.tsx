import type { AuthStats } from '../../pipeline/status.js';
import { formatCount } from '../format.js';
import type { Look } from '../theme.js';
import { Stat } from './line.js';
import { innerWidth, Panel } from './panel.js';

/** Users mapped to Lightstep, users who completed linking, unfurls waiting for a link. */
export function AuthPanel(props: { readonly auth: AuthStats; readonly width: number; readonly lines: number; readonly look: Look }) {
  const { auth, look } = props;
  const inner = innerWidth(props.width);
  return (
    <Panel title="Auth" note={auth.linksDropped > 0 ? `${formatCount(auth.linksDropped)} dropped` : undefined} width={props.width} lines={props.lines} look={look}>
      <Stat label="mapped" value={formatCount(auth.usersMapped)} width={inner} look={look} />
      <Stat label="linked" value={formatCount(auth.usersLinked)} width={inner} look={look} tone={auth.usersLinked > 0 ? 'good' : 'plain'} />
      <Stat label={['pending prompts', 'prompts', 'pending']} value={formatCount(auth.promptsPending)} width={inner} look={look} tone={auth.promptsPending > 0 ? 'info' : 'plain'} />
    </Panel>
  );
}

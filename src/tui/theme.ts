/** Colours by meaning. With `color: false` (NO_COLOR) no style prop is set at all: plain text. */

export type Tone = 'good' | 'warn' | 'bad' | 'info' | 'muted' | 'title' | 'border' | 'plain';

/** How the dashboard is drawn: in colour or not, and greyed while its data is stale. */
export interface Look {
  readonly color: boolean;
  readonly stale: boolean;
}

export interface ToneProps {
  color?: string;
  bold?: boolean;
}

const TONES: Record<Tone, ToneProps> = {
  good: { color: 'green' },
  warn: { color: 'yellow' },
  bad: { color: 'red' },
  info: { color: 'cyan' },
  muted: { color: 'gray' },
  title: { bold: true },
  border: { color: 'gray' },
  plain: {},
};

/** Text props for a tone; stale data is all grey; nothing at all without colour. */
export function tone(look: Look, name: Tone): ToneProps {
  if (!look.color) return {};
  if (look.stale) return name === 'title' ? { color: 'gray', bold: true } : { color: 'gray' };
  return TONES[name];
}

/** The tone of a job outcome. */
export function outcomeTone(outcome: string): Tone {
  switch (outcome) {
    case 'unfurled':
      return 'good';
    case 'prompted':
      return 'info';
    case 'failed':
      return 'bad';
    case 'skipped':
      return 'muted';
    default:
      return 'warn';
  }
}

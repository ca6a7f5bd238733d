import { Text } from 'ink';
import type { ReactNode } from 'react';
import { spread } from '../format.js';
import { tone, type Look, type Tone } from '../theme.js';

/** One line of text that never wraps: cut with "…" at the edge of its box. */
export function Line({ look, tone: name = 'plain', children }: { readonly look: Look; readonly tone?: Tone; readonly children?: ReactNode }) {
  return (
    <Text {...tone(look, name)} wrap="truncate-end">
      {children}
    </Text>
  );
}

/** `label ……… value` across `width` columns, the value coloured by `tone`. */
export function Stat(props: { readonly label: string | readonly string[]; readonly value: string; readonly width: number; readonly look: Look; readonly tone?: Tone }) {
  const parts = spread(props.label, props.value, props.width);
  return (
    <Line look={props.look}>
      {parts.label}
      {parts.gap}
      <Text {...tone(props.look, props.tone ?? 'plain')}>{parts.value}</Text>
    </Line>
  );
}

import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { firstThatFits } from '../format.js';
import { tone, type Look } from '../theme.js';

export interface PanelProps {
  readonly title: string;
  /** Shown after the title on the top border, only when it fits whole. */
  readonly note?: string;
  readonly width: number;
  /** Content lines; the panel is `lines + 2` rows tall. */
  readonly lines: number;
  readonly look: Look;
  readonly children?: ReactNode;
}

/** Horizontal padding inside a panel of `width` columns. */
export function panelPadding(width: number): number {
  return width >= 13 ? 1 : 0;
}

/** Columns available to a panel's content. */
export function innerWidth(width: number): number {
  return Math.max(0, width - 2 - 2 * panelPadding(width));
}

/** A rounded box with its title set into the top border: `╭─ Title · note ───╮`. */
export function Panel({ title, note, width, lines, look, children }: PanelProps) {
  // "╭─" + label + note + at least one "─" + "╮"
  const room = Math.max(0, width - 4);
  const label = firstThatFits([` ${title} `, ` ${title}`, title], room);
  const noteText = note !== undefined && label.length + note.length + 3 <= room ? `· ${note} ` : '';
  const rule = '─'.repeat(Math.max(0, width - 3 - label.length - noteText.length));
  const border = tone(look, 'border');
  return (
    <Box flexDirection="column" width={width} flexShrink={0}>
      <Text {...border} wrap="truncate-end">
        {width >= 4 ? '╭─' : ''}
        <Text {...tone(look, 'title')}>{label}</Text>
        <Text {...tone(look, 'muted')}>{noteText}</Text>
        {rule}
        {width >= 4 ? '╮' : ''}
      </Text>
      <Box
        borderStyle="round"
        borderTop={false}
        {...(border.color === undefined ? {} : { borderColor: border.color })}
        width={width}
        height={lines + 1}
        paddingX={panelPadding(width)}
        flexDirection="column"
        overflow="hidden"
      >
        {children}
      </Box>
    </Box>
  );
}

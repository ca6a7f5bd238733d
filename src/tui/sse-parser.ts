/** One Server-Sent Events message: `event` defaults to "message" as in the spec. */
export interface SseMessage {
  readonly event: string;
  readonly data: string;
  readonly id?: string;
  readonly retry?: number;
}

/**
 * Incremental parser for `text/event-stream` (WHATWG HTML §9.2): feed it chunks as they arrive,
 * split anywhere (even inside a UTF-8 character or a CRLF), and it returns the messages each chunk
 * completed. Comment lines (`:`) are ignored; a message ends at a blank line; data lines are
 * joined with "\n"; a message without data is dropped, as browsers do.
 */
export class SseParser {
  readonly #decoder = new TextDecoder('utf-8');
  #buffer = '';
  #event = '';
  #data: string[] = [];
  #id: string | undefined;
  #retry: number | undefined;
  #skipLeadingLf = false;

  /** Parse one chunk; returns the messages it completed (possibly none). */
  push(chunk: Uint8Array | string): SseMessage[] {
    this.#buffer += typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    const messages: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < this.#buffer.length; i += 1) {
      const char = this.#buffer[i];
      if (char === '\n' && this.#skipLeadingLf && i === start) {
        // The LF of a CRLF whose CR ended the previous chunk.
        this.#skipLeadingLf = false;
        start = i + 1;
        continue;
      }
      this.#skipLeadingLf = false;
      if (char !== '\n' && char !== '\r') continue;
      const line = this.#buffer.slice(start, i);
      if (char === '\r') {
        if (i + 1 < this.#buffer.length) {
          if (this.#buffer[i + 1] === '\n') i += 1;
        } else {
          this.#skipLeadingLf = true;
        }
      }
      start = i + 1;
      const message = this.#line(line);
      if (message !== undefined) messages.push(message);
    }
    this.#buffer = this.#buffer.slice(start);
    return messages;
  }

  #line(line: string): SseMessage | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.#retry = Number(value);
    return undefined;
  }

  #dispatch(): SseMessage | undefined {
    const event = this.#event === '' ? 'message' : this.#event;
    const data = this.#data;
    this.#event = '';
    this.#data = [];
    if (data.length === 0) return undefined;
    const message: { event: string; data: string; id?: string; retry?: number } = { event, data: data.join('\n') };
    if (this.#id !== undefined) message.id = this.#id;
    if (this.#retry !== undefined) message.retry = this.#retry;
    return message;
  }
}

import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * JSON-lines logger (pino). Known secret-bearing fields are redacted by path as a second line of
 * defence; the first is that no code path logs a token, code, state or secret at all.
 */
export function createLogger(level: string, destination?: DestinationStream | 1 | 2): Logger {
  return pino(
    {
      level,
      base: { service: 'lsslack' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'apiKey', '*.apiKey', 'secret', '*.secret', 'code', 'state', 'access_token', '*.access_token', 'refresh_token', '*.refresh_token', 'client_secret'],
        censor: '[redacted]',
      },
    },
    typeof destination === 'object' ? destination : pino.destination({ dest: destination ?? 1, sync: false }),
  );
}

import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Where a secret could ever sit in a log line, by exact path: tokens and credentials under their
 * own names, HTTP Authorization headers, OAuth `code`/`state` values only inside a request's query.
 * An error code (`"code":"signature_invalid"`), an errno (`"code":"ENOSPC"`) or a thread's exit
 * code stays readable: redacting every field named `code` hid why requests were refused.
 */
export const REDACTED_PATHS: readonly string[] = [
  'token',
  '*.token',
  'botToken',
  'appToken',
  'userToken',
  'accessToken',
  'refreshToken',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  'secretKey',
  'signingSecret',
  'clientSecret',
  'client_secret',
  'password',
  'query.code',
  'query.state',
  'req.query.code',
  'req.query.state',
];

/**
 * JSON-lines logger (pino). Known secret-bearing fields are redacted by path as a second line of
 * defence; the first is that no code path logs a token, an OAuth code or state, or a secret at all.
 */
export function createLogger(level: string, destination?: DestinationStream | 1 | 2): Logger {
  return pino(
    {
      level,
      base: { service: 'lsslack' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    },
    typeof destination === 'object' ? destination : pino.destination({ dest: destination ?? 1, sync: false }),
  );
}

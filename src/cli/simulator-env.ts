/** The endpoints and credentials of the two simulators, as the fields they expose. */
export interface SimulatorEndpoints {
  readonly slack: { appToken: string; botToken: string; clientId: string; clientSecret: string; apiUrl: string; authorizeUrl: string };
  readonly lightstep: { url: string; org: string; apiKey: string };
}

/**
 * The environment that points lsslack at the built-in simulators (the demo; tests and benchmarks
 * use it too): the same variables an operator sets for the real Slack and Lightstep.
 */
export function simulatorEnv({ slack, lightstep }: SimulatorEndpoints, dataDir: string): Record<string, string> {
  return {
    SLACK_APP_TOKEN: slack.appToken,
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_CLIENT_ID: slack.clientId,
    SLACK_CLIENT_SECRET: slack.clientSecret,
    SLACK_API_URL: slack.apiUrl,
    SLACK_AUTHORIZE_URL: slack.authorizeUrl,
    LIGHTSTEP_API_URL: lightstep.url,
    LIGHTSTEP_ORG: lightstep.org,
    LIGHTSTEP_API_KEY: lightstep.apiKey,
    LSSLACK_PORT: '0',
    LSSLACK_DATA_DIR: dataDir,
  };
}

/**
 * Slack simulator for tests, benchmarks and `lsslack demo`: a loopback Slack Web API + Socket Mode + OAuth
 * server that the real Slack SDK clients talk to unmodified. Shares no code with the product.
 */

export { startSlackSimulator } from './slack-simulator.js';
export { channelSharedEvent, channelUnsharedEvent, linkSharedEvent, signSlackRequest } from './events.js';
export type { ChannelSharedEventOptions, ChannelUnsharedEventOptions, LinkSharedEventOptions } from './events.js';
export type {
  AuthorizeIdentity,
  ConversationInfo,
  DetailsRequest,
  DetailsRequestOptions,
  DisconnectReason,
  FlexpaneAnswer,
  IssuedUserToken,
  PostEventOptions,
  PostEventResult,
  RecordedCall,
  SendEventOptions,
  SendEventResult,
  SlackSimulator,
  SlackSimulatorOptions,
} from './types.js';

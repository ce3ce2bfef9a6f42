/** Segment HTTP Tracking API limits, enforced on serialized UTF-8 bytes. */
export const LIMITS = {
  /** Largest single message, as serialized JSON. */
  messageBytes: 32 * 1024,
  /** Largest request body, after base64 decoding and gunzip. */
  requestBytes: 500 * 1024,
  /** Most messages in one batch. */
  batchMessages: 2500,
  /** Deepest JSON nesting accepted (guards recursive consumers downstream). */
  jsonDepth: 64,
  /** Bytes of a rejected message's JSON kept in quarantine. */
  quarantineExcerptBytes: 2048,
  /** Bytes of a rejected whole request kept in quarantine. */
  requestExcerptBytes: 256,
} as const;

/** Machine-readable reasons for rejecting a request or a message. */
export type IngestErrorCode =
  | 'invalid_json'
  | 'invalid_batch'
  | 'message_too_large'
  | 'batch_too_large'
  | 'too_many_messages'
  | 'invalid_message'
  | 'no_valid_messages'
  | 'unsupported_content_encoding'
  | 'missing_write_key'
  | 'invalid_write_key';

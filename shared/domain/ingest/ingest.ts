/**
 * Ingest use case: one HTTP request of the Segment Tracking API in, events stored and rejects
 * quarantined. Pure domain code: storage and key resolution come in as ports.
 */
import type { EventLanding, EventStore } from '../../ports/events.js';
import type { QuarantineEntry, QuarantineStore } from '../../ports/quarantine.js';
import type { ResolvedSource } from '../../ports/sources.js';
import { ClientError, InvalidRequestError, type Issue, UnauthorizedError } from '../errors.js';
import type { KeyedHasher } from '../privacy/keyed-hash.js';
import { bodyText, decodeBody, type RawRequest, writeKeyFromAuthorization } from './body.js';
import { LANDING_ABOVE_MESSAGES, type LandingMessage, landingParts } from './landing.js';
import { type IngestErrorCode, LIMITS } from './limits.js';
import { normalise } from './normalise.js';
import { findUnsafeKey, isPlainRecord, parseJson, truncateUtf8 } from './safe-json.js';
import {
  BatchEnvelope,
  MESSAGE_SCHEMAS,
  MessageType,
  type NormalisedMessage,
  type ParsedMessage,
} from './schemas.js';
import { unavailableFrom, withinBudget } from './unavailable.js';

/** Route of the request: one message type, or a batch. */
export type IngestRoute = MessageType | 'batch';

const SHORT_ROUTES: Record<string, IngestRoute> = {
  i: 'identify',
  t: 'track',
  p: 'page',
  s: 'screen',
  g: 'group',
  a: 'alias',
  b: 'batch',
};

/** Route from a request path's last segment (`/v1/track`, `/v1/t`); undefined when unknown. */
export function routeFromPath(path: string): IngestRoute | undefined {
  const last = path.replace(/\/+$/, '').split('/').pop() ?? '';
  if (last === 'batch') return 'batch';
  const parsed = MessageType.safeParse(last);
  return parsed.success ? parsed.data : SHORT_ROUTES[last];
}

/** What ingest needs from the outside world. */
export interface IngestDeps {
  readonly events: Pick<EventStore, 'putEvents'>;
  /**
   * Where batches of more than LANDING_ABOVE_MESSAGES valid messages are landed (a few writes, stored
   * as events asynchronously); without it every batch is written directly.
   */
  readonly landing?: Pick<EventLanding, 'land'>;
  readonly quarantine: Pick<QuarantineStore, 'put'>;
  readonly resolveWriteKey: (writeKey: string) => Promise<ResolvedSource | undefined>;
  /**
   * Fingerprints quarantined input (a rejected message can hold an email): a keyed hash, so the
   * fingerprint cannot be matched against a dictionary of guessed messages.
   */
  readonly hasher: Pick<KeyedHasher, 'hash'>;
  readonly now: () => Date;
  readonly newId: () => string;
}

/** Per-invocation facts ingest needs beyond the request. */
export interface IngestOptions {
  /** Milliseconds left in the invocation (Lambda's getRemainingTimeInMillis); no deadline when absent. */
  readonly remainingMs?: () => number;
}

/** A message the request carried that was not stored. */
export interface RejectedMessage {
  readonly index: number;
  readonly messageId?: string;
  readonly code: IngestErrorCode;
  readonly issues?: readonly Issue[];
}

/** Outcome of an accepted request (at least one message stored). */
export interface IngestOutcome {
  readonly sourceId: string;
  readonly accepted: number;
  readonly rejected: readonly RejectedMessage[];
  /** True when the messages were landed, to be stored as events from the stream. */
  readonly landed?: boolean;
}

function toIssues(error: {
  issues: readonly { path: readonly PropertyKey[]; code: string; message: string }[];
}): Issue[] {
  return error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'number' ? p : String(p))),
    code: i.code,
    message: i.message,
  }));
}

type Checked =
  | { ok: true; message: NormalisedMessage; json: string }
  | { ok: false; rejected: RejectedMessage; entry: QuarantineEntry };

interface MessageContext {
  readonly route: IngestRoute;
  readonly hasher: Pick<KeyedHasher, 'hash'>;
  readonly source: ResolvedSource;
  readonly receivedAt: Date;
  readonly envelope?: BatchEnvelope;
  readonly newId: () => string;
}

/** Validates and normalises one message; a failure becomes a quarantine entry, never an exception. */
function checkMessage(raw: unknown, index: number, ctx: MessageContext): Checked {
  const json = JSON.stringify(raw) ?? 'null';
  const size = Buffer.byteLength(json, 'utf8');
  const messageId =
    isPlainRecord(raw) && typeof raw.messageId === 'string' && raw.messageId.length <= 100
      ? raw.messageId
      : undefined;
  const reject = (code: IngestErrorCode, issues: Issue[]): Checked => ({
    ok: false,
    rejected: { index, ...(messageId ? { messageId } : {}), code, issues },
    entry: {
      reason: code,
      receivedAt: ctx.receivedAt.toISOString(),
      sourceId: ctx.source.sourceId,
      route: ctx.route,
      index,
      ...(messageId ? { messageId } : {}),
      size,
      sha256: ctx.hasher.hash(json),
      excerpt: truncateUtf8(json, LIMITS.quarantineExcerptBytes),
      issues,
    },
  });

  if (!isPlainRecord(raw))
    return reject('invalid_message', [{ path: [], code: 'invalid_type', message: 'expected an object' }]);
  if (size > LIMITS.messageBytes) {
    return reject('message_too_large', [
      { path: [], code: 'too_big', message: `message exceeds ${LIMITS.messageBytes} bytes (${size})` },
    ]);
  }
  const unsafe = findUnsafeKey(raw);
  if (unsafe) return reject('invalid_message', [unsafe]);

  let type: MessageType;
  if (ctx.route === 'batch') {
    const parsedType = MessageType.safeParse(raw.type);
    if (!parsedType.success) {
      return reject('invalid_message', [
        {
          path: ['type'],
          code: 'invalid_value',
          message: `type must be one of ${MessageType.options.join(', ')}`,
        },
      ]);
    }
    type = parsedType.data;
  } else {
    type = ctx.route; // the route decides; a `type` in the body cannot change it
  }
  const parsed = MESSAGE_SCHEMAS[type].safeParse(raw);
  if (!parsed.success) return reject('invalid_message', toIssues(parsed.error));
  return {
    ok: true,
    json,
    message: normalise(parsed.data as ParsedMessage, raw, {
      type,
      receivedAt: ctx.receivedAt,
      sourceId: ctx.source.sourceId,
      batchSentAt: ctx.envelope?.sentAt,
      batchContext: ctx.envelope?.context,
      newId: ctx.newId,
    }),
  };
}

async function authenticate(deps: IngestDeps, writeKey: string | undefined): Promise<ResolvedSource> {
  if (!writeKey) {
    throw new UnauthorizedError(
      'missing_write_key',
      'send the write key as Basic auth (writeKey as user name) or as writeKey in the body',
    );
  }
  // The sources table throttling or failing is not the client's fault, nor a bug: answer "retry".
  const source = await deps.resolveWriteKey(writeKey).catch((err: unknown) => {
    throw unavailableFrom(err);
  });
  if (!source) throw new UnauthorizedError('invalid_write_key', 'the write key is not recognised');
  return source;
}

/**
 * Ingests one request. Returns the outcome when at least one message was stored; throws a ClientError
 * (after quarantining what it rejected) when the request, or every message in it, is invalid.
 * A missing or unknown write key is rejected before anything is read or stored. When storage throttles,
 * fails or cannot finish before `options.remainingMs` runs low, throws IngestUnavailableError: some
 * messages may be stored, and a retry of the same request dedupes them.
 */
export async function ingest(
  deps: IngestDeps,
  route: IngestRoute,
  req: RawRequest,
  options: IngestOptions = {},
): Promise<IngestOutcome> {
  const receivedAt = deps.now();
  const headerKey = writeKeyFromAuthorization(req);
  let source = headerKey ? await authenticate(deps, headerKey) : undefined;

  let bytes: Buffer = Buffer.alloc(0);
  // Whole-request rejections from an authenticated source are quarantined with a fingerprint, so the
  // data-quality report counts them. Unauthenticated ones only get their 4xx: storing them would let
  // anyone on the internet fill the table, and they cannot be attributed to a source anyway.
  const rejectRequest = async (error: ClientError): Promise<never> => {
    if (!source) throw error;
    const excerpt = truncateUtf8(bytes.toString('utf8'), LIMITS.requestExcerptBytes);
    await deps.quarantine.put([
      {
        reason: error.code,
        receivedAt: receivedAt.toISOString(),
        sourceId: source.sourceId,
        route,
        size: bytes.length || Buffer.byteLength(req.body ?? ''),
        sha256: deps.hasher.hash(bytes.length ? bytes : (req.body ?? '')),
        excerpt,
      },
    ]);
    throw error;
  };

  let body: unknown;
  try {
    bytes = decodeBody(req);
    const parsed = parseJson(bodyText(bytes));
    if (!parsed.ok) throw new InvalidRequestError('invalid_json', 'the body is not valid JSON');
    if (!isPlainRecord(parsed.value))
      throw new InvalidRequestError('invalid_json', 'the body must be a JSON object');
    body = parsed.value;
  } catch (err) {
    if (err instanceof ClientError) return rejectRequest(err);
    throw err;
  }
  const record = body as Record<string, unknown>;

  if (!source) {
    const bodyKey =
      route === 'batch' && Array.isArray(record.batch) && isPlainRecord(record.batch[0])
        ? (record.writeKey ?? record.batch[0].writeKey)
        : record.writeKey;
    source = await authenticate(deps, typeof bodyKey === 'string' ? bodyKey : undefined);
  }

  let rawMessages: unknown[];
  let envelope: BatchEnvelope | undefined;
  if (route === 'batch') {
    const unsafe = findUnsafeKey(record, { skip: (path) => path.length === 2 && path[0] === 'batch' });
    if (unsafe)
      return rejectRequest(new InvalidRequestError('invalid_batch', unsafe.message, { issues: [unsafe] }));
    if (Array.isArray(record.batch) && record.batch.length > LIMITS.batchMessages) {
      return rejectRequest(
        new InvalidRequestError(
          'too_many_messages',
          `a batch holds at most ${LIMITS.batchMessages} messages (got ${record.batch.length})`,
        ),
      );
    }
    const parsed = BatchEnvelope.safeParse(record);
    if (!parsed.success) {
      return rejectRequest(
        new InvalidRequestError('invalid_batch', 'the batch envelope is invalid', {
          issues: toIssues(parsed.error),
        }),
      );
    }
    envelope = parsed.data;
    rawMessages = parsed.data.batch;
  } else {
    rawMessages = [record];
  }

  const ctx: MessageContext = {
    route,
    hasher: deps.hasher,
    source,
    receivedAt,
    newId: deps.newId,
    ...(envelope ? { envelope } : {}),
  };
  const valid: LandingMessage[] = [];
  const rejected: RejectedMessage[] = [];
  const entries: QuarantineEntry[] = [];
  rawMessages.forEach((raw, index) => {
    const checked = checkMessage(raw, index, ctx);
    if (checked.ok) valid.push(checked);
    else {
      rejected.push(checked.rejected);
      entries.push(checked.entry);
    }
  });

  // A large batch is landed: a few writes the client waits for, instead of one item per message.
  const landing = route === 'batch' && valid.length > LANDING_ABOVE_MESSAGES ? deps.landing : undefined;
  const store = () => {
    if (valid.length === 0) return undefined;
    if (landing) {
      const scope = { sourceId: ctx.source.sourceId, batchContext: envelope?.context };
      return landing.land(landingParts(valid, scope, deps.hasher));
    }
    return deps.events.putEvents(valid.map((v) => v.message));
  };
  try {
    await withinBudget(
      () => Promise.all([store(), entries.length > 0 ? deps.quarantine.put(entries) : undefined]),
      options.remainingMs,
    );
  } catch (err) {
    // Some writes may have landed: a 500 would tell the client its data failed. Ask for a retry.
    throw unavailableFrom(err);
  }

  if (route !== 'batch' && rejected[0]) {
    const first = rejected[0];
    throw new InvalidRequestError(first.code, 'the message is invalid', { issues: first.issues ?? [] });
  }
  if (valid.length === 0 && rejected.length > 0) {
    throw new InvalidRequestError('no_valid_messages', 'every message in the batch is invalid', {
      accepted: 0,
      rejected,
    });
  }
  return {
    sourceId: source.sourceId,
    accepted: valid.length,
    rejected,
    ...(landing && valid.length > 0 ? { landed: true } : {}),
  };
}

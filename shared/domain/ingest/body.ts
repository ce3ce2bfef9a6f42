import { gunzipSync } from 'node:zlib';
import { InvalidRequestError, UnauthorizedError, UnsupportedMediaTypeError } from '../errors.js';
import { LIMITS } from './limits.js';

/** The parts of an HTTP request ingest reads; headers are matched case-insensitively. */
export interface RawRequest {
  readonly body?: string | undefined;
  readonly isBase64Encoded?: boolean | undefined;
  readonly headers?: Readonly<Record<string, string | undefined>> | undefined;
}

/** Header value by case-insensitive name (API Gateway v2 lower-cases names; other callers may not). */
export function header(req: RawRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(req.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

const tooLarge = (bytes: number) =>
  new InvalidRequestError('batch_too_large', `request body exceeds ${LIMITS.requestBytes} bytes`, {
    size: bytes,
  });

/**
 * The request body as bytes: base64-decoded when API Gateway flagged it, gunzipped when labelled
 * `Content-Encoding: gzip` or when it starts with the gzip magic bytes (RudderStack's node SDK sends gzip
 * as `application/x-www-form-urlencoded`). Gunzip output is capped, so a zip bomb fails fast.
 */
export function decodeBody(req: RawRequest): Buffer {
  const raw = Buffer.from(req.body ?? '', req.isBase64Encoded ? 'base64' : 'utf8');
  const encoding = (header(req, 'content-encoding') ?? 'identity').trim().toLowerCase();
  const gzipped = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  if (encoding !== 'identity' && encoding !== '' && encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw new UnsupportedMediaTypeError(
      'unsupported_content_encoding',
      'only gzip or uncompressed bodies are accepted',
      {},
    );
  }
  if (encoding === 'gzip' || encoding === 'x-gzip' || gzipped) {
    if (raw.length > LIMITS.requestBytes) throw tooLarge(raw.length);
    try {
      return gunzipSync(raw, { maxOutputLength: LIMITS.requestBytes });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(LIMITS.requestBytes + 1);
      throw new InvalidRequestError('invalid_json', 'the body is not valid gzip', {}, { cause: err });
    }
  }
  if (raw.length > LIMITS.requestBytes) throw tooLarge(raw.length);
  return raw;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes UTF-8 strictly (a malformed byte sequence is a client error), dropping a leading BOM. */
export function bodyText(bytes: Buffer): string {
  try {
    return UTF8.decode(bytes);
  } catch (err) {
    throw new InvalidRequestError('invalid_json', 'the body is not valid UTF-8', {}, { cause: err });
  }
}

/**
 * The write key from `Authorization: Basic base64(writeKey:)`, or undefined when there is no Basic
 * header. A Basic header that does not decode to a key is an invalid key, not a missing one.
 */
export function writeKeyFromAuthorization(req: RawRequest): string | undefined {
  const value = header(req, 'authorization');
  if (!value) return undefined;
  const match = /^\s*basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(value);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const key = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
  if (!key) throw new UnauthorizedError('invalid_write_key', 'the Authorization header holds no write key');
  return key;
}

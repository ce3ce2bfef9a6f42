/** An event source: an app or server that posts events with its own write key. */
export interface Source {
  readonly name: string;
  /** Stamped on every event the source sends. */
  readonly sourceId: string;
  readonly status: 'active' | 'revoked';
  readonly createdAt: string;
  readonly revokedAt?: string;
}

/** What a write key resolves to. */
export interface ResolvedSource {
  readonly sourceId: string;
  readonly name: string;
}

/** Sources and their write keys. Only the SHA-256 of a key is ever stored. */
export interface SourceStore {
  /** Throws ConflictError('source_exists') when an active source has the name. */
  create(source: { name: string; sourceId: string; keyHash: string; createdAt: string }): Promise<void>;
  /** Deletes the key and marks the source revoked. Throws NotFoundError('source_not_found'). */
  revoke(name: string, revokedAt: string): Promise<void>;
  findByKeyHash(keyHash: string): Promise<ResolvedSource | undefined>;
  list(): Promise<Source[]>;
}

/** The name of an error, or undefined when it has none (by name: an SDK copy in another bundle fails instanceof). */
const nameOf = (err: unknown) =>
  typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;

/**
 * True when a write failed on its condition: a ConditionalCheckFailedException, or — given
 * `action`, the index of a transaction's action — a TransactionCanceledException whose reason for
 * that action is ConditionalCheckFailed (the other actions may have been cancelled for it).
 */
export function isConditionalCheckFailed(err: unknown, action?: number): boolean {
  if (action === undefined) return nameOf(err) === 'ConditionalCheckFailedException';
  return cancellationCode(err, action) === 'ConditionalCheckFailed';
}

/** The reason code of a cancelled transaction's `action`-th action, or undefined for any other error. */
export function cancellationCode(err: unknown, action: number): string | undefined {
  if (nameOf(err) !== 'TransactionCanceledException') return undefined;
  const reasons = (err as { CancellationReasons?: readonly { Code?: string }[] }).CancellationReasons;
  return reasons?.[action]?.Code;
}

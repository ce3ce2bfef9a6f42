/** Minimum secret length: 32 characters (e.g. 32 random bytes, base64). */
export const MIN_SECRET_LENGTH = 32;

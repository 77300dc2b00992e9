/**
 * Content digests (`sha256:<64 hex>`) as OCI registries use them: parsing and validating one,
 * computing the digest of some bytes, and the error for bytes that hash to another digest. The
 * streaming check of a download is in `registry/pull/digest_stream.ts`.
 *
 * @module
 */

/** A parsed `algorithm:hex` content digest. */
export interface ParsedDigest {
  /** The hash algorithm; only sha256 is supported. */
  algorithm: "sha256";
  /** The hash as 64 lowercase hex digits. */
  hex: string;
}

const SHA256_DIGEST = /^sha256:([a-f0-9]{64})$/;

/** Thrown when a string is not a supported content digest. */
export class InvalidDigestError extends Error {
  override name = "InvalidDigestError";
}

/**
 * Splits a `sha256:<64 lowercase hex>` digest into its parts.
 * @throws {InvalidDigestError} when the algorithm is not sha256 or the hex part is malformed.
 */
export function parseDigest(digest: string): ParsedDigest {
  const match = SHA256_DIGEST.exec(digest);
  if (match === null) {
    const algorithm = digest.includes(":") ? digest.slice(0, digest.indexOf(":")) : "";
    const cause = algorithm !== "" && algorithm !== "sha256"
      ? `unsupported digest algorithm "${algorithm}"`
      : "expected sha256:<64 lowercase hex digits>";
    throw new InvalidDigestError(`Cannot parse digest "${digest}": ${cause}`);
  }
  return { algorithm: "sha256", hex: match[1]! };
}

/** Returns the lowercase hex SHA-256 of `bytes` (WebCrypto). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const hash = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Returns the `sha256:<hex>` digest of `bytes`. */
export async function sha256Digest(bytes: Uint8Array): Promise<string> {
  return `sha256:${await sha256Hex(bytes)}`;
}

/** The bytes of a blob or layer did not hash to the digest that was expected. */
export class DigestMismatchError extends Error {
  /** The digest that was expected. */
  readonly expected: string;
  /** The digest of the bytes actually received. */
  readonly actual: string;

  /** Builds the error for bytes that hashed to `actual` instead of `expected`. */
  constructor(expected: string, actual: string) {
    super(`Digest mismatch for ${expected}: got ${actual}`);
    this.name = "DigestMismatchError";
    this.expected = expected;
    this.actual = actual;
  }
}

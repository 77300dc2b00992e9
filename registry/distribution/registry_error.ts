/**
 * The error of a failed registry request ({@linkcode RegistryError}: the HTTP status and the
 * registry's error code), its construction from an error response, and the facts about retrying
 * one: which statuses are worth retrying, and how long `Retry-After` asks to wait.
 *
 * @module
 */

/** A registry request failed; `httpStatus` is undefined when no HTTP response was received. */
export class RegistryError extends Error {
  override name = "RegistryError";
  /** The HTTP status of the failing response, if any. */
  readonly httpStatus: number | undefined;
  /** The registry's error code (`MANIFEST_UNKNOWN`, `UNAUTHORIZED`, …), if it sent one. */
  readonly code: string | undefined;

  /** Creates an error with a one-line message. */
  constructor(
    message: string,
    httpStatus: number | undefined,
    code?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.httpStatus = httpStatus;
    this.code = code;
  }
}

/** The first entry of a distribution error body: `{"errors":[{"code":…,"message":…}]}`. */
async function readErrorBody(
  response: Response,
): Promise<{ code: string | undefined; message: string | undefined }> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    return { code: undefined, message: undefined };
  }
  try {
    const first = (JSON.parse(text) as { errors?: { code?: unknown; message?: unknown }[] })
      .errors?.[0];
    return {
      code: typeof first?.code === "string" ? first.code : undefined,
      message: typeof first?.message === "string" && first.message !== ""
        ? first.message
        : undefined,
    };
  } catch {
    return { code: undefined, message: undefined };
  }
}

/** Describes a registry error: `unauthorized: authentication required`, `manifest unknown`. */
function describe(code: string, message: string | undefined): string {
  const phrase = code.toLowerCase().replaceAll("_", " ");
  if (message === undefined || message.toLowerCase() === phrase) return phrase;
  return message.toLowerCase().startsWith(phrase) ? message : `${phrase}: ${message}`;
}

/** Tells whether an HTTP status is worth retrying: 429 (too many requests) or any 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Parses `Retry-After` (seconds or an HTTP date) into seconds from now. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * Builds a `RegistryError` from a failed response, consuming its body.
 * `subject` is `manifest`, `blob` or `token` (used when the registry sends no error code).
 */
export async function errorFromResponse(
  response: Response,
  registry: string,
  subject: string,
): Promise<RegistryError> {
  const status = response.status;
  const body = await readErrorBody(response);
  let message: string;
  if (status === 429) {
    const wait = retryAfterSeconds(response.headers.get("retry-after"));
    message = `toomanyrequests: ${body.message ?? "rate limit reached"} (registry ${registry}` +
      (wait === undefined ? ")" : `, try again in ${wait}s)`);
  } else if (body.code !== undefined) {
    message = describe(body.code, body.message);
  } else if (status === 401) {
    message = "unauthorized: authentication required";
  } else if (status === 403) {
    message = "denied: requested access to the resource is denied";
  } else if (status === 404) {
    message = `${subject} unknown`;
  } else {
    message = `unexpected HTTP status ${status} ${response.statusText} from registry ${registry}`;
  }
  return new RegistryError(message, status, body.code);
}

/**
 * Parsing of `WWW-Authenticate` headers (RFC 7235 challenges), such as a registry's
 * `Bearer realm="…",service="…",scope="…"`. Pure.
 *
 * @module
 */

/** One authentication challenge: the scheme (lowercase) and its parameters (keys lowercase). */
export interface AuthChallenge {
  /** The scheme, lowercase: `bearer`, `basic`. */
  scheme: string;
  /** The parameters (`realm`, `service`, `scope`, …), keys lowercase. */
  params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * Parses a `WWW-Authenticate` header value into its challenges, e.g.
 * `Bearer realm="https://auth.docker.io/token",service="registry.docker.io"`.
 * Quoted strings may contain commas and backslash escapes; unquoted values run to the next comma
 * or space. Malformed trailing input is ignored.
 */
export function parseAuthChallenges(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let pos = 0;

  const skipSpace = () => {
    while (pos < header.length && (header[pos] === " " || header[pos] === "\t")) pos++;
  };
  const readToken = (): string => {
    const start = pos;
    while (pos < header.length && TOKEN_CHAR.test(header[pos]!)) pos++;
    return header.slice(start, pos);
  };
  const readBare = (): string => {
    const start = pos;
    while (pos < header.length && !/[\s,]/.test(header[pos]!)) pos++;
    return header.slice(start, pos);
  };
  const readQuoted = (): string => {
    let value = "";
    pos++; // opening quote
    while (pos < header.length && header[pos] !== '"') {
      if (header[pos] === "\\" && pos + 1 < header.length) pos++;
      value += header[pos];
      pos++;
    }
    pos++; // closing quote
    return value;
  };

  let current: AuthChallenge | undefined;
  while (pos < header.length) {
    skipSpace();
    if (header[pos] === ",") {
      pos++;
      continue;
    }
    const token = readToken();
    if (token === "") break;
    skipSpace();
    if (header[pos] === "=" && current !== undefined) {
      pos++;
      skipSpace();
      const value = header[pos] === '"' ? readQuoted() : readBare();
      current.params[token.toLowerCase()] = value;
    } else {
      current = { scheme: token.toLowerCase(), params: {} };
      challenges.push(current);
    }
  }
  return challenges;
}

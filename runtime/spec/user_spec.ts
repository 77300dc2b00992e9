/**
 * The `-u name|uid[:group|gid]` value (or the image's User) as runc parses it, before anything is
 * looked up: pure, so that a run can check it before pulling and the stage can resolve it later.
 *
 * @module
 */

import { ExitCodeError } from "../../sys/exit_codes.ts";

/** What parses as an id, as runc reads one (a sign included). */
const ID = /^[+-]?\d+$/;

/** The largest uid or gid runc accepts (2^31 - 1). */
const MAX_ID = 2 ** 31 - 1;

/** One part of `user[:group]`: an id, or a name to look up. */
export type IdOrName = { id: number } | { name: string };

/** A parsed `name|uid[:group|gid]`. */
export interface UserSpec {
  /** The user; the id 0 when the part is empty. */
  user: IdOrName;
  /** The group, when one is given. */
  group: IdOrName | undefined;
}

/**
 * Returns `id` when it lies in 0…2^31-1, as runc requires of uids and gids; throws an
 * ExitCodeError (125) naming `user` (the value it came from) otherwise.
 */
export function checkUserId(user: string, id: number): number {
  if (!(id >= 0 && id <= MAX_ID)) {
    throw new ExitCodeError(
      `Cannot use user "${user}": uids and gids must be in range 0-${MAX_ID}, not ${id}`,
    );
  }
  return id;
}

function idOrName(user: string, part: string): IdOrName {
  return ID.test(part) ? { id: checkUserId(user, Number(part)) } : { name: part };
}

/**
 * Parses `user` (`name|uid[:group|gid]`, `""` for root) as runc does: a numeric part is an id
 * and must lie in 0…2^31-1. Throws an ExitCodeError (125) for an id out of range or a second
 * colon.
 */
export function parseUserSpec(user: string): UserSpec {
  const [userPart = "", groupPart, ...extra] = user.split(":");
  if (extra.length > 0) {
    throw new ExitCodeError(`Cannot use user "${user}": expected name|uid[:group|gid]`);
  }
  return {
    user: userPart === "" ? { id: 0 } : idOrName(user, userPart),
    group: groupPart === undefined || groupPart === "" ? undefined : idOrName(user, groupPart),
  };
}

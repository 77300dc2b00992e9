/**
 * The container's user: `-u name|uid[:group|gid]` (or the image's User) resolved against the
 * container's own /etc/passwd and /etc/group, as Docker resolves it.
 *
 * @module
 */

import { ExitCodeError } from "../../sys/exit_codes.ts";

/** A resolved user: ids, supplementary groups and home directory. */
export interface ResolvedUser {
  uid: number;
  gid: number;
  /** Supplementary group ids (groups listing the user as a member). */
  additionalGids: number[];
  /** The passwd entry's home, or `/` when the user has no entry. */
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const NUMERIC = /^\d+$/;
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

function checkId(user: string, id: number): number {
  if (!(id >= 0 && id <= MAX_ID)) {
    throw new ExitCodeError(
      `Cannot use user "${user}": uids and gids must be in range 0-${MAX_ID}, not ${id}`,
    );
  }
  return id;
}

function idOrName(user: string, part: string): IdOrName {
  return ID.test(part) ? { id: checkId(user, Number(part)) } : { name: part };
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

function parsePasswd(text: string): PasswdEntry[] {
  return text.split("\n").flatMap((line) => {
    const fields = line.split(":");
    if (fields.length < 7 || line.startsWith("#")) return [];
    const [name, , uid, gid, , home] = fields;
    if (!NUMERIC.test(uid!) || !NUMERIC.test(gid!)) return [];
    return [{ name: name!, uid: Number(uid), gid: Number(gid), home: home! }];
  });
}

function parseGroup(text: string): GroupEntry[] {
  return text.split("\n").flatMap((line) => {
    const fields = line.split(":");
    if (fields.length < 4 || line.startsWith("#")) return [];
    const [name, , gid, members] = fields;
    if (!NUMERIC.test(gid!)) return [];
    return [{ name: name!, gid: Number(gid), members: members!.split(",").filter(Boolean) }];
  });
}

/**
 * Resolves `user` (`""` means root) with the texts of the container's /etc/passwd and
 * /etc/group (empty when missing). Throws an ExitCodeError (125) naming an unknown user or
 * group, or an id (given, or found in those files) outside 0…2^31-1.
 */
export function resolveUser(user: string, passwd: string, group: string): ResolvedUser {
  const spec = parseUserSpec(user);
  const users = parsePasswd(passwd);
  const groups = parseGroup(group);
  const wanted = spec.user;
  const entry = "id" in wanted
    ? users.find((candidate) => candidate.uid === wanted.id)
    : users.find((candidate) => candidate.name === wanted.name);
  if (entry === undefined && "name" in wanted) {
    throw new ExitCodeError(
      `Cannot find user "${wanted.name}": no matching entries in the container's /etc/passwd`,
    );
  }
  const uid = entry?.uid ?? ("id" in wanted ? wanted.id : 0);
  let gid = entry?.gid ?? 0;
  const wantedGroup = spec.group;
  if (wantedGroup !== undefined && "id" in wantedGroup) gid = wantedGroup.id;
  else if (wantedGroup !== undefined) {
    const found = groups.find((candidate) => candidate.name === wantedGroup.name);
    if (found === undefined) {
      throw new ExitCodeError(
        `Cannot find group "${wantedGroup.name}": no matching entries in the container's /etc/group`,
      );
    }
    gid = found.gid;
  }
  const additionalGids = entry === undefined
    ? []
    : groups.filter((candidate) => candidate.members.includes(entry.name))
      .map((candidate) => candidate.gid);
  for (const id of [uid, gid, ...additionalGids]) checkId(user, id);
  return { uid, gid, additionalGids, home: entry?.home || "/" };
}

function readOrEmpty(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

/** Resolves `user` against the calling thread's root (the container's, after pivot_root). */
export function resolveContainerUser(user: string): ResolvedUser {
  return resolveUser(user, readOrEmpty("/etc/passwd"), readOrEmpty("/etc/group"));
}

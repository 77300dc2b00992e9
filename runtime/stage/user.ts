/**
 * The container's user: `-u name|uid[:group|gid]` (or the image's User) resolved against the
 * container's own /etc/passwd and /etc/group, as Docker resolves it.
 *
 * @module
 */

import { ExitCodeError } from "../../sys/exit_codes.ts";
import { realSys, type Sys } from "../../sys/sys.ts";
import { checkUserId, parseUserSpec } from "../spec/user_spec.ts";

/** A resolved user: ids, supplementary groups and home directory. */
export interface ResolvedUser {
  uid: number;
  gid: number;
  /** Supplementary group ids: the primary group, then groups listing the user as a member. */
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
  // As Docker: the primary group is a supplementary group too (`id` shows groups=GID).
  const memberOf = entry === undefined
    ? []
    : groups.filter((candidate) => candidate.members.includes(entry.name))
      .map((candidate) => candidate.gid);
  const additionalGids = [...new Set([gid, ...memberOf])];
  for (const id of [uid, gid, ...additionalGids]) checkUserId(user, id);
  return { uid, gid, additionalGids, home: entry?.home || "/" };
}

function readOrEmpty(path: string, sys: Sys): string {
  try {
    return sys.readTextFile(path);
  } catch {
    return "";
  }
}

/** Resolves `user` against the calling thread's root (the container's, after pivot_root). */
export function resolveContainerUser(user: string, sys: Sys = realSys): ResolvedUser {
  return resolveUser(user, readOrEmpty("/etc/passwd", sys), readOrEmpty("/etc/group", sys));
}

/**
 * Container names: Docker-style `adjective_surname` names for containers started without
 * `--name`, the rule names must follow, and their reservation: one file per name under
 * `<root>/names/`, created with O_EXCL under a lock, naming the container and the process that
 * reserved it, so that two `run`s never get the same name. A reservation whose container
 * directory is gone and whose process has ended is stale and taken over.
 *
 * @module
 */

import { containerDir } from "./container_dir.ts";
import { ExitCodeError, fsErrorReason } from "../../sys/exit_codes.ts";
import { pathExists } from "../../sys/path_exists.ts";
import { isAlive, processIdentity } from "../../sys/process_identity.ts";

const ADJECTIVES = [
  "admiring",
  "blissful",
  "bold",
  "brave",
  "clever",
  "dazzling",
  "eager",
  "elegant",
  "focused",
  "gallant",
  "happy",
  "jolly",
  "keen",
  "lucid",
  "nifty",
  "quirky",
  "serene",
  "sharp",
  "tender",
  "vibrant",
  "wizardly",
  "zealous",
];

const SURNAMES = [
  "babbage",
  "curie",
  "darwin",
  "einstein",
  "euler",
  "feynman",
  "galileo",
  "hopper",
  "kepler",
  "lovelace",
  "mccarthy",
  "newton",
  "noether",
  "pascal",
  "ritchie",
  "shannon",
  "thompson",
  "torvalds",
  "turing",
  "wozniak",
];

const VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * Returns a random `adjective_surname` name; after a collision (`retry` > 0) with a random digit
 * appended, as Docker's name generator does.
 */
export function randomName(retry = 0): string {
  const [a, b, c] = crypto.getRandomValues(new Uint32Array(3));
  const name = `${ADJECTIVES[a! % ADJECTIVES.length]}_${SURNAMES[b! % SURNAMES.length]}`;
  return retry === 0 ? name : `${name}${c! % 10}`;
}

/** How many random names a container gets tried before it is named by its short id, as Docker. */
const RANDOM_NAME_TRIES = 6;

/** The directory of the name reservations of `stateRoot`. */
function namesRoot(stateRoot: string): string {
  return `${stateRoot}/names`;
}

/** Whether the reservation in `path` still holds: its container exists or its process lives. */
function reservationHolds(stateRoot: string, path: string): boolean {
  let id: string, reserver: string;
  try {
    [id = "", reserver = ""] = Deno.readTextFileSync(path).split("\n");
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
  return (id !== "" && pathExists(containerDir(stateRoot, id).path)) || isAlive(reserver);
}

/**
 * Reserves `name` for container `id` under `stateRoot`, atomically among concurrent mydockers
 * (under the names' lock, then with O_EXCL); false when a reservation that holds has it.
 */
function tryReserve(stateRoot: string, name: string, id: string): boolean {
  const path = `${namesRoot(stateRoot)}/${name}`;
  using lock = Deno.openSync(`${namesRoot(stateRoot)}/.lock`, { write: true, create: true });
  lock.lockSync(true);
  // Mostly there is none: asked with one fstatat, without a NotFound to build.
  if (pathExists(path)) {
    if (reservationHolds(stateRoot, path)) return false;
    try {
      Deno.removeSync(path); // A stale reservation.
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error; // Released meanwhile.
    }
  }
  Deno.writeTextFileSync(path, `${id}\n${processIdentity()}`, { createNew: true, mode: 0o600 });
  return true;
}

/**
 * Reserves the name of container `id`: `requested` (`--name`), or a random one that no other
 * container has (after six random names, the short id, as Docker).
 *
 * @throws {ExitCodeError} (125) when `requested` is taken or the reservation cannot be written.
 */
export function reserveName(stateRoot: string, requested: string | undefined, id: string): string {
  try {
    Deno.mkdirSync(namesRoot(stateRoot), { recursive: true, mode: 0o700 });
    if (requested !== undefined) {
      if (tryReserve(stateRoot, requested, id)) return requested;
      throw new ExitCodeError(
        `Cannot use name "${requested}": it is already in use by a container`,
      );
    }
    for (let retry = 0; retry < RANDOM_NAME_TRIES; retry++) {
      const name = randomName(retry);
      if (tryReserve(stateRoot, name, id)) return name;
    }
    const short = id.slice(0, 12);
    if (tryReserve(stateRoot, short, id)) return short;
    throw new ExitCodeError(`Cannot name container ${short}: every name tried is in use`);
  } catch (error) {
    if (error instanceof ExitCodeError) throw error;
    throw new ExitCodeError(
      `Cannot reserve a name in "${namesRoot(stateRoot)}": ${fsErrorReason(error)}`,
    );
  }
}

/** Releases `name` when container `id` holds it (`rm`); nothing when it does not. */
export function releaseName(stateRoot: string, name: string, id: string): void {
  const path = `${namesRoot(stateRoot)}/${name}`;
  try {
    if (Deno.readTextFileSync(path).split("\n")[0] === id) Deno.removeSync(path);
  } catch {
    // Never reserved, or already released.
  }
}

/** Tells whether `name` is a valid container name (Docker's `[a-zA-Z0-9][a-zA-Z0-9_.-]+`). */
export function isValidName(name: string): boolean {
  return VALID_NAME.test(name);
}

/**
 * Container names: Docker-style `adjective_surname` names for containers started without
 * `--name`, and the rule names must follow.
 *
 * @module
 */

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

/** Returns a random `adjective_surname` name. */
export function randomName(): string {
  const [a, b] = crypto.getRandomValues(new Uint32Array(2));
  return `${ADJECTIVES[a! % ADJECTIVES.length]}_${SURNAMES[b! % SURNAMES.length]}`;
}

/** Tells whether `name` is a valid container name (Docker's `[a-zA-Z0-9][a-zA-Z0-9_.-]+`). */
export function isValidName(name: string): boolean {
  return VALID_NAME.test(name);
}

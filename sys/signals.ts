/**
 * Signal numbers by name: the signals mydocker sends, and those its commands accept by name.
 *
 * @module
 */

/** Signal numbers by name without the `SIG` prefix (the same on x86_64 and aarch64). */
export const SIGNALS = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  KILL: 9,
  USR1: 10,
  USR2: 12,
  TERM: 15,
  CONT: 18,
  STOP: 19,
  WINCH: 28,
} as const;

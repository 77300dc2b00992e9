/**
 * Signals by name and number, one table for the whole program: all 64 of Linux (the same numbers
 * on x86_64 and aarch64), with the real-time ones as `RTMIN`, `RTMIN+n`, `RTMAX-n` and `RTMAX`
 * as the kernel and Docker name them, and the parser every command that takes a signal uses.
 *
 * @module
 */

/** The standard signals by name, without the `SIG` prefix. */
export const SIGNALS = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  STKFLT: 16,
  CHLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  PWR: 30,
  SYS: 31,
} as const;

/** The first real-time signal as programs see it (glibc keeps 32 and 33 for itself). */
export const SIGRTMIN = 34;
/** The last signal. */
export const SIGRTMAX = 64;

/** Other names of standard signals, as Docker accepts them. */
const ALIASES: Readonly<Record<string, number>> = { IOT: 6, POLL: 29, CLD: 17 };

/** The name of signal `number` without `SIG` (`TERM`, `RTMIN+3`, `RTMAX-1`), or undefined. */
export function signalName(number: number): string | undefined {
  const standard = Object.entries(SIGNALS).find(([, value]) => value === number)?.[0];
  if (standard !== undefined) return standard;
  if (number < SIGRTMIN || number > SIGRTMAX) return undefined;
  if (number === SIGRTMIN) return "RTMIN";
  if (number === SIGRTMAX) return "RTMAX";
  const fromMin = number - SIGRTMIN;
  return fromMin <= 15 ? `RTMIN+${fromMin}` : `RTMAX-${SIGRTMAX - number}`;
}

/**
 * The number of a signal given as Docker takes one: a name with or without `SIG` in any case
 * (`SIGTERM`, `term`, `SIGRTMIN+3`, `RTMAX-2`) or a number from 1 to 64. Undefined otherwise.
 */
export function signalNumber(value: string): number | undefined {
  if (/^\d+$/.test(value)) {
    const number = Number(value);
    return number >= 1 && number <= SIGRTMAX ? number : undefined;
  }
  const name = value.toUpperCase().replace(/^SIG/, "");
  const standard = (SIGNALS as Readonly<Record<string, number>>)[name] ?? ALIASES[name];
  if (standard !== undefined) return standard;
  const realtime = /^RT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (realtime === null) return undefined;
  const [, base, sign, offset] = realtime;
  const number = (base === "MIN" ? SIGRTMIN : SIGRTMAX) +
    (sign === undefined ? 0 : (sign === "+" ? 1 : -1) * Number(offset));
  const fromMin = sign === "+" && base === "MIN";
  const fromMax = sign === "-" && base === "MAX";
  if (sign !== undefined && !fromMin && !fromMax) return undefined;
  return number >= SIGRTMIN && number <= SIGRTMAX ? number : undefined;
}

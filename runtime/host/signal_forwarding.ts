/**
 * Forwards the signals mydocker receives to the container's PID 1. PID 1 of a PID namespace
 * ignores signals it has no handler for, so a signal whose default action would end a normal
 * process ends the container instead (SIGKILL), and mydocker reports it as death by that signal.
 *
 * @module
 */

import { kill } from "../../sys/process.ts";
import { SIGNALS } from "../../sys/signals.ts";

/** The signals mydocker forwards (the numbers come from the one signal table). */
const FORWARDED_SIGNALS = ["HUP", "INT", "QUIT", "USR1", "USR2", "TERM"] as const;

/** Tells whether bit `signal` is set in a /proc status signal mask (hex). */
export function maskHas(hexMask: string, signal: number): boolean {
  return ((BigInt(`0x${hexMask}`) >> BigInt(signal - 1)) & 1n) === 1n;
}

/** Whether process `pid` handles or ignores `signal` itself (per /proc/PID/status). */
function handlesSignal(pid: number, signal: number): boolean {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const field = (name: string) => status.match(new RegExp(`^${name}:\\s*([0-9a-f]+)`, "m"))?.[1];
  return maskHas(field("SigCgt") ?? "0", signal) || maskHas(field("SigIgn") ?? "0", signal);
}

/** Forwards signals to a container process while active. */
export class SignalForwarder {
  #pid: number | undefined;
  #pending: number[] = [];
  #listeners: [Deno.Signal, () => void][] = [];
  /** The signal that ended the container through {@linkcode SignalForwarder}, if any. */
  terminatedBy: number | undefined;

  readonly #pidOne: boolean;
  readonly #terminalSignalsDelivered: boolean;

  /**
   * Starts listening; signals that arrive before {@linkcode attach} are held. `pidOne` says the
   * target is PID 1 of its namespace, whose default dispositions mydocker then stands in for;
   * `terminalSignalsDelivered` that it shares mydocker's foreground process group, so the
   * terminal's SIGINT and SIGQUIT already reached it and are not sent twice.
   */
  constructor(options: { pidOne?: boolean; terminalSignalsDelivered?: boolean } = {}) {
    this.#pidOne = options.pidOne ?? true;
    this.#terminalSignalsDelivered = options.terminalSignalsDelivered ?? false;
    for (const name of FORWARDED_SIGNALS) {
      const listener = () => this.#deliver(SIGNALS[name]);
      Deno.addSignalListener(`SIG${name}`, listener);
      this.#listeners.push([`SIG${name}`, listener]);
    }
  }

  /** Sets the process to forward to and delivers held signals. */
  attach(pid: number): void {
    this.#pid = pid;
    for (const signal of this.#pending.splice(0)) this.#deliver(signal);
  }

  #deliver(signal: number): void {
    const pid = this.#pid;
    if (pid === undefined) {
      this.#pending.push(signal);
      return;
    }
    try {
      const fromTerminal = this.#terminalSignalsDelivered &&
        (signal === SIGNALS.INT || signal === SIGNALS.QUIT);
      if (!this.#pidOne || handlesSignal(pid, signal)) {
        if (!fromTerminal) kill(pid, signal);
      } else {
        this.terminatedBy ??= signal;
        kill(pid, SIGNALS.KILL);
      }
    } catch {
      // The container is already gone; its exit status tells the rest.
    }
  }

  /** Stops listening. */
  dispose(): void {
    for (const [name, listener] of this.#listeners) Deno.removeSignalListener(name, listener);
    this.#listeners = [];
  }
}

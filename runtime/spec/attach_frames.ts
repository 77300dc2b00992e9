/**
 * What an attach client sends a detached container's monitor over the container's attach socket:
 * frames of a type byte, a 4-byte big-endian length and the payload. The monitor answers the
 * hello with {@linkcode HELLO_ACK}, then sends the terminal's output as it is, unframed.
 *
 * @module
 */

import { concatBytes } from "../../sys/bytes.ts";

/** The kinds of frame an attach client sends. */
export const FrameType = {
  /** First frame: one flags byte, {@linkcode HELLO_REPLAY} or 0. */
  HELLO: 0,
  /** Bytes typed, for the container's terminal. */
  INPUT: 1,
  /** The client's window size: rows and columns, 2 bytes each, big-endian. */
  RESIZE: 2,
} as const;

/** Hello flag: send the output of the container's current (or last) run so far, then follow. */
export const HELLO_REPLAY = 1;

/**
 * The byte the monitor answers a hello with: a connection that ends before it was not served
 * (the monitor was ending), not one whose run wrote nothing.
 */
export const HELLO_ACK = 6;

/** A decoded frame. */
export interface Frame {
  type: number;
  payload: Uint8Array;
}

const HEADER_BYTES = 5;

/** Encodes one frame of `type` carrying `payload`. */
export function encodeFrame(type: number, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(HEADER_BYTES + payload.length);
  frame[0] = type;
  new DataView(frame.buffer).setUint32(1, payload.length);
  frame.set(payload, HEADER_BYTES);
  return frame;
}

/** Encodes a {@linkcode FrameType.RESIZE} frame. */
export function resizeFrame(rows: number, columns: number): Uint8Array<ArrayBuffer> {
  const payload = new Uint8Array(4);
  new DataView(payload.buffer).setUint16(0, rows);
  new DataView(payload.buffer).setUint16(2, columns);
  return encodeFrame(FrameType.RESIZE, payload);
}

/** Reads the rows and columns of a {@linkcode FrameType.RESIZE} payload. */
export function readResize(payload: Uint8Array): { rows: number; columns: number } {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  return { rows: view.getUint16(0), columns: view.getUint16(2) };
}

/** Splits a byte stream into frames, whatever the chunks it arrives in. */
export class FrameDecoder {
  #pending = new Uint8Array(0);

  /** Adds `chunk`; returns the frames it completes. */
  push(chunk: Uint8Array): Frame[] {
    const data = concatBytes([this.#pending, chunk]);
    const frames: Frame[] = [];
    let offset = 0;
    while (data.length - offset >= HEADER_BYTES) {
      const length = new DataView(data.buffer, offset + 1, 4).getUint32(0);
      if (data.length - offset - HEADER_BYTES < length) break;
      const start = offset + HEADER_BYTES;
      frames.push({ type: data[offset]!, payload: data.slice(start, start + length) });
      offset = start + length;
    }
    this.#pending = data.slice(offset);
    return frames;
  }
}

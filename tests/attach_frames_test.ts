import assert from "node:assert/strict";
import {
  encodeFrame,
  FrameDecoder,
  FrameType,
  readResize,
  resizeFrame,
} from "../runtime/spec/attach_frames.ts";

Deno.test("FrameDecoder reads frames back whatever the chunks they arrive in", () => {
  const input = encodeFrame(FrameType.INPUT, new TextEncoder().encode("ls\r"));
  const resize = resizeFrame(33, 111);
  const stream = new Uint8Array([
    ...input,
    ...resize,
    ...encodeFrame(FrameType.HELLO, new Uint8Array()),
  ]);
  for (const size of [1, 2, 7, stream.length]) {
    const decoder = new FrameDecoder();
    const frames = [];
    for (let offset = 0; offset < stream.length; offset += size) {
      frames.push(...decoder.push(stream.subarray(offset, offset + size)));
    }
    assert.deepEqual(frames.map((frame) => frame.type), [1, 2, 0]);
    assert.equal(new TextDecoder().decode(frames[0]!.payload), "ls\r");
    assert.deepEqual(readResize(frames[1]!.payload), { rows: 33, columns: 111 });
    assert.equal(frames[2]!.payload.length, 0);
  }
});

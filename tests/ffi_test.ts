import assert from "node:assert/strict";
import { check, cstr, cstrArray, errno, libc, SyscallError } from "../sys/ffi.ts";
import { isatty } from "../sys/pty.ts";
import { close, fifoHungUp, mkfifo, open, OpenFlag } from "../sys/fs.ts";
import { Errno } from "../sys/errno.ts";
import { pathExists } from "../sys/path_exists.ts";

Deno.test("plain system calls through the shared syscall(2) binding act as libc's wrappers", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/file`;
    const fd = check(libc().open(cstr(path), 0o101, /* O_WRONLY | O_CREAT */ 0o640), "open");
    const bytes = new TextEncoder().encode("..hello");
    // A view with an offset is passed at its own start.
    assert.equal(Number(libc().write(fd, bytes.subarray(2), 5n)), 5);
    check(libc().close(fd), "close");
    assert.equal(Deno.readTextFileSync(path), "hello");
    assert.equal(Deno.statSync(path).mode! & 0o777, 0o640 & ~Deno.umask());
    const reader = check(libc().open(cstr(path), 0, 0), "open");
    const buffer = new Uint8Array(16);
    assert.equal(Number(libc().read(reader, buffer.subarray(3), 16n)), 5);
    assert.equal(new TextDecoder().decode(buffer.subarray(3, 8)), "hello");
    check(libc().close(reader), "close");
    assert.equal(libc().open(cstr(`${dir}/missing`), 0, 0), -1);
    assert.equal(errno(), Errno.ENOENT);
    assert.throws(() => check(libc().close(reader), "close"), SyscallError);
    assert.equal(`${libc().gettid()}`, Deno.readLinkSync("/proc/thread-self").split("/").at(-1));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("pathExists() tells files, directories and dangling symlinks from nothing", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/file`, "");
    Deno.symlinkSync(`${dir}/nowhere`, `${dir}/dangling`);
    assert.deepEqual(
      ["file", "dangling", "", "nowhere", "file/below"].map((name) => pathExists(`${dir}/${name}`)),
      [true, true, true, false, false],
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("posix_spawn's family, bound without fast calls, returns its error numbers as numbers", () => {
  const attributes = new Uint8Array(512);
  const actions = new Uint8Array(512);
  assert.equal(libc().posix_spawnattr_init(attributes), 0);
  assert.equal(libc().posix_spawn_file_actions_init(actions), 0);
  const keep: Uint8Array[] = [];
  const argv = cstrArray(["/nonexistent/command"], keep);
  const pid = new Int32Array(1);
  const result = libc().posix_spawn(
    pid,
    cstr("/nonexistent/command"),
    actions,
    attributes,
    argv,
    argv,
  );
  assert.equal(result, Errno.ENOENT);
  assert.equal(libc().posix_spawn_file_actions_destroy(actions), 0);
  assert.equal(libc().posix_spawnattr_destroy(attributes), 0);
});

Deno.test("isatty() tells a terminal from a file", () => {
  const path = Deno.makeTempFileSync();
  const file = check(libc().open(cstr(path), 0, 0), "open");
  const master = check(libc().open(cstr("/dev/ptmx"), 0o402, /* O_RDWR | O_NOCTTY */ 0), "open");
  try {
    assert.equal(isatty(file), false);
    assert.equal(isatty(master), true);
    assert.equal(isatty(-1), false);
  } finally {
    libc().close(file);
    libc().close(master);
    Deno.removeSync(path);
  }
});

Deno.test("fifoHungUp() tells a FIFO whose writer came and went from one no writer opened", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/fifo`;
  try {
    mkfifo(path, 0o600);
    const reader = open(path, OpenFlag.RDONLY | OpenFlag.NONBLOCK);
    try {
      assert.equal(fifoHungUp(reader, 0), false);
      const writer = open(path, OpenFlag.WRONLY | OpenFlag.NONBLOCK);
      assert.equal(fifoHungUp(reader, 0), false);
      close(writer);
      assert.equal(fifoHungUp(reader, 0), true);
    } finally {
      close(reader);
    }
    // A writer already waiting in its open when the reader comes, as a held container's is.
    const writer = new Deno.Command("sh", { args: ["-c", 'exec 3>"$0"; sleep 0.1', path] })
      .spawn();
    while (await Deno.readTextFile(`/proc/${writer.pid}/wchan`) !== "wait_for_partner") {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const late = open(path, OpenFlag.RDONLY | OpenFlag.NONBLOCK);
    try {
      assert.equal(fifoHungUp(late, 0), false);
      assert.equal(fifoHungUp(late, 5000), true);
      assert.equal((await writer.status).code, 0);
    } finally {
      close(late);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

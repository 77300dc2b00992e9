/**
 * Docker's confirmation prompt for destructive commands (the prunes without `-f`).
 *
 * @module
 */

/**
 * Prints `warning` and Docker's `Are you sure you want to continue? [y/N] ` on stdout, as Docker
 * does, and reads one line of stdin: true for `y` or `yes`.
 */
export async function confirm(warning: string): Promise<boolean> {
  await Deno.stdout.write(
    new TextEncoder().encode(`${warning}\nAre you sure you want to continue? [y/N] `),
  );
  const buffer = new Uint8Array(1024);
  let line = "";
  for (;;) {
    const read = await Deno.stdin.read(buffer);
    if (read === null) break;
    line += new TextDecoder().decode(buffer.subarray(0, read));
    if (line.includes("\n")) break;
  }
  return ["y", "yes"].includes(line.split("\n")[0]!.trim().toLowerCase());
}

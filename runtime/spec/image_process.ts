/**
 * The command a container runs, decided as Docker does: the entrypoint (`--entrypoint` or the
 * image's Entrypoint) followed by the command line's arguments, or else the image's Cmd.
 *
 * @module
 */

/** The parts that decide a container's command. */
export interface ProcessSources {
  /** The image config's Entrypoint. */
  imageEntrypoint: readonly string[] | null | undefined;
  /** The image config's Cmd. */
  imageCmd: readonly string[] | null | undefined;
  /** `--entrypoint`, when given (an empty string clears the image's entrypoint). */
  entrypoint: string | undefined;
  /** COMMAND and ARGs from the command line. */
  command: readonly string[];
}

/** Returns the container's argv; empty when neither the image nor the user names a command. */
export function processArgs(sources: ProcessSources): string[] {
  const entrypoint = sources.entrypoint === undefined
    ? [...(sources.imageEntrypoint ?? [])]
    : sources.entrypoint === ""
    ? []
    : [sources.entrypoint];
  // Docker drops the image's Cmd when --entrypoint is given.
  const imageCmd = sources.entrypoint === undefined ? sources.imageCmd ?? [] : [];
  const command = sources.command.length > 0 ? sources.command : imageCmd;
  return [...entrypoint, ...command];
}

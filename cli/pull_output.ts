/**
 * Where a pull's progress goes from the command line: Docker's progress lines on stderr, drawn by
 * `pull_progress.ts`, which is loaded only once a pull has started, so a `run` of a stored image
 * never loads it.
 *
 * @module
 */

import type { PullObserverFactory } from "../engine/pull_image.ts";

/** Observes pulls by drawing their progress on stderr; `quiet` prints nothing at all. */
export function progressOnStderr(quiet: boolean): PullObserverFactory {
  return async ({ name, tag, repository, missingLocally }) => {
    const { PullProgress } = await import("./pull_progress.ts");
    return new PullProgress(name, tag, repository, { quiet, missingLocally });
  };
}

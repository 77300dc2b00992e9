/**
 * mydocker's version, in a module of its own so that the command line can print it without
 * loading anything else.
 *
 * @module
 */

/** mydocker's version (the `version` of `deno.json`; a test keeps the two equal). */
export const MYDOCKER_VERSION = "0.1.0";

/**
 * The error of an OCI config mydocker cannot run as written.
 *
 * @module
 */

/** An OCI config asks for something mydocker does not do, or says it wrongly. */
export class OciConfigError extends Error {
  /** `message` says what is wrong with the config. */
  constructor(message: string) {
    super(`Cannot run OCI config: ${message}`);
    this.name = "OciConfigError";
  }
}

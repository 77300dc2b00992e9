/**
 * A typed Go nil, for the API objects mydocker shapes as Docker's (`inspect`, `info`): a nil
 * slice, map or pointer is `null` in JSON but prints as `[]`, `map[]` or `<nil>` in a `--format`
 * template, as Go prints them.
 *
 * @module
 */

/** A typed Go nil: prints as `[]`, `map[]` or `<nil>`, and as `null` in JSON. */
export class GoNil {
  /** What kind of nil it is. */
  readonly kind: "slice" | "map" | "pointer";
  /** Makes a nil of `kind`. */
  constructor(kind: "slice" | "map" | "pointer") {
    this.kind = kind;
  }
  /** JSON sees `null`. */
  toJSON(): null {
    return null;
  }
}

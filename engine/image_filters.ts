/**
 * `images --filter` as dockerd filters images: `dangling=true|false`, `reference=PATTERN` (a
 * shell pattern over the familiar name, with or without its tag), `before=IMAGE` and
 * `since=IMAGE` (created before or after that image), `label=KEY` or `label=KEY=VALUE`. Values
 * of one key match if any does (labels: if all do); different keys must all match.
 *
 * @module
 */

import { familiarRepository } from "../registry/format/reference.ts";
import { ImageStore, type ImageSummary } from "../registry/store.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";
import { findImage } from "./inspect.ts";

/** The filter keys `images --filter` knows. */
export const IMAGE_FILTER_KEYS = ["dangling", "reference", "before", "since", "label"] as const;

/** A filter key of `images --filter`. */
export type ImageFilterKey = (typeof IMAGE_FILTER_KEYS)[number];

/** Go's path.Match pattern `pattern` as a regular expression over a whole string. */
export function shellPattern(pattern: string): RegExp {
  let source = "";
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else if (char === "[") {
      const end = pattern.indexOf("]", index + 2);
      if (end === -1) throw new ExitCodeError(`Invalid filter 'reference=${pattern}'`);
      const set = pattern.slice(index + 1, end).replace(/^\^/, "!").replace(/\\/g, "\\\\");
      source += `[${set.startsWith("!") ? `^${set.slice(1)}` : set}]`;
      index = end;
    } else if (char === "\\" && index + 1 < pattern.length) {
      source += RegExp.escape(pattern[++index]!);
    } else source += RegExp.escape(char);
  }
  return new RegExp(`^${source}$`);
}

/** Whether `labels` hold every label `wanted` names (`KEY` or `KEY=VALUE`). */
function hasLabels(labels: Record<string, string>, wanted: readonly string[]): boolean {
  return wanted.every((entry) => {
    const equals = entry.indexOf("=");
    if (equals === -1) return Object.hasOwn(labels, entry);
    return labels[entry.slice(0, equals)] === entry.slice(equals + 1);
  });
}

/** The creation time of the image `reference` names, for `before=` and `since=`. */
async function createdOf(store: ImageStore, reference: string): Promise<number> {
  const [image] = await findImage(store, reference);
  if (image === undefined) throw new ExitCodeError(`No such image: ${reference}`);
  return Date.parse(image.created ?? new Date(0).toISOString());
}

/**
 * The images of `images` (stored under `root`) that `filters` let through.
 *
 * @throws {ExitCodeError} (125) for a bad value (`Invalid filter 'dangling=maybe'`), or an image
 * `before=` or `since=` names that is not stored.
 */
export async function filterImages(
  root: string,
  images: readonly ImageSummary[],
  filters: ReadonlyMap<ImageFilterKey, readonly string[]>,
): Promise<ImageSummary[]> {
  const store = new ImageStore(root);
  const tests: ((image: ImageSummary) => boolean | Promise<boolean>)[] = [];
  const dangling = filters.get("dangling");
  if (dangling !== undefined) {
    const wanted = dangling.at(-1)!.toLowerCase();
    if (!["true", "false", "1", "0"].includes(wanted)) {
      throw new ExitCodeError(`Invalid filter 'dangling=${dangling.at(-1)}'`);
    }
    // As `image prune`: dangling is known only by digest, with no name that has a tag.
    const tagged = new Set(images.filter((image) => image.tag !== undefined).map((i) => i.id));
    tests.push((image) => !tagged.has(image.id) === (wanted === "true" || wanted === "1"));
  }
  const references = filters.get("reference");
  if (references !== undefined) {
    const patterns = references.map(shellPattern);
    tests.push((image) => {
      const repository = familiarRepository(image);
      const named = image.tag === undefined
        ? `${repository}@${image.digest}`
        : `${repository}:${image.tag}`;
      const names = [named, repository];
      return patterns.some((pattern) => names.some((name) => pattern.test(name)));
    });
  }
  for (const [key, before] of [["before", true], ["since", false]] as const) {
    const values = filters.get(key);
    if (values === undefined) continue;
    const bound = await createdOf(store, values.at(-1)!);
    tests.push((image) => {
      const created = Date.parse(image.created ?? new Date(0).toISOString());
      return before ? created < bound : created > bound;
    });
  }
  const labels = filters.get("label");
  if (labels !== undefined) {
    const byId = new Map<string, Record<string, string>>();
    tests.push(async (image) => {
      if (!byId.has(image.id)) {
        const config = JSON.parse(new TextDecoder().decode(await store.readBlob(image.id)));
        byId.set(image.id, config.config?.Labels ?? {});
      }
      return hasLabels(byId.get(image.id)!, labels);
    });
  }
  const kept: ImageSummary[] = [];
  for (const image of images) {
    let pass = true;
    for (const test of tests) pass &&= await test(image);
    if (pass) kept.push(image);
  }
  return kept;
}

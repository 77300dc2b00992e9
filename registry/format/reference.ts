/**
 * Image references as Docker reads them: parsing (`alpine`, `user/app`, `host:5000/app:tag`,
 * `app@sha256:…`), normalising (`docker.io/library/alpine:latest`), the familiar short forms
 * `docker images` shows, and Docker Hub's names (the canonical `docker.io`, its API host and its
 * legacy index host). Pure: no I/O.
 *
 * @module
 */

/** A fully normalised image reference. */
export interface ImageReference {
  /** Registry host (with port), `docker.io` for Docker Hub. */
  registry: string;
  /** Repository path inside the registry, e.g. `library/alpine`. */
  repository: string;
  /** Tag; `latest` when neither tag nor digest was given. */
  tag: string | undefined;
  /** Content digest `sha256:<hex>`; wins over the tag for fetching. */
  digest: string | undefined;
}

/** Thrown when an image reference does not follow the distribution reference grammar. */
export class InvalidReferenceError extends Error {
  override name = "InvalidReferenceError";
}

/** Docker Hub's canonical registry name. */
export const DOCKER_HUB = "docker.io";
/** The host that serves Docker Hub's registry API. */
export const DOCKER_HUB_API_HOST = "registry-1.docker.io";
/** Docker Hub's legacy index host, which references may still name (`index.docker.io/x`). */
export const DOCKER_HUB_INDEX_HOST = "index.docker.io";

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`,
);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
const MAX_NAME_LENGTH = 255;

/**
 * Parses and normalises an image reference the way Docker does.
 * @throws {InvalidReferenceError} when the reference is malformed, e.g.
 *   `Cannot parse image reference "Alpine": repository name must be lowercase`.
 */
export function parseReference(input: string): ImageReference {
  const fail = (cause: string): never => {
    throw new InvalidReferenceError(`Cannot parse image reference "${input}": ${cause}`);
  };
  if (input === "") fail("reference is empty");

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) fail(`invalid digest "${digest}"`);
    if (digest.startsWith("sha256:") && !SHA256_DIGEST.test(digest)) {
      fail(`invalid sha256 digest "${digest}": expected 64 lowercase hex digits`);
    }
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) fail(`invalid tag "${tag}"`);
  }
  if (rest === "") fail("repository name is empty");

  let registry = DOCKER_HUB;
  let path = rest;
  const slash = rest.indexOf("/");
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (
      first.includes(".") || first.includes(":") || first === "localhost" ||
      first.toLowerCase() !== first
    ) {
      if (!DOMAIN.test(first)) fail(`invalid registry host "${first}"`);
      registry = first === DOCKER_HUB_INDEX_HOST ? DOCKER_HUB : first;
      path = rest.slice(slash + 1);
    }
  }
  if (path.toLowerCase() !== path) fail("repository name must be lowercase");
  if (registry === DOCKER_HUB && !path.includes("/")) path = `library/${path}`;
  for (const component of path.split("/")) {
    if (!PATH_COMPONENT.test(component)) {
      fail(
        component === ""
          ? "repository name has an empty path component"
          : `invalid repository name component "${component}"`,
      );
    }
  }
  if (`${registry}/${path}`.length > MAX_NAME_LENGTH) {
    fail(`repository name must not be longer than ${MAX_NAME_LENGTH} characters`);
  }
  if (tag === undefined && digest === undefined) tag = "latest";
  return { registry, repository: path, tag, digest };
}

function suffix(ref: ImageReference): string {
  return (ref.tag === undefined ? "" : `:${ref.tag}`) +
    (ref.digest === undefined ? "" : `@${ref.digest}`);
}

/** Formats the full reference, e.g. `docker.io/library/alpine:latest` or `host/app@sha256:…`. */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${suffix(ref)}`;
}

/** Returns the repository as `docker images` shows it: `alpine`, `user/app`, `host:5000/app`. */
export function familiarRepository(ref: ImageReference): string {
  if (ref.registry !== DOCKER_HUB) return `${ref.registry}/${ref.repository}`;
  return ref.repository.startsWith("library/") && ref.repository.split("/").length === 2
    ? ref.repository.slice("library/".length)
    : ref.repository;
}

/** Formats the short familiar form, e.g. `alpine:latest` or `host:5000/app@sha256:…`. */
export function familiarName(ref: ImageReference): string {
  return `${familiarRepository(ref)}${suffix(ref)}`;
}

/** Returns the host serving the registry API: `registry-1.docker.io` for Docker Hub. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
}

/**
 * The media types of OCI and Docker image manifests, indexes, configs and layers: one constant per
 * type, the groups the parsers accept, the `Accept` header of manifest requests, and the layer
 * compression each layer type implies. Pure data.
 *
 * @module
 */

/** OCI image index (multi-platform). */
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
/** OCI image manifest. */
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
/** OCI image config. */
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
/** OCI uncompressed tar layer. */
export const OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
/** OCI gzip layer. */
export const OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
/** OCI zstd layer. */
export const OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
/** Docker manifest list (multi-platform). */
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
/** Docker image manifest, schema 2. */
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
/** Docker image config. */
export const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
/** Docker gzip layer. */
export const DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/** Docker schema 1 manifest (unsupported). */
export const DOCKER_MANIFEST_V1 = "application/vnd.docker.distribution.manifest.v1+json";
/** Docker schema 1 signed manifest (unsupported). */
export const DOCKER_MANIFEST_V1_SIGNED =
  "application/vnd.docker.distribution.manifest.v1+prettyjws";

/** Media types that hold a list of per-platform manifests. */
export const INDEX_MEDIA_TYPES: readonly string[] = [OCI_INDEX, DOCKER_MANIFEST_LIST];
/** Media types of single-platform image manifests. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [OCI_MANIFEST, DOCKER_MANIFEST];
/** The `Accept` header value for manifest requests, in order of preference. */
export const MANIFEST_ACCEPT: string = [
  OCI_INDEX,
  DOCKER_MANIFEST_LIST,
  OCI_MANIFEST,
  DOCKER_MANIFEST,
]
  .join(", ");

/** Layer compression, derived from a layer media type. */
export type LayerCompression = "gzip" | "zstd" | "none";

/**
 * Returns the compression of a layer media type.
 * @throws {TypeError} for a media type that is not a known layer type.
 */
export function layerCompression(mediaType: string): LayerCompression {
  switch (mediaType) {
    case OCI_LAYER_GZIP:
    case DOCKER_LAYER_GZIP:
      return "gzip";
    case OCI_LAYER_ZSTD:
      return "zstd";
    case OCI_LAYER_TAR:
      return "none";
    default:
      throw new TypeError(`Cannot unpack layer: unsupported media type "${mediaType}"`);
  }
}

/**
 * The hugetlb controller: an OCI config's `linux.resources.hugepageLimits`.
 *
 * @module
 */

import type { CgroupController } from "./controller.ts";

/**
 * Huge page limits. v1: `hugetlb.<size>.limit_in_bytes`; v2: `hugetlb.<size>.max`. A page size
 * the kernel lacks has no such file, and its write fails.
 */
export const hugetlbController: CgroupController = {
  name: "hugetlb",
  flags: "hugepageLimits",
  v1Files: ({ hugepageLimits = [] }) =>
    hugepageLimits.map(({ pageSize, limit }) => [`hugetlb.${pageSize}.limit_in_bytes`, `${limit}`]),
  v2Files: ({ hugepageLimits = [] }) =>
    hugepageLimits.map(({ pageSize, limit }) => [`hugetlb.${pageSize}.max`, `${limit}`]),
};

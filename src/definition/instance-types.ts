/**
 * Instance types and the limits a custom one must respect.
 *
 * Source: Cloudflare Containers "Limits and Instance Types" (developers.cloudflare.com/containers/platform/limits/),
 * read 2026-11-22. Named types are the ones wrangler's config schema accepts for `containers[].instance_type`
 * (wrangler 4.164 also accepts the legacy `dev` and `standard`, which Moorage does not offer for new code).
 */

export const NAMED_INSTANCE_TYPES = ["lite", "basic", "standard-1", "standard-2", "standard-3", "standard-4"] as const;

export type NamedInstanceType = (typeof NAMED_INSTANCE_TYPES)[number];

/** A custom instance type, in Moorage's camelCase; sync writes wrangler's `{ vcpu, memory_mib, disk_mb }`. */
export interface CustomInstanceType {
  /** Whole or fractional vCPUs, 1 to 4. Below 1 vCPU use `lite` or `basic`. */
  vcpu: number;
  /** Memory in MiB, at most 12 GiB and at least 3 GiB per vCPU. */
  memoryMib: number;
  /** Disk in MB, at most 20 GB and at most 2 GB per GiB of memory. */
  diskMb: number;
}

export const CUSTOM_INSTANCE_LIMITS = {
  minVcpu: 1,
  maxVcpu: 4,
  maxMemoryMib: 12 * 1024,
  maxDiskMb: 20 * 1000,
  minMemoryMibPerVcpu: 3 * 1024,
  maxDiskMbPerMemoryGib: 2 * 1000,
} as const;

/** Every way a custom instance type breaks the platform's limits, as sentences; empty when it fits. */
export function customInstanceProblems(t: CustomInstanceType): string[] {
  const L = CUSTOM_INSTANCE_LIMITS;
  const problems: string[] = [];
  if (t.vcpu < L.minVcpu || t.vcpu > L.maxVcpu) {
    problems.push(
      `vcpu must be between ${L.minVcpu} and ${L.maxVcpu} (got ${t.vcpu}); for less than 1 vCPU use "lite" or "basic"`,
    );
  }
  if (t.memoryMib > L.maxMemoryMib) problems.push(`memoryMib must be at most ${L.maxMemoryMib} (got ${t.memoryMib})`);
  if (t.diskMb > L.maxDiskMb) problems.push(`diskMb must be at most ${L.maxDiskMb} (got ${t.diskMb})`);
  if (t.memoryMib < t.vcpu * L.minMemoryMibPerVcpu) {
    problems.push(
      `memoryMib must be at least ${L.minMemoryMibPerVcpu} per vCPU (${t.vcpu * L.minMemoryMibPerVcpu} for ${t.vcpu} vCPU, got ${t.memoryMib})`,
    );
  }
  if (t.diskMb > (t.memoryMib / 1024) * L.maxDiskMbPerMemoryGib) {
    problems.push(
      `diskMb must be at most ${L.maxDiskMbPerMemoryGib} per GiB of memory (${Math.floor((t.memoryMib / 1024) * L.maxDiskMbPerMemoryGib)} for ${t.memoryMib} MiB, got ${t.diskMb})`,
    );
  }
  return problems;
}

/**
 * The hardware catalog the simulator offers (`GET /v2/provider`), and the check that a create or
 * update asks for hardware that exists.
 */

export interface Compute {
  readonly id: string;
  readonly accelerator: 'cpu' | 'gpu';
  readonly numAccelerators: number;
  readonly numCpus: number;
  readonly memoryGb: number;
  readonly gpuMemoryGb: number;
  readonly instanceType: string;
  readonly instanceSize: string;
  readonly architecture: string;
  readonly status: 'available';
  readonly pricePerHour: number;
}

interface Region {
  readonly name: string;
  readonly label: string;
  readonly computes: readonly Compute[];
}

interface Vendor {
  readonly name: string;
  readonly regions: readonly Region[];
}

type Spec = [type: string, size: string, accel: 'cpu' | 'gpu', gpus: number, cpus: number, mem: number, gpuMem: number, arch: string, price: number];

const AWS_SPECS: Spec[] = [
  ['intel-icl', 'x1', 'cpu', 0, 1, 2, 0, 'Intel Ice Lake', 0.032],
  ['intel-icl', 'x2', 'cpu', 0, 2, 4, 0, 'Intel Ice Lake', 0.067],
  ['intel-icl', 'x4', 'cpu', 0, 4, 8, 0, 'Intel Ice Lake', 0.134],
  ['intel-icl', 'x8', 'cpu', 0, 8, 16, 0, 'Intel Ice Lake', 0.268],
  ['intel-spr', 'x1', 'cpu', 0, 1, 2, 0, 'Intel Sapphire Rapids', 0.033],
  ['intel-spr', 'x2', 'cpu', 0, 2, 4, 0, 'Intel Sapphire Rapids', 0.067],
  ['intel-spr', 'x4', 'cpu', 0, 4, 8, 0, 'Intel Sapphire Rapids', 0.134],
  ['intel-spr', 'x8', 'cpu', 0, 8, 16, 0, 'Intel Sapphire Rapids', 0.268],
  ['nvidia-t4', 'x1', 'gpu', 1, 3, 15, 16, 'Nvidia T4', 0.5],
  ['nvidia-l4', 'x1', 'gpu', 1, 7, 30, 24, 'Nvidia L4', 0.8],
  ['nvidia-a10g', 'x1', 'gpu', 1, 6, 30, 24, 'Nvidia A10G', 1.0],
  ['nvidia-l40s', 'x1', 'gpu', 1, 7, 62, 48, 'Nvidia L40S', 1.8],
  ['nvidia-a100', 'x1', 'gpu', 1, 11, 145, 80, 'Nvidia A100', 2.5],
];

function computes(vendor: string, region: string, specs: Spec[]): Compute[] {
  return specs.map(([instanceType, instanceSize, accelerator, gpus, cpus, mem, gpuMem, architecture, price]) => ({
    id: computeId(vendor, region, instanceType, instanceSize),
    accelerator,
    numAccelerators: gpus,
    numCpus: cpus,
    memoryGb: mem,
    gpuMemoryGb: gpuMem,
    instanceType,
    instanceSize,
    architecture,
    status: 'available',
    pricePerHour: price,
  }));
}

export const CATALOG: readonly Vendor[] = [
  {
    name: 'aws',
    regions: [
      { name: 'us-east-1', label: 'N. Virginia', computes: computes('aws', 'us-east-1', AWS_SPECS) },
      { name: 'eu-west-1', label: 'Ireland', computes: computes('aws', 'eu-west-1', AWS_SPECS) },
    ],
  },
  {
    name: 'azure',
    regions: [
      {
        name: 'eastus',
        label: 'Virginia',
        computes: computes(
          'azure',
          'eastus',
          AWS_SPECS.filter((s) => s[2] === 'cpu'),
        ),
      },
    ],
  },
  {
    name: 'gcp',
    regions: [
      {
        name: 'us-east4',
        label: 'Virginia',
        computes: computes('gcp', 'us-east4', [
          ['intel-spr', 'x1', 'cpu', 0, 1, 2, 0, 'Intel Sapphire Rapids', 0.05],
          ['intel-spr', 'x4', 'cpu', 0, 4, 8, 0, 'Intel Sapphire Rapids', 0.2],
          ['nvidia-l4', 'x1', 'gpu', 1, 7, 30, 24, 'Nvidia L4', 0.7],
        ]),
      },
    ],
  },
];

/** `GET /v2/provider`: `{items: [vendor]}` without quotas. */
export function providerItems(): unknown {
  return {
    items: CATALOG.map((v) => ({
      name: v.name,
      status: 'available',
      regions: v.regions.map((r) => ({ name: r.name, label: r.label, status: 'available', computes: r.computes })),
    })),
  };
}

/** `GET /v2/provider/{namespace}`: `{vendors: [...]}` with the namespace's quota per compute. */
export function providerVendors(usedAccelerators: (computeId: string) => number): unknown {
  return {
    vendors: CATALOG.map((v) => ({
      name: v.name,
      status: 'available',
      regions: v.regions.map((r) => ({
        name: r.name,
        label: r.label,
        status: 'available',
        computes: r.computes.map((c) => ({ ...c, quota: { maxAccelerators: 16, usedAccelerators: usedAccelerators(c.id) } })),
      })),
    })),
  };
}

/** Returns an error message when the hardware does not exist, else undefined. */
export function checkHardware(vendor: string, region: string, accelerator: string, instanceType: string, instanceSize: string): string | undefined {
  const v = CATALOG.find((x) => x.name === vendor);
  if (!v) return `Unknown vendor '${vendor}'; use one of: ${CATALOG.map((x) => x.name).join(', ')}`;
  const r = v.regions.find((x) => x.name === region);
  if (!r) return `Unknown region '${region}' for vendor '${vendor}'; use one of: ${v.regions.map((x) => x.name).join(', ')}`;
  const c = r.computes.find((x) => x.instanceType === instanceType && x.instanceSize === instanceSize);
  if (!c) {
    const offered = [...new Set(r.computes.map((x) => `${x.instanceType} ${x.instanceSize}`))].join(', ');
    return `Instance ${instanceType} ${instanceSize} is not available in ${vendor}/${region}; available: ${offered}`;
  }
  if (c.accelerator !== accelerator) {
    return `Instance type ${instanceType} has accelerator '${c.accelerator}', not '${accelerator}'`;
  }
  return undefined;
}

export function computeId(vendor: string, region: string, instanceType: string, instanceSize: string): string {
  return `${vendor}-${region}-${instanceType}-${instanceSize}`;
}

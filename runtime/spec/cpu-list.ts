// CPU lists as cpusets and process.execCPUAffinity write them ("0-2,7") -> CPU numbers.

/** Far above any board (and CONFIG_NR_CPUS); keeps an affinity mask small. */
export const MAX_CPU = 8191;

/** The CPUs of a list, ascending; throws a message naming the bad part. */
export const parseCpuList = (text: string): number[] => {
  const cpus = new Set<number>();
  for (const part of text.split(",").map((p) => p.trim())) {
    if (part === "") continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`Not a CPU or range: '${part}'`);
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (last < first) throw new Error(`Range runs backwards: '${part}'`);
    if (last > MAX_CPU) throw new Error(`CPU ${last} is above ${MAX_CPU}`);
    for (let c = first; c <= last; c++) cpus.add(c);
  }
  return [...cpus].sort((a, b) => a - b);
};

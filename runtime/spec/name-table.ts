// Lookup of prefixed kernel names (CAP_KILL, RLIMIT_NOFILE) over an ffi/constants.ts table ({ KILL: 5 }).

export interface NameTable<N extends string> {
  /** Every name, in number order. */
  names: readonly N[];
  has(name: string): name is N;
  /** The number of a name; an unknown one is an error that quotes it. */
  number(name: string): number;
}

export const nameTable = <P extends string, K extends string>(prefix: P, values: Readonly<Record<K, number>>, what: string): NameTable<`${P}${K}`> => {
  const keys = (Object.keys(values) as K[]).sort((a, b) => values[a] - values[b]);
  const byName = new Map<string, number>(keys.map((k) => [`${prefix}${k}`, values[k]]));
  return {
    names: keys.map((k): `${P}${K}` => `${prefix}${k}`),
    has: (name: string): name is `${P}${K}` => byName.has(name),
    number: (name) => {
      const n = byName.get(name);
      if (n === undefined) throw new Error(`Unknown ${what}: '${name}'`);
      return n;
    },
  };
};

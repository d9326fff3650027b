// containerd's event stream (`ctr events`) collected while a suite runs: exits and OOM kills are only told there.
import { waitFor } from "./daemon.ts";

export interface ContainerdEvent {
  topic: string;
  data: Record<string, unknown>;
}

export interface EventStream {
  /** The first event so far or within `timeoutMs` that `match` accepts. */
  next(match: (e: ContainerdEvent) => boolean, timeoutMs: number): Promise<ContainerdEvent | undefined>;
  close(): Promise<void>;
}

/** Follows `argv` (a `ctr events` command line): "<date> <time> <zone> <tz> <namespace> <topic> <json>" per line. */
export const followEvents = (argv: string[]): EventStream => {
  const events: ContainerdEvent[] = [];
  const p = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "ignore" });
  const reading = (async () => {
    let rest = "";
    const decoder = new TextDecoder();
    for await (const chunk of p.stdout) {
      const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
      rest = lines.pop()!;
      for (const line of lines) {
        const m = line.match(/^\S+ \S+ \S+ \S+ \S+ (\S+) (.*)$/);
        if (m) events.push({ topic: m[1]!, data: JSON.parse(m[2]!) });
      }
    }
  })();
  return {
    next: async (match, timeoutMs) => {
      let found: ContainerdEvent | undefined;
      await waitFor(() => (found = events.find(match)) !== undefined, timeoutMs);
      return found;
    },
    close: async () => {
      p.kill();
      await p.exited;
      await reading;
    },
  };
};

// Which manifest of a multi-platform index runs here: linux and the machine's architecture (arm64 or amd64), or the
// platform the user chose with --platform os/arch[/variant].
import type { ImageIndex, Platform } from "./documents.ts";
import { escapeText } from "./text.ts";

export interface PlatformWant {
  os: string;
  architecture: string;
  variant?: string;
}

const GO_ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" };

export const hostPlatform = (): PlatformWant => ({ os: "linux", architecture: GO_ARCH[process.arch] ?? process.arch });

export const parsePlatform = (text: string): PlatformWant => {
  const [os, architecture, variant, extra] = text.split("/");
  if (!os || !architecture || extra !== undefined || !/^[\w.-]+$/.test(text.replaceAll("/", "")))
    throw new Error(`Platform '${escapeText(text)}' is not os/architecture[/variant] (for example linux/arm64)`);
  return { os, architecture, ...(variant ? { variant } : {}) };
};

export const platformText = (p: { os: string; architecture: string; variant?: string }): string => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;

/** arm64 without a variant is v8, as containerd's matcher has it. */
const variantOf = (p: { architecture: string; variant?: string }): string | undefined => p.variant ?? (p.architecture === "arm64" ? "v8" : undefined);

const matches = (p: Platform, want: PlatformWant): boolean =>
  p.os === want.os && p.architecture === want.architecture && (want.variant === undefined || variantOf(p) === variantOf(want));

/** The index entry for `want`; throws listing what the index offers when nothing matches. */
export const choosePlatform = (index: ImageIndex, want: PlatformWant, what: string): ImageIndex["manifests"][number] => {
  const hit = index.manifests.find((m) => m.platform && matches(m.platform, want));
  if (hit) return hit;
  const offered = [...new Set(index.manifests.filter((m) => m.platform).map((m) => platformText(m.platform!)))];
  throw new Error(`The ${what} has no image for ${platformText(want)}; it offers ${offered.length ? offered.map(escapeText).join(", ") : "no platforms"} (choose one with --platform)`);
};

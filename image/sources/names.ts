// The names an imported image is recorded under: the references an archive carries (Docker's RepoTags, an OCI
// layout's ref.name annotations), or `--name`; an image with none is recorded under its digest.
import type { Descriptor } from "../documents.ts";
import { escapeText } from "../text.ts";
import { formatReference, normalizeReference, parseReference } from "../reference.ts";

export const REF_NAME = "org.opencontainers.image.ref.name";
const CONTAINERD_NAME = "io.containerd.image.name";

/**
 * A layout entry's own name: a full reference as written, or a bare tag (what umoci and skopeo's `oci:DIR:TAG`
 * write) under `localhost/<layout name>`, as podman names local images.
 */
export const layoutEntryName = (d: Descriptor, layoutName: string): string | undefined => {
  const full = d.annotations?.[CONTAINERD_NAME];
  if (full) return normalizeReference(full);
  const ref = d.annotations?.[REF_NAME];
  if (ref === undefined) return undefined;
  if (ref.includes("/")) return normalizeReference(ref);
  const repo = layoutName.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+|[._-]+$/g, "") || "image";
  return formatReference({ ...parseReference(`localhost/${repo}`), tag: parseReference(`x:${ref}`).tag! });
};

/** With `--name`, the one entry to import: the only one, or the one whose tag is the name's tag. */
export const entryForName = <T extends { descriptor: Descriptor }>(entries: readonly T[], nameFlag: string, what: string): T => {
  if (entries.length === 1) return entries[0]!;
  const tag = parseReference(nameFlag).tag;
  const hit = entries.filter((e) => e.descriptor.annotations?.[REF_NAME] === tag);
  if (hit.length === 1) return hit[0]!;
  const tags = entries.map((e) => e.descriptor.annotations?.[REF_NAME] ?? "(untagged)");
  throw new Error(`The ${what} holds ${entries.length} images (${tags.map(escapeText).join(", ")}): give --name a tag that is one of them`);
};

/** Docker archive RepoTags, normalized. */
export const archiveNames = (repoTags: readonly string[] | null | undefined): string[] => [...new Set((repoTags ?? []).map(normalizeReference))];

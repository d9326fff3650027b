// The annotations that tie a container to its image and its store (delete reads the store's path from them).

export const STORE_ANNOTATION = "org.bunker.image.store";
export const IMAGE_ANNOTATION = "org.bunker.image.name";
export const MANIFEST_ANNOTATION = "org.bunker.image.manifest";

/** The image store a container's root lives in (undefined: its root is not from an image). */
export const imageStoreOf = (annotations: Record<string, string> | undefined): string | undefined => annotations?.[STORE_ANNOTATION];

/** Set by the parent when it starts its own executable as a container's setup stage; names the stage. */
export const STAGE_ENV = "_BUNKER_STAGE";

/** The STAGE_ENV of a copy that only holds a new user namespace for the parent (userns-holder.ts). */
export const USERNS_HOLDER = "userns-holder";

/** Set by the parent when it starts its own executable as a container's setup stage; names the stage. */
export const STAGE_ENV = "_BUNKER_STAGE";

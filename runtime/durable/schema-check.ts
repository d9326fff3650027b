// Schema checks that cost nothing to create: interpreted for the first calls, compiled once a check is used often.
// Compiling every schema when a module loads cost a CLI command ~7 ms, for the one or two records it writes.
import type { TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { Value, type ValueError } from "@sinclair/typebox/value";

const COMPILE_AFTER = 64;

export interface SchemaCheck {
  Check(value: unknown): boolean;
  /** The first problem, for an error message. */
  First(value: unknown): ValueError | undefined;
}

export const schemaCheck = (schema: TSchema): SchemaCheck => {
  let calls = 0;
  let compiled: ReturnType<typeof TypeCompiler.Compile> | undefined;
  return {
    Check(value) {
      if (compiled) return compiled.Check(value);
      if (++calls > COMPILE_AFTER) compiled = TypeCompiler.Compile(schema);
      return Value.Check(schema, value);
    },
    First: (value) => Value.Errors(schema, value).First(),
  };
};

// Integer schemas with the bounds of the Go types the OCI runtime-spec declares.
// uint64 values above 2^53 lose precision in JSON.parse; 2^64-1 arrives as 2^64, which is therefore the upper bound.
import { Type, type IntegerOptions } from "@sinclair/typebox";

export const Uint16 = (o: IntegerOptions = {}) => Type.Integer({ minimum: 0, maximum: 0xffff, ...o });
export const Int32 = (o: IntegerOptions = {}) => Type.Integer({ minimum: -(2 ** 31), maximum: 2 ** 31 - 1, ...o });
export const Uint32 = (o: IntegerOptions = {}) => Type.Integer({ minimum: 0, maximum: 0xffff_ffff, ...o });
export const Int64 = (o: IntegerOptions = {}) => Type.Integer({ minimum: -(2 ** 63), maximum: 2 ** 63, ...o });
export const Uint64 = (o: IntegerOptions = {}) => Type.Integer({ minimum: 0, maximum: 2 ** 64, ...o });

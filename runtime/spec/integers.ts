// Integer schemas with the bounds of the C types the values end up in (the OCI runtime-spec declares Go types; the
// kernel's are often narrower). uint64 values above 2^53 lose precision in JSON.parse; 2^64-1 arrives as 2^64, which
// is therefore the upper bound where a field means "unlimited" at 2^64-1.
import { Type, type IntegerOptions } from "@sinclair/typebox";

export const Uint16 = (o: IntegerOptions = {}) => Type.Integer({ minimum: 0, maximum: 0xffff, ...o });
export const Int32 = (o: IntegerOptions = {}) => Type.Integer({ minimum: -(2 ** 31), maximum: 2 ** 31 - 1, ...o });
export const Uint32 = (o: IntegerOptions = {}) => Type.Integer({ minimum: 0, maximum: 0xffff_ffff, ...o });
export const Int64 = (o: IntegerOptions = {}) => Type.Integer({ minimum: -(2 ** 63), maximum: 2 ** 63, ...o });
export const Uint64 = (o: IntegerOptions = {}) => Type.Integer({ minimum: 0, maximum: 2 ** 64, ...o });
/** A 64-bit value that must reach the kernel as written: 2^63 and up (bit 63, or a wrap of 2^64 to 0) are refused. */
export const Uint63 = (o: IntegerOptions = {}) => Type.Integer({ minimum: 0, exclusiveMaximum: 2 ** 63, ...o });
/** A signed 64-bit value that must fit an s64: 2^63 (what 2^63-1 parses to) is refused rather than wrapped. */
export const Int64Exact = (o: IntegerOptions = {}) => Type.Integer({ minimum: -(2 ** 63), exclusiveMaximum: 2 ** 63, ...o });

/**
 * A uid or gid. uid_t is 32 bits, but 2^32-1 is (uid_t)-1, which setresuid() takes as "leave unchanged" (a uid
 * 4294967295 ran as root), and runc refuses everything above 2^31-1: so does bunker.
 */
export const ID_MAX = 2 ** 31 - 1;
export const Id = (o: IntegerOptions = {}) => Type.Integer({ minimum: 0, maximum: ID_MAX, ...o });

/** dev_t as mknod(2) takes it: 12 bits of major, 20 bits of minor (larger numbers wrap to another device). */
export const DEVICE_MAJOR_MAX = 0xfff;
export const DEVICE_MINOR_MAX = 0xfffff;
export const DeviceMajor = (o: IntegerOptions = {}) => Type.Integer({ minimum: 0, maximum: DEVICE_MAJOR_MAX, ...o });
export const DeviceMinor = (o: IntegerOptions = {}) => Type.Integer({ minimum: 0, maximum: DEVICE_MINOR_MAX, ...o });

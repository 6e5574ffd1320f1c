#ifndef C_SILO_CHECKSUM_H
#define C_SILO_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/// Nonzero when this CPU can run `silo_crc64_fold`: x86-64 with carry-less multiplication (PCLMULQDQ).
/// Elsewhere it answers 0 and callers keep their table-driven CRC.
int silo_crc64_fold_available(void);

/// Folds `blocks` (at least 4) 16-byte blocks of a reflected CRC-64/XZ message, read from `bytes`, starting from
/// the CRC register `state` (the running value before its final inversion), into 16 bytes `out` such that the
/// table CRC of `out` from a zero register equals the table CRC of the blocks from `state`.
void silo_crc64_fold(uint64_t state, const uint8_t *bytes, size_t blocks, uint8_t out[16]);

#endif

// What fuzz_jpeg_eighth.c shares with replay_main.c: libFuzzer itself needs only LLVMFuzzerTestOneInput.
#ifndef FUZZ_JPEG_EIGHTH_H
#define FUZZ_JPEG_EIGHTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/// Nonzero: a clean input (libjpeg decodes it without a warning) must give libjpeg's RGB bytes exactly, not only
/// its luma. Off under libFuzzer, where crafted coefficients may legitimately push chroma out of range (see
/// idct_2x2 in silo_jpeg_eighth.c); replay turns it on for the curated seed corpus.
extern int silo_fuzz_strict_rgb;

/// Writes one line of counters (inputs, decoder calls, decodes, comparisons...) to `out`.
void silo_fuzz_print_stats(FILE *out);

#endif

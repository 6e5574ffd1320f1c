#ifndef SILO_RANDOM_H
#define SILO_RANDOM_H

#include <stddef.h>

/// Fills `count` bytes at `buffer` from the operating system's cryptographic generator in as few calls as it
/// allows: getrandom(2) on Linux (blocking only until the kernel's pool is first seeded), arc4random_buf on
/// Apple's systems. Answers 0, or -1 when the system refused (callers then use another source).
int silo_fill_random(void *buffer, size_t count);

#endif

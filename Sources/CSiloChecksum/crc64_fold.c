// CRC-64/XZ folded with carry-less multiplication (Intel, "Fast CRC Computation for Generic Polynomials Using
// PCLMULQDQ Instruction", 2009), reflected form. A 128-bit register holds 16 message bytes; moving it T bits
// further along the message multiplies it by x^T modulo P, which two carry-less products of its 64-bit halves
// with precomputed remainders do without any reduction: x^(T+63) mod P for the first (higher-degree) half and
// x^(T-1) mod P for the second, each one degree less because a product of two reflected 64-bit values lands
// one bit below the register's own alignment. The final 16 bytes are left for the caller's table to reduce.
#include "CSiloChecksum.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

// Bit-reflected x^e mod P for P = x^64 + 0x42F0E1EBA9EA3693 (ECMA-182). Checked by the tests, which compare the
// folded CRC with the table CRC for every length around the block boundaries.
#define FOLD_512_HIGH 0x6AE3EFBB9DD441F3ULL /* x^575 */
#define FOLD_512_LOW 0x081F6054A7842DF4ULL   /* x^511 */
#define FOLD_128_HIGH 0xE05DD497CA393AE4ULL  /* x^191 */
#define FOLD_128_LOW 0xDABE95AFC7875F40ULL   /* x^127 */

int silo_crc64_fold_available(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return (ecx & bit_PCLMUL) != 0;
}

__attribute__((target("pclmul,sse2")))
static inline __m128i fold(__m128i x, __m128i constants) {
    return _mm_xor_si128(_mm_clmulepi64_si128(x, constants, 0x00), _mm_clmulepi64_si128(x, constants, 0x11));
}

__attribute__((target("pclmul,sse2")))
void silo_crc64_fold(uint64_t state, const uint8_t *bytes, size_t blocks, uint8_t out[16]) {
    const __m128i by512 = _mm_set_epi64x((long long)FOLD_512_LOW, (long long)FOLD_512_HIGH);
    const __m128i by128 = _mm_set_epi64x((long long)FOLD_128_LOW, (long long)FOLD_128_HIGH);
    // The register's state is XORed into the first eight bytes: a CRC from `state` equals one from zero over
    // a message whose first eight bytes carry it.
    __m128i x0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)bytes), _mm_cvtsi64_si128((long long)state));
    __m128i x1 = _mm_loadu_si128((const __m128i *)(bytes + 16));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(bytes + 32));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(bytes + 48));
    bytes += 64;
    blocks -= 4;
    // Four independent registers keep the multiplier's pipeline full.
    while (blocks >= 4) {
        x0 = _mm_xor_si128(fold(x0, by512), _mm_loadu_si128((const __m128i *)bytes));
        x1 = _mm_xor_si128(fold(x1, by512), _mm_loadu_si128((const __m128i *)(bytes + 16)));
        x2 = _mm_xor_si128(fold(x2, by512), _mm_loadu_si128((const __m128i *)(bytes + 32)));
        x3 = _mm_xor_si128(fold(x3, by512), _mm_loadu_si128((const __m128i *)(bytes + 48)));
        bytes += 64;
        blocks -= 4;
    }
    __m128i x = _mm_xor_si128(fold(x0, by128), x1);
    x = _mm_xor_si128(fold(x, by128), x2);
    x = _mm_xor_si128(fold(x, by128), x3);
    while (blocks > 0) {
        x = _mm_xor_si128(fold(x, by128), _mm_loadu_si128((const __m128i *)bytes));
        bytes += 16;
        blocks -= 1;
    }
    _mm_storeu_si128((__m128i *)out, x);
}

#else

int silo_crc64_fold_available(void) { return 0; }

void silo_crc64_fold(uint64_t state, const uint8_t *bytes, size_t blocks, uint8_t out[16]) {
    (void)state;
    (void)bytes;
    (void)blocks;
    (void)out;
}

#endif

// A baseline JPEG decoded at 1/8 scale, with the same output as libjpeg's. Why it exists: at 1/8 libjpeg-turbo
// spends ~90% of a 12 MP thumbnail in Huffman decoding, one symbol at a time (code, then its value bits, each
// with its own buffer check). Here one table lookup takes a symbol together with its value bits, and luma's AC
// symbols, which a 1/8 image does not need, are only skipped. Everything unusual goes back to libjpeg.
#include "silo_jpeg_eighth.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { LOOKAHEAD = 10, LUT_SIZE = 1 << LOOKAHEAD, END_OF_BLOCK = 1 << 10, SKIP_BITS = 12 };

// A table entry: bits 0-4 the bits of a symbol with its value bits (0: take the slow path), bits 5-9 how far
// it moves the coefficient index, END_OF_BLOCK, and in bits 16-31 the signed coefficient value.
typedef struct {
    uint32_t lut[LUT_SIZE];
    int32_t maxcode[17];    // the largest code of each length; -1 when there is none
    int32_t valoffset[17];  // a code's index into values, minus the code
    uint8_t values[256];
    // For blocks whose AC is only skipped: up to four symbols per lookup of SKIP_BITS bits. Bits 0-4 all their
    // bits, 5-11 their advance, 12-18 the advance before the last one, 19 end of block, then the first symbol
    // alone: bits 20-24 its bits, 25-29 its advance, 30 end of block.
    uint32_t skip[1 << SKIP_BITS];
} huffman_table;

typedef struct {
    const uint8_t *pos, *end;
    uint64_t buffer;  // the next bits, from the top
    int bits;         // bits in buffer, padding included
    int padding;      // zero bits added after a marker or the end of data: consuming any means corrupt data
} bit_reader;

// Zigzag position to natural position; out-of-range positions land on 63, as in libjpeg.
static const uint8_t natural_order[80] = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13,
    6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31,
    39, 46, 53, 60, 61, 54, 47, 55, 62, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
};

static inline int extend(int value, int size) {
    return value < (1 << (size - 1)) ? value - (1 << size) + 1 : value;
}

// libjpeg's post-IDCT range limit, wrap-around included, so that even odd data decodes to the same bytes.
static inline uint8_t idct_range_limit(int x) {
    x &= 1023;
    if (x < 128) return (uint8_t)(x + 128);
    if (x < 512) return 255;
    if (x < 896) return 0;
    return (uint8_t)(x - 896);
}

static inline uint8_t clamp_sample(int x) {
    return x < 0 ? 0 : x > 255 ? 255 : (uint8_t)x;
}

// Chains single-symbol entries while they fit in SKIP_BITS and no end of block has been met.
static void build_skip_table(huffman_table *table) {
    for (uint32_t index = 0; index < (1u << SKIP_BITS); index++) {
        uint32_t used = 0, advance = 0, before_last = 0, first = 0, end = 0;
        for (int n = 0; n < 4 && !end; n++) {
            uint32_t window = (index << used) & ((1u << SKIP_BITS) - 1);
            uint32_t entry = table->lut[window >> (SKIP_BITS - LOOKAHEAD)];
            uint32_t bits = entry & 31, step = (entry >> 5) & 31;
            if (bits == 0 || bits > SKIP_BITS - used) break;
            if (n == 0) first = bits << 20 | step << 25 | (entry & END_OF_BLOCK ? 1u << 30 : 0);
            before_last = advance;
            used += bits;
            advance += step;
            end = entry & END_OF_BLOCK;
        }
        table->skip[index] = used ? used | advance << 5 | before_last << 12 | (end ? 1u << 19 : 0) | first : 0;
    }
}

static int build_table(const JHUFF_TBL *source, int is_dc, huffman_table *table) {
    if (!source) return -1;
    uint16_t codes[256];
    uint8_t lengths[256];
    int count = 0;
    uint32_t code = 0;
    for (int length = 1; length <= 16; length++) {
        int n = source->bits[length];
        if (count + n > 256) return -1;
        table->valoffset[length] = count - (int32_t)code;
        for (int i = 0; i < n; i++) {
            codes[count] = (uint16_t)code++;
            lengths[count++] = (uint8_t)length;
        }
        table->maxcode[length] = n ? (int32_t)code - 1 : -1;
        if (n && code >= (1u << length)) return -1;  // libjpeg's JERR_BAD_HUFF_TABLE
        code <<= 1;
    }
    memcpy(table->values, source->huffval, 256);
    memset(table->lut, 0, sizeof table->lut);
    for (int i = 0; i < count; i++) {
        int symbol = table->values[i];
        if (is_dc && symbol > 15) return -1;
        int length = lengths[i];
        if (length > LOOKAHEAD) continue;
        int run = is_dc ? 0 : symbol >> 4, size = is_dc ? symbol : symbol & 15;
        int total = length + size;
        if (total > LOOKAHEAD) continue;
        uint32_t flags;
        if (is_dc || size) flags = (uint32_t)(run + 1) << 5;
        else if (run == 15) flags = 16u << 5;
        else flags = END_OF_BLOCK;
        uint32_t first = (uint32_t)codes[i] << (LOOKAHEAD - length), last = first + (1u << (LOOKAHEAD - length));
        for (uint32_t index = first; index < last; index++) {
            int value = 0;
            if (size) value = extend((int)((index >> (LOOKAHEAD - total)) & ((1u << size) - 1)), size);
            table->lut[index] = (uint32_t)total | flags | ((uint32_t)(uint16_t)(int16_t)value << 16);
        }
    }
    if (!is_dc) build_skip_table(table);
    return 0;
}

static inline void refill(bit_reader *r) {
    // Eight bytes at once when none of them is 0xFF (no stuffing, no marker).
    if (r->padding == 0 && r->end - r->pos >= 8) {
        uint64_t word;
        memcpy(&word, r->pos, 8);
        if (((word & 0x8080808080808080ull) & ((word & 0x7F7F7F7F7F7F7F7Full) + 0x0101010101010101ull)) == 0) {
            int take = (63 - r->bits) >> 3;
            uint64_t big = __builtin_bswap64(word);
            r->buffer |= (big >> r->bits) & (~0ull << (64 - r->bits - 8 * take));
            r->bits += 8 * take;
            r->pos += take;
            return;
        }
    }
    while (r->bits <= 56) {
        uint64_t byte = 0;
        if (r->padding == 0 && r->pos < r->end) {
            byte = *r->pos;
            if (byte != 0xFF) r->pos++;
            else if (r->end - r->pos >= 2 && r->pos[1] == 0) r->pos += 2;
            else byte = 0, r->padding += 8;  // a marker: the scan's data ends here
        } else {
            r->padding += 8;
        }
        r->buffer |= byte << (56 - r->bits);
        r->bits += 8;
    }
}

static inline void consume(bit_reader *r, int n) {
    r->buffer <<= n;
    r->bits -= n;
}

// A symbol whose code or value bits do not fit the lookahead. Needs 32 bits in the buffer.
static int decode_slow(bit_reader *r, const huffman_table *table) {
    uint32_t peek = (uint32_t)(r->buffer >> 48);
    for (int length = 1; length <= 16; length++) {
        int32_t code = (int32_t)(peek >> (16 - length));
        if (code <= table->maxcode[length]) {
            consume(r, length);
            return table->values[table->valoffset[length] + code];
        }
    }
    return -1;
}

static inline int decode_dc(bit_reader *r, const huffman_table *table, int *difference) {
    if (r->bits < 32) refill(r);
    uint32_t entry = table->lut[r->buffer >> (64 - LOOKAHEAD)];
    if (entry & 31) {
        consume(r, (int)(entry & 31));
        *difference = (int16_t)(entry >> 16);
        return 0;
    }
    int size = decode_slow(r, table);
    if (size < 0) return -1;
    *difference = 0;
    if (size) {
        *difference = extend((int)(r->buffer >> (64 - size)), size);
        consume(r, size);
    }
    return 0;
}

// The AC symbols of a block whose coefficients are not needed.
static inline int skip_ac(bit_reader *r, const huffman_table *table) {
    for (int k = 1; k < 64;) {
        if (r->bits < 32) refill(r);
        uint32_t entry = table->skip[r->buffer >> (64 - SKIP_BITS)];
        if (entry) {
            // All of them when every one but the last still falls inside the block, else the first alone.
            if (k + (int)((entry >> 12) & 127) < 64) {
                consume(r, (int)(entry & 31));
                if (entry & (1u << 19)) return 0;
                k += (int)((entry >> 5) & 127);
            } else {
                consume(r, (int)((entry >> 20) & 31));
                if (entry & (1u << 30)) return 0;
                k += (int)((entry >> 25) & 31);
            }
            continue;
        }
        int symbol = decode_slow(r, table);
        if (symbol < 0) return -1;
        int run = symbol >> 4, size = symbol & 15;
        if (size) {
            consume(r, size);
            k += run + 1;
        } else if (run == 15) {
            k += 16;
        } else {
            return 0;
        }
    }
    return 0;
}

// The AC coefficients of a block, in natural order.
static inline int decode_ac(bit_reader *r, const huffman_table *table, int16_t block[64]) {
    for (int k = 1; k < 64;) {
        if (r->bits < 32) refill(r);
        uint32_t entry = table->lut[r->buffer >> (64 - LOOKAHEAD)];
        if (entry & 31) {
            consume(r, (int)(entry & 31));
            if (entry & END_OF_BLOCK) return 0;
            int advance = (int)((entry >> 5) & 31);
            if (advance != 16 || (entry >> 16)) block[natural_order[k + advance - 1]] = (int16_t)(entry >> 16);
            k += advance;
            continue;
        }
        int symbol = decode_slow(r, table);
        if (symbol < 0) return -1;
        int run = symbol >> 4, size = symbol & 15;
        if (size) {
            k += run;
            block[natural_order[k]] = (int16_t)extend((int)(r->buffer >> (64 - size)), size);
            consume(r, size);
            k++;
        } else if (run == 15) {
            k += 16;
        } else {
            return 0;
        }
    }
    return 0;
}

// libjpeg's 2x2 reduced IDCT (islow constants, CONST_BITS 13, PASS1_BITS 2): each output is the mean of a
// 4x4 quarter of the block, so only DC and the odd rows and columns 1, 3, 5 and 7 count. Out-of-range values
// saturate, as in libjpeg-turbo's SIMD version of it. Only corrupt data gets out of range, and there libjpeg's C
// and SIMD versions do not agree with each other either (the seeded fuzzing saw ~1 in 10,000 damaged files).
static void idct_2x2(const int16_t block[64], const uint16_t quant[64], uint8_t *out, size_t stride) {
    enum { CONST_BITS = 13, PASS1_BITS = 2 };
    static const int64_t c1 = 29692, c3 = -10426, c5 = 6967, c7 = -5906;  // sqrt(2) * sums of cosines
    static const int columns[5] = {0, 1, 3, 5, 7};
    int64_t work[2][8];
    for (int i = 0; i < 5; i++) {
        int c = columns[i];
        int64_t even = (int64_t)block[c] * quant[c] * (1 << (CONST_BITS + 2));
        int64_t odd = (int64_t)block[8 + c] * quant[8 + c] * c1 + (int64_t)block[24 + c] * quant[24 + c] * c3
                      + (int64_t)block[40 + c] * quant[40 + c] * c5 + (int64_t)block[56 + c] * quant[56 + c] * c7;
        int shift = CONST_BITS - PASS1_BITS + 2;
        work[0][c] = (even + odd + (1 << (shift - 1))) >> shift;
        work[1][c] = (even - odd + (1 << (shift - 1))) >> shift;
    }
    for (int row = 0; row < 2; row++) {
        int64_t even = work[row][0] * (1 << (CONST_BITS + 2));
        int64_t odd = work[row][1] * c1 + work[row][3] * c3 + work[row][5] * c5 + work[row][7] * c7;
        int shift = CONST_BITS + PASS1_BITS + 3 + 2;
        out[row * stride] = clamp_sample((int)((even + odd + (1 << (shift - 1))) >> shift) + 128);
        out[row * stride + 1] = clamp_sample((int)((even - odd + (1 << (shift - 1))) >> shift) + 128);
    }
}

typedef struct {
    int index;                 // in comp_info
    int h, v;                  // blocks per MCU
    int scaled;                // 1: DC only; 2: the 2x2 IDCT (chroma at half the luma resolution)
    int h_factor, v_factor;    // replication up to the output grid
    const huffman_table *dc, *ac;
    uint16_t quant[64];
    uint8_t *plane;
    size_t stride;             // samples per plane row
    int predictor;
} component;

// After a restart interval: only fill bits may be left, then RSTn must follow.
static int restart(bit_reader *r, int *next_marker) {
    int real = r->bits - r->padding;
    if (real < 0 || real >= 8) return -1;
    const uint8_t *p = r->pos;
    while (p < r->end && *p == 0xFF) p++;
    if (p == r->pos || p >= r->end || *p != 0xD0 + *next_marker) return -1;
    r->pos = p + 1;
    r->buffer = 0;
    r->bits = r->padding = 0;
    *next_marker = (*next_marker + 1) & 7;
    return 0;
}

static int decode_scan(const struct jpeg_decompress_struct *header, bit_reader *r, component *components,
                       int count, int mcus_across, int mcus_down) {
    int16_t block[64];
    unsigned left = header->restart_interval;
    int next_marker = 0;
    for (int my = 0; my < mcus_down; my++) {
        for (int mx = 0; mx < mcus_across; mx++) {
            if (header->restart_interval) {
                if (left == 0) {
                    if (restart(r, &next_marker)) return -1;
                    for (int i = 0; i < count; i++) components[i].predictor = 0;
                    left = header->restart_interval;
                }
                left--;
            }
            for (int i = 0; i < count; i++) {
                component *c = &components[i];
                for (int by = 0; by < c->v; by++) {
                    for (int bx = 0; bx < c->h; bx++) {
                        int difference;
                        if (decode_dc(r, c->dc, &difference)) return -1;
                        // Unsigned, as libjpeg does it: crafted differences may run past INT_MAX.
                        c->predictor = (int)((unsigned)c->predictor + (unsigned)difference);
                        int16_t dc = (int16_t)c->predictor;
                        size_t row = (size_t)(my * c->v + by) * c->scaled, column = (size_t)(mx * c->h + bx) * c->scaled;
                        if (c->scaled == 1) {
                            if (skip_ac(r, c->ac)) return -1;
                            c->plane[row * c->stride + column] = idct_range_limit((dc * c->quant[0] + 4) >> 3);
                        } else {
                            memset(block, 0, sizeof block);
                            block[0] = dc;
                            if (decode_ac(r, c->ac, block)) return -1;
                            idct_2x2(block, c->quant, c->plane + row * c->stride + column, c->stride);
                        }
                        // A block that consumed padding read past the data: the scan is corrupt, and going on
                        // would cost time in proportion to the declared size, not the file's (and a crafted
                        // table can consume ~1,000 padding bits a block, enough to overflow the counter).
                        if (r->padding > r->bits) return -1;
                    }
                }
            }
        }
    }
    return r->bits - r->padding >= 0 ? 0 : -1;
}

// YCbCr to RGB as libjpeg's jdcolor.c does it (16-bit fixed point, rounded).
static void write_rgb(const component *c, int width, int height, unsigned char *pixels) {
    enum { ONE_HALF = 1 << 15 };
    const int32_t cr_r = 91881, cb_b = 116130, cr_g = -46802, cb_g = -22554;
    for (int y = 0; y < height; y++) {
        const uint8_t *ys = c[0].plane + (size_t)(y / c[0].v_factor) * c[0].stride;
        const uint8_t *cbs = c[1].plane + (size_t)(y / c[1].v_factor) * c[1].stride;
        const uint8_t *crs = c[2].plane + (size_t)(y / c[2].v_factor) * c[2].stride;
        unsigned char *out = pixels + (size_t)y * width * 3;
        for (int x = 0; x < width; x++) {
            int luma = ys[x / c[0].h_factor], cb = cbs[x / c[1].h_factor] - 128, cr = crs[x / c[2].h_factor] - 128;
            out[3 * x] = clamp_sample(luma + ((cr_r * cr + ONE_HALF) >> 16));
            out[3 * x + 1] = clamp_sample(luma + ((cb_g * cb + ONE_HALF + cr_g * cr) >> 16));
            out[3 * x + 2] = clamp_sample(luma + ((cb_b * cb + ONE_HALF) >> 16));
        }
    }
}

static void write_grey(const component *c, int width, int height, unsigned char *pixels) {
    for (int y = 0; y < height; y++) {
        const uint8_t *row = c->plane + (size_t)(y / c->v_factor) * c->stride;
        for (int x = 0; x < width; x++) pixels[(size_t)y * width + x] = row[x / c->h_factor];
    }
}

int silo_jpeg_eighth_decode(const struct jpeg_decompress_struct *header, const unsigned char *data, size_t length,
                            unsigned char *pixels) {
    int count = header->num_components;
    if (header->progressive_mode || header->arith_code || header->data_precision != 8) return -1;
    if (header->comps_in_scan != count || header->Ss != 0 || header->Se != 63 || header->Ah || header->Al) return -1;
    if (!((count == 3 && header->jpeg_color_space == JCS_YCbCr) || (count == 1 && header->jpeg_color_space == JCS_GRAYSCALE)))
        return -1;
    int max_h = header->max_h_samp_factor, max_v = header->max_v_samp_factor;
    int width = (int)((header->image_width + 7) / 8), height = (int)((header->image_height + 7) / 8);
    int mcus_across, mcus_down;
    if (count == 1) {  // a non-interleaved scan: one block per MCU
        mcus_across = width;
        mcus_down = height;
    } else {
        mcus_across = (int)((header->image_width + 8 * max_h - 1) / (8 * max_h));
        mcus_down = (int)((header->image_height + 8 * max_v - 1) / (8 * max_v));
    }
    if (width <= 0 || height <= 0) return -1;

    int result = -1;
    component components[3];
    memset(components, 0, sizeof components);
    huffman_table *tables = malloc(sizeof(huffman_table) * 8);
    if (!tables) return -1;
    int built[8] = {0};
    for (int i = 0; i < count; i++) {
        const jpeg_component_info *info = header->cur_comp_info[i];
        component *c = &components[i];
        c->index = info->component_index;
        c->h = count == 1 ? 1 : info->h_samp_factor;
        c->v = count == 1 ? 1 : info->v_samp_factor;
        // libjpeg scales a subsampled component's IDCT up instead of upsampling it (jdmaster.c); we follow.
        int scaled = 1;
        if (count > 1) {
            while (scaled < 8 && max_h % (info->h_samp_factor * scaled * 2) == 0
                   && max_v % (info->v_samp_factor * scaled * 2) == 0)
                scaled *= 2;
        }
        if (scaled > 2) goto done;
        c->scaled = scaled;
        int across = count == 1 ? 1 : max_h, down = count == 1 ? 1 : max_v;
        if (across % (c->h * scaled) || down % (c->v * scaled)) goto done;
        c->h_factor = across / (c->h * scaled);
        c->v_factor = down / (c->v * scaled);
        int dc = info->dc_tbl_no, ac = info->ac_tbl_no;
        if (dc < 0 || dc > 3 || ac < 0 || ac > 3 || info->quant_tbl_no < 0 || info->quant_tbl_no > 3) goto done;
        if (!built[dc]) {
            if (build_table(header->dc_huff_tbl_ptrs[dc], 1, &tables[dc])) goto done;
            built[dc] = 1;
        }
        if (!built[4 + ac]) {
            if (build_table(header->ac_huff_tbl_ptrs[ac], 0, &tables[4 + ac])) goto done;
            built[4 + ac] = 1;
        }
        c->dc = &tables[dc];
        c->ac = &tables[4 + ac];
        const JQUANT_TBL *quant = header->quant_tbl_ptrs[info->quant_tbl_no];
        if (!quant) goto done;
        for (int k = 0; k < 64; k++) c->quant[k] = quant->quantval[k];
        c->stride = (size_t)mcus_across * c->h * scaled;
        c->plane = malloc(c->stride * (size_t)mcus_down * c->v * scaled);
        if (!c->plane) goto done;
    }
    // Components in the order of comp_info, which is the order of the output's channels.
    component ordered[3];
    int seen = 0;
    for (int i = 0; i < count; i++) {
        int index = components[i].index;
        if (index < 0 || index >= count || (seen & (1 << index))) goto done;
        seen |= 1 << index;
        ordered[index] = components[i];
    }

    bit_reader reader = {.pos = data, .end = data + length};
    if (decode_scan(header, &reader, components, count, mcus_across, mcus_down)) goto done;
    if (count == 3) write_rgb(ordered, width, height, pixels);
    else write_grey(ordered, width, height, pixels);
    result = 0;
done:
    for (int i = 0; i < count; i++) free(components[i].plane);
    free(tables);
    return result;
}

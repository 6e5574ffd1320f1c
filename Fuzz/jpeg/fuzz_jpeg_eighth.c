// libFuzzer target for Server/Sources/CVipsShim/silo_jpeg_eighth.c, Silo's 1/8-scale baseline scan decoder.
//
// Each input takes the path silo_jpeg_shrink_load (silo_jpeg.c) takes at shrink 8: libjpeg reads the header, the
// same checks decide whether the decoder runs, and it writes into a heap buffer of exactly the size silo_jpeg.c
// allocates, so that ASan sees a one-byte overrun. The scan it reads is the tail of libFuzzer's own buffer, so a
// read past the input is caught too.
//
// When the decoder says it decoded the image, libjpeg decodes the same input at 1/8 (as silo_jpeg.c's fallback
// would), and for an input that libjpeg decodes without any warning the luma (or grey) bytes must be equal, else
// abort(). Chroma may legitimately differ on crafted data: its 2x2 IDCT saturates where libjpeg's C and SIMD
// versions disagree with each other (see idct_2x2), so an RGB difference with equal luma is only counted, unless
// silo_fuzz_strict_rgb is set (replay does that for the curated seeds). The same goes for luma in the rare files
// whose chroma is sampled finer than luma, where luma takes that 2x2 IDCT too.
//
// Luma of a colour image: the decoder writes RGB, from which luma cannot be recovered exactly. So the input is
// decoded a second time with the chroma components pointed at a quantization table of zeros. Chroma then comes
// out as exactly 128 from both its DC-only and its 2x2 IDCT path, and the colour conversion gives R = G = B = Y.
// Only the dequantization changes: the entropy decoding, the decoder's own code, reads the same bits.
#include "fuzz_jpeg_eighth.h"
#include "silo_jpeg_eighth.h"

#include <jerror.h>
#include <jpeglib.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

// Silo's ImageProcessor refuses sources over these (Limits.maxSide, Limits.maxPixels) from the frame header,
// before anything is decoded. Without them libFuzzer would spend its time and memory on 65500x65500 headers
// that the server never hands to the decoder.
#define SERVER_MAX_SIDE 30000u
#define SERVER_MAX_PIXELS 250000000ull

enum { NOT_CALLED = -2 };  // run_silo: silo_jpeg.c would not have called the decoder

int silo_fuzz_strict_rgb = 0;

static struct {
    unsigned long inputs;            // every input
    unsigned long called;            // silo_jpeg.c would call the decoder
    unsigned long decoded;           // ... and it returned 0
    unsigned long clean;             // ... and libjpeg decodes the input without any warning: compared
    unsigned long rgb_differs;       // ... other RGB bytes, with equal luma or luma through the 2x2 IDCT
    unsigned long luma_2x2_differs;  // ... luma through the 2x2 IDCT, and it differs
    unsigned long luma_unchecked;    // ... colour, but no table slot was left for the zero table (or libjpeg's grey
                                     // decode warned where its RGB one did not)
} stats;

typedef struct {
    unsigned char *pixels;
    int width, height, bands;
    int luma_2x2;  // luma goes through the 2x2 IDCT, not DC alone
} image;

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf escape;
    int any_warning_fails;  // 0: only a truncated file fails, as in silo_jpeg.c; 1: any warning (the reference)
} fuzz_error;

// Never exit(): libjpeg's default error_exit would end the fuzzer on the first bad header.
static void fuzz_fail(j_common_ptr info) {
    longjmp(((fuzz_error *)info->err)->escape, 1);
}

static void fuzz_message(j_common_ptr info, int level) {
    fuzz_error *error = (fuzz_error *)info->err;
    if (level >= 0) return;  // trace messages
    if (error->any_warning_fails || info->err->msg_code == JWRN_JPEG_EOF) longjmp(error->escape, 1);
}

static void fuzz_error_init(struct jpeg_decompress_struct *info, fuzz_error *error, int any_warning_fails) {
    // Zeroed first, so that jpeg_destroy_decompress is safe however early the longjmp comes.
    memset(info, 0, sizeof *info);
    info->err = jpeg_std_error(&error->base);
    error->base.error_exit = fuzz_fail;
    error->base.emit_message = fuzz_message;
    error->any_warning_fails = any_warning_fails;
}

// As silo_jpeg.c: an ICC profile means colour management, which is libvips's job.
static int has_icc_profile(const struct jpeg_decompress_struct *info) {
    for (jpeg_saved_marker_ptr marker = info->marker_list; marker; marker = marker->next) {
        if (marker->marker == JPEG_APP0 + 2 && marker->data_length >= 12
            && memcmp(marker->data, "ICC_PROFILE", 12) == 0)
            return 1;
    }
    return 0;
}

// silo_jpeg.c's checks after jpeg_read_header, and the server's size limits. The decoder makes its own checks
// (baseline, one interleaved scan, sampling...) and declines the rest with -1.
static int silo_would_decode(const struct jpeg_decompress_struct *info) {
    J_COLOR_SPACE space = info->jpeg_color_space;
    if (has_icc_profile(info) || (space != JCS_YCbCr && space != JCS_GRAYSCALE && space != JCS_RGB)) return 0;
    return info->image_width <= SERVER_MAX_SIDE && info->image_height <= SERVER_MAX_SIDE
           && (unsigned long long)info->image_width * info->image_height <= SERVER_MAX_PIXELS;
}

// libjpeg (jdmaster.c), and the decoder after it, give a component with half the largest sampling factor in both
// directions the 2x2 reduced IDCT at 1/8 instead of its DC alone. That is usually chroma; luma only when chroma
// is sampled finer than luma.
static int luma_uses_2x2_idct(const struct jpeg_decompress_struct *info) {
    if (info->num_components != 3) return 0;
    const jpeg_component_info *luma = &info->comp_info[0];
    return info->max_h_samp_factor % (luma->h_samp_factor * 2) == 0
           && info->max_v_samp_factor % (luma->v_samp_factor * 2) == 0;
}

// Points the two chroma components at quantization tables of zeros (see the top of the file); -1 when that
// cannot be done without touching luma's table. comp_info[0] is the decoder's first output channel, luma.
static int zero_chroma_quantization(struct jpeg_decompress_struct *info) {
    if (info->num_components != 3) return -1;
    int luma = info->comp_info[0].quant_tbl_no, shared = 0;
    for (int ci = 1; ci < 3; ci++) {
        int table = info->comp_info[ci].quant_tbl_no;
        if (table < 0 || table >= NUM_QUANT_TBLS || !info->quant_tbl_ptrs[table]) return -1;
        if (table == luma) shared = 1;
    }
    if (!shared) {
        for (int ci = 1; ci < 3; ci++) {
            JQUANT_TBL *table = info->quant_tbl_ptrs[info->comp_info[ci].quant_tbl_no];
            memset(table->quantval, 0, sizeof table->quantval);
        }
        return 0;
    }
    for (int slot = 0; slot < NUM_QUANT_TBLS; slot++) {
        if (info->quant_tbl_ptrs[slot]) continue;
        // From libjpeg's permanent pool: jpeg_destroy_decompress frees it.
        JQUANT_TBL *zero = jpeg_alloc_quant_table((j_common_ptr)info);
        memset(zero->quantval, 0, sizeof zero->quantval);
        info->quant_tbl_ptrs[slot] = zero;
        info->comp_info[1].quant_tbl_no = info->comp_info[2].quant_tbl_no = slot;
        return 0;
    }
    return -1;
}

// silo_jpeg_shrink_load at shrink 8 up to the decoder's answer: NOT_CALLED when silo_jpeg.c would not call it,
// else the decoder's result; on 0, `out` holds the pixels (the caller frees them). With `zero_chroma`, the chroma
// is dequantized by zeros first.
static int run_silo(const uint8_t *data, size_t size, int zero_chroma, image *out) {
    struct jpeg_decompress_struct info;
    fuzz_error error;
    unsigned char *volatile pixels = NULL;
    fuzz_error_init(&info, &error, 0);
    if (setjmp(error.escape)) {
        jpeg_destroy_decompress(&info);
        free(pixels);
        return NOT_CALLED;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_save_markers(&info, JPEG_APP0 + 2, 0xFFFF);
    jpeg_read_header(&info, TRUE);
    if (!silo_would_decode(&info) || (zero_chroma && zero_chroma_quantization(&info))) {
        jpeg_destroy_decompress(&info);
        return NOT_CALLED;
    }
    info.out_color_space = info.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
    info.scale_num = 1;
    info.scale_denom = 8;
    // The buffer exactly as silo_jpeg.c sizes it.
    int bands = info.jpeg_color_space == JCS_GRAYSCALE ? 1 : 3;
    int width = (int)((info.image_width + 7) / 8), height = (int)((info.image_height + 7) / 8);
    size_t stride = (size_t)width * bands;
    pixels = malloc(stride * height);
    if (!pixels) longjmp(error.escape, 1);
    // silo_jpeg.c leaves malloc's bytes as they come; a fixed pattern makes a byte the decoder never writes
    // show up in the comparison, the same way on every run.
    memset(pixels, 0xBE, stride * height);
    const unsigned char *scan = info.src->next_input_byte;
    size_t scan_length = size - (size_t)(scan - data);
    if (!zero_chroma) stats.called++;
    int result = silo_jpeg_eighth_decode(&info, scan, scan_length, pixels);
    int luma_2x2 = luma_uses_2x2_idct(&info);
    jpeg_destroy_decompress(&info);
    if (result != 0 && result != -1) {
        fprintf(stderr, "silo_jpeg_eighth_decode returned %d; its header promises 0 or -1\n", result);
        abort();
    }
    if (result != 0) {
        free(pixels);
        return result;
    }
    *out = (image){pixels, width, height, bands, luma_2x2};
    return 0;
}

// libjpeg's own 1/8 decode in `space` (silo_jpeg.c's fallback, but any warning fails): 0 when the input decodes
// without a single warning, and then `out` holds the pixels (the caller frees them). It stops after the last
// scanline: what jpeg_finish_decompress would still read, the markers after the scan, cannot change the pixels.
static int run_libjpeg(const uint8_t *data, size_t size, J_COLOR_SPACE space, image *out) {
    struct jpeg_decompress_struct info;
    fuzz_error error;
    unsigned char *volatile pixels = NULL;
    fuzz_error_init(&info, &error, 1);
    if (setjmp(error.escape)) {
        jpeg_destroy_decompress(&info);
        free(pixels);
        return -1;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    info.out_color_space = space;
    info.scale_num = 1;
    info.scale_denom = 8;
    jpeg_start_decompress(&info);
    size_t stride = (size_t)info.output_width * info.output_components;
    pixels = malloc(stride * info.output_height);
    if (!pixels) longjmp(error.escape, 1);
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = pixels + stride * info.output_scanline;
        jpeg_read_scanlines(&info, &row, 1);
    }
    *out = (image){pixels, (int)info.output_width, (int)info.output_height, info.output_components, 0};
    jpeg_destroy_decompress(&info);
    return 0;
}

static size_t image_bytes(const image *picture) {
    return (size_t)picture->width * picture->height * picture->bands;
}

static void report_and_abort(const char *what, const image *ours, size_t at, const image *reference,
                             size_t reference_at) {
    fprintf(stderr,
            "silo_jpeg_eighth_decode: %s differs from libjpeg's 1/8 decode of a file libjpeg decodes without "
            "warnings (%dx%d, %d bands): at pixel (%zu, %zu) ours %u, libjpeg %u\n",
            what, ours->width, ours->height, ours->bands, at / ours->bands % ours->width,
            at / ours->bands / ours->width, ours->pixels[at], reference->pixels[reference_at]);
    abort();
}

// The decoder's luma against libjpeg's, through the zero-chroma second run: aborts when they differ, unless luma
// takes the 2x2 IDCT (then only counted).
static void check_luma(const uint8_t *data, size_t size, const image *ours) {
    image isolated = {0}, luma = {0};
    int result = run_silo(data, size, 1, &isolated);
    if (result == NOT_CALLED) {
        stats.luma_unchecked++;
        return;
    }
    if (result != 0) {
        fprintf(stderr, "silo_jpeg_eighth_decode declined the input once its chroma was dequantized by zeros, "
                        "after decoding it as it is: only the dequantization changed\n");
        abort();
    }
    // The RGB decode was clean, so the grey one should be too: it decodes the same entropy-coded data.
    if (run_libjpeg(data, size, JCS_GRAYSCALE, &luma) != 0) {
        stats.luma_unchecked++;
        free(isolated.pixels);
        return;
    }
    if (luma.width != ours->width || luma.height != ours->height) {
        fprintf(stderr, "libjpeg's grey decode is %dx%d, its RGB decode %dx%d\n", luma.width, luma.height, ours->width,
                ours->height);
        abort();
    }
    size_t count = (size_t)luma.width * luma.height;
    for (size_t i = 0; i < count * 3; i++) {
        if (isolated.pixels[i] == luma.pixels[i / 3]) continue;
        if (!ours->luma_2x2 || silo_fuzz_strict_rgb) report_and_abort("luma", &isolated, i, &luma, i / 3);
        stats.luma_2x2_differs++;
        break;
    }
    free(isolated.pixels);
    free(luma.pixels);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    stats.inputs++;
    image ours = {0}, reference = {0};
    if (run_silo(data, size, 0, &ours) != 0) return 0;
    stats.decoded++;
    if (run_libjpeg(data, size, ours.bands == 1 ? JCS_GRAYSCALE : JCS_RGB, &reference) == 0) {
        stats.clean++;
        if (reference.width != ours.width || reference.height != ours.height || reference.bands != ours.bands) {
            fprintf(stderr, "silo_jpeg.c's buffer is %dx%dx%d, libjpeg's 1/8 decode is %dx%dx%d\n", ours.width,
                    ours.height, ours.bands, reference.width, reference.height, reference.bands);
            abort();
        }
        if (ours.bands == 3) check_luma(data, size, &ours);
        size_t bytes = image_bytes(&ours);
        for (size_t i = 0; i < bytes; i++) {
            if (ours.pixels[i] == reference.pixels[i]) continue;
            if (ours.bands == 1) report_and_abort("grey", &ours, i, &reference, i);
            if (silo_fuzz_strict_rgb) report_and_abort("RGB (luma is equal)", &ours, i, &reference, i);
            stats.rgb_differs++;
            break;
        }
    }
    free(ours.pixels);
    free(reference.pixels);
    return 0;
}

void silo_fuzz_print_stats(FILE *out) {
    fprintf(out,
            "jpeg_eighth harness: %lu inputs, %lu decoder calls, %lu decoded, %lu compared with libjpeg, "
            "%lu with other RGB bytes, %lu with luma through the 2x2 IDCT differing, %lu colour with luma "
            "unchecked\n",
            stats.inputs, stats.called, stats.decoded, stats.clean, stats.rgb_differs, stats.luma_2x2_differs,
            stats.luma_unchecked);
}

static void print_stats_at_exit(void) {
    silo_fuzz_print_stats(stderr);
}

// Called by libFuzzer only (replay prints the counters itself): the counters once it is done.
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    atexit(print_stats_at_exit);
    return 0;
}

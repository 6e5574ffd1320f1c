// JPEG shrink-on-load straight through libjpeg-turbo. libvips's jpegload costs ~10% over libjpeg itself on a
// 12 MP thumbnail (its source layer and two header passes); entropy decoding is the whole remaining cost.
#include "silo_vips.h"
#include "silo_jpeg_eighth.h"

#include <jerror.h>
#include <jpeglib.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf escape;
} silo_jpeg_error;

static void silo_jpeg_fail(j_common_ptr info) {
    longjmp(((silo_jpeg_error *)info->err)->escape, 1);
}

// A truncated file fails, as libvips's fail_on=truncated does; other warnings are benign.
static void silo_jpeg_message(j_common_ptr info, int level) {
    if (level < 0 && info->err->msg_code == JWRN_JPEG_EOF) longjmp(((silo_jpeg_error *)info->err)->escape, 1);
}

static void silo_free_pixels(VipsImage *image, void *pixels) {
    (void)image;
    free(pixels);
}

VipsImage *silo_jpeg_shrink_load(const void *buffer, size_t length, int shrink, int libjpeg_only,
                                 int *used_eighth_decoder) {
    struct jpeg_decompress_struct info;
    silo_jpeg_error error;
    unsigned char *volatile pixels = NULL;
    info.err = jpeg_std_error(&error.base);
    error.base.error_exit = silo_jpeg_fail;
    error.base.emit_message = silo_jpeg_message;
    if (setjmp(error.escape)) {
        jpeg_destroy_decompress(&info);
        free(pixels);
        return NULL;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, (const unsigned char *)buffer, (unsigned long)length);
    jpeg_save_markers(&info, JPEG_APP0 + 2, 0xFFFF);
    jpeg_read_header(&info, TRUE);
    // CMYK and YCCK, and images with an ICC profile, need libvips's colour management.
    int colour_managed = 0;
    for (jpeg_saved_marker_ptr marker = info.marker_list; marker; marker = marker->next) {
        if (marker->marker == JPEG_APP0 + 2 && marker->data_length >= 12 && memcmp(marker->data, "ICC_PROFILE", 12) == 0)
            colour_managed = 1;
    }
    if (colour_managed
        || (info.jpeg_color_space != JCS_YCbCr && info.jpeg_color_space != JCS_GRAYSCALE && info.jpeg_color_space != JCS_RGB)) {
        jpeg_destroy_decompress(&info);
        return NULL;
    }
    info.out_color_space = info.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
    info.scale_num = 1;
    info.scale_denom = shrink;
    if (used_eighth_decoder) *used_eighth_decoder = 0;
    int width, height, bands = info.jpeg_color_space == JCS_GRAYSCALE ? 1 : 3;
    size_t stride;
    if (shrink == 8 && !libjpeg_only) {
        width = (int)((info.image_width + 7) / 8);
        height = (int)((info.image_height + 7) / 8);
        stride = (size_t)width * bands;
        pixels = malloc(stride * height);
        if (!pixels) longjmp(error.escape, 1);
        const unsigned char *scan = info.src->next_input_byte;
        size_t scan_length = length - (size_t)(scan - (const unsigned char *)buffer);
        if (silo_jpeg_eighth_decode(&info, scan, scan_length, pixels) == 0) {
            if (used_eighth_decoder) *used_eighth_decoder = 1;
            jpeg_destroy_decompress(&info);
            goto wrap;
        }
        free(pixels);
        pixels = NULL;
    }
    jpeg_start_decompress(&info);
    stride = (size_t)info.output_width * info.output_components;
    pixels = malloc(stride * info.output_height);
    if (!pixels) longjmp(error.escape, 1);
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = pixels + stride * info.output_scanline;
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
    width = info.output_width;
    height = info.output_height;
    bands = info.output_components;
    jpeg_destroy_decompress(&info);
wrap:;
    VipsImage *image = vips_image_new_from_memory(pixels, stride * height, width, height, bands, VIPS_FORMAT_UCHAR);
    if (!image) {
        free(pixels);
        return NULL;
    }
    // The pixels belong to the image from here on.
    g_signal_connect(image, "postclose", G_CALLBACK(silo_free_pixels), pixels);
    image->Type = bands == 1 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB;
    return image;
}

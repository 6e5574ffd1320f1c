#include "silo_vips.h"

int silo_vips_start(void) {
    if (VIPS_INIT("silo")) return -1;
    // Silo runs its own bounded worker pool and caches derived images itself.
    vips_concurrency_set(1);
    vips_cache_set_max(0);
    return 0;
}

char *silo_vips_take_error(void) {
    char *text = g_strdup(vips_error_buffer());
    vips_error_clear();
    return text;
}

VipsImage *silo_vips_load(const void *buffer, size_t length) {
    // A truncated or corrupt file is an error, not a partly grey picture.
    return vips_image_new_from_buffer(buffer, length, "fail_on=truncated", NULL);
}

VipsImage *silo_vips_load_pages(const void *buffer, size_t length) {
    return vips_image_new_from_buffer(buffer, length, "n=-1,fail_on=truncated", NULL);
}

VipsImage *silo_vips_thumbnail_pages(const void *buffer, size_t length, int width, int height, int size) {
    VipsImage *out = NULL;
    if (vips_thumbnail_buffer((void *)buffer, length, &out, width, "height", height, "size", (VipsSize)size,
                              "option_string", "n=-1,fail_on=truncated", NULL)) return NULL;
    return out;
}

int silo_vips_page_height(VipsImage *in) {
    return vips_image_get_page_height(in);
}

const char *silo_vips_loader(VipsImage *in) {
    const char *loader = NULL;
    if (vips_image_get_typeof(in, "vips-loader") && !vips_image_get_string(in, "vips-loader", &loader)) return loader;
    return NULL;
}

VipsImage *silo_vips_thumbnail(const void *buffer, size_t length, int width, int height, int size, int crop, int no_rotate) {
    VipsImage *out = NULL;
    if (vips_thumbnail_buffer((void *)buffer, length, &out, width, "height", height, "size", (VipsSize)size,
                              "crop", crop ? VIPS_INTERESTING_CENTRE : VIPS_INTERESTING_NONE,
                              "no_rotate", no_rotate, "option_string", "fail_on=truncated", NULL)) return NULL;
    return out;
}

VipsImage *silo_vips_resize(VipsImage *in, double horizontal, double vertical) {
    VipsImage *out = NULL;
    if (vips_resize(in, &out, horizontal, "vscale", vertical, NULL)) return NULL;
    return out;
}

VipsImage *silo_vips_resize_cubic(VipsImage *in, double horizontal, double vertical) {
    VipsImage *out = NULL;
    if (vips_resize(in, &out, horizontal, "vscale", vertical, "kernel", VIPS_KERNEL_CUBIC, NULL)) return NULL;
    return out;
}

VipsImage *silo_vips_extract(VipsImage *in, int left, int top, int width, int height) {
    VipsImage *out = NULL;
    if (vips_extract_area(in, &out, left, top, width, height, NULL)) return NULL;
    return out;
}

VipsImage *silo_vips_embed(VipsImage *in, int x, int y, int width, int height, double red, double green, double blue) {
    VipsImage *out = NULL;
    double background[4] = {red, green, blue, 255};
    int bands = vips_image_get_bands(in);
    VipsArrayDouble *array = vips_array_double_new(background, bands < 4 ? bands : 4);
    int failed = vips_embed(in, &out, x, y, width, height, "extend", VIPS_EXTEND_BACKGROUND, "background", array, NULL);
    vips_area_unref(VIPS_AREA(array));
    return failed ? NULL : out;
}

VipsImage *silo_vips_flatten(VipsImage *in, double red, double green, double blue) {
    VipsImage *out = NULL;
    double background[3] = {red, green, blue};
    VipsArrayDouble *array = vips_array_double_new(background, 3);
    int failed = vips_flatten(in, &out, "background", array, NULL);
    vips_area_unref(VIPS_AREA(array));
    return failed ? NULL : out;
}

VipsImage *silo_vips_autorot(VipsImage *in) {
    VipsImage *out = NULL;
    if (vips_autorot(in, &out, NULL)) return NULL;
    return out;
}

int silo_vips_save(VipsImage *in, const char *format, void **buffer, size_t *length) {
    return vips_image_write_to_buffer(in, format, buffer, length, NULL);
}

int silo_vips_getpoint(VipsImage *in, int x, int y, double *values, int capacity) {
    double *vector = NULL;
    int count = 0;
    if (vips_getpoint(in, &vector, &count, x, y, NULL)) return -1;
    int copied = count < capacity ? count : capacity;
    for (int i = 0; i < copied; i++) values[i] = vector[i];
    g_free(vector);
    return copied;
}

VipsImage *silo_vips_rot(VipsImage *in, int quarter_turns) {
    VipsImage *out = NULL;
    VipsAngle angle = quarter_turns == 1 ? VIPS_ANGLE_D90 : quarter_turns == 2 ? VIPS_ANGLE_D180 : VIPS_ANGLE_D270;
    if (vips_rot(in, &out, angle, NULL)) return NULL;
    return out;
}

VipsImage *silo_vips_rotate(VipsImage *in, double degrees) {
    VipsImage *out = NULL;
    double background[4] = {255, 255, 255, 255};
    int bands = vips_image_get_bands(in);
    VipsArrayDouble *array = vips_array_double_new(background, bands < 4 ? bands : 4);
    int failed = vips_rotate(in, &out, degrees, "background", array, NULL);
    vips_area_unref(VIPS_AREA(array));
    return failed ? NULL : out;
}

VipsImage *silo_vips_gaussblur(VipsImage *in, double sigma) {
    VipsImage *out = NULL;
    if (vips_gaussblur(in, &out, sigma, NULL)) return NULL;
    return out;
}

VipsImage *silo_vips_sharpen(VipsImage *in, double sigma) {
    VipsImage *out = NULL;
    if (vips_sharpen(in, &out, "sigma", sigma, NULL)) return NULL;
    return out;
}

VipsImage *silo_vips_linear(VipsImage *in, double a, double b) {
    VipsImage *out = NULL;
    int bands = vips_image_get_bands(in);
    if (bands > 4) bands = 4;
    double as[4], bs[4];
    for (int i = 0; i < bands; i++) {
        // Alpha stays as it is.
        int alpha = vips_image_hasalpha(in) && i == bands - 1;
        as[i] = alpha ? 1 : a;
        bs[i] = alpha ? 0 : b;
    }
    if (vips_linear(in, &out, as, bs, bands, "uchar", TRUE, NULL)) return NULL;
    return out;
}

// MARK: watermarks and masks

static VipsImage *to_srgb(VipsImage *in) {
    VipsImage *out = NULL;
    if (vips_colourspace(in, &out, VIPS_INTERPRETATION_sRGB, NULL)) return NULL;
    VipsImage *cast = NULL;
    int failed = vips_cast(out, &cast, VIPS_FORMAT_UCHAR, NULL);
    g_object_unref(out);
    return failed ? NULL : cast;
}

VipsImage *silo_vips_text(const char *text, const char *font, double red, double green, double blue, double opacity) {
    VipsImage *mask = NULL;
    // dpi 72: one point is one pixel, so size_ is the glyph height in pixels as the service defines it.
    if (vips_text(&mask, text, "font", font, "dpi", 72, NULL)) return NULL;
    VipsImage *alpha = NULL;
    int failed = vips_linear1(mask, &alpha, opacity, 0, "uchar", TRUE, NULL);
    VipsImage *colour = NULL;
    if (!failed) {
        double ink[3] = {red, green, blue};
        VipsImage *black = NULL;
        failed = vips_black(&black, vips_image_get_width(mask), vips_image_get_height(mask), "bands", 3, NULL);
        if (!failed) {
            VipsImage *filled = NULL;
            double zero[3] = {1, 1, 1};
            failed = vips_linear(black, &filled, zero, ink, 3, "uchar", TRUE, NULL);
            g_object_unref(black);
            if (!failed) {
                VipsImage *srgb = NULL;
                failed = vips_copy(filled, &srgb, "interpretation", VIPS_INTERPRETATION_sRGB, NULL);
                g_object_unref(filled);
                if (!failed) {
                    failed = vips_bandjoin2(srgb, alpha, &colour, NULL);
                    g_object_unref(srgb);
                }
            }
        }
    }
    g_object_unref(mask);
    if (alpha) g_object_unref(alpha);
    return failed ? NULL : colour;
}

VipsImage *silo_vips_with_opacity(VipsImage *in, double opacity) {
    VipsImage *srgb = to_srgb(in);
    if (!srgb) return NULL;
    VipsImage *withAlpha = NULL;
    int failed = vips_image_hasalpha(srgb) ? vips_copy(srgb, &withAlpha, NULL) : vips_bandjoin_const1(srgb, &withAlpha, 255, NULL);
    g_object_unref(srgb);
    if (failed) return NULL;
    double a[4] = {1, 1, 1, opacity}, b[4] = {0, 0, 0, 0};
    VipsImage *out = NULL;
    failed = vips_linear(withAlpha, &out, a, b, 4, "uchar", TRUE, NULL);
    g_object_unref(withAlpha);
    return failed ? NULL : out;
}

VipsImage *silo_vips_rotate_clear(VipsImage *in, double degrees) {
    VipsImage *out = NULL;
    double background[4] = {0, 0, 0, 0};
    VipsArrayDouble *array = vips_array_double_new(background, 4);
    int failed = vips_rotate(in, &out, degrees, "background", array, NULL);
    vips_area_unref(VIPS_AREA(array));
    return failed ? NULL : out;
}

VipsImage *silo_vips_tile(VipsImage *in, int width, int height, int gap) {
    int cell_w = vips_image_get_width(in) + gap, cell_h = vips_image_get_height(in) + gap;
    VipsImage *cell = NULL;
    double clear[4] = {0, 0, 0, 0};
    VipsArrayDouble *array = vips_array_double_new(clear, 4);
    int failed = vips_embed(in, &cell, 0, 0, cell_w, cell_h, "extend", VIPS_EXTEND_BACKGROUND, "background", array, NULL);
    vips_area_unref(VIPS_AREA(array));
    if (failed) return NULL;
    VipsImage *many = NULL;
    failed = vips_replicate(cell, &many, width / cell_w + 1, height / cell_h + 1, NULL);
    g_object_unref(cell);
    if (failed) return NULL;
    VipsImage *out = NULL;
    failed = vips_extract_area(many, &out, 0, 0, width, height, NULL);
    g_object_unref(many);
    return failed ? NULL : out;
}

VipsImage *silo_vips_composite(VipsImage *base, VipsImage *overlay, int x, int y) {
    int base_w = vips_image_get_width(base), base_h = vips_image_get_height(base);
    int over_w = vips_image_get_width(overlay), over_h = vips_image_get_height(overlay);
    // The visible part of the overlay; nothing visible leaves the base as it is.
    int left = x < 0 ? -x : 0, top = y < 0 ? -y : 0;
    int right = x + over_w > base_w ? base_w - x : over_w, bottom = y + over_h > base_h ? base_h - y : over_h;
    if (right <= left || bottom <= top) {
        g_object_ref(base);
        return base;
    }
    VipsImage *visible = NULL;
    if (vips_extract_area(overlay, &visible, left, top, right - left, bottom - top, NULL)) return NULL;
    VipsImage *srgb = to_srgb(base);
    if (!srgb) { g_object_unref(visible); return NULL; }
    VipsImage *mixed = NULL;
    int failed = vips_composite2(srgb, visible, &mixed, VIPS_BLEND_MODE_OVER, "x", x + left, "y", y + top, NULL);
    g_object_unref(visible);
    int bands = vips_image_get_bands(srgb);
    g_object_unref(srgb);
    if (failed) return NULL;
    VipsImage *cast = NULL;
    failed = vips_cast(mixed, &cast, VIPS_FORMAT_UCHAR, NULL);
    g_object_unref(mixed);
    if (failed) return NULL;
    if (vips_image_get_bands(cast) == bands) return cast;
    VipsImage *out = NULL;
    failed = vips_extract_band(cast, &out, 0, "n", bands, NULL);
    g_object_unref(cast);
    return failed ? NULL : out;
}

VipsImage *silo_vips_mask_shape(VipsImage *in, int shape, int radius) {
    int width = vips_image_get_width(in), height = vips_image_get_height(in);
    VipsImage *blank = NULL;
    if (vips_black(&blank, width, height, NULL)) return NULL;
    VipsImage *mask = vips_image_copy_memory(blank);
    g_object_unref(blank);
    if (!mask) return NULL;
    double on[1] = {255}, off[1] = {0};
    int failed = 0;
    if (shape == 0) {
        failed = vips_draw_circle(mask, on, 1, width / 2, height / 2, radius, "fill", TRUE, NULL);
    } else {
        failed = vips_draw_rect(mask, on, 1, 0, 0, width, height, "fill", TRUE, NULL);
        int cx[4] = {radius, width - 1 - radius, radius, width - 1 - radius};
        int cy[4] = {radius, radius, height - 1 - radius, height - 1 - radius};
        int rx[4] = {0, width - radius, 0, width - radius};
        int ry[4] = {0, 0, height - radius, height - radius};
        for (int i = 0; i < 4 && !failed; i++) {
            failed = vips_draw_rect(mask, off, 1, rx[i], ry[i], radius, radius, "fill", TRUE, NULL)
                || vips_draw_circle(mask, on, 1, cx[i], cy[i], radius, "fill", TRUE, NULL);
        }
    }
    VipsImage *srgb = failed ? NULL : to_srgb(in);
    VipsImage *out = NULL;
    if (srgb) {
        if (vips_image_hasalpha(srgb)) {
            // Existing transparency stays: alpha becomes alpha × mask.
            VipsImage *colour = NULL, *alpha = NULL, *product = NULL, *scaled = NULL;
            int bands = vips_image_get_bands(srgb);
            if (!vips_extract_band(srgb, &colour, 0, "n", bands - 1, NULL)
                && !vips_extract_band(srgb, &alpha, bands - 1, NULL)
                && !vips_multiply(alpha, mask, &product, NULL)
                && !vips_linear1(product, &scaled, 1.0 / 255, 0, "uchar", TRUE, NULL))
                vips_bandjoin2(colour, scaled, &out, NULL);
            if (colour) g_object_unref(colour);
            if (alpha) g_object_unref(alpha);
            if (product) g_object_unref(product);
            if (scaled) g_object_unref(scaled);
        } else {
            vips_bandjoin2(srgb, mask, &out, NULL);
        }
        g_object_unref(srgb);
    }
    g_object_unref(mask);
    return out;
}

int silo_vips_mean_rgb(VipsImage *in, double *values) {
    VipsImage *srgb = to_srgb(in);
    if (!srgb) return -1;
    VipsImage *stats = NULL;
    int failed = vips_stats(srgb, &stats, NULL);
    g_object_unref(srgb);
    if (failed) return -1;
    for (int band = 0; band < 3; band++) {
        double *vector = NULL;
        int count = 0;
        // Row band + 1 of the stats matrix holds that band; column 4 is its mean.
        if (vips_getpoint(stats, &vector, &count, 4, band + 1, NULL)) { g_object_unref(stats); return -1; }
        values[band] = vector[0];
        g_free(vector);
    }
    g_object_unref(stats);
    return 0;
}

int silo_vips_can_save(const char *suffix) {
    const char *saver = vips_foreign_find_save_buffer(suffix);
    if (!saver) vips_error_clear();
    return saver != NULL;
}

VipsImage *silo_vips_embed_clear(VipsImage *in, int x, int y, int width, int height) {
    VipsImage *out = NULL;
    double clear[4] = {0, 0, 0, 0};
    VipsArrayDouble *array = vips_array_double_new(clear, 4);
    int failed = vips_embed(in, &out, x, y, width, height, "extend", VIPS_EXTEND_BACKGROUND, "background", array, NULL);
    vips_area_unref(VIPS_AREA(array));
    return failed ? NULL : out;
}

int silo_vips_orientation(VipsImage *in) {
    int orientation = 0;
    if (vips_image_get_typeof(in, VIPS_META_ORIENTATION) && !vips_image_get_int(in, VIPS_META_ORIENTATION, &orientation))
        return orientation;
    return 0;
}

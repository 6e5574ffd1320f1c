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

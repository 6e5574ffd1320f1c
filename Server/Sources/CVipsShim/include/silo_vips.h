// Non-variadic wrappers around the libvips calls Silo uses: Swift cannot call C varargs functions.
// Every function that makes an image returns a new reference (or NULL with the libvips error set);
// the caller unrefs its inputs.
#ifndef SILO_VIPS_H
#define SILO_VIPS_H

#include <stddef.h>
#include <vips/vips.h>

int silo_vips_start(void);
/// The libvips error text (a copy the caller frees with g_free), and the buffer cleared.
char *silo_vips_take_error(void);

VipsImage *silo_vips_load(const void *buffer, size_t length);
/// Every page (frame) of an animated image, stacked vertically; `vips_image_get_page_height` gives one frame.
VipsImage *silo_vips_load_pages(const void *buffer, size_t length);
/// Like silo_vips_thumbnail for every page of an animated image, each resized to `width`×`height`.
VipsImage *silo_vips_thumbnail_pages(const void *buffer, size_t length, int width, int height, int size);
int silo_vips_page_height(VipsImage *in);
/// The libvips loader that read the image, e.g. "tiffload_buffer", or NULL.
const char *silo_vips_loader(VipsImage *in);
/// Shrink-on-load thumbnail: `size` 0 both, 1 up only, 2 down only, 3 force; `crop` 0 none, 1 centre.
VipsImage *silo_vips_thumbnail(const void *buffer, size_t length, int width, int height, int size, int crop, int no_rotate);
VipsImage *silo_vips_resize(VipsImage *in, double horizontal, double vertical);
/// As silo_vips_resize with the bicubic kernel: after DCT scaling has already averaged 8×8 blocks, the
/// remaining reduction needs no lanczos3, and this is the kernel Pillow's thumbnail uses.
VipsImage *silo_vips_resize_cubic(VipsImage *in, double horizontal, double vertical);
VipsImage *silo_vips_extract(VipsImage *in, int left, int top, int width, int height);
VipsImage *silo_vips_embed(VipsImage *in, int x, int y, int width, int height, double red, double green, double blue);
VipsImage *silo_vips_flatten(VipsImage *in, double red, double green, double blue);
VipsImage *silo_vips_autorot(VipsImage *in);
/// A baseline/progressive YCbCr, RGB or grey JPEG decoded at 1/`shrink` (1, 2, 4 or 8) by libjpeg; NULL for
/// anything else (CMYK, an ICC profile, corrupt, truncated), for the caller to hand to libvips instead.
/// At 1/8 a baseline file goes through Silo's own scan decoder (same pixels, less Huffman work) unless
/// `libjpeg_only`; `used_eighth_decoder`, when given, says which one decoded it.
VipsImage *silo_jpeg_shrink_load(const void *buffer, size_t length, int shrink, int libjpeg_only,
                                 int *used_eighth_decoder);
/// Encodes by suffix with saver options, e.g. ".jpg[Q=80,interlace=true]"; free the buffer with g_free.
int silo_vips_save(VipsImage *in, const char *format, void **buffer, size_t *length);

/// Quarter turns clockwise: 1, 2 or 3.
VipsImage *silo_vips_rot(VipsImage *in, int quarter_turns);
/// Any angle clockwise, the canvas grown and filled white.
VipsImage *silo_vips_rotate(VipsImage *in, double degrees);
VipsImage *silo_vips_gaussblur(VipsImage *in, double sigma);
VipsImage *silo_vips_sharpen(VipsImage *in, double sigma);
/// a * pixel + b on the colour bands (alpha untouched), back to 8 bits.
VipsImage *silo_vips_linear(VipsImage *in, double a, double b);
/// The pixel at (x, y): up to `capacity` band values into `values`; the count, or -1.
int silo_vips_getpoint(VipsImage *in, int x, int y, double *values, int capacity);


// Watermarks and masks.
/// Renders `text` (Pango markup off) as RGBA in one colour; `font` is a Pango description, e.g. "DejaVu Sans 40".
VipsImage *silo_vips_text(const char *text, const char *font, double red, double green, double blue, double opacity);
/// Adds an opaque alpha band when there is none, then scales alpha by `opacity` (0...1).
VipsImage *silo_vips_with_opacity(VipsImage *in, double opacity);
/// Any angle clockwise on a transparent canvas (the input has alpha).
VipsImage *silo_vips_rotate_clear(VipsImage *in, double degrees);
/// Repeats `in` across a `width`×`height` canvas with `gap` pixels between copies.
VipsImage *silo_vips_tile(VipsImage *in, int width, int height, int gap);
/// `overlay` over `base` at (x, y), clipped to the base; the base keeps its band count (alpha only if it had one).
VipsImage *silo_vips_composite(VipsImage *base, VipsImage *overlay, int x, int y);
/// Multiplies alpha by a mask shape: 0 a circle of radius r centred, 1 a rectangle with corners of radius r.
VipsImage *silo_vips_mask_shape(VipsImage *in, int shape, int radius);
/// Mean of each colour band in sRGB, alpha excluded: 3 values.
int silo_vips_mean_rgb(VipsImage *in, double *values);
/// `in` at (x, y) on a transparent `width`×`height` canvas (the input has alpha).
VipsImage *silo_vips_embed_clear(VipsImage *in, int x, int y, int width, int height);
/// The EXIF orientation libvips read (1...8), or 0 when there is none.
int silo_vips_orientation(VipsImage *in);
/// Whether libvips here can save this suffix, e.g. ".avif".
int silo_vips_can_save(const char *suffix);

#endif

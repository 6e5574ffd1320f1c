// Private to CVipsShim: the 1/8-scale baseline JPEG decoder used by silo_jpeg.c.
#ifndef SILO_JPEG_EIGHTH_H
#define SILO_JPEG_EIGHTH_H

#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>

/// Decodes the scan that `header` (after jpeg_read_header) stands at, at 1/8 scale, into `pixels`
/// (ceil(w/8) x ceil(h/8), RGB or grey, packed). The result equals libjpeg's own 1/8 decode; 0 on success,
/// -1 when the file is outside what this decoder takes (progressive, odd sampling, corrupt data...) and
/// libjpeg must decode it instead. Never reads outside `data[0..<length]`.
int silo_jpeg_eighth_decode(const struct jpeg_decompress_struct *header, const unsigned char *data, size_t length,
                            unsigned char *pixels);

#endif

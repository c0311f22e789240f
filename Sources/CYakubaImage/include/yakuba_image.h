#ifndef YAKUBA_IMAGE_H
#define YAKUBA_IMAGE_H
#include <stddef.h>

/// A decoded image: 8-bit RGB, rows top to bottom, 3 bytes per pixel, no padding.
typedef struct {
    unsigned char *pixels;
    int width;
    int height;
    /// Why decoding failed (English, for logs and support staff); empty on success.
    char message[160];
} yk_image;

/// Decodes a JPEG (libjpeg-turbo, default settings: the same pixels as `djpeg` and OpenCV's imread) or a PNG
/// (libpng; alpha dropped, 16 bits cut to 8, palette and grey expanded, as OpenCV's imread does) into RGB.
/// Refuses anything else, a corrupt or truncated file, or one larger than `max_pixels`.
/// Returns 0 on success (free with yk_image_free), non-zero with `message` set on failure (nothing to free).
int yk_decode_rgb(const unsigned char *data, size_t size, size_t max_pixels, yk_image *out);

void yk_image_free(yk_image *image);

#endif

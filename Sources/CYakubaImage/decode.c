// JPEG and PNG decoding for the face kiosk. Both libraries report errors by longjmp, which Swift cannot take:
// this file keeps every setjmp/longjmp on the C side and hands Swift a plain success or a message.
#include "yakuba_image.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <png.h>

static void set_message(yk_image *out, const char *m) {
    snprintf(out->message, sizeof out->message, "%s", m);
}

// MARK: JPEG

struct jpeg_failure {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

static void jpeg_fail(j_common_ptr cinfo) {
    struct jpeg_failure *f = (struct jpeg_failure *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, f->message);
    longjmp(f->jump, 1);
}

// Warnings (a corrupt segment libjpeg can step over) are failures too: a frame half made of grey is not a face.
static void jpeg_warn(j_common_ptr cinfo, int level) {
    if (level < 0) jpeg_fail(cinfo);
}

static int decode_jpeg(const unsigned char *data, size_t size, size_t max_pixels, yk_image *out) {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_failure err;
    unsigned char *volatile pixels = NULL;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = jpeg_fail;
    err.base.emit_message = jpeg_warn;
    err.message[0] = 0;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        char m[160];
        snprintf(m, sizeof m, "JPEG: %s", err.message[0] ? err.message : "cannot be decoded");
        set_message(out, m);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        jpeg_destroy_decompress(&cinfo);
        set_message(out, "JPEG: CMYK images are not supported");
        return 1;
    }
    cinfo.out_color_space = JCS_RGB;
    if ((size_t)cinfo.image_width * (size_t)cinfo.image_height > max_pixels) {
        jpeg_destroy_decompress(&cinfo);
        set_message(out, "JPEG: the image has too many pixels");
        return 1;
    }
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * 3;
    pixels = malloc(stride * cinfo.output_height);
    if (!pixels) { jpeg_destroy_decompress(&cinfo); set_message(out, "out of memory"); return 1; }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    out->width = (int)cinfo.output_width;
    out->height = (int)cinfo.output_height;
    jpeg_destroy_decompress(&cinfo);
    out->pixels = pixels;
    return 0;
}

// MARK: PNG

struct png_source { const unsigned char *data; size_t size, at; };

static void png_read_memory(png_structp png, png_bytep to, png_size_t n) {
    struct png_source *s = (struct png_source *)png_get_io_ptr(png);
    if (n > s->size - s->at) png_error(png, "the file ends early");
    memcpy(to, s->data + s->at, n);
    s->at += n;
}

static void png_fail(png_structp png, png_const_charp message) {
    char *m = (char *)png_get_error_ptr(png);
    snprintf(m, 120, "%s", message);
    png_longjmp(png, 1);
}

static void png_quiet(png_structp png, png_const_charp message) { (void)png; (void)message; }

static int decode_png(const unsigned char *data, size_t size, size_t max_pixels, yk_image *out) {
    char message[120] = "cannot be decoded";
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, message, png_fail, png_quiet);
    if (!png) { set_message(out, "out of memory"); return 1; }
    png_infop info = png_create_info_struct(png);
    unsigned char *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    struct png_source src = { data, size, 0 };
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, info ? &info : NULL, NULL);
        free(pixels);
        free(rows);
        char m[160];
        snprintf(m, sizeof m, "PNG: %s", message);
        set_message(out, m);
        return 1;
    }
    png_set_read_fn(png, &src, png_read_memory);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if ((size_t)w * (size_t)h > max_pixels) png_error(png, "the image has too many pixels");
    int type = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
    if (depth == 16) png_set_strip_16(png);
    if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    if (type & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)w * 3) png_error(png, "unexpected pixel layout");
    pixels = malloc((size_t)w * 3 * h);
    rows = malloc(sizeof(png_bytep) * h);
    if (!pixels || !rows) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < h; y++) rows[y] = pixels + (size_t)y * w * 3;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    out->pixels = pixels;
    out->width = (int)w;
    out->height = (int)h;
    return 0;
}

int yk_decode_rgb(const unsigned char *data, size_t size, size_t max_pixels, yk_image *out) {
    memset(out, 0, sizeof *out);
    if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return decode_jpeg(data, size, max_pixels, out);
    if (size >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0) return decode_png(data, size, max_pixels, out);
    set_message(out, "neither a JPEG nor a PNG image");
    return 1;
}

void yk_image_free(yk_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}

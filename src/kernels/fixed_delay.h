/* A fixed delay of interleaved frames: what hosts delay the quicker of parallel paths by, so
 * that they line up with the slowest (internal to the kernels). */
#ifndef PKAUDIO_FIXED_DELAY_H
#define PKAUDIO_FIXED_DELAY_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t frames;            /* > 0 */
    int64_t position;          /* where the next frame is written */
    int32_t channels;
    int32_t reserved;
    float *buffer;             /* frames * channels, zeroed to start */
} pk_delay_line;

/* Pass n frames through the line, in place. */
static inline void pk_delay_line_run(pk_delay_line *d, float *block, size_t n)
{
    const size_t channels = (size_t)d->channels;
    for (size_t f = 0; f < n; f++) {
        float *slot = d->buffer + (size_t)d->position * channels;
        for (size_t c = 0; c < channels; c++) {
            const float x = block[f * channels + c];
            block[f * channels + c] = slot[c];
            slot[c] = x;
        }
        if (++d->position == d->frames)
            d->position = 0;
    }
}

#endif

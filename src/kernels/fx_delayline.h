/* A multichannel delay line read at fractional delays, shared by the delay and the modulation
 * effects (fx_delay.c, fx_modulation.c). Internal to the kernels.
 *
 * The line keeps the last `mask + 1` frames (a power of two), interleaved, the frame about to
 * be written at `write`. A read at a delay of d frames (d >= 1: only frames already written)
 * third-order Lagrange interpolation over the four frames at delays j .. j + 3, j = floor(d) - 1
 * (d in the middle interval, where the interpolator's gain stays at most 1, so feedback loops
 * through it stay stable), or linear between delays 1 and 2 when d < 2 (the frame at delay 0
 * is not written yet). Both give a whole number of frames exactly and meet at d = 2. */
#ifndef PKAUDIO_FX_DELAYLINE_H
#define PKAUDIO_FX_DELAYLINE_H

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "node.h"

typedef struct {
    float *frames;
    size_t mask;
    size_t write;
    size_t channels;
} pk_delay_line;

/* Where and how to read at one delay: the first frame's delay and the four weights. */
typedef struct {
    size_t first;
    float h[4];
} pk_delay_tap;

/* A line holding at least `most` frames of delay and its interpolation's neighbours. */
static inline int pk_delay_line_init(pk_delay_line *line, size_t most, size_t channels)
{
    size_t size = 4;
    while (size < most + 4)
        size *= 2;
    line->frames = calloc(size * channels, sizeof(float));
    line->mask = size - 1;
    line->write = 0;
    line->channels = channels;
    return line->frames ? 0 : PK_NODE_NO_MEMORY;
}

static inline void pk_delay_line_free(pk_delay_line *line)
{
    free(line->frames);
    line->frames = NULL;
}

static inline void pk_delay_line_clear(pk_delay_line *line)
{
    if (line->frames)
        for (size_t i = 0; i < (line->mask + 1) * line->channels; i++)
            line->frames[i] = 0.0f;
    line->write = 0;
}

/* The tap for a delay of d frames, 1 <= d. */
static inline pk_delay_tap pk_delay_tap_at(double d)
{
    pk_delay_tap tap;
    if (d < 2.0) {
        tap.first = 1;
        tap.h[0] = (float)(2.0 - d);
        tap.h[1] = (float)(d - 1.0);
        tap.h[2] = tap.h[3] = 0.0f;
        return tap;
    }
    tap.first = (size_t)d - 1;
    const double p = d - (double)tap.first, p1 = p - 1.0, p2 = p - 2.0, p3 = p - 3.0;
    const double sixth = 1.0 / 6.0;
    tap.h[0] = (float)(-p1 * p2 * p3 * sixth);
    tap.h[1] = (float)(p * p2 * p3 * 0.5);
    tap.h[2] = (float)(-p * p1 * p3 * 0.5);
    tap.h[3] = (float)(p * p1 * p2 * sixth);
    return tap;
}

static inline float pk_delay_line_read(const pk_delay_line *line, const pk_delay_tap *tap,
                                       size_t channel)
{
    const size_t c = line->channels, m = line->mask, at = line->write - tap->first;
    const float *f = line->frames + channel;
    return tap->h[0] * f[(at & m) * c] + tap->h[1] * f[((at - 1) & m) * c] +
           tap->h[2] * f[((at - 2) & m) * c] + tap->h[3] * f[((at - 3) & m) * c];
}

/* The frame being written, `channels` floats; then advance. */
static inline float *pk_delay_line_slot(pk_delay_line *line)
{
    return line->frames + line->write * line->channels;
}

static inline void pk_delay_line_advance(pk_delay_line *line)
{
    line->write = (line->write + 1) & line->mask;
}

/* Frames until a loop of `loop` frames with gain |feedback| has decayed by 120 dB, plus one
 * pass, at most `cap`. */
static inline int64_t pk_feedback_tail(double loop, double feedback, double cap)
{
    const double g = fabs(feedback);
    const double passes = g > 1e-6 ? ceil(log(1e-6) / log(g)) + 1.0 : 1.0;
    const double frames = ceil(loop * passes);
    return (int64_t)(frames < cap ? frames : cap);
}

#endif

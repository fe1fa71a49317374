/* pkaudio's resampler core (declared and documented in resample.h). */
#include <string.h>

#include "resample.h"
#include "simd.h"

static size_t sample_size(const pk_resampler *r)
{
    return r->wide ? sizeof(double) : sizeof(float);
}

/* Input frames past an output's window that must be in before it is ready. */
static inline ptrdiff_t lookahead(const pk_resampler *r)
{
    return r->kind == PK_RS_TABLE ? PK_RS_TAP_MULTIPLE : 0;
}

void pk_rs_reset(pk_resampler *r)
{
    const ptrdiff_t zeros = r->taps / 2 - 1;
    for (ptrdiff_t c = 0; c < r->channels; c++)
        memset((char *)r->history + (size_t)(c * r->capacity) * sample_size(r), 0,
               (size_t)zeros * sample_size(r));
    r->length = r->end = r->pos = zeros;
    r->frac = 0;
    r->produced = 0;
}

ptrdiff_t pk_rs_pending(const pk_resampler *r, ptrdiff_t frames, int last)
{
    /* Times in units of 1/den frame: below 2^62 while frames < 2^28 and den <= 2^32. */
    const int64_t den = (int64_t)r->den;
    const int64_t step = r->step_int * den + (int64_t)r->step_frac;
    const int64_t now = (int64_t)r->pos * den + (int64_t)r->frac;
    /* The latest time an output may have: one the whole stream would have (t + step/2 within
     * the input so far), and, before the last call, whose window is in. */
    int64_t limit = (2 * ((int64_t)r->end + frames) * den - step) / 2;
    if (!last) {
        const int64_t in_window = ((int64_t)r->length + frames - r->taps / 2 - lookahead(r)) *
                                  den - 1;
        if (in_window < limit)
            limit = in_window;
    }
    ptrdiff_t ready = limit < now ? 0 : (ptrdiff_t)((limit - now) / step + 1);
    /* Ending on the first of a pair: it waits for its partner (see PK_RS_PAD_LEFT). */
    if (!last && r->kind == PK_RS_TABLE && (r->produced + ready) % 2 == 1)
        ready--;
    return ready;
}

/* Drop the history frames before the next output's window, making room at the end. */
static void compact(pk_resampler *r)
{
    ptrdiff_t first = r->pos - r->taps / 2 + 1;
    if (first <= 0)
        return;
    if (first > r->length) /* a step longer than the window skips frames never pushed yet */
        first = r->length;
    const size_t size = sample_size(r);
    for (ptrdiff_t c = 0; c < r->channels; c++) {
        char *row = (char *)r->history + (size_t)(c * r->capacity) * size;
        memmove(row, row + (size_t)first * size, (size_t)(r->length - first) * size);
    }
    r->pos -= first;
    r->length -= first;
    r->end -= first;
}

/* Fill the rest of the history with zeros, the signal past the end of the input. */
static void pad_zeros(pk_resampler *r)
{
    const size_t size = sample_size(r);
    for (ptrdiff_t c = 0; c < r->channels; c++)
        memset((char *)r->history + (size_t)(c * r->capacity + r->length) * size, 0,
               (size_t)(r->capacity - r->length) * size);
    r->length = r->capacity;
}

#define COMPUTE float
#define IO float
#define SFX ff
#include "resample_impl.h"

#define COMPUTE double
#define IO float
#define SFX df
#include "resample_impl.h"

#define COMPUTE double
#define IO double
#define SFX dd
#include "resample_impl.h"

ptrdiff_t pk_rs_process_f(pk_resampler *r, const float *x, ptrdiff_t frames, float *out,
                          int last)
{
    return r->wide ? process_df(r, x, frames, out, last) : process_ff(r, x, frames, out, last);
}

ptrdiff_t pk_rs_process_d(pk_resampler *r, const double *x, ptrdiff_t frames, double *out,
                          int last)
{
    return process_dd(r, x, frames, out, last);
}

/* pkaudio's resampler core: band-limited interpolation at any ratio, one output frame at a time.
 *
 * Output frame k is the input signal at input time t_k, interpolated with a windowed-sinc filter
 * of `taps` coefficients centred on t_k (or, for PK_RS_CUBIC, a 4-point cubic). Times are kept
 * exactly: t = (frame, frac/den), and each output advances t by step_int + step_frac/den input
 * frames, in integers, so a rational ratio never drifts however long it runs.
 *
 * The input is kept in a planar history, one row of `capacity` frames per channel, in the compute
 * type (double when `wide`, else float). The window of the output at history frame `pos` is
 * frames pos - taps/2 + 1 ... pos + taps/2. The caller (the Cython Resampler) allocates every
 * buffer, fills the struct and calls pk_rs_reset; these functions never allocate, lock or block,
 * so the engine's render core can call them without the GIL.
 */
#ifndef PKAUDIO_RESAMPLE_H
#define PKAUDIO_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Filter taps come in multiples of this (the sums run in this many independent lanes). */
#define PK_RS_TAP_MULTIPLE 16
/* PK_RS_TABLE rows have this many zeros before their taps and PK_RS_PAD_RIGHT after: outputs
 * 2m and 2m + 1 (counted from the start of the stream), at most PK_RS_PAD_LEFT frames apart,
 * are summed in one pass over their joint window, each row read shifted into place, so every
 * input vector is loaded once for both. An output is ready when PK_RS_TAP_MULTIPLE frames past
 * its window are in, so a pair's pass never reads past the input. */
#define PK_RS_PAD_LEFT 16
#define PK_RS_PAD_RIGHT 32
/* Zero coefficients at each end of every PK_RS_TABLE row (the kernels are designed so): a
 * pair's joint window skips them, so pairs at most 2 frames apart cost `taps` frames. */
#define PK_RS_ZERO_ENDS 1

typedef enum {
    PK_RS_TABLE = 0, /* one row of coefficients per phase: phase = frac, phases == den */
    PK_RS_POLY = 1,  /* `phases` intervals of four rows, a cubic in the position inside one */
    PK_RS_CUBIC = 2, /* 4-point Catmull-Rom interpolation, no table */
} pk_rs_kind;

typedef struct {
    /* The filter */
    pk_rs_kind kind;
    int wide;               /* history, table and sums in double (else float) */
    ptrdiff_t taps;         /* a multiple of PK_RS_TAP_MULTIPLE; 4 for PK_RS_CUBIC */
    ptrdiff_t phases;       /* rows (PK_RS_TABLE) or intervals (PK_RS_POLY) */
    const void *table;      /* PK_RS_TABLE: (phases, PK_RS_PAD_LEFT + taps + PK_RS_PAD_RIGHT),
                             * zeros around each row's taps; PK_RS_POLY: (phases, 4, taps);
                             * in the compute type */
    void *row;              /* PK_RS_POLY: room for one row of taps coefficients */
    /* Time of the next output: history frame `pos` plus frac/den */
    uint64_t den;           /* at most 2^32 */
    uint64_t frac;          /* < den */
    int64_t step_int;
    uint64_t step_frac;     /* < den */
    ptrdiff_t pos;
    int64_t produced;       /* outputs so far in this stream */
    /* Planar history */
    void *history;          /* channels rows of capacity frames, compute type */
    ptrdiff_t channels;
    ptrdiff_t capacity;     /* at least taps + 1 */
    ptrdiff_t length;       /* frames held, the leading zeros included */
    ptrdiff_t end;          /* one past the last input frame (length, unless draining) */
} pk_resampler;

/* Start over: history of taps/2 - 1 zero frames, the next output at input time 0. */
void pk_rs_reset(pk_resampler *r);

/* Output frames that pk_rs_process will write for `frames` more input frames: every output at
 * a time t with t + step/2 <= the end of the input so far (so a whole stream gives
 * round(input frames / step) outputs), with zeros past the end if `last`, else only those that
 * are ready (their window and, for PK_RS_TABLE, PK_RS_TAP_MULTIPLE frames past it are in the
 * input; the first of a pair waits for the second). `frames` must stay below 2^28 per call. */
ptrdiff_t pk_rs_pending(const pk_resampler *r, ptrdiff_t frames, int last);

/* Take `frames` interleaved input frames and write pk_rs_pending(r, frames, last) interleaved
 * output frames to out. Returns that count. _f: float input and output; _d: double. */
ptrdiff_t pk_rs_process_f(pk_resampler *r, const float *x, ptrdiff_t frames, float *out,
                          int last);
ptrdiff_t pk_rs_process_d(pk_resampler *r, const double *x, ptrdiff_t frames, double *out,
                          int last);

#ifdef __cplusplus
}
#endif

#endif

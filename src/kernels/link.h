/* A link between two clocks. One side pushes frames at its clock, saying when they are due;
 * the other pulls them at its own clock through a resampler whose step a control loop
 * steers on how full the link's ring is. The loop's correction is the drift between the two
 * clocks; it holds the ring at `target` frames, so that neither side ever waits or runs dry.
 * Both sides are audio threads: neither allocates, locks or waits.
 */
#ifndef PKAUDIO_LINK_H
#define PKAUDIO_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "resample.h"
#include "stream.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pk_link_s {
    int32_t channels;
    int32_t started;           /* the puller waits for `target` frames before it starts */
    pk_ring frames;            /* float32 frames of `channels`: pusher -> puller */
    double rate;               /* the pusher's frames a second, nominal */
    double pull_rate;          /* the puller's */
    const double *now;         /* the clock both sides run by: NULL, the system's monotonic
                                * clock; else a virtual clock's seconds */
    /* Written by the pusher (release stores): */
    uint64_t offered;          /* frames pushed, ever */
    uint64_t overflows;        /* of them, frames the ring had no room for */
    int64_t origin_ns;         /* when frame 0 would have been due, had all come evenly */
    /* The puller's: */
    pk_resampler *resampler;   /* float, POLY: the loop sets its step (den fixed) */
    float *input;              /* room for `input_frames` frames from the ring */
    int64_t input_frames;
    float *ready;              /* resampled frames not yet pulled: room for ready_capacity, a
                                * pull's frames and what one read can make past them */
    int64_t ready_count;
    int64_t ready_capacity;
    double target;             /* frames to keep in the ring (at least least_target) */
    double least_target;       /* the target asked for */
    double filtered;           /* the ring's fill, smoothed */
    double integral;           /* the step's correction that the drift needs */
    double kp;                 /* the proportional gain last used */
    double offset;             /* the timestamps' fill less the ring's, when the loop started */
    double hold_until;         /* the loop steers from then on (0: not yet started) */
    double debt;               /* frames a glitch took from the ring (< 0: gave), to make up */
    double pace;               /* the step's correction, beside the drift, that makes it up */
    double correction;         /* the step's correction last set */
    double last_fill;          /* the timestamps' fill at the last steer */
    double last_time;
    uint64_t last_offered;     /* the pusher's count at the last pull, and when it last moved */
    double offered_time;
    /* Statistics, for Python (release stores): */
    uint64_t pulled;
    uint64_t underruns;        /* frames pulled as silence: the ring ran dry */
    uint64_t pulls;
    uint64_t total_ns;         /* time spent pulling, summed */
    uint64_t resample_ns;      /* of it, reading the ring and resampling */
    int64_t drift_ppb;         /* the estimate: how much faster the puller's clock runs */
    int64_t latency_frames;    /* the ring's smoothed fill */
    int64_t debt_frames;       /* what glitches took from it, still to make up */
} pk_link;

/* Push n frames whose last is due just before `due` seconds (on the link's clock; < 0: no
 * clock runs the pusher, so no timing). */
void pk_link_push(pk_link *l, const float *frames, size_t n, double due);

/* Pull `frames` frames into out, the first of them playing at `time` seconds; silence for
 * what is not there (counted). */
void pk_link_pull(pk_link *l, float *out, size_t frames, double time);

/* Empty the link for a new run, neither side running: what was left is dropped, the
 * puller waits for its latency again and calibrates afresh; the drift estimate stays. */
void pk_link_reset(pk_link *l);

#ifdef __cplusplus
}
#endif

#endif

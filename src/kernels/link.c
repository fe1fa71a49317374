/* The link between two clocks (declared and documented in link.h). */
#include <math.h>
#include <string.h>

#include "atomics.h"
#include "clock.h"
#include "link.h"

void pk_link_push(pk_link *l, const float *frames, size_t n, double due)
{
    const size_t written = pk_ring_write(&l->frames, frames, n);
    if (written < n)
        pk_count(&l->overflows, n - written);
    const uint64_t offered = l->offered + n;
    pk_store_release(&l->offered, offered);
    if (due >= 0) {
        const double origin = due - (double)offered / l->rate;
        pk_store_release((uint64_t *)&l->origin_ns, (uint64_t)(int64_t)(origin * 1e9));
    }
}

/* The drift loop: rad/s while it locks, for LOCK_SECONDS; then it slows to TRACK_OMEGA. */
#define LOCK_OMEGA 3.0
#define LOCK_SECONDS 1.5
#define TRACK_OMEGA 0.3
#define SLOWING_SECONDS 1.0
/* Seconds the loop only watches after it starts (the pusher's clock loop settles). */
#define SETTLE_SECONDS 1.0
/* Seconds without a frame from the master that count as a stall. */
#define STALL_SECONDS 0.02
/* Frames the fill may move from one pull to the next beyond what the step makes it (and than
 * the most drift the loop believes in can make it in the time): more is a glitch (frames
 * lost, or a clock that jumped), not drift. */
#define GLITCH_FRAMES 4.0
/* How fast the pace at which the loop makes up what a glitch cost may change, a second: the
 * pitch glides, unheard (a 1 kHz tone gliding at 30 ppm/s is 83 dB from a steady one over
 * 0.1 s), and the debt is paid by a rise and fall of the pace: 256 frames in 27 s. */
#define PACE_SLOPE 30e-6
/* The most drift the loop will believe in: 0.5% (crystals are within 0.01%). */
#define MOST_DRIFT 0.005

/* The ring's fill is smoothed before the loop sees it, over FILL_SMOOTHING / omega seconds
 * (a pole well above the loop's frequency, so it costs little phase). */
#define FILL_SMOOTHING 0.15

/* The resampler's step: input frames an output frame. */
static double step_of(const pk_resampler *r)
{
    return (double)r->step_int + (double)r->step_frac / (double)r->den;
}

/* Set the resampler's step to the nominal ratio, corrected by `correction`. */
static void set_step(pk_link *o, double correction)
{
    const double nominal = o->rate / o->pull_rate;
    const uint64_t den = o->resampler->den;
    const uint64_t total = (uint64_t)(nominal * (1.0 + correction) * (double)den + 0.5);
    o->resampler->step_int = (int64_t)(total / den);
    o->resampler->step_frac = total % den;
}

/* Steer the resampler's step from the ring's fill at `time` seconds. */
static void steer(pk_link *o, double time)
{
    /* While the master makes nothing (it stalled, or stopped), its timestamps say nothing
     * about its clock: hold the step until it is back. */
    const uint64_t offered = pk_load_acquire(&o->offered);
    if (offered != o->last_offered) {
        o->last_offered = offered;
        o->offered_time = time;
    } else if (time - o->offered_time > STALL_SECONDS) {
        return;
    }
    const int64_t origin = (int64_t)pk_load_acquire((const uint64_t *)&o->origin_ns);
    /* Frames the master has made by now (as if evenly), less the input time the resampler
     * has reached (what it has read, less what it holds past its next output), plus the
     * resampled frames waiting here, counted as the input frames they stand for. */
    const pk_resampler *r = o->resampler;
    const double step = step_of(r);
    const double reached = (double)o->frames.taken - (double)(r->length - r->pos) +
                           (double)r->frac / (double)r->den;
    const double fill = (time - (double)origin * 1e-9) * o->rate - reached +
                        (double)o->ready_count * step;
    if (o->hold_until == 0.0) { /* the first call: let the pusher's clock settle first */
        o->hold_until = time + SETTLE_SECONDS;
        o->least_target = o->target;
        o->last_time = time;
        o->last_fill = fill;
    }
    /* Since the last pull, the fill moved by what the correction beyond the drift made it,
     * or else a glitch moved it: that is a debt to make up, not an error to learn from. */
    const double dt = time - o->last_time;
    const double moved = fill - o->last_fill + o->rate * (o->correction - o->integral) * dt;
    o->last_time = time;
    o->last_fill = fill;
    if (time < o->hold_until) {
        /* The timestamps place the pusher's frames only up to a constant (its clock's
         * phase): take it from what the ring holds, as of `time` (a late puller finds what
         * has come since). And keep what it holds, if more than asked for, so that the loop
         * starts at no error, with nothing to correct but the drift. */
        const double late = pk_seconds(o->now) - time;
        const double held = (double)pk_ring_readable(&o->frames) +
                            (double)o->ready_count * step - (late > 0 ? late * o->rate : 0.0);
        o->offset = fill - held;
        o->target = held > o->least_target ? held : o->least_target;
        o->debt = o->target - held; /* what it lacks of the latency asked for, made up as a
                                     * glitch's loss is: no swing of the drift estimate */
        o->filtered = o->target;
        return;
    }
    const double glitch = GLITCH_FRAMES + MOST_DRIFT * o->rate * dt;
    if (moved > glitch || moved < -glitch)
        o->debt -= moved;
    if (dt <= 0.0 || dt > 0.5) /* the first call after a stall */
        return;
    /* The debt is made up at a pace that rises and falls at PACE_SLOPE (to zero as the last
     * of it is paid): the step goes that much off the drift, and the loop, told so, sees no
     * error in the fill coming back. */
    const double braking = sqrt(2.0 * PACE_SLOPE * fabs(o->debt) / o->rate);
    const double goal = o->debt > 0 ? braking : -braking;
    const double most_change = PACE_SLOPE * dt;
    o->pace += goal - o->pace > most_change    ? most_change
               : goal - o->pace < -most_change ? -most_change
                                               : goal - o->pace;
    o->debt -= o->pace * o->rate * dt;
    /* The loop locks fast, then slows down ten times over a few seconds, so that from then
     * on the step moves smoothly. */
    const double seconds = time - o->hold_until;
    const double omega = seconds < LOCK_SECONDS ? LOCK_OMEGA
                         : TRACK_OMEGA + (LOCK_OMEGA - TRACK_OMEGA) *
                                             exp(-(seconds - LOCK_SECONDS) / SLOWING_SECONDS);
    o->filtered += (fill - o->offset + o->debt - o->filtered) *
                   (1.0 - exp(-dt * omega / FILL_SMOOTHING));
    const double error = o->filtered - o->target;
    /* A second-order loop, damping 0.7: the ring's fill obeys fill' = -rate * (drift +
     * correction), with correction = kp * error + ki * integral of error. */
    const double ki = omega * omega / o->rate, kp = 2.0 * 0.7 * omega / o->rate;
    /* As the loop slows, what kp no longer gives passes to the integral: the correction
     * does not jump (bumpless). */
    if (o->kp > 0.0)
        o->integral += (o->kp - kp) * error;
    o->kp = kp;
    o->integral += ki * error * dt;
    o->integral = o->integral > MOST_DRIFT ? MOST_DRIFT
                  : o->integral < -MOST_DRIFT ? -MOST_DRIFT : o->integral;
    const double correction = kp * error + o->integral - o->pace;
    o->correction = correction > 0.02 ? 0.02 : correction < -0.02 ? -0.02 : correction;
    set_step(o, o->correction);
    /* The puller takes 1 / (1 + integral) times the frames it would at its nominal rate:
     * its clock runs that much faster (not -integral, which is off by its square: 16 ppm at
     * 4000 ppm). */
    pk_store_release((uint64_t *)&o->drift_ppb,
                     (uint64_t)(int64_t)((1.0 / (1.0 + o->integral) - 1.0) * 1e9));
    pk_store_release((uint64_t *)&o->latency_frames, (uint64_t)(int64_t)(o->filtered - o->debt));
    pk_store_release((uint64_t *)&o->debt_frames, (uint64_t)(int64_t)o->debt);
}

void pk_link_pull(pk_link *o, float *out, size_t frames, double time)
{
    const uint64_t start = pk_now_ns();
    const size_t channels = (size_t)o->channels;
    if (!o->started) /* wait until the ring holds the latency to keep */
        o->started = (double)pk_ring_readable(&o->frames) >= o->target;
    size_t done = 0;
    if (o->started) {
        steer(o, time);
        const double step = step_of(o->resampler);
        const uint64_t resampling = pk_now_ns();
        while (o->ready_count < (int64_t)frames) {
            /* Read what the frames still wanted stand for, and a little more: one call of
             * the resampler usually makes them all, with a frame or two to spare. */
            const double wanted = (double)((int64_t)frames - o->ready_count) * step + 2.0;
            const size_t reading = wanted < (double)o->input_frames ? (size_t)wanted
                                                                     : (size_t)o->input_frames;
            const int64_t n = (int64_t)pk_ring_read(&o->frames, o->input, reading);
            if (n == 0)
                break; /* dry: the rest is silent */
            o->ready_count += pk_rs_process_f(o->resampler, o->input, n,
                                              o->ready + o->ready_count * (int64_t)channels, 0);
        }
        pk_count(&o->resample_ns, pk_now_ns() - resampling);
        done = o->ready_count < (int64_t)frames ? (size_t)o->ready_count : frames;
        memcpy(out, o->ready, done * channels * sizeof(float));
        o->ready_count -= (int64_t)done;
        memmove(o->ready, o->ready + done * channels,
                (size_t)o->ready_count * channels * sizeof(float));
    }
    memset(out + done * channels, 0, (frames - done) * channels * sizeof(float));
    if (o->started && done < frames)
        pk_count(&o->underruns, frames - done);
    pk_count(&o->pulled, frames);
    pk_count(&o->total_ns, pk_now_ns() - start);
    pk_count(&o->pulls, 1);
}

void pk_link_reset(pk_link *l)
{
    l->frames.taken = l->frames.written;
    l->ready_count = 0;
    l->started = 0;
    l->last_time = 0.0;
    if (l->hold_until != 0.0)
        l->target = l->least_target;
    l->hold_until = 0.0;
    l->debt = 0.0;
    l->pace = 0.0;
    l->kp = 0.0; /* the loop locks fast again: no gain change to pass on */
}

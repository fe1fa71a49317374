/* The device callback (declared and documented in device.h). */
#include <math.h>
#include <string.h>
#ifdef _WIN32
#include <windows.h>
#else
#include <time.h>
#endif

#include "atomics.h"
#include "device.h"

static uint64_t now_ns(void)
{
#ifdef _WIN32
    LARGE_INTEGER count, frequency;
    QueryPerformanceCounter(&count);
    QueryPerformanceFrequency(&frequency);
    return (uint64_t)((double)count.QuadPart * 1e9 / (double)frequency.QuadPart);
#else
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
#endif
}

/* A counter only the callback writes: a plain read, then a release store for Python. */
static void count(uint64_t *counter, uint64_t n)
{
    pk_store_release(counter, *counter + n);
}

/* The filtered time of a callback whose block was measured (or is known) to start at
 * `measured` seconds, `frames` after the last one's. */
static double clock_update(pk_clock *k, double measured, int64_t frames, double rate)
{
    if (!k->started || frames <= 0) {
        k->time = measured;
        k->per_frame = 1.0 / rate;
        k->started = 1;
        return measured;
    }
    const double predicted = k->time + k->per_frame * (double)frames;
    const double error = measured - predicted;
    if (error > 0.05 || error < -0.05) { /* a stall, or the stream restarted: start over */
        k->time = measured;
        return measured;
    }
    const double omega = 2.0 * 3.141592653589793 * k->bandwidth * k->per_frame * (double)frames;
    k->time = predicted + 1.4142135623730951 * omega * error;
    k->per_frame += omega * omega * error / (double)frames;
    return k->time;
}

/* A callback's time in seconds: the block's own (a software device's time_info), or the
 * measured one filtered by the clock's loop. */
static double block_time(pk_clock *k, int ideal, const void *time_info, int64_t frames,
                         double rate)
{
    if (ideal && time_info)
        return ((const double *)time_info)[1]; /* PaStreamCallbackTimeInfo.currentTime */
    return clock_update(k, (double)now_ns() * 1e-9, frames, rate);
}

/* Write what the recording takes into its ring; what does not fit is counted, not waited for. */
static void record(pk_recording *r, const float *frames, size_t n, int64_t frame)
{
    if (r->first_frame < 0)
        pk_store_release((uint64_t *)&r->first_frame, (uint64_t)frame);
    const size_t written = pk_ring_write(&r->frames, frames, n);
    count(&r->recorded, written);
    if (written < n)
        count(&r->dropped, n - written);
}

/* Count a callback's flags and frames (the last thing a callback does). */
static void count_callback(pk_device *d, unsigned long frames, unsigned long status)
{
    if (status & (PK_PA_INPUT_UNDERFLOW | PK_PA_INPUT_OVERFLOW | PK_PA_OUTPUT_UNDERFLOW |
                  PK_PA_OUTPUT_OVERFLOW))
        count(&d->xruns, 1);
    count(&d->frames, frames);
    count(&d->callbacks, 1); /* last: a recording set aside before this is no longer used */
}

int pk_device_callback(const void *input, void *output, unsigned long frames,
                       const void *time_info, unsigned long status, void *user)
{
    pk_device *d = (pk_device *)user;
    const uint64_t start = now_ns();
    float *out = (float *)output;
    const int64_t frame = d->engine->now;
    pk_engine *e = d->engine;
    const double time = block_time(&d->clock, d->ideal_time, time_info,
                                   (int64_t)d->last_frames, d->samplerate);
    d->last_frames = frames;
    e->clock_ns = (int64_t)(time * 1e9);
    e->clock_frame = frame;
    e->input = (const float *)input;
    e->input_frame = frame;
    e->input_frames = (int64_t)frames;
    e->input_channels = d->input_channels;
    pk_engine_render(e, out, frames);
    e->input = NULL;
    pk_recording *r = (pk_recording *)(uintptr_t)pk_load_acquire(&d->recording);
    if (r && r->source == PK_RECORD_INPUT && input)
        record(r, (const float *)input, frames, frame);
    else if (r && r->source == PK_RECORD_OUTPUT)
        record(r, out, frames, frame);
    const uint64_t took = now_ns() - start;
    if ((double)took > (double)frames * 1e9 / d->samplerate)
        count(&d->late, 1);
    if (took > d->max_ns)
        pk_store_release(&d->max_ns, took);
    count(&d->total_ns, took);
    count(&d->time_ns[took / 1000 < PK_TIME_BUCKETS ? took / 1000 : PK_TIME_BUCKETS - 1], 1);
    count_callback(d, frames, status);
    return 0;
}

int pk_silence_callback(const void *input, void *output, unsigned long frames,
                        const void *time_info, unsigned long status, void *user)
{
    (void)input;
    (void)time_info;
    pk_device *d = (pk_device *)user;
    memset(output, 0, frames * (size_t)d->output_channels * sizeof(float));
    count_callback(d, frames, status);
    return 0;
}

uint64_t pk_device_counter(const uint64_t *counter)
{
    return pk_load_acquire(counter);
}

void pk_device_record(pk_device *device, pk_recording *recording)
{
    pk_store_release(&device->recording, (uint64_t)(uintptr_t)recording);
}

/* ---- A second device's output ---- */

static int tap_prepare(pk_node *node, double samplerate, int32_t channels)
{
    (void)node;
    (void)samplerate;
    (void)channels;
    return 0;
}

static void tap_reset(pk_node *node)
{
    (void)node;
}

/* Write the bus's frames, mapped to the device's channels, into the ring, and note when the
 * last of them is due at the master's clock. */
static void tap_process(pk_node *node, float *block, size_t frames, int64_t now, pk_engine *e)
{
    pk_output *o = (pk_output *)node;
    const size_t channels = (size_t)o->channels, bus_channels = (size_t)e->channels;
    for (size_t f = 0; f < frames; f++)
        for (size_t c = 0; c < channels; c++)
            o->tap_scratch[f * channels + c] = block[f * bus_channels + (size_t)o->map[c]];
    const size_t written = pk_ring_write(&o->frames, o->tap_scratch, frames);
    if (written < frames)
        count(&o->overflows, frames - written);
    const uint64_t offered = o->offered + frames;
    pk_store_release(&o->offered, offered);
    if (e->clock_ns == 0)
        return; /* rendered offline: no clock */
    const double due = (double)e->clock_ns * 1e-9 +
                       (double)(now + (int64_t)frames - e->clock_frame) / e->samplerate;
    const double origin = due - (double)offered / o->rate;
    pk_store_release((uint64_t *)&o->origin_ns, (uint64_t)(int64_t)(origin * 1e9));
}

const pk_node_class pk_tap_class = {"tap", tap_prepare, tap_process, tap_reset};

/* The drift loop: rad/s while it locks, for LOCK_SECONDS; then it slows to TRACK_OMEGA. */
#define LOCK_OMEGA 3.0
#define LOCK_SECONDS 3.0
#define TRACK_OMEGA 0.3
#define SLOWING_SECONDS 3.0
/* Seconds without a frame from the master that count as a stall. */
#define STALL_SECONDS 0.02
/* Frames off the target that count as a glitch rather than drift. */
#define GLITCH_FRAMES 512.0
/* The most drift the loop will believe in: 0.5% (crystals are within 0.01%). */
#define MOST_DRIFT 0.005

/* The ring's fill is smoothed before the loop sees it, over FILL_SMOOTHING / omega seconds
 * (a pole well above the loop's frequency, so it costs little phase). */
#define FILL_SMOOTHING 0.15

/* Steer the resampler's step from the ring's fill at `time` seconds (dt since the last). */
static void steer(pk_output *o, double time)
{
    /* While the master makes nothing (it stalled, or stopped), its timestamps say nothing
     * about its clock: hold the step, and start the measurement over when it is back. */
    const uint64_t offered = pk_load_acquire(&o->offered);
    if (offered != o->last_offered) {
        o->last_offered = offered;
        o->offered_time = time;
    } else if (time - o->offered_time > STALL_SECONDS) {
        o->last_time = 0.0;
        return;
    }
    const int64_t origin = (int64_t)pk_load_acquire((const uint64_t *)&o->origin_ns);
    /* Frames the master has made by now (as if evenly), less the input time the resampler
     * has reached (what it has read, less what it holds past its next output), plus the
     * resampled frames waiting here, counted as the input frames they stand for. */
    const pk_resampler *r = o->resampler;
    const double step = (double)r->step_int + (double)r->step_frac / (double)r->den;
    const double reached = (double)o->frames.taken - (double)(r->length - r->pos) +
                           (double)r->frac / (double)r->den;
    const double fill = (time - (double)origin * 1e-9) * o->rate - reached +
                        (double)o->ready_count * step;
    const double dt = o->last_time > 0 ? time - o->last_time : 0.0;
    o->last_time = time;
    if (dt <= 0.0 || dt > 0.5) { /* the first call, or after a stall */
        o->filtered = fill;
        return;
    }
    /* The loop locks fast, then slows down ten times over a few seconds, so that from then
     * on the step moves smoothly. */
    const double seconds = (double)o->played / o->device_rate;
    const double omega = seconds < LOCK_SECONDS ? LOCK_OMEGA
                         : TRACK_OMEGA + (LOCK_OMEGA - TRACK_OMEGA) *
                                             exp(-(seconds - LOCK_SECONDS) / SLOWING_SECONDS);
    o->filtered += (fill - o->filtered) * (1.0 - exp(-dt * omega / FILL_SMOOTHING));
    const double error = o->filtered - o->target;
    /* A second-order loop, damping 0.7: the ring's fill obeys fill' = -rate * (drift +
     * correction), with correction = kp * error + ki * integral of error. */
    const double ki = omega * omega / o->rate, kp = 2.0 * 0.7 * omega / o->rate;
    /* An error far beyond what drift makes in a moment is a glitch (a stall, a burst): the
     * proportional term meets it, the drift estimate keeps out of it. */
    if (error < GLITCH_FRAMES && error > -GLITCH_FRAMES)
        o->integral += ki * error * dt;
    o->integral = o->integral > MOST_DRIFT ? MOST_DRIFT
                  : o->integral < -MOST_DRIFT ? -MOST_DRIFT : o->integral;
    double correction = kp * error + o->integral;
    correction = correction > 0.02 ? 0.02 : correction < -0.02 ? -0.02 : correction;
    const double nominal = o->rate / o->device_rate;
    const uint64_t den = o->resampler->den;
    const uint64_t total = (uint64_t)(nominal * (1.0 + correction) * (double)den + 0.5);
    o->resampler->step_int = (int64_t)(total / den);
    o->resampler->step_frac = total % den;
    pk_store_release((uint64_t *)&o->drift_ppb, (uint64_t)(int64_t)(-o->integral * 1e9));
    pk_store_release((uint64_t *)&o->latency_frames, (uint64_t)(int64_t)o->filtered);
}

int pk_output_callback(const void *input, void *output, unsigned long frames,
                       const void *time_info, unsigned long status, void *user)
{
    (void)input;
    (void)status;
    pk_output *o = (pk_output *)user;
    const uint64_t start = now_ns();
    const size_t channels = (size_t)o->channels;
    float *out = (float *)output;
    const double time = block_time(&o->clock, o->ideal_time, time_info, (int64_t)frames,
                                   o->device_rate);
    if (!o->started) /* wait until the ring holds the latency to keep */
        o->started = (double)pk_ring_readable(&o->frames) >= o->target;
    size_t done = 0;
    if (o->started) {
        steer(o, time);
        while (o->ready_count < (int64_t)frames) {
            const int64_t n = (int64_t)pk_ring_read(&o->frames, o->input,
                                                     (size_t)o->input_frames);
            if (n == 0)
                break; /* dry: the rest plays silent */
            o->ready_count += pk_rs_process_f(o->resampler, o->input, n,
                                              o->ready + o->ready_count * (int64_t)channels, 0);
        }
        done = o->ready_count < (int64_t)frames ? (size_t)o->ready_count : frames;
        memcpy(out, o->ready, done * channels * sizeof(float));
        o->ready_count -= (int64_t)done;
        memmove(o->ready, o->ready + done * channels,
                (size_t)o->ready_count * channels * sizeof(float));
    }
    memset(out + done * channels, 0, (frames - done) * channels * sizeof(float));
    if (o->started && done < frames)
        count(&o->underruns, frames - done);
    count(&o->played, frames);
    count(&o->total_ns, now_ns() - start);
    count(&o->callbacks, 1);
    return 0;
}

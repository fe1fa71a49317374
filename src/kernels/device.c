/* The device callback (declared and documented in device.h). */
#include <math.h>
#include <string.h>

#include "atomics.h"
#include "clock.h"
#include "device.h"


/* A clock's loop runs wide at first, at CLOCK_WIDE_BANDWIDTH Hz for CLOCK_WIDE_SECONDS, so
 * that the first callbacks' lateness is soon forgotten; then it narrows as 1 / time (as a
 * fit to all its callbacks so far would), down to its own bandwidth: its estimate of the
 * device's rate grows steadily better, and does not wander when it narrows. */
#define CLOCK_WIDE_BANDWIDTH 2.0
#define CLOCK_WIDE_SECONDS 0.25
/* Callbacks too far off to count: more than JITTER_TIMES their usual error, and than
 * LEAST_OUTLIER seconds. */
#define JITTER_TIMES 4.0
#define LEAST_OUTLIER 100e-6

/* The median of n values (n small), sorting them in place. */
static double median(double *values, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && values[j - 1] > values[j]; j--) {
            const double swap = values[j];
            values[j] = values[j - 1];
            values[j - 1] = swap;
        }
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

double pk_clock_update(pk_clock *k, double measured, int64_t frames, double rate)
{
    const int64_t span = k->last_frames; /* frames since the last callback's block began */
    k->last_frames = frames;
    if (!k->started || span <= 0) {
        k->time = k->first = measured;
        k->per_frame = 1.0 / rate;
        k->started = 1;
        k->outliers = 0;
        k->jitter = 0.0;
        return measured;
    }
    const double predicted = k->time + k->per_frame * (double)span;
    const double error = measured - predicted;
    const double most = JITTER_TIMES * k->jitter > LEAST_OUTLIER ? JITTER_TIMES * k->jitter
                                                                 : LEAST_OUTLIER;
    /* (Outliers count towards the usual error too, as at most twice the limit: so that it
     * grows to what a device's callbacks really do.) */
    k->jitter += ((fabs(error) < 2.0 * most ? fabs(error) : 2.0 * most) - k->jitter) * 0.02;
    if (error > most || error < -most) {
        /* A callback late for a moment (the system was busy), and those that catch up after
         * it, would bend the clock for many seconds: they count for nothing. But when
         * callback after callback is off by the same, the device's time jumped (it lost
         * frames): so does the clock, by their median. */
        if (k->outliers > 0 && fabs(error - k->outlier_errors[0]) > most)
            k->outliers = 0; /* not the same: catching up after a late one */
        k->outlier_errors[k->outliers++] = error;
        if (k->outliers < CLOCK_JUMP_CALLBACKS) {
            k->time = predicted;
            return k->time;
        }
        k->time = predicted + median(k->outlier_errors, CLOCK_JUMP_CALLBACKS);
        k->outliers = 0;
        pk_count(&k->jumps, 1);
        return k->time;
    }
    k->outliers = 0;
    const double elapsed = measured - k->first;
    const double narrowing = elapsed < CLOCK_WIDE_SECONDS
                                 ? CLOCK_WIDE_BANDWIDTH
                                 : CLOCK_WIDE_BANDWIDTH * CLOCK_WIDE_SECONDS / elapsed;
    const double bandwidth = narrowing > k->bandwidth ? narrowing : k->bandwidth;
    const double omega = 2.0 * 3.141592653589793 * bandwidth * k->per_frame * (double)span;
    k->time = predicted + 1.4142135623730951 * omega * error;
    k->per_frame += omega * omega * error / (double)span;
    return k->time;
}

/* A callback's time in seconds: the block's own (a software device's time_info), or the
 * measured one filtered by the clock's loop. */
static double block_time(pk_clock *k, int ideal, const void *time_info, int64_t frames,
                         double rate)
{
    if (ideal && time_info)
        return ((const double *)time_info)[1]; /* PaStreamCallbackTimeInfo.currentTime */
    return pk_clock_update(k, pk_seconds(k->now), frames, rate);
}

/* Write what the recording takes into its ring; what does not fit is counted, not waited for. */
static void record(pk_recording *r, const float *frames, size_t n, int64_t frame)
{
    if (r->first_frame < 0)
        pk_store_release((uint64_t *)&r->first_frame, (uint64_t)frame);
    const size_t written = pk_ring_write(&r->frames, frames, n);
    pk_count(&r->recorded, written);
    if (written < n)
        pk_count(&r->dropped, n - written);
}

/* Count a callback's flags and frames (the last thing a callback does). */
static void count_callback(pk_device *d, unsigned long frames, unsigned long status)
{
    if (status & (PK_PA_INPUT_UNDERFLOW | PK_PA_INPUT_OVERFLOW | PK_PA_OUTPUT_UNDERFLOW |
                  PK_PA_OUTPUT_OVERFLOW))
        pk_count(&d->xruns, 1);
    pk_count(&d->frames, frames);
    pk_count(&d->callbacks, 1); /* last: a recording set aside before this is no longer used */
}

int pk_device_callback(const void *input, void *output, unsigned long frames,
                       const void *time_info, unsigned long status, void *user)
{
    pk_device *d = (pk_device *)user;
    const uint64_t start = pk_now_ns();
    float *out = (float *)output;
    const int64_t frame = d->engine->now;
    pk_engine *e = d->engine;
    const double time = block_time(&d->clock, d->ideal_time, time_info, (int64_t)frames,
                                   d->samplerate);
    const int64_t time_ns = (int64_t)(time * 1e9);
    e->clock_ns = time_ns != 0 ? time_ns : 1; /* (0 says that no device runs the engine) */
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
    const uint64_t took = pk_now_ns() - start;
    if ((double)took > (double)frames * 1e9 / d->samplerate)
        pk_count(&d->late, 1);
    if (took > d->max_ns)
        pk_store_release(&d->max_ns, took);
    pk_count(&d->total_ns, took);
    pk_count(&d->time_ns[took / 1000 < PK_TIME_BUCKETS ? took / 1000 : PK_TIME_BUCKETS - 1], 1);
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
static void tap_process(pk_node *node, float *block, size_t frames, int64_t now,
                        pk_node_context *context)
{
    const pk_engine *e = context->host;
    pk_output *o = (pk_output *)node;
    const size_t channels = (size_t)o->link.channels, bus_channels = (size_t)e->channels;
    for (size_t f = 0; f < frames; f++)
        for (size_t c = 0; c < channels; c++)
            o->tap_scratch[f * channels + c] = block[f * bus_channels + (size_t)o->map[c]];
    const double due = e->clock_ns == 0 ? -1.0 /* rendered offline: no clock */
                       : (double)e->clock_ns * 1e-9 +
                             (double)(now + (int64_t)frames - e->clock_frame) / e->samplerate;
    pk_link_push(&o->link, o->tap_scratch, frames, due);
}

const pk_node_class pk_tap_class = {PK_NODE_ABI, "tap",       sizeof(pk_output), 0, NULL,
                                    tap_prepare, tap_process, tap_reset,         NULL};

int pk_output_callback(const void *input, void *output, unsigned long frames,
                       const void *time_info, unsigned long status, void *user)
{
    (void)input;
    (void)status;
    pk_output *o = (pk_output *)user;
    const double time = block_time(&o->clock, o->ideal_time, time_info, (int64_t)frames,
                                   o->link.pull_rate);
    pk_link_pull(&o->link, (float *)output, frames, time);
    return 0;
}

int pk_input_callback(const void *input, void *output, unsigned long frames,
                      const void *time_info, unsigned long status, void *user)
{
    (void)output;
    (void)status;
    pk_input *in = (pk_input *)user;
    const double time = block_time(&in->clock, in->ideal_time, time_info, (int64_t)frames,
                                   in->link.rate);
    if (input)
        pk_link_push(&in->link, (const float *)input, frames,
                     time + (double)frames / in->link.rate);
    return 0;
}

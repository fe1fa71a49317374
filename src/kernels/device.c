/* The device callback (declared and documented in device.h). */
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
    (void)time_info;
    pk_device *d = (pk_device *)user;
    const uint64_t start = now_ns();
    float *out = (float *)output;
    const int64_t frame = d->engine->now;
    pk_engine *e = d->engine;
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

/* The audio device's side of the engine: a PortAudio stream callback that renders the engine,
 * records, and keeps statistics, on the device's thread without the GIL.
 *
 * pk_device_callback has PortAudio's PaStreamCallback signature (declared here without
 * PortAudio's header: pkaudio reaches PortAudio through sounddevice). It never allocates,
 * locks, waits or does I/O. Python sets a pk_device up, hands its address and the callback's
 * to PortAudio, and reads the statistics while the stream runs: the callback stores each
 * counter with a release store, Python reads them with acquire loads.
 */
#ifndef PKAUDIO_DEVICE_H
#define PKAUDIO_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "link.h"
#include "stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* PortAudio's callback status flags (PaStreamCallbackFlags). */
enum {
    PK_PA_INPUT_UNDERFLOW = 1,
    PK_PA_INPUT_OVERFLOW = 2,
    PK_PA_OUTPUT_UNDERFLOW = 4,
    PK_PA_OUTPUT_OVERFLOW = 8
};

/* Render times are counted in a histogram of 1 us buckets; the last holds longer ones. */
#define PK_TIME_BUCKETS 8192

/* What a recorder takes: the device's input or the engine's output. */
typedef enum { PK_RECORD_INPUT = 1, PK_RECORD_OUTPUT = 2 } pk_record_source;

typedef struct {
    pk_ring frames;            /* float32 frames of `channels` samples: callback -> recorder */
    int32_t channels;
    int32_t source;            /* pk_record_source */
    uint64_t dropped;          /* frames that found the ring full, lost */
    uint64_t recorded;         /* frames written into the ring */
    int64_t first_frame;       /* the engine frame of its first frame; -1 before it has one */
} pk_recording;

/* Callbacks in a row, all off by the same too much, that tell a clock its device's time
 * jumped. */
#define CLOCK_JUMP_CALLBACKS 8

/* A callback's time, filtered by a delay-locked loop (Adriaensen, "Using a DLL to filter
 * time"): the scheduling jitter of callbacks goes, the device's clock stays. */
typedef struct {
    double time;               /* seconds: the filtered time of the last callback */
    double per_frame;          /* seconds a frame, as measured */
    double bandwidth;          /* Hz, once settled */
    double first;              /* seconds: when it started */
    int64_t started;
    int64_t last_frames;       /* the last callback's block */
    double jitter;             /* seconds: callbacks' usual error (a moving mean) */
    int64_t outliers;          /* callbacks in a row too far off to count, all off by the same */
    double outlier_errors[CLOCK_JUMP_CALLBACKS]; /* seconds: their errors */
    uint64_t jumps;            /* times the device's time jumped (it lost frames) */
    const double *now;         /* the clock callbacks are measured on: NULL, the system's
                                * monotonic clock; else a virtual clock's seconds */
} pk_clock;

/* The filtered time (seconds) of a callback for a block of `frames`, measured at `measured`
 * seconds, of a device running at `rate` frames a second nominally. */
double pk_clock_update(pk_clock *k, double measured, int64_t frames, double rate);

typedef struct {
    pk_engine *engine;
    int32_t output_channels;   /* the engine's channels */
    int32_t input_channels;
    double samplerate;
    int32_t ideal_time;        /* time_info's second double (currentTime) is the block's exact
                                * time (a software device's); else the callback measures it */
    int32_t reserved;
    pk_clock clock;
    uint64_t recording;        /* the address of a pk_recording, or 0: set by Python */
    /* Statistics: written by the callback only. */
    uint64_t callbacks;
    uint64_t frames;
    uint64_t xruns;            /* callbacks PortAudio flagged with an underflow or overflow */
    uint64_t late;             /* callbacks whose render took longer than their frames last */
    uint64_t max_ns;
    uint64_t total_ns;         /* render time, summed */
    uint64_t time_ns[PK_TIME_BUCKETS];
} pk_device;

/* A second device's output, on its own clock: a tap node at the end of a bus's chain pushes
 * the bus's frames (its channels chosen by `map`) into a link during the master's render;
 * the device's callback, pk_output_callback, pulls them at the device's clock. */
typedef struct {
    pk_node node;              /* the tap */
    int32_t ideal_time;        /* as in pk_device */
    int32_t map[PK_MAX_CHANNELS]; /* device channel c takes bus channel map[c] */
    float *tap_scratch;        /* PK_BLOCK frames of the link's channels */
    pk_clock clock;
    pk_link link;              /* rate: the engine's; pull_rate: the device's */
} pk_output;

/* A second device's input: its callback, pk_input_callback, pushes what it records into a
 * link at its clock; the engine's voices of it pull at the engine's. */
typedef struct {
    int32_t ideal_time;
    int32_t reserved;
    pk_clock clock;
    pk_link link;              /* rate: the device's; pull_rate: the engine's */
} pk_input;

extern const pk_node_class pk_tap_class;

/* PortAudio's PaStreamCallbacks of a second device: pull `frames` frames into `output` from
 * the tap's link, or push `frames` frames of `input` into the input's link. Both return 0. */
int pk_output_callback(const void *input, void *output, unsigned long frames,
                       const void *time_info, unsigned long status, void *output_state);
int pk_input_callback(const void *input, void *output, unsigned long frames,
                      const void *time_info, unsigned long status, void *input_state);

/* PortAudio's PaStreamCallback: render `frames` frames of the engine into `output` (float32
 * interleaved, output_channels each), record, count. Always returns 0 (paContinue). */
int pk_device_callback(const void *input, void *output, unsigned long frames,
                       const void *time_info, unsigned long status, void *device);

/* The machine's control for benchmarks: silence, and the counts (callbacks, frames,
 * xruns) of pk_device_callback, with no engine (`engine` is not used). */
int pk_silence_callback(const void *input, void *output, unsigned long frames,
                        const void *time_info, unsigned long status, void *device);

/* Python's side: set the recording (a release store; Python reads the callback's counters
 * with pk_counter). A recording set aside is out of the callback's hands once `callbacks` has
 * gone past the count read after setting it aside. */
void pk_device_record(pk_device *device, pk_recording *recording);

#ifdef __cplusplus
}
#endif

#endif

/* pkaudio's render core: voices mixed into blocks, steered by commands, reporting events.
 *
 * Python allocates everything (voices, rings) and hands voices to the core through the command
 * ring; the core links them into its list, renders them, and when a voice is done posts an
 * event and returns the voice through the return ring for Python to free. pk_engine_render
 * never allocates, locks or waits: a device callback or Engine.render can call it, without the
 * GIL. A voice's place in its sound follows from the engine's time (frame - start), so the
 * output does not depend on how the time is cut into blocks.
 */
#ifndef PKAUDIO_ENGINE_H
#define PKAUDIO_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "stream.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PK_MAX_CHANNELS 64

/* Positions in a sound are 32.32 fixed point: frame << 32 | fraction. */
#define PK_ONE_FRAME ((uint64_t)1 << 32)

typedef struct pk_voice {
    pk_stream *stream;         /* a disk stream to play (at rate 1), or NULL for `data` */
    float *scratch;            /* for a stream: room for scratch_frames frames */
    int64_t scratch_frames;
    const float *data;         /* the sound: frames * channels interleaved float32 */
    int64_t frames;
    int32_t channels;
    int32_t playing;           /* the core has posted its start */
    int64_t id;
    int64_t start;             /* engine frame of the sound's first frame */
    int64_t stop;              /* engine frame it stops at (INT64_MAX: plays to its end) */
    uint64_t step;             /* sound frames per engine frame (32.32); PK_ONE_FRAME: as is */
    int64_t loop_start;        /* loop_end > loop_start: the region that repeats */
    int64_t loop_end;
    uint64_t position;         /* 32.32: where the next frame reads (varispeed or looping) */
    int32_t looped;            /* it has gone round its loop: reads before loop_start wrap */
    int32_t reserved;
    float gains[PK_MAX_CHANNELS]; /* per output channel, from gain and pan */
    struct pk_voice *next;     /* the core's list */
} pk_voice;

typedef enum { PK_CMD_PLAY = 1, PK_CMD_STOP = 2 } pk_command_kind;

typedef struct {
    int32_t kind;
    int32_t reserved;
    int64_t frame;             /* PK_CMD_STOP: when */
    pk_voice *voice;
} pk_command;

typedef enum { PK_EVENT_VOICE_START = 16, PK_EVENT_VOICE_END = 17 } pk_engine_event_kind;

typedef struct {
    int32_t channels;
    int64_t now;               /* frames rendered so far */
    pk_ring commands;          /* pk_command: Python -> core */
    pk_ring events;            /* pk_event (stream.h): core -> Python; value: the voice's id */
    pk_ring returns;           /* pk_voice *: core -> Python, to free */
    pk_voice *voices;          /* the core's list */
    uint64_t lost_events;
} pk_engine;

/* Render `frames` frames (interleaved, `channels` each) into out, starting at e->now. */
void pk_engine_render(pk_engine *e, float *out, size_t frames);

#ifdef __cplusplus
}
#endif

#endif

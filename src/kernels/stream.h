/* Lock-free single-producer/single-consumer rings, and the consumer side of a disk stream.
 *
 * A ring holds `capacity` items (a power of two) of `item_size` bytes. One thread writes, one
 * reads; each publishes its count with a release store and reads the other's with an acquire
 * load, so neither ever waits or locks. Counts run on forever (64 bits: centuries of audio).
 *
 * A disk stream is a ring of interleaved float32 frames that a reader thread keeps filled and
 * the render core drains with pk_stream_read, which never blocks: missing frames come out as
 * silence, are counted, and reported as events on a second ring (read by Python).
 */
#ifndef PKAUDIO_STREAM_H
#define PKAUDIO_STREAM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    char *data;          /* capacity * item_size bytes */
    uint64_t capacity;   /* a power of two */
    size_t item_size;
    /* Each count on its own cache line: the two threads write one each. */
    char pad0[64];
    uint64_t written;    /* items written, ever: stored by the producer */
    char pad1[64];
    uint64_t taken;      /* items read, ever: stored by the consumer */
    char pad2[64];
} pk_ring;

/* Producer: copy up to n items in; returns how many fitted. */
size_t pk_ring_write(pk_ring *r, const void *items, size_t n);
/* Consumer: copy up to n items out; returns how many there were. */
size_t pk_ring_read(pk_ring *r, void *items, size_t n);
/* Consumer: copy the next item out without taking it (0 if there is none); then
 * pk_ring_skip takes it, once the consumer is done with what it names. */
size_t pk_ring_peek(pk_ring *r, void *item);
void pk_ring_skip(pk_ring *r, size_t n);
/* Items the consumer could read now / the producer could write now. */
uint64_t pk_ring_readable(const pk_ring *r);
/* Items the consumer has taken, ever (from any thread). */
uint64_t pk_ring_taken(const pk_ring *r);
uint64_t pk_ring_writable(const pk_ring *r);

/* A count that one thread adds to (with release stores), read from another. */
uint64_t pk_counter(const uint64_t *count);

typedef enum { PK_EVENT_UNDERRUN = 1, PK_EVENT_END = 2, PK_EVENT_ERROR = 3 } pk_event_kind;

typedef struct {
    int32_t kind;        /* pk_event_kind */
    int32_t reserved;
    int64_t frame;       /* the consumer's frame (frames it has output) where it happened */
    int64_t value;       /* UNDERRUN: frames missing in that block */
} pk_event;

#define PK_STREAM_NO_END UINT64_MAX
/* After a seek, the frames that would have played next (held at the last one there is) fade
 * out over this many frames while the new position fades in: a seek does not click. */
#define PK_STREAM_FADE 64

typedef struct {
    pk_ring frames;      /* float32 frames of `channels` samples: reader -> consumer */
    pk_ring events;      /* pk_event: consumer -> Python */
    size_t channels;
    /* Set by the producer (release stores), read by the consumer: */
    uint64_t discard_until; /* frames written before this count are stale (a seek) */
    uint64_t end_at;        /* frames written when the stream ended, or PK_STREAM_NO_END */
    uint64_t end_kind;      /* PK_EVENT_END or PK_EVENT_ERROR, stored before end_at */
    /* The consumer's own (Python reads the counters as statistics): */
    float *fade;            /* room for PK_STREAM_FADE + 1 frames, allocated by the owner:
                             * the old frames to fade out, then the last frame played */
    uint32_t fade_played;   /* of the fade's frames, how many have been mixed out */
    uint64_t seek_seen;     /* the discard_until of the last seek switched to */
    int32_t underrunning;
    int32_t ended;
    uint64_t played;          /* frames output */
    uint64_t underrun_frames; /* silent frames output for data that had not arrived */
    uint64_t underruns;       /* runs of such blocks */
    uint64_t lost_events;     /* events that found the event ring full */
} pk_stream;

/* Consumer: fill out with the next `frames` frames (silence for what has not arrived or
 * after the end) and return how many came from the stream. Never blocks. */
size_t pk_stream_read(pk_stream *s, float *out, size_t frames);

/* Producer: a seek. The n frames given (all must fit) and those written after them replace
 * any not yet played; the consumer switches to them once they are there, with a crossfade. */
void pk_stream_restart(pk_stream *s, const float *frames, size_t n);
/* Producer: no frames follow those written so far; the consumer reports `kind` at the end. */
void pk_stream_end(pk_stream *s, pk_event_kind kind);

#ifdef __cplusplus
}
#endif

#endif

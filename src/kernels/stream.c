/* Rings and the disk stream's consumer (declared and documented in stream.h). */
#include <string.h>

#include "atomics.h"
#include "stream.h"

/* Copy n items between the ring's storage, from item `start` on, and buf, wrapping around. */
static void ring_copy(pk_ring *r, uint64_t start, void *buf, size_t n, int into_ring)
{
    const uint64_t at = start & (r->capacity - 1);
    const size_t first = (size_t)(r->capacity - at) < n ? (size_t)(r->capacity - at) : n;
    char *slot = r->data + at * r->item_size, *b = (char *)buf;
    if (into_ring) {
        memcpy(slot, b, first * r->item_size);
        memcpy(r->data, b + first * r->item_size, (n - first) * r->item_size);
    } else {
        memcpy(b, slot, first * r->item_size);
        memcpy(b + first * r->item_size, r->data, (n - first) * r->item_size);
    }
}

uint64_t pk_ring_readable(const pk_ring *r)
{
    return pk_load_acquire(&r->written) - pk_load_acquire(&r->taken);
}

uint64_t pk_ring_writable(const pk_ring *r)
{
    return r->capacity - pk_ring_readable(r);
}

size_t pk_ring_write(pk_ring *r, const void *items, size_t n)
{
    const uint64_t written = r->written; /* only this thread stores it */
    const uint64_t space = r->capacity - (written - pk_load_acquire(&r->taken));
    if (n > space)
        n = (size_t)space;
    ring_copy(r, written, (void *)items, n, 1);
    pk_store_release(&r->written, written + n);
    return n;
}

size_t pk_ring_read(pk_ring *r, void *items, size_t n)
{
    const uint64_t taken = r->taken; /* only this thread stores it */
    const uint64_t ready = pk_load_acquire(&r->written) - taken;
    if (n > ready)
        n = (size_t)ready;
    ring_copy(r, taken, items, n, 0);
    pk_store_release(&r->taken, taken + n);
    return n;
}

static void post(pk_stream *s, pk_event_kind kind, uint64_t frame, uint64_t value)
{
    const pk_event e = {(int32_t)kind, 0, (int64_t)frame, (int64_t)value};
    if (pk_ring_write(&s->events, &e, 1) == 0)
        s->lost_events++;
}

size_t pk_stream_read(pk_stream *s, float *out, size_t frames)
{
    /* A seek: skip what was written before it. */
    const uint64_t stale = pk_load_acquire(&s->discard_until);
    if (s->frames.taken < stale)
        pk_store_release(&s->frames.taken, stale);
    const size_t got = pk_ring_read(&s->frames, out, frames);
    const size_t missing = frames - got;
    if (got > 0)
        s->ended = 0; /* playing again, after a seek */
    if (missing > 0) {
        memset(out + got * s->channels, 0, missing * s->channels * sizeof(float));
        const uint64_t end_at = pk_load_acquire(&s->end_at);
        if (end_at != PK_STREAM_NO_END && s->frames.taken >= end_at) {
            if (!s->ended) /* end_kind was stored before end_at */
                post(s, (pk_event_kind)pk_load_acquire(&s->end_kind), s->played + got, 0);
            s->ended = 1;
            s->underrunning = 0;
        } else {
            if (!s->underrunning) {
                s->underruns++;
                post(s, PK_EVENT_UNDERRUN, s->played + got, missing);
            }
            s->underrunning = 1;
            s->underrun_frames += missing;
        }
    } else {
        s->underrunning = 0;
    }
    s->played += frames;
    return got;
}

void pk_stream_restart(pk_stream *s)
{
    pk_store_release(&s->end_at, PK_STREAM_NO_END);
    pk_store_release(&s->discard_until, s->frames.written);
}

void pk_stream_end(pk_stream *s, pk_event_kind kind)
{
    pk_store_release(&s->end_kind, (uint64_t)kind);
    pk_store_release(&s->end_at, s->frames.written);
}

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
    /* `taken` first: it never passes `written`, so a later `written` is at least as large
     * (the other order can wrap, read from a third thread while both counts move). */
    const uint64_t taken = pk_load_acquire(&r->taken);
    return pk_load_acquire(&r->written) - taken;
}

uint64_t pk_ring_taken(const pk_ring *r)
{
    return pk_load_acquire(&r->taken);
}

uint64_t pk_ring_writable(const pk_ring *r)
{
    return r->capacity - pk_ring_readable(r);
}

uint64_t pk_counter(const uint64_t *count)
{
    return pk_load_acquire(count);
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

/* Consumer: read up to n of the items written before the count `written` (loaded earlier). */
static size_t ring_take(pk_ring *r, void *items, size_t n, uint64_t written)
{
    const uint64_t taken = r->taken; /* only this thread stores it */
    if (n > written - taken)
        n = (size_t)(written - taken);
    ring_copy(r, taken, items, n, 0);
    pk_store_release(&r->taken, taken + n);
    return n;
}

size_t pk_ring_read(pk_ring *r, void *items, size_t n)
{
    return ring_take(r, items, n, pk_load_acquire(&r->written));
}

size_t pk_ring_peek(pk_ring *r, void *item)
{
    if (pk_load_acquire(&r->written) == r->taken)
        return 0;
    ring_copy(r, r->taken, item, 1, 0);
    return 1;
}

void pk_ring_skip(pk_ring *r, size_t n)
{
    pk_store_release(&r->taken, r->taken + n);
}

static void post(pk_stream *s, pk_event_kind kind, uint64_t frame, uint64_t value)
{
    const pk_event e = {(int32_t)kind, 0, (int64_t)frame, (int64_t)value};
    if (pk_ring_write(&s->events, &e, 1) == 0)
        s->lost_events++;
}

/* A seek: skip what was written before it, keeping the next frames to fade out; where fewer
 * than PK_STREAM_FADE are left, the last one (or the last frame played) is held. */
static void switch_to(pk_stream *s, uint64_t stale)
{
    const size_t channels = s->channels;
    const uint64_t taken = s->frames.taken;
    const size_t old = stale - taken < PK_STREAM_FADE ? (size_t)(stale - taken) : PK_STREAM_FADE;
    float *last = s->fade + PK_STREAM_FADE * channels;
    ring_copy(&s->frames, taken, s->fade, old, 0);
    for (size_t f = old; f < PK_STREAM_FADE; f++)
        memcpy(s->fade + f * channels, f ? s->fade + (f - 1) * channels : last,
               channels * sizeof(float));
    s->fade_played = 0;
    s->seek_seen = stale;
    pk_store_release(&s->frames.taken, stale);
}

/* Mix the faded-out old frames over the start of out (new frames or silence). */
static void crossfade(pk_stream *s, float *out, size_t frames)
{
    const size_t channels = s->channels;
    for (size_t f = 0; f < frames && s->fade_played < PK_STREAM_FADE; f++, s->fade_played++) {
        const float in = (float)(s->fade_played + 1) / (float)(PK_STREAM_FADE + 1);
        const float *old = s->fade + (size_t)s->fade_played * channels;
        for (size_t c = 0; c < channels; c++)
            out[f * channels + c] = out[f * channels + c] * in + old[c] * (1.0f - in);
    }
}

size_t pk_stream_read(pk_stream *s, float *out, size_t frames)
{
    /* The count first: the producer stores a seek's discard_until before the count that
     * includes its frames, so a count with new frames in it comes with their seek. */
    const uint64_t written = pk_load_acquire(&s->frames.written);
    const uint64_t stale = pk_load_acquire(&s->discard_until);
    /* After a seek, skip to the new frames once they are there (or the stream ended at the
     * seek): until then the old ones go on, rather than a gap. */
    if (stale != s->seek_seen && (written > stale || pk_load_acquire(&s->end_at) == stale))
        switch_to(s, stale);
    const size_t got = ring_take(&s->frames, out, frames, written);
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
    if (s->fade_played < PK_STREAM_FADE)
        crossfade(s, out, frames);
    if (frames > 0) /* the last frame played, for a seek with nothing left to fade out */
        memcpy(s->fade + PK_STREAM_FADE * s->channels, out + (frames - 1) * s->channels,
               s->channels * sizeof(float));
    s->played += frames;
    return got;
}

void pk_stream_restart(pk_stream *s, const float *frames, size_t n)
{
    /* The new frames go into free slots first; then the switch; then they become readable. */
    const uint64_t start = s->frames.written;
    ring_copy(&s->frames, start, (void *)frames, n, 1);
    pk_store_release(&s->end_at, PK_STREAM_NO_END);
    pk_store_release(&s->discard_until, start);
    pk_store_release(&s->frames.written, start + n);
}

void pk_stream_end(pk_stream *s, pk_event_kind kind)
{
    pk_store_release(&s->end_kind, (uint64_t)kind);
    pk_store_release(&s->end_at, s->frames.written);
}

/* The render core (declared and documented in engine.h). */
#include <math.h>
#include <string.h>

#include "engine.h"
#include "simd.h"

static void post(pk_engine *e, int32_t kind, int64_t frame, int64_t id)
{
    const pk_event ev = {kind, 0, frame, id};
    if (pk_ring_write(&e->events, &ev, 1) == 0)
        e->lost_events++;
}

/* Take the commands that have arrived: new voices join the list, stops are noted. Each
 * command counts as taken only once done with: Python frees a returned voice only after every
 * command that could name it is taken. */
static void take_commands(pk_engine *e)
{
    pk_command c;
    while (pk_ring_peek(&e->commands, &c)) {
        if (c.kind == PK_CMD_PLAY) {
            c.voice->next = e->voices;
            e->voices = c.voice;
        } else if (c.kind == PK_CMD_STOP && c.frame < c.voice->stop) {
            c.voice->stop = c.frame;
        }
        pk_ring_skip(&e->commands, 1);
    }
}

/* The channel of a sound that output channel c plays: all from a mono sound, each its own
 * from one of the engine's width, else round its channels. */
PK_INLINE size_t source_channel(size_t c, size_t source_channels, size_t channels)
{
    return source_channels == 1 ? 0 : source_channels == channels ? c : c % source_channels;
}

/* Mix a disk stream's next frames, as many as v plays in [now, now + frames), into out:
 * pk_stream_read never waits (late data plays as silence, counted by the stream). Returns the
 * engine frame it ends at: where the stream's last frame played, or its stop. */
static int64_t mix_stream(const pk_engine *e, pk_voice *v, float *out, size_t frames)
{
    const int64_t now = e->now, block_end = now + (int64_t)frames;
    const int64_t to = v->stop < block_end ? v->stop : block_end;
    const size_t channels = (size_t)e->channels, source_channels = (size_t)v->channels;
    for (int64_t t = v->start > now ? v->start : now; t < to;) {
        const int64_t n = to - t < v->scratch_frames ? to - t : v->scratch_frames;
        const size_t got = pk_stream_read(v->stream, v->scratch, (size_t)n);
        for (size_t f = 0; f < (size_t)n; f++) {
            const float *frame = v->scratch + f * source_channels;
            float *o = out + (size_t)(t - now + (int64_t)f) * channels;
            for (size_t c = 0; c < channels; c++)
                o[c] += frame[source_channel(c, source_channels, channels)] * v->gains[c];
        }
        if ((int64_t)got < n && v->stream->ended)
            return t + (int64_t)got;
        t += n;
    }
    return to == v->stop ? v->stop : INT64_MAX;
}

PK_INLINE int varies(const pk_voice *v)
{
    return v->step != PK_ONE_FRAME || v->loop_end > v->loop_start;
}

/* Mix voice v's frames that fall in [now, now + frames), as it is, into out. Returns the
 * engine frame it ends at. */
PK_INLINE int64_t mix_as_is(const pk_engine *e, const pk_voice *v, float *out, size_t frames)
{
    const int64_t now = e->now, block_end = now + (int64_t)frames;
    const int64_t end = v->start + v->frames < v->stop ? v->start + v->frames : v->stop;
    const int64_t from = v->start > now ? v->start : now;
    const int64_t to = end < block_end ? end : block_end;
    const size_t channels = (size_t)e->channels, source_channels = (size_t)v->channels;
    for (int64_t t = from; t < to; t++) {
        const float *frame = v->data + (size_t)(t - v->start) * source_channels;
        float *o = out + (size_t)(t - now) * channels;
        for (size_t c = 0; c < channels; c++)
            o[c] += frame[source_channel(c, source_channels, channels)] * v->gains[c];
    }
    return end;
}

/* Sample c of frame i of v's sound: round its loop past the loop's end (and, once it has
 * looped, before the loop's start, so a restart is read from the loop's own end); silence
 * outside the sound. */
static float sample_at(const pk_voice *v, int64_t i, size_t c)
{
    if (v->loop_end > v->loop_start) {
        const int64_t length = v->loop_end - v->loop_start;
        if (i >= v->loop_end)
            i = v->loop_start + (i - v->loop_end) % length;
        else if (v->looped && i < v->loop_start)
            i = v->loop_end - 1 - (v->loop_start - 1 - i) % length;
    }
    if (i < 0 || i >= v->frames)
        return 0.0f;
    return v->data[(size_t)i * (size_t)v->channels + c % (size_t)v->channels];
}

/* A looping voice's position, brought back into its loop when past the loop's end. */
static uint64_t wrap(pk_voice *v, uint64_t position)
{
    if (v->loop_end > v->loop_start && (int64_t)(position >> 32) >= v->loop_end) {
        const int64_t into = ((int64_t)(position >> 32) - v->loop_end) %
                             (v->loop_end - v->loop_start);
        position = ((uint64_t)(v->loop_start + into) << 32) | (position & (PK_ONE_FRAME - 1));
        v->looped = 1;
    }
    return position;
}

/* The engine frame a non-looping varying voice runs out at: the first whose position is
 * past the sound, start + ceil(frames / rate). */
static int64_t run_out(const pk_voice *v)
{
    if (v->frames < ((int64_t)1 << 30))
        return v->start + (int64_t)((((uint64_t)v->frames << 32) + v->step - 1) / v->step);
    return v->start + (int64_t)ceil((double)v->frames * 4294967296.0 / (double)v->step);
}

/* Move a varying voice's position on by `frames` engine frames (it came late), in steps that
 * cannot overflow, wrapping round its loop as it goes. */
static void skip_ahead(pk_voice *v, int64_t frames)
{
    uint64_t position = v->position;
    while (frames > 0) {
        const int64_t n = frames < ((int64_t)1 << 20) ? frames : ((int64_t)1 << 20);
        position = wrap(v, position + (uint64_t)n * v->step);
        frames -= n;
        if (v->loop_end <= v->loop_start && (int64_t)(position >> 32) >= v->frames)
            break; /* past its end: it has run out */
    }
    v->position = position;
}

/* Frames a mono voice computes at a time in mix_mono_runs. */
#define RUN 64

/* Mix a mono voice's frames from t, in runs that stay inside its sound (idx - 1 .. idx + 2
 * all in, no loop wrap), then spread them to the channels. Each run takes two passes: the
 * offsets and weights of all its frames (arithmetic only: it vectorises), then the four taps
 * of each. Returns the frame it stopped at: `to`, or the first frame that needs the
 * edge-checking path; *position moves on to match. */
PK_INLINE int64_t mix_mono_runs(pk_voice *v, float *o, size_t channels, int64_t t,
                                int64_t to, int64_t inner_end, uint64_t *position)
{
    const uint64_t step = v->step;
    uint64_t p = *position;
    int32_t offset[RUN];
    float w0[RUN], w1[RUN], w2[RUN], w3[RUN], run[RUN];
    /* Before the loop's start, a voice that has looped reads the loop's end: not in a run. */
    const int64_t inner_start = v->looped ? v->loop_start + 1 : 1;
    while (t < to) {
        if ((int64_t)(p >> 32) < inner_start || (int64_t)(p >> 32) >= inner_end)
            break;
        /* Frames until the position would leave the inside: (inner_end << 32) - p over step. */
        const uint64_t room = (((uint64_t)inner_end << 32) - p - 1) / step + 1;
        int64_t n = to - t < RUN ? to - t : RUN;
        if ((uint64_t)n > room)
            n = (int64_t)room;
        /* Positions relative to the run's first frame: fraction + k * step < 2^47. */
        const float *base = v->data + (p >> 32);
        const uint64_t fraction = p & (PK_ONE_FRAME - 1);
        for (int64_t k = 0; k < n; k++) {
            const uint64_t q = fraction + (uint64_t)k * step;
            offset[k] = (int32_t)(q >> 32);
            PK_CATMULL_ROM(float, (float)(int32_t)((q >> 9) & 0x7fffff) * (1.0f / 8388608.0f),
                           c0, c1, c2, c3);
            w0[k] = c0;
            w1[k] = c1;
            w2[k] = c2;
            w3[k] = c3;
        }
        for (int64_t k = 0; k < n; k++) {
            const float *f = base + offset[k] - 1;
            run[k] = w0[k] * f[0] + w1[k] * f[1] + w2[k] * f[2] + w3[k] * f[3];
        }
        if (channels == 2) { /* both channels in one pass over the interleaved block */
            const float left = v->gains[0], right = v->gains[1];
            for (int64_t k = 0; k < n; k++) {
                o[2 * k] += run[k] * left;
                o[2 * k + 1] += run[k] * right;
            }
        } else {
            for (size_t c = 0; c < channels; c++) {
                const float g = v->gains[c];
                for (int64_t k = 0; k < n; k++)
                    o[(size_t)k * channels + c] += run[k] * g;
            }
        }
        p = wrap(v, p + (uint64_t)n * step);
        o += (size_t)n * channels;
        t += n;
    }
    *position = p;
    return t;
}

/* Mix voice v at its own rate or looping: the position steps by v->step each frame, and the
 * sound is read between frames by Catmull-Rom. Returns the engine frame it ends at, or
 * INT64_MAX if it goes on. */
PK_INLINE int64_t mix_varying(const pk_engine *e, pk_voice *v, float *out, size_t frames)
{
    const int64_t now = e->now, block_end = now + (int64_t)frames;
    const size_t channels = (size_t)e->channels, source_channels = (size_t)v->channels;
    const int looping = v->loop_end > v->loop_start;
    /* Frames that can be read without looking at the edges: idx - 1 .. idx + 2 inside. */
    const int64_t inner_end = (looping ? v->loop_end : v->frames) - 2;
    const int64_t to = v->stop < block_end ? v->stop : block_end;
    uint64_t position = v->position;
    int64_t t = v->start > now ? v->start : now;
    if (source_channels == 1 && t < to)
        t = mix_mono_runs(v, out + (size_t)(t - now) * channels, channels, t, to, inner_end,
                          &position);
    for (; t < to; t++) {
        const int64_t idx = (int64_t)(position >> 32);
        if (!looping && idx >= v->frames) {
            v->position = position;
            return run_out(v); /* t, or for a voice that came late, when it ran out */
        }
        /* The fraction's top 23 bits, as a signed int: converts in one instruction. */
        PK_CATMULL_ROM(float, (float)(int32_t)((position >> 9) & 0x7fffff) * (1.0f / 8388608.0f),
                       k0, k1, k2, k3);
        const float k[4] = {k0, k1, k2, k3};
        float *o = out + (size_t)(t - now) * channels;
        if (idx >= (v->looped ? v->loop_start + 1 : 1) && idx < inner_end) {
            const float *f = v->data + (size_t)(idx - 1) * source_channels;
            if (source_channels == 1) { /* the common cases without a division per sample */
                const float x = k[0] * f[0] + k[1] * f[1] + k[2] * f[2] + k[3] * f[3];
                for (size_t c = 0; c < channels; c++)
                    o[c] += x * v->gains[c];
            } else {
                const size_t n = source_channels;
                for (size_t c = 0; c < channels; c++) {
                    const size_t sc = source_channel(c, n, channels);
                    o[c] += (k[0] * f[sc] + k[1] * f[n + sc] + k[2] * f[2 * n + sc] +
                             k[3] * f[3 * n + sc]) * v->gains[c];
                }
            }
        } else {
            for (size_t c = 0; c < channels; c++)
                o[c] += (k[0] * sample_at(v, idx - 1, c) + k[1] * sample_at(v, idx, c) +
                         k[2] * sample_at(v, idx + 1, c) + k[3] * sample_at(v, idx + 2, c)) *
                        v->gains[c];
        }
        position = wrap(v, position + v->step);
    }
    v->position = position;
    return to == v->stop ? v->stop : INT64_MAX;
}

PK_SIMD void pk_engine_render(pk_engine *e, float *out, size_t frames)
{
    const int64_t block_end = e->now + (int64_t)frames;
    take_commands(e);
    memset(out, 0, frames * (size_t)e->channels * sizeof(float));
    pk_voice **link = &e->voices;
    while (*link) {
        pk_voice *v = *link;
        if (!v->playing && v->start < block_end && v->start < v->stop &&
            (v->frames > 0 || varies(v) || v->stream)) {
            post(e, PK_EVENT_VOICE_START, v->start, v->id);
            v->playing = 1;
            if (e->now > v->start && !v->stream) /* came late: on from where it would be */
                skip_ahead(v, e->now - v->start);
        }
        const int64_t end = v->stream ? mix_stream(e, v, out, frames)
                            : varies(v) ? mix_varying(e, v, out, frames)
                                        : mix_as_is(e, v, out, frames);
        if (end <= block_end) { /* done: out of the list, back to Python */
            post(e, PK_EVENT_VOICE_END, end > v->start ? end : v->start, v->id);
            *link = v->next;
            pk_ring_write(&e->returns, &v, 1); /* sized to hold every voice */
        } else {
            link = &v->next;
        }
    }
    e->now = block_end;
}

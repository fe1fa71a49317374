/* The render core (declared and documented in engine.h). */
#include <string.h>

#include "engine.h"

static void post(pk_engine *e, int32_t kind, int64_t frame, int64_t id)
{
    const pk_event ev = {kind, 0, frame, id};
    if (pk_ring_write(&e->events, &ev, 1) == 0)
        e->lost_events++;
}

/* Take the commands that have arrived: new voices join the list, stops are noted. */
static void take_commands(pk_engine *e)
{
    pk_command c;
    while (pk_ring_read(&e->commands, &c, 1)) {
        if (c.kind == PK_CMD_PLAY) {
            c.voice->next = e->voices;
            e->voices = c.voice;
        } else if (c.kind == PK_CMD_STOP && c.frame < c.voice->stop) {
            c.voice->stop = c.frame;
        }
    }
}

/* Mix voice v's frames that fall in [now, now + frames) into out. */
static void mix_voice(const pk_engine *e, const pk_voice *v, float *out, size_t frames)
{
    const int64_t now = e->now, block_end = now + (int64_t)frames;
    const int64_t sound_end = v->start + v->frames < v->stop ? v->start + v->frames : v->stop;
    const int64_t from = v->start > now ? v->start : now;
    const int64_t to = sound_end < block_end ? sound_end : block_end;
    const size_t channels = (size_t)e->channels, source_channels = (size_t)v->channels;
    for (int64_t t = from; t < to; t++) {
        const float *frame = v->data + (size_t)(t - v->start) * source_channels;
        float *o = out + (size_t)(t - now) * channels;
        for (size_t c = 0; c < channels; c++)
            o[c] += frame[c % source_channels] * v->gains[c];
    }
}

void pk_engine_render(pk_engine *e, float *out, size_t frames)
{
    const int64_t block_end = e->now + (int64_t)frames;
    take_commands(e);
    memset(out, 0, frames * (size_t)e->channels * sizeof(float));
    pk_voice **link = &e->voices;
    while (*link) {
        pk_voice *v = *link;
        const int64_t end = v->start + v->frames < v->stop ? v->start + v->frames : v->stop;
        if (!v->playing && v->start < block_end && v->start < end) {
            post(e, PK_EVENT_VOICE_START, v->start, v->id);
            v->playing = 1;
        }
        mix_voice(e, v, out, frames);
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

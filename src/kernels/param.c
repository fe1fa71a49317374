/* Parameters' values from their timelines (declared and documented in node.h). A value at
 * frame t is a function of t and the timeline alone, so it does not depend on how the host
 * cuts time into blocks. */
#include <math.h>

#include "node.h"

/* Whether frame t falls in segment i. */
static int holds(const pk_timeline *tl, int64_t i, int64_t t)
{
    return tl->segments[i].start <= t && (i + 1 == tl->count || tl->segments[i + 1].start > t);
}

/* The segment frame t falls in: the last one read or the next (time mostly runs on), else
 * searched for, so that no timeline costs the audio thread more than its logarithm. */
static const pk_segment *segment_at(pk_param *p, int64_t t)
{
    const pk_timeline *tl = p->timeline;
    int64_t i = p->cursor >= 0 && p->cursor < tl->count ? p->cursor : 0;
    if (!holds(tl, i, t) && !(i + 1 < tl->count && holds(tl, ++i, t))) {
        int64_t low = 0, high = tl->count; /* the segment is in low .. high - 1 */
        while (high - low > 1) {
            const int64_t mid = low + (high - low) / 2;
            if (tl->segments[mid].start <= t)
                low = mid;
            else
                high = mid;
        }
        i = low;
    }
    p->cursor = i;
    return &tl->segments[i];
}

static double segment_value(const pk_segment *s, int64_t t)
{
    switch (s->kind) {
    case PK_SEGMENT_LINEAR:
        return s->from + (s->to - s->from) * ((double)(t - s->start) * s->rate);
    case PK_SEGMENT_EXPONENTIAL:
        return s->from * pow(s->to / s->from, (double)(t - s->start) * s->rate);
    case PK_SEGMENT_TARGET:
        return t == s->start ? s->from
                             : s->to + (s->from - s->to) * exp(-(double)(t - s->start) * s->rate);
    case PK_SEGMENT_CURVE: {
        const double x = (double)(s->points - 1) * (double)(t - s->start) * s->rate;
        const int32_t k = (int32_t)x;
        if (k >= s->points - 1)
            return s->curve[s->points - 1];
        return s->curve[k] + (s->curve[k + 1] - s->curve[k]) * (x - (double)k);
    }
    default:
        return s->from;
    }
}

static float within(const pk_param *p, double v)
{
    const float x = (float)v;
    return !(x >= p->min) ? p->min : x > p->max ? p->max : x; /* (NaN: the least) */
}

/* The timeline's values for frames t .. t + n - 1 into out, before any input or bounds. */
static void walk(pk_param *p, int64_t t, size_t n, double *out)
{
    size_t f = 0;
    while (f < n) {
        const pk_segment *s = segment_at(p, t + (int64_t)f);
        const int64_t left = s->end - (t + (int64_t)f);
        const size_t run = left < (int64_t)(n - f) ? (size_t)left : n - f;
        if (s->kind == PK_SEGMENT_HOLD) {
            for (size_t k = f; k < f + run; k++)
                out[k] = s->from;
        } else if (s->kind == PK_SEGMENT_LINEAR) { /* (the usual ramp: a loop without calls) */
            const double from = s->from, rise = s->to - s->from, rate = s->rate;
            const int64_t into = t - s->start; /* (as segment_value has it, exactly) */
            for (size_t k = f; k < f + run; k++)
                out[k] = from + rise * ((double)(into + (int64_t)k) * rate);
        } else {
            for (size_t k = f; k < f + run; k++)
                out[k] = segment_value(s, t + (int64_t)k);
        }
        f += run;
    }
}

int pk_param_run(pk_param *p, int64_t t, size_t n)
{
    const pk_segment *s = segment_at(p, t);
    if (s->kind == PK_SEGMENT_HOLD && s->end - t >= (int64_t)n && !p->input) {
        p->values[0] = within(p, s->from);
        return 1;
    }
    double values[PK_BLOCK];
    walk(p, t, n, values);
    for (size_t k = 0; k < n; k++) {
        const float input = p->input ? p->input_depth * p->input[k * p->input_stride] : 0.0f;
        p->values[k] = within(p, (double)(float)values[k] + input);
    }
    return 0;
}

int64_t pk_param_holds_from(pk_param *p, int64_t t, size_t n)
{
    const int64_t end = t + (int64_t)n;
    if (t >= p->steady_from && end <= p->steady_until && !p->input)
        return t;
    if (p->input || n == 0)
        return end;
    const pk_segment *s = segment_at(p, end - 1);
    if (s->kind != PK_SEGMENT_HOLD)
        return end;
    return s->start > t ? s->start : t;
}

int pk_param_held(pk_param *p, int64_t t, size_t n, double *value)
{
    const pk_segment *s = segment_at(p, t);
    if (s->kind != PK_SEGMENT_HOLD || s->end - t < (int64_t)n || p->input)
        return 0;
    const double v = s->from;
    *value = !(v >= p->min) ? p->min : v > p->max ? p->max : v; /* (NaN: the least) */
    p->steady_from = s->start, p->steady_until = s->end, p->steady = *value;
    return 1;
}

void pk_param_values(pk_param *p, int64_t t, size_t n, double *out)
{
    walk(p, t, n, out);
    const double low = p->min, high = p->max;
    for (size_t k = 0; k < n; k++)
        out[k] = !(out[k] >= low) ? low : out[k] > high ? high : out[k];
}

float pk_param_setting(const pk_param *p)
{
    return within(p, p->timeline->segments[0].from);
}

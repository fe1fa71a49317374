/* Dynamics: Compressor, Expander, Gate and Limiter.
 *
 * Detection is linked: one gain for every channel, from the largest |sample| over the
 * channels of the detected frame (the sidechain's when the host gives one, else the block's;
 * the limiter always detects its own input). Levels are sample peaks: a sine of amplitude A
 * is at 20 log10(A) dB.
 *
 * The followers are one-poles, state = target + alpha * (state - target) with alpha =
 * exp(-1 / (time * samplerate)): a step covers 1 - 1/e (63%) of its way in one time constant,
 * and a time of 0 follows at once. The compressor and the expander follow their gain
 * reduction in dB after the static curve (the log-domain placement of Giannoulis, Massberg
 * and Reiss, "Digital Dynamic Range Compressor Design - A Tutorial and Analysis", JAES 2012)
 * with that paper's smooth decoupled peak detector: a peak follower that takes a rise at
 * once and falls back with `release`, smoothed by a one-pole of time constant `attack`. So a
 * step up covers 63% in `attack`, a step down falls as the two in series (for an attack much
 * shorter than the release, 63% in about release + attack), and a steady sine, whose level
 * dips at each zero crossing, is held at its peak's reduction. The gate follows its linear
 * gain with a branching one-pole (attack opening, release closing), the limiter its linear
 * gain on the way back up.
 *
 * Each reports its gain reduction (dB, >= 0, makeup excluded) every node->report_interval
 * frames, the intervals aligned to the host's frames as the engine's meters are: an event of
 * kind PK_EVENT_REDUCTION at the frame after the interval, `peak` the most and `rms` the mean
 * reduction over it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fx_math.h"
#include "node.h"

/* The level silence is taken to be at: 1e-10, -200 dB. */
#define QUIET 1e-10f
#define DB_PER_NEPER 8.6858896f  /* 20 / ln 10 */
#define NEPER_PER_DB 0.11512925f /* ln 10 / 20 */

/* ---- Shared pieces ---- */

/* A follower's coefficient for a time constant in seconds, recomputed only when it moves. */
typedef struct {
    float seconds;
    float alpha;
} coefficient;

static float alpha(coefficient *k, float seconds, double samplerate)
{
    if (seconds != k->seconds) {
        k->seconds = seconds;
        k->alpha = seconds > 0.0f ? (float)exp(-1.0 / ((double)seconds * samplerate)) : 0.0f;
    }
    return k->alpha;
}

/* A branching one-pole step. Where rounding leaves it stuck short of its target (a few
 * float steps under a gain of 1, say), it takes the target: an open gate or a limiter at
 * rest is then exactly transparent. */
static inline float follow(float state, float target, float rising, float falling)
{
    const float next = target + (target > state ? rising : falling) * (state - target);
    return next == state ? target : next;
}

/* The smooth decoupled peak detector: `held` rises at once to x and falls back towards it
 * with coefficient `release`; `state` follows `held` with coefficient `attack`. */
PK_INLINE float decoupled(float *held, float *state, float x, float attack, float release)
{
    const float fallen = x + release * (*held - x);
    *held = x > fallen ? x : fallen;
    *state = *held + attack * (*state - *held);
    return *state;
}

/* The largest |sample| of one frame (NaN passes over). */
PK_INLINE float peak_of(const float *frame, size_t channels)
{
    float peak = 0.0f;
    for (size_t c = 0; c < channels; c++)
        peak = fabsf(frame[c]) > peak ? fabsf(frame[c]) : peak;
    return peak;
}

PK_INLINE float db_of(float peak)
{
    return DB_PER_NEPER * pk_logf(peak > QUIET ? peak : QUIET);
}

static inline float level_db(const float *frame, size_t channels)
{
    return db_of(peak_of(frame, channels));
}

/* Each frame's level in dB, as level_db, a pass the compiler can vectorise (mono and stereo
 * spelled out: a loop over an unknown channel count inside would not). */
PK_INLINE void levels_db(const float *x, size_t frames, size_t channels, float *level)
{
    if (channels == 1) {
        for (size_t f = 0; f < frames; f++)
            level[f] = db_of(peak_of(x + f, 1));
    } else if (channels == 2) {
        for (size_t f = 0; f < frames; f++)
            level[f] = db_of(peak_of(x + 2 * f, 2));
    } else {
        for (size_t f = 0; f < frames; f++)
            level[f] = db_of(peak_of(x + f * channels, channels));
    }
}

static inline void apply(float *frame, size_t channels, float gain)
{
    for (size_t c = 0; c < channels; c++)
        frame[c] *= gain;
}

/* Each frame times its gain. */
PK_INLINE void apply_gains(float *x, size_t frames, size_t channels, const float *gain)
{
    if (channels == 1) {
        PK_IVDEP
        for (size_t f = 0; f < frames; f++)
            x[f] *= gain[f];
    } else if (channels == 2) {
        PK_IVDEP
        for (size_t f = 0; f < frames; f++)
            x[2 * f] *= gain[f], x[2 * f + 1] *= gain[f];
    } else {
        for (size_t f = 0; f < frames; f++)
            apply(x + f * channels, channels, gain[f]);
    }
}

/* Gain reduction over the report interval so far. */
typedef struct {
    int64_t counted;
    double sum;
    float most;
    int64_t left; /* frames to the interval's end, after the frame in hand */
} report;

/* Frames left in the interval that frame `now` is in (0: no reports). */
static int64_t interval_left(const pk_node *node, int64_t now)
{
    const int64_t interval = node->report_interval;
    if (interval <= 0)
        return 0;
    const int64_t into = ((now % interval) + interval) % interval;
    return interval - into;
}

/* Count frame t's reduction; post the interval's report when t is its last frame. */
static void count(pk_node *node, report *r, float reduction, int64_t t,
                  pk_node_context *context)
{
    r->most = reduction > r->most ? reduction : r->most;
    r->sum += reduction;
    r->counted++;
    if (--r->left > 0)
        return;
    const pk_engine_event event = {PK_EVENT_REDUCTION, 0, t + 1, node->id, 0, r->most,
                                   (float)(r->sum / (double)r->counted)};
    context->post(context, &event);
    r->counted = 0, r->sum = 0.0, r->most = 0.0f;
    r->left = node->report_interval;
}

static void report_reset(report *r)
{
    memset(r, 0, sizeof *r);
}

/* A parameter's values over the block: the first if held, else frame by frame. */
typedef struct {
    const float *values;
    size_t stride;
} run;

static run param_run(pk_node *node, int index, int64_t now, size_t frames)
{
    pk_param *p = &node->params[index];
    const run r = {p->values, pk_param_run(p, now, frames) ? 0 : 1};
    return r;
}

#define AT(run, f) ((run).values[(f) * (run).stride])

/* ---- Compressor and Expander: a static curve on the level in dB, its reduction followed ---- */

typedef struct {
    pk_node node;
    coefficient attack, release;
    /* the detector's peak and state: the compressor's reduction in dB, the expander's
     * reduction negated (its reduction falls at once as the level rises) */
    float held, state;
    report report;
} leveller;

enum { C_THRESHOLD_DB, C_RATIO, C_KNEE_DB, C_ATTACK, C_RELEASE, C_MAKEUP_DB };

static const pk_param_info compressor_params[] = {
    {"threshold_db", -20.0f, -200.0f, 60.0f, 0}, {"ratio", 4.0f, 1.0f, 1000.0f, 0},
    {"knee_db", 6.0f, 0.0f, 60.0f, 0},           {"attack", 0.01f, 0.0f, 10.0f, 0},
    {"release", 0.1f, 0.0f, 10.0f, 0},           {"makeup_db", 0.0f, -60.0f, 60.0f, 0},
};

/* The compressor's static reduction (dB, >= 0) at level x: above the threshold t the level
 * rises 1/ratio as fast; within the knee of width w around it, the quadratic that joins the
 * two lines (Giannoulis et al., eq. 4). */
PK_INLINE float compression(float x, float t, float ratio, float w)
{
    const float over = x - t, slope = 1.0f - 1.0f / ratio, into = over + 0.5f * w;
    const float knee = slope * into * into / (2.0f * w); /* (not taken when w is 0) */
    return 2.0f * over <= -w ? 0.0f : 2.0f * over < w ? knee : slope * over;
}

static int leveller_prepare(pk_node *node, double samplerate, int32_t channels)
{
    (void)samplerate;
    (void)channels;
    leveller *l = (leveller *)node;
    l->attack.seconds = l->release.seconds = -1.0f; /* none yet */
    node->latency = node->tail = 0;
    node->kind->reset(node);
    return 0;
}

static void compressor_reset(pk_node *node)
{
    leveller *l = (leveller *)node;
    l->held = l->state = 0.0f;
    report_reset(&l->report);
}

/* The decoupled detector over a block of targets, each replaced by the detector's output. */
PK_INLINE void detect_all(pk_node *node, leveller *l, float *x, size_t frames, run attack,
                          run release)
{
    float held = l->held, state = l->state;
    if (!attack.stride && !release.stride) {
        const float a = alpha(&l->attack, AT(attack, 0), node->samplerate),
                    r = alpha(&l->release, AT(release, 0), node->samplerate);
        for (size_t f = 0; f < frames; f++)
            x[f] = decoupled(&held, &state, x[f], a, r);
    } else {
        for (size_t f = 0; f < frames; f++)
            x[f] = decoupled(&held, &state, x[f],
                             alpha(&l->attack, AT(attack, f), node->samplerate),
                             alpha(&l->release, AT(release, f), node->samplerate));
    }
    l->held = held, l->state = state;
}

/* In passes over the block: the levels and the static curve (vectorised), the detector (one
 * frame after another), the gains (vectorised), the reports. */
PK_SIMD static void compressor_process(pk_node *node, float *block, size_t frames, int64_t now,
                                       pk_node_context *context)
{
    leveller *l = (leveller *)node;
    const size_t channels = (size_t)node->channels;
    const float *detect = context->sidechain ? context->sidechain : block;
    const run threshold = param_run(node, C_THRESHOLD_DB, now, frames),
              ratio = param_run(node, C_RATIO, now, frames),
              knee = param_run(node, C_KNEE_DB, now, frames),
              attack = param_run(node, C_ATTACK, now, frames),
              release = param_run(node, C_RELEASE, now, frames),
              makeup = param_run(node, C_MAKEUP_DB, now, frames);
    float reduction[PK_BLOCK], gain[PK_BLOCK];
    levels_db(detect, frames, channels, reduction);
    if (!threshold.stride && !ratio.stride && !knee.stride) {
        const float t = AT(threshold, 0), r = AT(ratio, 0), w = AT(knee, 0);
        for (size_t f = 0; f < frames; f++)
            reduction[f] = compression(reduction[f], t, r, w);
    } else {
        for (size_t f = 0; f < frames; f++)
            reduction[f] = compression(reduction[f], AT(threshold, f), AT(ratio, f), AT(knee, f));
    }
    detect_all(node, l, reduction, frames, attack, release);
    if (!makeup.stride) {
        const float m = AT(makeup, 0);
        for (size_t f = 0; f < frames; f++)
            gain[f] = pk_expf(NEPER_PER_DB * (m - reduction[f]));
    } else {
        for (size_t f = 0; f < frames; f++)
            gain[f] = pk_expf(NEPER_PER_DB * (AT(makeup, f) - reduction[f]));
    }
    apply_gains(block, frames, channels, gain);
    if (node->report_interval > 0) {
        l->report.left = interval_left(node, now);
        for (size_t f = 0; f < frames; f++)
            count(node, &l->report, reduction[f], now + (int64_t)f, context);
    }
}

enum { E_THRESHOLD_DB, E_RATIO, E_ATTACK, E_RELEASE, E_RANGE_DB };

static const pk_param_info expander_params[] = {
    {"threshold_db", -40.0f, -200.0f, 60.0f, 0}, {"ratio", 2.0f, 1.0f, 1000.0f, 0},
    {"attack", 0.001f, 0.0f, 10.0f, 0},          {"release", 0.1f, 0.0f, 10.0f, 0},
    {"range_db", 80.0f, 0.0f, 200.0f, 0},
};

/* As after a long silence: fully down. */
static void expander_reset(pk_node *node)
{
    leveller *l = (leveller *)node;
    l->held = l->state = -pk_param_setting(&node->params[E_RANGE_DB]);
    report_reset(&l->report);
}

/* A downward expander: below the threshold the level falls `ratio` times as fast, the
 * reduction at most range_db. Its attack is how fast the reduction goes (the level rising),
 * its release how fast it comes: the detector runs on the reduction negated. */
PK_SIMD static void expander_process(pk_node *node, float *block, size_t frames, int64_t now,
                                     pk_node_context *context)
{
    leveller *l = (leveller *)node;
    const size_t channels = (size_t)node->channels;
    const float *detect = context->sidechain ? context->sidechain : block;
    const run threshold = param_run(node, E_THRESHOLD_DB, now, frames),
              ratio = param_run(node, E_RATIO, now, frames),
              attack = param_run(node, E_ATTACK, now, frames),
              release = param_run(node, E_RELEASE, now, frames),
              range = param_run(node, E_RANGE_DB, now, frames);
    float reduction[PK_BLOCK], gain[PK_BLOCK];
    levels_db(detect, frames, channels, reduction);
    for (size_t f = 0; f < frames; f++) {
        const float under = AT(threshold, f) - reduction[f];
        const float target = under > 0.0f ? (AT(ratio, f) - 1.0f) * under : 0.0f;
        reduction[f] = -(target < AT(range, f) ? target : AT(range, f));
    }
    detect_all(node, l, reduction, frames, attack, release);
    for (size_t f = 0; f < frames; f++) {
        reduction[f] = -reduction[f];
        gain[f] = pk_expf(-NEPER_PER_DB * reduction[f]);
    }
    apply_gains(block, frames, channels, gain);
    if (node->report_interval > 0) {
        l->report.left = interval_left(node, now);
        for (size_t f = 0; f < frames; f++)
            count(node, &l->report, reduction[f], now + (int64_t)f, context);
    }
}

/* ---- Gate ---- */

typedef struct {
    pk_node node;
    coefficient attack, release;
    float range_db, floor; /* the closed gain (linear) for range_db */
    float gain; /* linear, followed */
    int64_t held; /* frames it stays open for yet */
    report report;
} gate;

enum { G_THRESHOLD_DB, G_ATTACK, G_HOLD, G_RELEASE, G_RANGE_DB };

static const pk_param_info gate_params[] = {
    {"threshold_db", -40.0f, -200.0f, 60.0f, 0}, {"attack", 0.001f, 0.0f, 10.0f, 0},
    {"hold", 0.02f, 0.0f, 10.0f, 0},             {"release", 0.1f, 0.0f, 10.0f, 0},
    {"range_db", 80.0f, 0.0f, 200.0f, 0},
};

static int gate_prepare(pk_node *node, double samplerate, int32_t channels)
{
    (void)samplerate;
    (void)channels;
    gate *g = (gate *)node;
    g->attack.seconds = g->release.seconds = g->range_db = -1.0f;
    node->latency = node->tail = 0;
    node->kind->reset(node);
    return 0;
}

/* As after a long silence: closed. */
static void gate_reset(pk_node *node)
{
    gate *g = (gate *)node;
    g->gain = expf(-NEPER_PER_DB * pk_param_setting(&node->params[G_RANGE_DB]));
    g->held = 0;
    report_reset(&g->report);
}

/* Open (gain 1) while the level is at or above the threshold and for `hold` seconds after,
 * else closed (range_db down); the gain follows with `attack` opening, `release` closing. */
static void gate_process(pk_node *node, float *block, size_t frames, int64_t now,
                         pk_node_context *context)
{
    gate *g = (gate *)node;
    const size_t channels = (size_t)node->channels;
    const float *detect = context->sidechain ? context->sidechain : block;
    const run threshold = param_run(node, G_THRESHOLD_DB, now, frames),
              attack = param_run(node, G_ATTACK, now, frames),
              hold = param_run(node, G_HOLD, now, frames),
              release = param_run(node, G_RELEASE, now, frames),
              range = param_run(node, G_RANGE_DB, now, frames);
    const int reporting = node->report_interval > 0;
    g->report.left = interval_left(node, now);
    float gain = g->gain;
    for (size_t f = 0; f < frames; f++) {
        if (level_db(detect + f * channels, channels) >= AT(threshold, f))
            g->held = (int64_t)lrint((double)AT(hold, f) * node->samplerate) + 1;
        if (AT(range, f) != g->range_db)
            g->range_db = AT(range, f), g->floor = expf(-NEPER_PER_DB * g->range_db);
        const float target = g->held > 0 ? 1.0f : g->floor;
        g->held -= g->held > 0;
        gain = follow(gain, target, alpha(&g->attack, AT(attack, f), node->samplerate),
                      alpha(&g->release, AT(release, f), node->samplerate));
        apply(block + f * channels, channels, gain);
        if (reporting)
            count(node, &g->report, -DB_PER_NEPER * logf(gain), now + (int64_t)f, context);
    }
    g->gain = gain;
}

/* ---- Limiter ----
 *
 * The input goes out `lookahead` frames late. The gain each input frame needs to stay under
 * the ceiling (ceiling / its peak, at most 1) goes through a sliding minimum over the last
 * lookahead + 1 frames, a follower that falls at once and rises back with `release`, and a
 * moving average over lookahead + 1 frames. Every value in that average's window is a minimum
 * over a window holding the frame going out, so the average is at most the gain that frame
 * needs: the gain falls smoothly over the lookahead and is down in time. The average is summed
 * in fixed point (exact: the same whatever came before, no drift), and what goes out is
 * clamped to the ceiling besides, so that rounding cannot take it over. The ceiling applies
 * to the frame as it came in (it goes out with it). */

#define UNIT 1073741824.0 /* 2^30: the average's fixed point */

typedef struct {
    pk_node node;
    int64_t window;   /* lookahead + 1 */
    float *memory;    /* what prepare allocated, the buffers below */
    float *delayed;   /* window frames of input */
    float *needed;    /* window: the gain each frame needs */
    float *ceilings;  /* window: each frame's ceiling (linear, rounded down) */
    float *minima;    /* window: the sliding minimum's candidates... */
    int64_t *frames;  /* ...and their frames */
    int64_t *average; /* window: the follower's gains, fixed point */
    int64_t sum;
    int64_t head, count; /* the candidates in order, oldest first */
    int64_t frame;    /* frames since reset */
    float gain;       /* the follower's */
    float ceiling_db, ceiling;
    coefficient release;
    report report;
} limiter;

enum { L_CEILING_DB, L_RELEASE, L_LOOKAHEAD };

static const pk_param_info limiter_params[] = {
    {"ceiling_db", -1.0f, -120.0f, 60.0f, 0},
    {"release", 0.05f, 0.0f, 10.0f, 0},
    {"lookahead", 0.005f, 0.0f, 0.1f, PK_PARAM_SETTING},
};

/* The ceiling in linear terms, rounded down to a float, so that nothing at or under it is
 * over the ceiling in dB. */
static float ceiling_of(limiter *l, float db)
{
    if (db != l->ceiling_db) {
        const double exact = pow(10.0, (double)db / 20.0);
        float c = (float)exact;
        if ((double)c > exact)
            c = nextafterf(c, 0.0f);
        l->ceiling_db = db, l->ceiling = c;
    }
    return l->ceiling;
}

static void limiter_release(pk_node *node)
{
    limiter *l = (limiter *)node;
    free(l->memory);
    l->memory = NULL;
}

static void limiter_reset(pk_node *node)
{
    limiter *l = (limiter *)node;
    const size_t w = (size_t)l->window;
    memset(l->delayed, 0, w * (size_t)node->channels * sizeof(float));
    for (size_t i = 0; i < w; i++) {
        l->needed[i] = l->ceilings[i] = 1.0f;
        l->average[i] = (int64_t)UNIT;
    }
    l->sum = l->window * (int64_t)UNIT;
    l->head = l->count = l->frame = 0;
    l->gain = 1.0f;
    report_reset(&l->report);
}

static int limiter_prepare(pk_node *node, double samplerate, int32_t channels)
{
    limiter *l = (limiter *)node;
    limiter_release(node);
    const int64_t lookahead = (int64_t)lrint(pk_param_setting(&node->params[L_LOOKAHEAD]) *
                                             samplerate);
    const size_t w = (size_t)lookahead + 1;
    /* The int64 arrays first, each float array after them. */
    l->memory = malloc(w * 2 * sizeof(int64_t) + w * ((size_t)channels + 3) * sizeof(float));
    if (!l->memory)
        return PK_NODE_NO_MEMORY;
    l->frames = (int64_t *)l->memory;
    l->average = l->frames + w;
    l->delayed = (float *)(l->average + w);
    l->needed = l->delayed + w * (size_t)channels;
    l->ceilings = l->needed + w;
    l->minima = l->ceilings + w;
    l->window = (int64_t)w;
    l->ceiling_db = NAN; /* none yet */
    l->release.seconds = -1.0f;
    node->latency = lookahead;
    node->tail = 0;
    limiter_reset(node);
    return 0;
}

/* The smallest gain needed over the window that ends with this frame's. */
static float sliding_minimum(limiter *l, float needed)
{
    const int64_t w = l->window;
    if (l->count > 0 && l->frames[l->head] <= l->frame - w)
        l->head = (l->head + 1) % w, l->count--;
    while (l->count > 0 && l->minima[(l->head + l->count - 1) % w] >= needed)
        l->count--;
    const int64_t back = (l->head + l->count) % w;
    l->minima[back] = needed, l->frames[back] = l->frame;
    l->count++;
    return l->minima[l->head];
}

static void limiter_process(pk_node *node, float *block, size_t frames, int64_t now,
                            pk_node_context *context)
{
    limiter *l = (limiter *)node;
    const size_t channels = (size_t)node->channels;
    const run ceiling_db = param_run(node, L_CEILING_DB, now, frames),
              release = param_run(node, L_RELEASE, now, frames);
    const int reporting = node->report_interval > 0;
    l->report.left = interval_left(node, now);
    const int64_t w = l->window;
    for (size_t f = 0; f < frames; f++) {
        float *frame = block + f * channels;
        const float ceiling = ceiling_of(l, AT(ceiling_db, f)), peak = peak_of(frame, channels);
        const float needed = peak > ceiling ? ceiling / peak : 1.0f;
        const float least = sliding_minimum(l, needed);
        const float rising = alpha(&l->release, AT(release, f), node->samplerate);
        l->gain = least < l->gain ? least : follow(l->gain, least, rising, rising);

        /* In at this frame's slot, out from the oldest's (the next one round). */
        const int64_t slot = l->frame % w, oldest = (slot + 1) % w;
        const int64_t fixed = (int64_t)((double)l->gain * UNIT);
        l->sum += fixed - l->average[slot];
        l->average[slot] = fixed;
        l->needed[slot] = needed;
        l->ceilings[slot] = ceiling;
        memcpy(l->delayed + (size_t)slot * channels, frame, channels * sizeof(float));
        memcpy(frame, l->delayed + (size_t)oldest * channels, channels * sizeof(float));
        float gain = (float)((double)l->sum / (double)w / UNIT);
        gain = gain < l->needed[oldest] ? gain : l->needed[oldest];
        const float most = l->ceilings[oldest];
        for (size_t c = 0; c < channels; c++) {
            const float y = frame[c] * gain;
            /* NaN (from a NaN or an infinity in) goes out as 0. */
            frame[c] = fabsf(y) <= most ? y : y != y ? 0.0f : copysignf(most, y);
        }
        l->frame++;
        if (reporting)
            count(node, &l->report, -DB_PER_NEPER * logf(gain > QUIET ? gain : QUIET),
                  now + (int64_t)f, context);
    }
}

const pk_node_class pk_compressor_class = {
    PK_NODE_ABI,      "compressor",       sizeof(leveller), 6, compressor_params,
    leveller_prepare, compressor_process, compressor_reset, NULL};
const pk_node_class pk_expander_class = {
    PK_NODE_ABI,      "expander",       sizeof(leveller), 5, expander_params,
    leveller_prepare, expander_process, expander_reset,   NULL};
const pk_node_class pk_gate_class = {PK_NODE_ABI,  "gate",       sizeof(gate), 5, gate_params,
                                     gate_prepare, gate_process, gate_reset,   NULL};
const pk_node_class pk_limiter_class = {
    PK_NODE_ABI,     "limiter",       sizeof(limiter), 3, limiter_params,
    limiter_prepare, limiter_process, limiter_reset,   limiter_release};

/* The modulation effects, each swept by a sine LFO: Chorus and Flanger (delays that move)
 * and Phaser (first-order all-passes whose corner moves).
 *
 * The LFO's phase, in cycles, starts at 0 when prepared or reset and moves on by
 * rate / samplerate each frame (rate read that frame), so it depends on frames alone, never on
 * where blocks begin. Channel c's LFO runs c * spread cycles ahead of channel 0's (0.25: a
 * quarter cycle between left and right); a chorus's voice k of V another k / V cycles.
 *
 * Chorus and Flanger, per channel, with the line v read as fx_delayline.h does:
 *
 *     d_k[n] = (centre_delay + depth * sin(2 pi (phase[n] + offset_k))) * samplerate
 *              (frames, kept within 1 .. the line's length)
 *     w[n] = mean over voices k of v[n - d_k[n]]
 *     v[n] = x[n] + feedback * w[n]
 *     y[n] = (1 - mix) * x[n] + mix * w[n]
 *
 * A Flanger is one voice with short delays. Phaser, per channel:
 *
 *     f[n] = centre * 2 ^ (depth * sin(2 pi (phase[n] + offset))), within 1 Hz .. 0.49 fs
 *     t = tan(pi f[n] / samplerate), a[n] = (t - 1) / (t + 1)
 *     u = x[n] + feedback * w[n - 1]
 *     each stage, state s:  out = a[n] * u + s,  s = u - a[n] * out,  u = out
 *     w[n] = u,  y[n] = (1 - mix) * x[n] + mix * w[n]
 */
#include <math.h>
#include <string.h>

#include "fx_delayline.h"
#include "node.h"
#include "simd.h"

#define MOST_VOICES 8
#define MOST_STAGES 16

enum { RATE, DEPTH, CENTRE, FEEDBACK, MIX, SPREAD, COUNT };

static const pk_param_info chorus_params[] = {
    {"rate", 1.0f, 0.0f, 100.0f, 0},
    {"depth", 0.002f, 0.0f, 0.05f, 0},
    {"centre_delay", 0.007f, 0.0f, 0.1f, 0},
    {"feedback", 0.0f, -0.99f, 0.99f, 0},
    {"mix", 0.5f, 0.0f, 1.0f, 0},
    {"spread", 0.25f, 0.0f, 1.0f, PK_PARAM_SETTING},
    {"voices", 2.0f, 1.0f, MOST_VOICES, PK_PARAM_SETTING},
};

#define FLANGER_MOST 0.02f

static const pk_param_info flanger_params[] = {
    {"rate", 0.25f, 0.0f, 100.0f, 0},
    {"depth", 0.002f, 0.0f, FLANGER_MOST, 0},
    {"centre_delay", 0.003f, 0.0f, FLANGER_MOST, 0},
    {"feedback", 0.5f, -0.99f, 0.99f, 0},
    {"mix", 0.5f, 0.0f, 1.0f, 0},
    {"spread", 0.25f, 0.0f, 1.0f, PK_PARAM_SETTING},
};

static const pk_param_info phaser_params[] = {
    {"rate", 0.5f, 0.0f, 100.0f, 0},
    {"depth", 1.5f, 0.0f, 10.0f, 0},
    {"centre", 1300.0f, 1.0f, 1e5f, 0},
    {"feedback", 0.0f, -0.99f, 0.99f, 0},
    {"mix", 0.5f, 0.0f, 1.0f, 0},
    {"spread", 0.25f, 0.0f, 1.0f, PK_PARAM_SETTING},
    {"stages", 6.0f, 1.0f, MOST_STAGES, PK_PARAM_SETTING},
};

typedef struct {
    pk_node node;
    double phase;            /* cycles, 0 .. 1 */
    double lfo_sin, lfo_cos; /* of the phase */
    uint64_t count;          /* frames since prepared or reset */
    float step_rate;         /* what step is for */
    double step;             /* the phase's step a frame: rate / samplerate */
    float rate;              /* what step_sin and step_cos are for */
    double step_sin, step_cos;
    /* Each (voice, channel)'s LFO offset (the phaser has one voice) as its cosine and sine,
     * so that sin(theta + offset) = sin(theta) cos(offset) + cos(theta) sin(offset). */
    double offset_cos[MOST_VOICES][PK_MAX_CHANNELS];
    double offset_sin[MOST_VOICES][PK_MAX_CHANNELS];
    int32_t voices;
    int32_t stages;
    double most; /* chorus, flanger: the longest delay, frames */
    pk_delay_line line;
    float state[MOST_STAGES][PK_MAX_CHANNELS]; /* phaser: each stage's */
    float last[PK_MAX_CHANNELS];               /* phaser: the last output, fed back */
} modulation;

static void set_offsets(modulation *m, int32_t voices, int32_t channels)
{
    const double spread = pk_param_setting(&m->node.params[SPREAD]);
    for (int32_t k = 0; k < voices; k++)
        for (int32_t c = 0; c < channels; c++) {
            const double offset = 2.0 * M_PI * ((double)k / voices + c * spread);
            m->offset_cos[k][c] = cos(offset);
            m->offset_sin[k][c] = sin(offset);
        }
}

/* The LFO's sine and cosine at this frame, then on to the next: rotated by the phase's step
 * (its sine and cosine computed again only when the rate changes), and recomputed from the
 * phase itself every RESYNC frames so that rounding cannot build up. */
#define RESYNC 1024

PK_INLINE void lfo_step(modulation *m, float rate, double *s, double *c)
{
    *s = m->lfo_sin, *c = m->lfo_cos;
    if (rate != m->step_rate) /* (a division a frame otherwise) */
        m->step_rate = rate, m->step = (double)rate / m->node.samplerate;
    const double step = m->step;
    m->phase += step;
    if (m->phase >= 1.0)
        m->phase -= floor(m->phase);
    if (++m->count % RESYNC == 0) {
        m->lfo_sin = sin(2.0 * M_PI * m->phase), m->lfo_cos = cos(2.0 * M_PI * m->phase);
        return;
    }
    if (rate != m->rate) {
        m->rate = rate;
        m->step_sin = sin(2.0 * M_PI * step), m->step_cos = cos(2.0 * M_PI * step);
    }
    const double ss = m->lfo_sin, cc = m->lfo_cos;
    m->lfo_sin = ss * m->step_cos + cc * m->step_sin;
    m->lfo_cos = cc * m->step_cos - ss * m->step_sin;
}

static void modulation_reset(pk_node *node)
{
    modulation *m = (modulation *)node;
    m->phase = m->lfo_sin = 0.0;
    m->lfo_cos = 1.0;
    m->count = 0;
    m->rate = m->step_rate = -1.0f;
    pk_delay_line_clear(&m->line);
    memset(m->state, 0, sizeof m->state);
    memset(m->last, 0, sizeof m->last);
}

static void modulation_release(pk_node *node)
{
    pk_delay_line_free(&((modulation *)node)->line);
}

/* ---- Chorus and Flanger ---- */

static int sweep_prepare(pk_node *node, double samplerate, int32_t channels, int32_t voices)
{
    modulation *m = (modulation *)node;
    const pk_param_info *info = node->kind->params;
    m->voices = voices;
    set_offsets(m, voices, channels);
    m->most = ceil(((double)info[CENTRE].max + info[DEPTH].max) * samplerate) + 1.0;
    node->latency = 0;
    const double loop = ((double)pk_param_setting(&node->params[CENTRE]) +
                         pk_param_setting(&node->params[DEPTH])) * samplerate + 2.0;
    node->tail = pk_feedback_tail(loop, pk_param_setting(&node->params[FEEDBACK]),
                                  60.0 * samplerate);
    const int status = pk_delay_line_init(&m->line, (size_t)m->most, (size_t)channels);
    modulation_reset(node);
    return status;
}

static int chorus_prepare(pk_node *node, double samplerate, int32_t channels)
{
    return sweep_prepare(node, samplerate, channels,
                         (int32_t)pk_param_setting(&node->params[COUNT]));
}

static int flanger_prepare(pk_node *node, double samplerate, int32_t channels)
{
    return sweep_prepare(node, samplerate, channels, 1);
}

/* Frames a pass of sweep_process takes: its taps for every voice stay on the stack. */
#define CHUNK 64

/* pk_delay_tap_at(d) without branches, for a loop over frames to vectorise: the same
 * weights, the first frame's delay as an int32 (delays stay far under 2^31 frames). */
PK_INLINE void tap_weights(double d, int32_t *first, float *h0, float *h1, float *h2,
                           float *h3)
{
    const int32_t j = (int32_t)d - 1;
    const double p = d - (double)j, p1 = p - 1.0, p2 = p - 2.0, p3 = p - 3.0;
    const double sixth = 1.0 / 6.0;
    const int linear = d < 2.0;
    *first = linear ? 1 : j;
    *h0 = linear ? (float)(2.0 - d) : (float)(-p1 * p2 * p3 * sixth);
    *h1 = linear ? (float)(d - 1.0) : (float)(p * p2 * p3 * 0.5);
    *h2 = linear ? 0.0f : (float)(-p * p1 * p3 * 0.5);
    *h3 = linear ? 0.0f : (float)(p * p1 * p2 * sixth);
}

/* In passes of up to CHUNK frames: the LFO and the parameters frame by frame; then per
 * channel, every voice's taps over the pass (vectorised: the four samples' places in the
 * line and their weights), and the reads and writes of the line frame by frame (with
 * feedback, a read may need the frame just written). */
PK_SIMD static void sweep_process(pk_node *node, float *block, size_t frames, int64_t now,
                                  pk_node_context *context)
{
    (void)context;
    modulation *m = (modulation *)node;
    const size_t channels = (size_t)node->channels;
    const int32_t mask = (int32_t)m->line.mask, width = (int32_t)channels;
    const double samplerate = node->samplerate, most = m->most;
    const int32_t voices = m->voices;
    const float share = 1.0f / (float)voices;
    pk_param *p = node->params;
    size_t step[SPREAD];
    for (int i = 0; i < SPREAD; i++)
        step[i] = !pk_param_run(&p[i], now, frames);
    for (size_t f0 = 0; f0 < frames; f0 += CHUNK) {
        const int32_t n = (int32_t)(frames - f0 < CHUNK ? frames - f0 : CHUNK);
        double s[CHUNK], co[CHUNK], centre[CHUNK], depth[CHUNK];
        float g[CHUNK], mix[CHUNK];
        for (int32_t i = 0; i < n; i++) {
            const size_t f = f0 + (size_t)i;
            centre[i] = p[CENTRE].values[f * step[CENTRE]];
            depth[i] = p[DEPTH].values[f * step[DEPTH]];
            g[i] = p[FEEDBACK].values[f * step[FEEDBACK]];
            mix[i] = p[MIX].values[f * step[MIX]];
            lfo_step(m, p[RATE].values[f * step[RATE]], &s[i], &co[i]);
        }
        const int32_t write = (int32_t)m->line.write;
        for (size_t c = 0; c < channels; c++) {
            int32_t at[MOST_VOICES][4][CHUNK]; /* the line's floats, channel c's at 0 */
            float h[MOST_VOICES][4][CHUNK];
            int32_t nearest = INT32_MAX; /* the least first - i: how far back reads reach */
            for (int32_t k = 0; k < voices; k++) {
                const double oc = m->offset_cos[k][c], os = m->offset_sin[k][c];
                for (int32_t i = 0; i < n; i++) {
                    const double lfo = s[i] * oc + co[i] * os;
                    double d = (centre[i] + depth[i] * lfo) * samplerate;
                    d = d < 1.0 ? 1.0 : d > most ? most : d;
                    int32_t first;
                    tap_weights(d, &first, &h[k][0][i], &h[k][1][i], &h[k][2][i], &h[k][3][i]);
                    for (int32_t j = 0; j < 4; j++)
                        at[k][j][i] = ((write + i - first - j) & mask) * width;
                    nearest = first - i < nearest ? first - i : nearest;
                }
            }
            float *line = m->line.frames + c, *x = block + f0 * channels + c;
            if (nearest > 0) {
                /* Every read is of a frame from before this pass: the frames are independent,
                 * so all reads first (gathers), then all writes. */
                float wet[CHUNK];
                for (int32_t i = 0; i < n; i++)
                    wet[i] = 0.0f;
                for (int32_t k = 0; k < voices; k++) {
                    PK_IVDEP
                    for (int32_t i = 0; i < n; i++)
                        wet[i] += h[k][0][i] * line[at[k][0][i]] + h[k][1][i] * line[at[k][1][i]] +
                                  h[k][2][i] * line[at[k][2][i]] + h[k][3][i] * line[at[k][3][i]];
                }
                PK_IVDEP
                for (int32_t i = 0; i < n; i++) {
                    const float w = wet[i] * share, in = x[(size_t)i * channels];
                    line[((write + i) & mask) * width] = in + g[i] * w;
                    x[(size_t)i * channels] = (1.0f - mix[i]) * in + mix[i] * w;
                }
                continue;
            }
            for (int32_t i = 0; i < n; i++, x += channels) {
                float wet = 0.0f;
                for (int32_t k = 0; k < voices; k++)
                    wet += h[k][0][i] * line[at[k][0][i]] + h[k][1][i] * line[at[k][1][i]] +
                           h[k][2][i] * line[at[k][2][i]] + h[k][3][i] * line[at[k][3][i]];
                wet *= share;
                line[((write + i) & mask) * width] = *x + g[i] * wet;
                *x = (1.0f - mix[i]) * *x + mix[i] * wet;
            }
        }
        m->line.write = (size_t)((write + n) & mask);
    }
}

/* ---- Phaser ---- */

static double phaser_coefficient(double centre, double depth, double lfo, double samplerate)
{
    double f = centre * exp2(depth * lfo);
    const double top = 0.49 * samplerate;
    f = f < 1.0 ? 1.0 : f > top ? top : f;
    const double t = tan(M_PI * f / samplerate);
    return (t - 1.0) / (t + 1.0);
}

static int phaser_prepare(pk_node *node, double samplerate, int32_t channels)
{
    modulation *m = (modulation *)node;
    pk_param *p = node->params;
    m->stages = (int32_t)pk_param_setting(&p[COUNT]);
    set_offsets(m, 1, channels);
    node->latency = 0;
    /* Each stage's pole is at -a; the slowest is at the sweep's lowest corner. */
    const double a = fabs(phaser_coefficient(pk_param_setting(&p[CENTRE]),
                                             pk_param_setting(&p[DEPTH]), -1.0, samplerate));
    const double stage = a > 1e-9 ? ceil(6.0 * log(10.0) / -log(a)) : 1.0;
    node->tail = pk_feedback_tail(stage * m->stages + 1.0,
                                  pk_param_setting(&p[FEEDBACK]), 60.0 * samplerate);
    modulation_reset(node);
    return 0;
}

static void phaser_process(pk_node *node, float *block, size_t frames, int64_t now,
                           pk_node_context *context)
{
    (void)context;
    modulation *m = (modulation *)node;
    const size_t channels = (size_t)node->channels;
    const double samplerate = node->samplerate;
    pk_param *p = node->params;
    size_t step[SPREAD];
    for (int i = 0; i < SPREAD; i++)
        step[i] = !pk_param_run(&p[i], now, frames);
    for (size_t f = 0; f < frames; f++) {
        const double centre = p[CENTRE].values[f * step[CENTRE]];
        const double depth = p[DEPTH].values[f * step[DEPTH]];
        const float g = p[FEEDBACK].values[f * step[FEEDBACK]];
        const float mix = p[MIX].values[f * step[MIX]];
        double s, co;
        lfo_step(m, p[RATE].values[f * step[RATE]], &s, &co);
        float *x = block + f * channels;
        for (size_t c = 0; c < channels; c++) {
            const double lfo = s * m->offset_cos[0][c] + co * m->offset_sin[0][c];
            const float a = (float)phaser_coefficient(centre, depth, lfo, samplerate);
            float u = x[c] + g * m->last[c];
            for (int32_t k = 0; k < m->stages; k++) {
                const float out = a * u + m->state[k][c];
                m->state[k][c] = u - a * out;
                u = out;
            }
            m->last[c] = u;
            x[c] = (1.0f - mix) * x[c] + mix * u;
        }
    }
}

const pk_node_class pk_chorus_class = {
    PK_NODE_ABI,  "chorus",      sizeof(modulation), COUNT + 1,         chorus_params,
    chorus_prepare, sweep_process, modulation_reset, modulation_release};
const pk_node_class pk_flanger_class = {
    PK_NODE_ABI,   "flanger",     sizeof(modulation), COUNT,             flanger_params,
    flanger_prepare, sweep_process, modulation_reset, modulation_release};
const pk_node_class pk_phaser_class = {
    PK_NODE_ABI,  "phaser",       sizeof(modulation), COUNT + 1,         phaser_params,
    phaser_prepare, phaser_process, modulation_reset, modulation_release};

/* Colour: effects that shape each sample by itself, no memory (but Bitcrush's hold).
 *
 * Distortion: y = (1 - mix) x + mix tanh(g x), g = 10^(drive_db / 20) (tanh: fx_math.h's,
 *   within 1 ulp, vectorised).
 * Clip: x kept within -threshold .. threshold.
 * Bitcrush: held to every `downsample`-th frame (counted in the host's frames, so the same
 *   frames are taken whatever the block size), then rounded to the nearest of the levels
 *   2^(1 - bits) apart (a mid-tread quantiser: 0 stays 0): y = floor(x 2^(bits-1) + 1/2) /
 *   2^(bits-1), bits a real number so that it glides.
 * Pan: the constant-power law of pkaudio.dsp.pan_gains, left gain cos(theta) and right gain
 *   sin(theta), theta = (pan + 1) pi / 4, applied to channel pairs (0, 1), (2, 3), ...; a
 *   last odd channel, a mono signal's too, passes unchanged. */
#include <math.h>
#include <string.h>

#include "fx_math.h"
#include "node.h"

static int nothing_to_prepare(pk_node *node, double samplerate, int32_t channels)
{
    (void)samplerate;
    (void)channels;
    node->latency = 0;
    node->tail = 0;
    return 0;
}

static void nothing_to_reset(pk_node *node)
{
    (void)node;
}

/* ---- Distortion ---- */

enum { DRIVE_DB, MIX };

static const pk_param_info distortion_params[] = {
    {"drive_db", 25.0f, -60.0f, 100.0f, 0},
    {"mix", 1.0f, 0.0f, 1.0f, 0},
};

PK_INLINE float distort(float x, float g, float mix)
{
    return x + mix * (pk_tanhf(g * x) - x);
}

PK_SIMD static void distortion_process(pk_node *node, float *block, size_t frames, int64_t now,
                               pk_node_context *context)
{
    (void)context;
    const size_t channels = (size_t)node->channels;
    pk_param *drive = &node->params[DRIVE_DB], *mix = &node->params[MIX];
    const int held_d = pk_param_run(drive, now, frames);
    const int held_m = pk_param_run(mix, now, frames);
    if (held_d && held_m) {
        const float g = (float)pow(10.0, drive->values[0] / 20.0), m = mix->values[0];
        PK_IVDEP
        for (size_t i = 0; i < frames * channels; i++)
            block[i] = distort(block[i], g, m);
        return;
    }
    float last_db = NAN, g = 0.0f;
    for (size_t t = 0; t < frames; t++) {
        const float db = drive->values[held_d ? 0 : t], m = mix->values[held_m ? 0 : t];
        if (db != last_db)
            g = (float)pow(10.0, db / 20.0), last_db = db;
        for (size_t c = 0; c < channels; c++)
            block[t * channels + c] = distort(block[t * channels + c], g, m);
    }
}

const pk_node_class pk_distortion_class = {
    PK_NODE_ABI,        "distortion",       sizeof(pk_node), 2, distortion_params,
    nothing_to_prepare, distortion_process, nothing_to_reset, NULL};

/* ---- Clip ---- */

static const pk_param_info clip_params[] = {{"threshold", 1.0f, 0.0f, 1e6f, 0}};

static inline float clip(float x, float threshold)
{
    /* Through an addition, so that a denormal comes out as 0 on every path: the host runs
     * nodes with denormals flushed, which a vectorised min/max applies and a scalar select
     * would not (the same input would then give another output at another block size). */
    x += 0.0f;
    return x > threshold ? threshold : x < -threshold ? -threshold : x;
}

static void clip_process(pk_node *node, float *block, size_t frames, int64_t now,
                         pk_node_context *context)
{
    (void)context;
    const size_t channels = (size_t)node->channels;
    pk_param *threshold = &node->params[0];
    if (pk_param_run(threshold, now, frames)) {
        const float th = threshold->values[0];
        for (size_t i = 0; i < frames * channels; i++)
            block[i] = clip(block[i], th);
        return;
    }
    for (size_t t = 0; t < frames; t++)
        for (size_t c = 0; c < channels; c++)
            block[t * channels + c] = clip(block[t * channels + c], threshold->values[t]);
}

const pk_node_class pk_clip_class = {PK_NODE_ABI,        "clip",       sizeof(pk_node),
                                     1,                  clip_params,  nothing_to_prepare,
                                     clip_process,       nothing_to_reset, NULL};

/* ---- Bitcrush ---- */

#define MOST_DOWNSAMPLE 256

enum { BITS, DOWNSAMPLE };

static const pk_param_info bitcrush_params[] = {
    {"bits", 8.0f, 1.0f, 24.0f, 0},
    {"downsample", 1.0f, 1.0f, MOST_DOWNSAMPLE, PK_PARAM_SETTING},
};

typedef struct {
    pk_node node;
    int64_t every;                 /* downsample */
    float bits, scale;             /* scale: 2^(bits - 1) */
    float held[PK_MAX_CHANNELS];
} bitcrush;

static void bitcrush_reset(pk_node *node)
{
    bitcrush *b = (bitcrush *)node;
    memset(b->held, 0, sizeof b->held);
}

static int bitcrush_prepare(pk_node *node, double samplerate, int32_t channels)
{
    (void)samplerate;
    (void)channels;
    bitcrush *b = (bitcrush *)node;
    b->every = (int64_t)pk_param_setting(&node->params[DOWNSAMPLE]);
    b->bits = NAN;
    node->latency = 0;
    node->tail = b->every - 1;
    bitcrush_reset(node);
    return 0;
}

static inline float crush(float x, float scale)
{
    return floorf(x * scale + 0.5f) / scale;
}

static void bitcrush_process(pk_node *node, float *block, size_t frames, int64_t now,
                             pk_node_context *context)
{
    (void)context;
    bitcrush *b = (bitcrush *)node;
    const size_t channels = (size_t)node->channels;
    pk_param *bits = &node->params[BITS];
    const int held = pk_param_run(bits, now, frames);
    /* Frames since the last one taken: the host's frame modulo `every`, never negative. */
    int64_t phase = ((now % b->every) + b->every) % b->every;
    for (size_t t = 0; t < frames; t++) {
        const float n = bits->values[held ? 0 : t];
        if (n != b->bits)
            b->bits = n, b->scale = (float)exp2(n - 1.0);
        float *frame = block + t * channels;
        if (phase == 0)
            memcpy(b->held, frame, channels * sizeof *frame);
        for (size_t c = 0; c < channels; c++)
            frame[c] = crush(b->held[c], b->scale);
        if (++phase == b->every)
            phase = 0;
    }
}

const pk_node_class pk_bitcrush_class = {PK_NODE_ABI,      "bitcrush",       sizeof(bitcrush),
                                         2,                bitcrush_params,  bitcrush_prepare,
                                         bitcrush_process, bitcrush_reset,   NULL};

/* ---- Pan ---- */

static const pk_param_info pan_params[] = {{"pan", 0.0f, -1.0f, 1.0f, 0}};

static void pan_gains(float pan, float *left, float *right)
{
    const double theta = ((double)pan + 1.0) * M_PI / 4.0;
    *left = (float)cos(theta), *right = (float)sin(theta);
}

static void pan_process(pk_node *node, float *block, size_t frames, int64_t now,
                        pk_node_context *context)
{
    (void)context;
    const size_t channels = (size_t)node->channels, pairs = channels / 2;
    if (pairs == 0)
        return;
    pk_param *pan = &node->params[0];
    const int held = pk_param_run(pan, now, frames);
    float last = NAN, left = 1.0f, right = 1.0f;
    for (size_t t = 0; t < frames; t++) {
        const float p = pan->values[held ? 0 : t];
        if (p != last)
            pan_gains(p, &left, &right), last = p;
        float *frame = block + t * channels;
        for (size_t i = 0; i < pairs; i++)
            frame[2 * i] *= left, frame[2 * i + 1] *= right;
    }
}

const pk_node_class pk_pan_class = {PK_NODE_ABI,        "pan",       sizeof(pk_node),
                                    1,                  pan_params,  nothing_to_prepare,
                                    pan_process,        nothing_to_reset, NULL};

/* Convolution with an impulse response (fx_convolution.h), uniformly partitioned in the
 * frequency domain (overlap-save): the response is cut into K partitions of P frames, each
 * transformed once in prepare at FFT size 2P. Every P input frames, the last 2P are
 * transformed into a ring of the K latest input spectra (the frequency-domain delay line);
 * the output's spectrum is the sum of partition j's spectrum times the input spectrum of j
 * partitions ago, and its inverse's second half is the next P frames of output. The output
 * thus comes P frames late (the latency), and the work per frame is one pair of 2P-point
 * FFTs per P frames plus K products of spectra, whatever the block size. `mix` is the wet
 * share, the dry signal delayed to line up. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fft.h"
#include "fx_convolution.h"

enum { MIX, PARTITION };

#define LEAST_PARTITION 16
#define MOST_PARTITION 16384

static const pk_param_info params[] = {
    {"mix", 1.0f, 0.0f, 1.0f, 0},
    {"partition", 256.0f, LEAST_PARTITION, MOST_PARTITION, PK_PARAM_SETTING},
};

typedef struct {
    pk_node node;
    const float *ir;           /* as given to pk_convolution_use; read by prepare only */
    int64_t ir_frames;
    int32_t ir_channels;
    int32_t responses;         /* spectra sets: 1 (shared by every channel) or channels */
    size_t size;               /* P, frames a partition */
    size_t count;              /* K, partitions */
    size_t stride;             /* floats from a spectrum's real parts to its imaginary ones;
                                * 2 * stride from one spectrum to the next */
    pk_fft_plan *fft;
    float *spectra;            /* responses x K spectra of the partitions, scaled by 1 / 2P */
    float *history;            /* channels x K input spectra, a ring: slot `head` the latest */
    float *input;              /* channels x 2P: the last partition's frames, then this one's */
    float *output;             /* channels x P: the wet frames being played */
    float *sum;                /* one spectrum */
    float *time;               /* 2P */
    size_t fill;               /* frames of this partition in so far */
    size_t head;
} convolution;

void pk_convolution_use(pk_node *node, const float *ir, int64_t frames, int32_t channels)
{
    convolution *v = (convolution *)node;
    v->ir = ir, v->ir_frames = frames, v->ir_channels = channels;
}

static void convolution_release(pk_node *node)
{
    convolution *v = (convolution *)node;
    pk_fft_plan_free(v->fft);
    free(v->spectra);
    free(v->history);
    free(v->input);
    free(v->output);
    free(v->sum);
    free(v->time);
    v->fft = NULL;
    v->spectra = v->history = v->input = v->output = v->sum = v->time = NULL;
}

static void convolution_reset(pk_node *node)
{
    convolution *v = (convolution *)node;
    const size_t channels = (size_t)node->channels;
    memset(v->history, 0, channels * v->count * 2 * v->stride * sizeof(float));
    memset(v->input, 0, channels * 2 * v->size * sizeof(float));
    memset(v->output, 0, channels * v->size * sizeof(float));
    v->fill = v->head = 0;
}

static int convolution_prepare(pk_node *node, double samplerate, int32_t channels)
{
    (void)samplerate;
    convolution *v = (convolution *)node;
    static const float unit = 1.0f;
    const float *ir = v->ir;
    int64_t frames = v->ir_frames;
    int32_t ir_channels = v->ir_channels;
    if (!ir || frames < 1 || ir_channels < 1)
        ir = &unit, frames = 1, ir_channels = 1;
    if (ir_channels != 1 && ir_channels != channels)
        return PK_NODE_BAD_SETUP;
    size_t size = LEAST_PARTITION;
    while (size < (size_t)pk_param_setting(&node->params[PARTITION]) && size < MOST_PARTITION)
        size *= 2;
    v->size = size;
    v->count = ((size_t)frames + size - 1) / size;
    v->stride = (size + 1 + 7) & ~(size_t)7;
    v->responses = ir_channels;
    const size_t spectrum = 2 * v->stride;
    v->fft = pk_fft_plan_new(2 * size);
    v->spectra = calloc((size_t)ir_channels * v->count * spectrum, sizeof(float));
    v->history = calloc((size_t)channels * v->count * spectrum, sizeof(float));
    v->input = calloc((size_t)channels * 2 * size, sizeof(float));
    v->output = calloc((size_t)channels * size, sizeof(float));
    v->sum = calloc(spectrum, sizeof(float));
    v->time = calloc(2 * size, sizeof(float));
    if (!v->fft || !v->spectra || !v->history || !v->input || !v->output || !v->sum ||
        !v->time) {
        convolution_release(node);
        return PK_NODE_NO_MEMORY;
    }
    const float scale = 1.0f / (float)(2 * size);
    for (int32_t r = 0; r < ir_channels; r++)
        for (size_t j = 0; j < v->count; j++) {
            memset(v->time, 0, 2 * size * sizeof(float));
            for (size_t t = 0; t < size && (int64_t)(j * size + t) < frames; t++)
                v->time[t] = ir[(j * size + t) * (size_t)ir_channels + (size_t)r] * scale;
            float *s = v->spectra + ((size_t)r * v->count + j) * spectrum;
            pk_fft_forward(v->fft, v->time, s, s + v->stride);
        }
    node->latency = (int64_t)size;
    node->tail = frames - 1;
    convolution_reset(node);
    return 0;
}

/* A partition's frames are in: the next P frames of output, for every channel. */
static void convolve(convolution *v)
{
    const size_t channels = (size_t)v->node.channels, size = v->size, count = v->count;
    const size_t bins = size + 1, stride = v->stride, spectrum = 2 * stride;
    float *restrict sum_re = v->sum, *restrict sum_im = v->sum + stride;
    for (size_t c = 0; c < channels; c++) {
        float *ring = v->history + c * count * spectrum;
        float *latest = ring + v->head * spectrum;
        float *input = v->input + c * 2 * size;
        pk_fft_forward(v->fft, input, latest, latest + stride);
        const float *response = v->spectra + (v->responses == 1 ? 0 : c) * count * spectrum;
        memset(v->sum, 0, spectrum * sizeof(float));
        for (size_t j = 0; j < count; j++) {
            const size_t slot = v->head >= j ? v->head - j : v->head + count - j;
            const float *restrict xr = ring + slot * spectrum, *restrict xi = xr + stride;
            const float *restrict hr = response + j * spectrum, *restrict hi = hr + stride;
            for (size_t k = 0; k < bins; k++) {
                sum_re[k] += xr[k] * hr[k] - xi[k] * hi[k];
                sum_im[k] += xr[k] * hi[k] + xi[k] * hr[k];
            }
        }
        pk_fft_inverse(v->fft, sum_re, sum_im, v->time);
        memcpy(v->output + c * size, v->time + size, size * sizeof(float));
        memmove(input, input + size, size * sizeof(float));
    }
    v->head = v->head + 1 == count ? 0 : v->head + 1;
}

static void convolution_process(pk_node *node, float *block, size_t frames, int64_t now,
                                pk_node_context *context)
{
    (void)context;
    convolution *v = (convolution *)node;
    const size_t channels = (size_t)node->channels, size = v->size;
    pk_param *mix = &node->params[MIX];
    const int held = pk_param_run(mix, now, frames);
    const size_t step = !held;
    for (size_t done = 0; done < frames;) {
        const size_t n = frames - done < size - v->fill ? frames - done : size - v->fill;
        for (size_t c = 0; c < channels; c++) {
            float *in = v->input + c * 2 * size + size + v->fill;
            const float *dry = v->input + c * 2 * size + v->fill;
            const float *wet = v->output + c * size + v->fill;
            float *x = block + done * channels + c;
            const float *m = mix->values + done * step;
            for (size_t t = 0; t < n; t++) {
                in[t] = x[t * channels];
                x[t * channels] = (1.0f - m[t * step]) * dry[t] + m[t * step] * wet[t];
            }
        }
        done += n;
        v->fill += n;
        if (v->fill == size) {
            convolve(v);
            v->fill = 0;
        }
    }
}

const pk_node_class pk_convolution_class = {
    PK_NODE_ABI,         "convolution",     sizeof(convolution), 2, params, convolution_prepare,
    convolution_process, convolution_reset, convolution_release};

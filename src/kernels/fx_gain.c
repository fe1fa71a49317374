/* Gain: every channel times `gain` (linear), automatable frame by frame. */
#include "node.h"

enum { GAIN };

static const pk_param_info params[] = {{"gain", 1.0f, -1e6f, 1e6f, 0}};

static int gain_prepare(pk_node *node, double samplerate, int32_t channels)
{
    (void)node;
    (void)samplerate;
    (void)channels;
    return 0;
}

static void gain_reset(pk_node *node)
{
    (void)node;
}

static void gain_process(pk_node *node, float *block, size_t frames, int64_t now,
                         pk_node_context *context)
{
    (void)context;
    const size_t channels = (size_t)node->channels;
    pk_param *gain = &node->params[GAIN];
    if (pk_param_run(gain, now, frames)) {
        const float g = gain->values[0];
        for (size_t i = 0; i < frames * channels; i++)
            block[i] *= g;
        return;
    }
    for (size_t f = 0; f < frames; f++)
        for (size_t c = 0; c < channels; c++)
            block[f * channels + c] *= gain->values[f];
}

const pk_node_class pk_gain_class = {PK_NODE_ABI,  "gain",       sizeof(pk_node), 1, params,
                                     gain_prepare, gain_process, gain_reset,      NULL};

/* Chain and Mix: nodes run in series or in parallel (fx.h). */
#include <stdlib.h>
#include <string.h>

#include "fx.h"

static void group_release(pk_node *node)
{
    pk_group *g = (pk_group *)node;
    if (g->lines)
        for (int32_t i = 0; i < g->count; i++)
            free(g->lines[i]);
    free(g->lines);
    free(g->delays);
    free(g->positions);
    free(g->input);
    free(g->sum);
    g->lines = NULL;
    g->delays = g->positions = NULL;
    g->input = g->sum = NULL;
}

static void group_reset(pk_node *node)
{
    pk_group *g = (pk_group *)node;
    for (int32_t i = 0; i < g->count; i++) {
        g->children[i]->kind->reset(g->children[i]);
        if (g->lines && g->lines[i]) {
            memset(g->lines[i], 0, (size_t)g->delays[i] * (size_t)node->channels * sizeof(float));
            g->positions[i] = 0;
        }
    }
}

static int group_prepare(pk_node *node, double samplerate, int32_t channels)
{
    (void)samplerate;
    pk_group *g = (pk_group *)node;
    group_release(node);
    g->parallel = node->kind == &pk_mix_class;
    node->latency = node->tail = 0;
    for (int32_t i = 0; i < g->count; i++) {
        const pk_node *child = g->children[i];
        if (g->parallel) {
            node->latency = child->latency > node->latency ? child->latency : node->latency;
            node->tail = child->tail > node->tail ? child->tail : node->tail;
        } else {
            node->latency += child->latency;
            node->tail += child->tail;
        }
    }
    if (!g->parallel || g->count == 0)
        return 0;
    const size_t block = (size_t)PK_BLOCK * (size_t)channels;
    g->input = malloc(block * sizeof(float));
    g->sum = malloc(block * sizeof(float));
    g->lines = calloc((size_t)g->count, sizeof(float *));
    g->delays = calloc((size_t)g->count, sizeof(int64_t));
    g->positions = calloc((size_t)g->count, sizeof(int64_t));
    if (!g->input || !g->sum || !g->lines || !g->delays || !g->positions)
        goto no_memory;
    for (int32_t i = 0; i < g->count; i++) {
        g->delays[i] = node->latency - g->children[i]->latency;
        if (g->delays[i] > 0 &&
            !(g->lines[i] = calloc((size_t)g->delays[i] * (size_t)channels, sizeof(float))))
            goto no_memory;
    }
    return 0;
no_memory:
    group_release(node);
    return PK_NODE_NO_MEMORY;
}

static void delay_into(float *line, int64_t frames, int64_t *position, float *block, size_t n,
                       size_t channels)
{
    for (size_t f = 0; f < n; f++) {
        float *slot = line + (size_t)*position * channels;
        for (size_t c = 0; c < channels; c++) {
            const float x = block[f * channels + c];
            block[f * channels + c] = slot[c];
            slot[c] = x;
        }
        if (++*position == frames)
            *position = 0;
    }
}

static void group_process(pk_node *node, float *block, size_t frames, int64_t now,
                          pk_node_context *context)
{
    pk_group *g = (pk_group *)node;
    if (!g->parallel) {
        for (int32_t i = 0; i < g->count; i++)
            g->children[i]->kind->process(g->children[i], block, frames, now, context);
        return;
    }
    if (g->count == 0)
        return;
    const size_t channels = (size_t)node->channels, samples = frames * channels;
    memcpy(g->input, block, samples * sizeof(float));
    memset(g->sum, 0, samples * sizeof(float));
    for (int32_t i = 0; i < g->count; i++) {
        memcpy(block, g->input, samples * sizeof(float));
        g->children[i]->kind->process(g->children[i], block, frames, now, context);
        if (g->delays[i] > 0)
            delay_into(g->lines[i], g->delays[i], &g->positions[i], block, frames, channels);
        for (size_t k = 0; k < samples; k++)
            g->sum[k] += block[k];
    }
    memcpy(block, g->sum, samples * sizeof(float));
}

const pk_node_class pk_chain_class = {PK_NODE_ABI,   "chain",       sizeof(pk_group), 0, NULL,
                                      group_prepare, group_process, group_reset,      group_release};
const pk_node_class pk_mix_class = {PK_NODE_ABI,   "mix",         sizeof(pk_group), 0, NULL,
                                    group_prepare, group_process, group_reset,      group_release};

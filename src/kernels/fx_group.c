/* Chain and Mix: nodes run in series or in parallel (fx.h). */
#include <stdlib.h>
#include <string.h>

#include "fx.h"

static void group_release(pk_node *node)
{
    pk_group *g = (pk_group *)node;
    if (g->lines)
        for (int32_t i = 0; i < g->count; i++)
            free(g->lines[i].buffer);
    free(g->lines);
    free(g->input);
    free(g->sum);
    g->lines = NULL;
    g->input = g->sum = NULL;
}

static void group_reset(pk_node *node)
{
    pk_group *g = (pk_group *)node;
    for (int32_t i = 0; i < g->count; i++) {
        g->children[i]->kind->reset(g->children[i]);
        if (g->lines && g->lines[i].frames > 0) {
            memset(g->lines[i].buffer, 0,
                   (size_t)g->lines[i].frames * (size_t)node->channels * sizeof(float));
            g->lines[i].position = 0;
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
    g->lines = calloc((size_t)g->count, sizeof(pk_delay_line));
    if (!g->input || !g->sum || !g->lines)
        goto no_memory;
    for (int32_t i = 0; i < g->count; i++) {
        pk_delay_line *line = &g->lines[i];
        line->frames = node->latency - g->children[i]->latency;
        line->channels = channels;
        if (line->frames > 0 &&
            !(line->buffer = calloc((size_t)line->frames * (size_t)channels, sizeof(float))))
            goto no_memory;
    }
    return 0;
no_memory:
    group_release(node);
    return PK_NODE_NO_MEMORY;
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
    const size_t samples = frames * (size_t)node->channels;
    memcpy(g->input, block, samples * sizeof(float));
    memset(g->sum, 0, samples * sizeof(float));
    for (int32_t i = 0; i < g->count; i++) {
        memcpy(block, g->input, samples * sizeof(float));
        g->children[i]->kind->process(g->children[i], block, frames, now, context);
        if (g->lines[i].frames > 0)
            pk_delay_line_run(&g->lines[i], block, frames);
        for (size_t k = 0; k < samples; k++)
            g->sum[k] += block[k];
    }
    memcpy(block, g->sum, samples * sizeof(float));
}

const pk_node_class pk_chain_class = {PK_NODE_ABI,   "chain",       sizeof(pk_group), 0, NULL,
                                      group_prepare, group_process, group_reset,      group_release};
const pk_node_class pk_mix_class = {PK_NODE_ABI,   "mix",         sizeof(pk_group), 0, NULL,
                                    group_prepare, group_process, group_reset,      group_release};

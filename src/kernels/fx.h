/* pkaudio's built-in effects: node classes (node.h) found by name, and the groups that run
 * nodes in series (Chain) or in parallel (Mix). Internal to the package. */
#ifndef PKAUDIO_FX_H
#define PKAUDIO_FX_H

#include "fixed_delay.h"
#include "node.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The class called `name`, or NULL. */
const pk_node_class *pk_fx_class(const char *name);

/* Every built-in class, then NULL. */
extern const pk_node_class *const pk_fx_classes[];

/* The i-th of them (NULL past the last). */
const pk_node_class *pk_fx_class_at(size_t i);

/* A node running `count` others (the host sets children, and prepares each, before it
 * prepares the group): one after another, or (parallel) each on what came in, summed, the
 * quicker ones delayed to line up with the slowest. */
typedef struct {
    pk_node node;
    int32_t count;
    int32_t parallel;
    pk_node **children;
    /* parallel: what came in, the sum, and each child's delay to line up (frames 0: none) */
    float *input;
    float *sum;
    pk_delay_line *lines;
} pk_group;

extern const pk_node_class pk_chain_class;
extern const pk_node_class pk_mix_class;

#ifdef __cplusplus
}
#endif

#endif

/* The convolution node's impulse response: what its class interface (parameters only) cannot
 * carry. */
#ifndef PKAUDIO_FX_CONVOLUTION_H
#define PKAUDIO_FX_CONVOLUTION_H

#include <stdint.h>

#include "node.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const pk_node_class pk_convolution_class;

/* The impulse response the node's prepare takes: `frames` interleaved frames of `channels`
 * (1: every channel's; else one each, as many as the node is prepared for, or prepare fails
 * with PK_NODE_BAD_SETUP), at the rate it will be prepared at. Only prepare reads it, into its
 * own spectra: the caller keeps it alive for as long as prepare may run again (or gives
 * another). Until given one, the node passes its input through, delayed by its latency. Off
 * the audio thread, while the node is not running. */
void pk_convolution_use(pk_node *node, const float *ir, int64_t frames, int32_t channels);

#ifdef __cplusplus
}
#endif

#endif

/* The built-in effects by name (fx.h). */
#include <string.h>

#include "fx.h"

extern const pk_node_class pk_gain_class;
extern const pk_node_class pk_lowpass_class, pk_highpass_class, pk_bandpass_class,
    pk_notch_class, pk_peak_class, pk_lowshelf_class, pk_highshelf_class, pk_allpass_class;
extern const pk_node_class pk_svf_class, pk_ladder_class, pk_onepole_class, pk_dcblocker_class;
extern const pk_node_class pk_distortion_class, pk_clip_class, pk_bitcrush_class, pk_pan_class;
extern const pk_node_class pk_delay_class, pk_chorus_class, pk_flanger_class, pk_phaser_class;
extern const pk_node_class pk_reverb_class, pk_convolution_class;
extern const pk_node_class pk_compressor_class, pk_limiter_class, pk_gate_class,
    pk_expander_class;

const pk_node_class *const pk_fx_classes[] = {
    &pk_chain_class,    &pk_mix_class,       &pk_gain_class,
    &pk_lowpass_class,  &pk_highpass_class,  &pk_bandpass_class, &pk_notch_class,
    &pk_peak_class,     &pk_lowshelf_class,  &pk_highshelf_class, &pk_allpass_class,
    &pk_svf_class,      &pk_ladder_class,    &pk_onepole_class,  &pk_dcblocker_class,
    &pk_distortion_class, &pk_clip_class,    &pk_bitcrush_class, &pk_pan_class,
    &pk_delay_class,    &pk_chorus_class,    &pk_flanger_class,  &pk_phaser_class,
    &pk_reverb_class,   &pk_convolution_class,
    &pk_compressor_class, &pk_limiter_class, &pk_gate_class, &pk_expander_class,
    NULL};

const pk_node_class *pk_fx_class(const char *name)
{
    for (const pk_node_class *const *k = pk_fx_classes; *k; k++)
        if (strcmp((*k)->name, name) == 0)
            return *k;
    return NULL;
}

const pk_node_class *pk_fx_class_at(size_t i)
{
    return i < sizeof pk_fx_classes / sizeof pk_fx_classes[0] ? pk_fx_classes[i] : NULL;
}

"""Independent references the effects' tests compare against: formulas from the specs,
written out in numpy."""
import numpy as np

RATE = 48000


def cookbook(kind, f0, q, gain_db=0.0, rate=RATE):
    """(b, a) from Robert Bristow-Johnson's Audio EQ Cookbook."""
    w0 = 2 * np.pi * f0 / rate
    cw, alpha, a = np.cos(w0), np.sin(w0) / (2 * q), 10 ** (gain_db / 40)
    r = 2 * np.sqrt(a) * alpha
    table = {
        "lowpass": ([(1 - cw) / 2, 1 - cw, (1 - cw) / 2], [1 + alpha, -2 * cw, 1 - alpha]),
        "highpass": ([(1 + cw) / 2, -(1 + cw), (1 + cw) / 2], [1 + alpha, -2 * cw, 1 - alpha]),
        "bandpass": ([alpha, 0, -alpha], [1 + alpha, -2 * cw, 1 - alpha]),
        "notch": ([1, -2 * cw, 1], [1 + alpha, -2 * cw, 1 - alpha]),
        "allpass": ([1 - alpha, -2 * cw, 1 + alpha], [1 + alpha, -2 * cw, 1 - alpha]),
        "peak": ([1 + alpha * a, -2 * cw, 1 - alpha * a], [1 + alpha / a, -2 * cw, 1 - alpha / a]),
        "lowshelf": ([a * ((a + 1) - (a - 1) * cw + r), 2 * a * ((a - 1) - (a + 1) * cw),
                      a * ((a + 1) - (a - 1) * cw - r)],
                     [(a + 1) + (a - 1) * cw + r, -2 * ((a - 1) + (a + 1) * cw),
                      (a + 1) + (a - 1) * cw - r]),
        "highshelf": ([a * ((a + 1) + (a - 1) * cw + r), -2 * a * ((a - 1) + (a + 1) * cw),
                       a * ((a + 1) + (a - 1) * cw - r)],
                      [(a + 1) - (a - 1) * cw + r, 2 * ((a - 1) - (a + 1) * cw),
                       (a + 1) - (a - 1) * cw - r]),
    }
    b, a_ = table[kind]
    return np.array(b) / a_[0], np.array(a_) / a_[0]


def biquad_per_frame(kind, x, frequencies, qs, gains_db=None):
    """A transposed direct form II whose cookbook coefficients are computed for every frame
    from float32 parameter values (as the core reads them), in double precision."""
    gains_db = np.zeros(len(x)) if gains_db is None else gains_db
    y, z1, z2 = np.empty(len(x)), 0.0, 0.0
    for t in range(len(x)):
        b, a = cookbook(kind, np.float32(frequencies[t]), np.float32(qs[t]),
                        np.float32(gains_db[t]))
        y[t] = b[0] * x[t] + z1
        z1 = b[1] * x[t] - a[1] * y[t] + z2
        z2 = b[2] * x[t] - a[2] * y[t]
    return y
